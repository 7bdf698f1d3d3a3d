"""supplierscore: validate bids, score them under a ruleset, rank them, and prove every score.

The public API is exactly ``__all__`` (a test pins it)::

    >>> import supplierscore
    >>> ruleset = supplierscore.load_ruleset(supplierscore.default_ruleset_path())
    >>> batch = supplierscore.read_bids(["examples/tenders.ndjson"])      # doctest: +SKIP
    >>> sheet = supplierscore.score(batch, ruleset)                        # doctest: +SKIP
    >>> sheet.write("sheet.xlsx")                                          # doctest: +SKIP
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("supplierscore")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

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
