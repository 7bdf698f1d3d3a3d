"""The HTTP service: the library behind ``/v1/score``, ``/v1/validate`` and ``/v1/rulesets``, for
e-tendering systems that call HTTP rather than import Python.

``supplierscore serve --keys KEYFILE`` runs :func:`create_app` on uvicorn. Every endpoint under ``/v1``
needs ``Authorization: Bearer KEY`` (keys from ``supplierscore keys add``, stored only as hashes), is rate
limited per key, and answers errors as RFC 9457 problem details. Bodies are read raw, bounded in size, and
parsed by the engine's own exact parser (numbers as ``Decimal``, duplicate keys refused), never by the
framework; scoring runs off the event loop, and with an audit log every scoring request appends one run.

Example:
    >>> from fastapi.testclient import TestClient                       # doctest: +SKIP
    >>> app = create_app(ServiceConfig(KeyStore.load("keys.json")))     # doctest: +SKIP
    >>> TestClient(app).get("/healthz").json()["status"]                # doctest: +SKIP
    'ok'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from supplierscore import _lazy

if TYPE_CHECKING:
    from supplierscore.service._app import ServiceConfig, create_app
    from supplierscore.service._keys import ROLES, ApiKey, KeyStore, add_key

__all__ = ["ROLES", "ApiKey", "KeyStore", "ServiceConfig", "add_key", "create_app"]

if not TYPE_CHECKING:
    __getattr__, __dir__ = _lazy(
        __name__,
        {
            "supplierscore.service._app": (
                "ServiceConfig",
                "create_app",
            ),
            "supplierscore.service._keys": (
                "ROLES",
                "ApiKey",
                "KeyStore",
                "add_key",
            ),
        },
    )
