"""schemathesis against /openapi.json: generated requests never get a server error, and every response
matches what the schema promises (status code, content type, body). Bounded: a few examples per operation.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from supplierscore.service import KeyStore, ServiceConfig, create_app
from tests.service_helpers import make_keys

_FOLDER = Path(tempfile.mkdtemp(prefix="supplierscore-schemathesis-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
_KEYS = make_keys(_FOLDER)
APP = create_app(
    ServiceConfig(
        KeyStore.load(_KEYS.path),
        audit_log=_FOLDER / "audit",
        rules_dir=_FOLDER / "rules",
        rate=1e6,
        burst=10**6,
    )
)


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: object, value: object) -> bytes:
    """The NDJSON body as generated text (any bytes a client may send; lone surrogates included)."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text.encode("utf-8", "surrogatepass")


schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.parametrize("role", ["admin", None])
def test_api_conforms_to_its_schema(case: schemathesis.Case, role: str | None) -> None:
    """With an admin key and with none, no request gets a 5xx and each response matches the schema."""
    headers = _KEYS.bearer("admin") if role else {}
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_the_checks_catch_a_server_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same checks fail when scoring breaks, so the test above can fail."""
    from supplierscore.service import _app
    from supplierscore.service._problems import Problem

    def broken(*args: object, **kwargs: object) -> object:
        raise Problem(500, "scoring broke")

    monkeypatch.setattr(_app, "score", broken)
    operation = schema["/v1/score"]["POST"]
    case = operation.Case(body={"tender": {"id": "T"}, "bids": []}, media_type="application/json")
    with pytest.raises(FailureGroup, match="Server error"):
        case.call_and_validate(headers=_KEYS.bearer("admin"), checks=CHECKS)
