"""What reading produces: tenders, rejections, per-file counts and the batch that holds them.

Plain records with no behaviour beyond counting, so every later stage (scoring, sheets, the audit log) can
import them without importing the readers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MAX_DEPTH = 64
"""The deepest nesting of arrays and objects a line may have; a valid tender document needs 6."""

MAX_LINE_BYTES = 64 * 1024 * 1024
"""The longest line (or ``.json`` file) read; a longer one is rejected unparsed."""

MAX_STDIN_BYTES = 2**30
"""The most standard input read (it is held in memory, as both passes over the input need it)."""

MAX_BIDS = 1000
"""The most bids one tender document may hold; a tender with more is rejected whole, once."""

MAX_ID_LENGTH = 100
"""The longest id (of a tender, bid or supplier) the schemas allow; a rejection shows no more of one."""

SUPPORTED_SUFFIXES = (".json", ".ndjson", ".jsonl", ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")
"""What is read: JSON tender documents, and spreadsheets holding them as tables (see ``_sheets``)."""
STDIN = "-"
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class InputBytes:
    """An input already in memory, under the name rejections should give as its source.

    Used for standard input captured for an audit log, and to replay a run from stored objects: the
    name decides the format (``.json`` is one document, anything else is read as NDJSON).
    """

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one bid (or one unreadable line) was not scored, and exactly where it was found.

    ``line`` counts from 1; ``index`` is the bid's position in the line's ``bids`` array (from 0) or
    ``None`` when the whole line failed; ``path`` is a JSON Pointer into the tender document (``""`` is
    the whole document). A bid with several problems has one rejection per problem.
    """

    source: str
    line: int | None
    index: int | None
    tender_id: str | None
    bid_id: str | None
    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The rejection as the score sheet and ``validate --format json`` print it."""
        return asdict(self)


@dataclass(slots=True)
class Tender:
    """A tender header with its valid bids, as parsed (numbers are ``Decimal``)."""

    header: dict[str, Any]
    bids: list[dict[str, Any]]
    source: str
    line: int

    @property
    def id(self) -> str:
        """The tender's id."""
        return str(self.header["id"])


@dataclass(slots=True)
class FileSummary:
    """How many bids one input file held, and how many were valid or rejected."""

    source: str
    sha256: str = ""
    read: int = 0
    valid: int = 0
    rejected: int = 0


@dataclass(slots=True)
class Batch:
    """The outcome of reading: valid tenders with their bids, the rejections, and per-file counts."""

    tenders: list[Tender] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    files: list[FileSummary] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def read(self) -> int:
        """Bids read, counting an unparseable line as one."""
        return sum(f.read for f in self.files)

    @property
    def valid(self) -> int:
        """Bids that passed every check."""
        return sum(len(t.bids) for t in self.tenders)

    @property
    def rejected(self) -> int:
        """Bids (or unparseable lines) with at least one rejection."""
        return sum(f.rejected for f in self.files)

    @property
    def reconciles(self) -> bool:
        """Whether every bid read is accounted for: read = valid + rejected."""
        return self.read == self.valid + self.rejected


class _LineError(Exception):
    """A line that cannot be turned into a tender document; becomes one rejection."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
