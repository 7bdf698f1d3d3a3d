"""supplierscore: validate bids, score them under a ruleset, rank them, and prove every score.

The public API is exactly ``__all__`` (a test pins it)::

    >>> import supplierscore
    >>> ruleset = supplierscore.load_ruleset(supplierscore.default_ruleset_path())
    >>> batch = supplierscore.read_bids(["examples/tenders.ndjson"])      # doctest: +SKIP
    >>> sheet = supplierscore.score(batch, ruleset)                        # doctest: +SKIP
    >>> sheet.write("sheet.xlsx")                                          # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supplierscore.engine import score
    from supplierscore.errors import (
        AuditError,
        InputError,
        OutputError,
        RulesetError,
        SupplierScoreError,
        UsageError,
    )
    from supplierscore.inputs import Batch, Rejection, Tender, read_bids, read_documents
    from supplierscore.ruleset import Ruleset, default_ruleset_path, load_ruleset
    from supplierscore.sheet import ScoreSheet

    __version__: str

__all__ = [
    "AuditError",
    "Batch",
    "InputError",
    "OutputError",
    "Rejection",
    "Ruleset",
    "RulesetError",
    "ScoreSheet",
    "SupplierScoreError",
    "Tender",
    "UsageError",
    "__version__",
    "default_ruleset_path",
    "load_ruleset",
    "read_bids",
    "read_documents",
    "score",
]


def _lazy(
    package: str, exports: Mapping[str, tuple[str, ...]], submodules: tuple[str, ...] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` (PEP 562) that import each exported name from its module
    on first use, so importing a package costs nothing until a name in it is used: ``supplierscore
    --help`` never loads polars, and ``score`` never loads the OCDS importer. ``exports`` maps a module to
    the names taken from it, as the ``if TYPE_CHECKING:`` imports beside it say for type checkers (a test
    keeps the two the same); ``submodules`` are imported on first use as attributes (``pkg.inputs``)."""
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name in where:
            value = getattr(importlib.import_module(where[name]), name)
        elif name in submodules:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)  # looked up once: later uses find it directly
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where, *submodules})

    return __getattr__, __dir__


def _version() -> str:
    """The installed distribution's version, looked up only when asked (importlib.metadata is slow)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("supplierscore")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"


if not TYPE_CHECKING:
    _exports_getattr, _exports_dir = _lazy(
        __name__,
        {
            "supplierscore.engine": ("score",),
            "supplierscore.errors": (
                "AuditError",
                "InputError",
                "OutputError",
                "RulesetError",
                "SupplierScoreError",
                "UsageError",
            ),
            "supplierscore.inputs": ("Batch", "Rejection", "Tender", "read_bids", "read_documents"),
            "supplierscore.ruleset": ("Ruleset", "default_ruleset_path", "load_ruleset"),
            "supplierscore.sheet": ("ScoreSheet",),
        },
        (
            "audit",
            "cli",
            "engine",
            "errors",
            "inputs",
            "limits",
            "report",
            "resources",
            "ruleset",
            "service",
            "sheet",
        ),
    )

    def __dir__() -> list[str]:
        return sorted({*_exports_dir(), "__version__"})

    def __getattr__(name: str) -> Any:
        if name == "__version__":
            globals()["__version__"] = value = _version()
            return value
        return _exports_getattr(name)
