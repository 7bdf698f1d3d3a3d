"""The score sheet's model: rows, breakdown, rejections and metadata, and its JSON form.

The JSON form is the contract other programs read, so it lives with the model; every other format is a
writer beside it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from pathlib import Path
from typing import Any, TypeVar

import orjson

from supplierscore.errors import UsageError
from supplierscore.inputs import Rejection, paused_gc
from supplierscore.sheet._files import check_output, write_atomically


@dataclass(slots=True)
class Row:
    """One bid's result in its tender. An ineligible bid has no rank, no total and no points."""

    tender_id: str
    rank: int | None
    bid_id: str
    supplier_id: str
    supplier_name: str
    eligible: bool
    reasons: tuple[str, ...]
    total: Decimal | None
    points: dict[str, Decimal]
    groups: dict[str, Decimal]
    tender_title: str | None = None
    price: str | None = None
    """The bid's price amount exactly as the bid wrote it (``"48250.00"``), for people reading the sheet."""
    currency: str | None = None


@dataclass(slots=True)
class ParticipationRow(Row):
    """A row under a ruleset that counts supply-chain participation: ``participation`` maps each counted
    group (and ``any``) to its exact percent of the contract value, as text (``"12.5"``), eligible or not."""

    participation: dict[str, str] = field(default_factory=dict)


class Exact(Decimal):
    """A fraction or an evidence factor: a ``Decimal`` that files print exactly as it is (``0.125``,
    ``1``, ``0.666666666667``), where points print at the ruleset's precision.

    It is a ``Decimal`` in every way (arithmetic on it gives plain Decimals); only its type tells the
    writers which way to print it, so the files stay the same bytes as when these figures were text.

    >>> Exact("0.125") * 2, str(Exact("1E-7"))
    (Decimal('0.250'), '0.0000001')
    """

    __slots__ = ("text",)

    text: str
    """The figure as files print it, made once (a sheet prints it in every format it writes)."""

    def __new__(cls, value: str | Decimal | int = "0") -> Exact:
        self = super().__new__(cls, value)
        self.text = format(self, "f")
        return self

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str, context: Context | None = None, /) -> str:
        if not spec:
            return self.text
        return super().__format__(spec) if context is None else super().__format__(spec, context)


@dataclass(slots=True)
class BreakdownRow:
    """How one criterion scored one bid, with every figure an auditor needs to redo it by hand.

    ``fraction`` (what the method gave, from 0 to 1) and ``factor`` (the evidence factor) are exact
    decimals (:class:`Exact`, rounded at 12 places only where the ratio never ends); ``points`` is
    rounded once at the ruleset's precision.
    """

    tender_id: str
    bid_id: str
    criterion: str
    input: str | None
    fraction: Exact
    evidence: str
    factor: Exact
    points: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class BidResult:
    """One bid's result: its row in the sheet and its breakdown, one line per criterion (none when the
    bid is ineligible)."""

    row: Row
    breakdown: tuple[BreakdownRow, ...]


@dataclass(frozen=True, slots=True)
class Counts:
    """Bids read, and how they ended: ``read == scored + ineligible + rejected``."""

    read: int
    scored: int
    ineligible: int
    rejected: int


@dataclass(frozen=True, slots=True)
class Metadata:
    """Who made the sheet from what: enough to find the run in an audit log and replay it."""

    run_id: str
    created_at: str | None
    engine_version: str
    ruleset_id: str
    ruleset_version: str
    ruleset_sha256: str
    input_sha256: str
    counts: Counts
    precision: int
    rounding: str


@dataclass(frozen=True, slots=True)
class ScoreSheet:
    """The result of a run. ``write(path)`` saves it in the format the path's extension names."""

    metadata: Metadata
    criteria: tuple[str, ...]
    groups: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    breakdown: Sequence[BreakdownRow] = field(default_factory=list)
    """One line per criterion for each eligible bid: a list, or a
    :class:`~supplierscore.sheet.Breakdown` (what the engine makes), which reads the same."""
    rejections: list[Rejection] = field(default_factory=list)
    participation: tuple[str, ...] = ()
    """The participation keys every row reports (``participation.<key>`` columns); empty when the
    ruleset counts none, and then rows are plain :class:`Row` s."""
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    """Criterion and group ids → the ruleset's English labels, for the headers people read (XLSX); the JSON
    keeps the ids, which programs rely on."""

    def label(self, name: str) -> str:
        """The ruleset's label for a criterion or group id, or the id itself when it has none."""
        return self.labels.get(name, name)

    analysis: dict[str, Any] | None = None
    """What would change the outcome (``score --analysis``): plain JSON data, or None for a sheet
    made without it, whose bytes are then exactly those of a sheet that never had the member."""

    def decimal(self, value: Decimal) -> str:
        """A points figure as the sheet prints it: exactly the ruleset's number of decimals."""
        return _fixed(value, self.metadata.precision)

    def bid(self, tender_id: str, bid_id: str) -> BidResult:
        """One bid's row and breakdown.

        Raises :class:`~supplierscore.errors.UsageError` when the sheet has no such bid, saying why when
        the bid was rejected (a rejected bid has no row).
        """
        rows = [r for r in self.rows if r.tender_id == tender_id and r.bid_id == bid_id]
        if rows:
            lines = (b for b in self.breakdown if b.tender_id == tender_id and b.bid_id == bid_id)
            return BidResult(rows[0], tuple(lines))
        rejected = [r for r in self.rejections if r.tender_id == tender_id and r.bid_id == bid_id]
        if rejected:
            first = rejected[0]
            raise UsageError(
                f"bid {bid_id} of tender {tender_id} was rejected, so it has no row: "
                f"{first.path or '/'}: {first.reason}",
                tender_id=tender_id,
                bid_id=bid_id,
            )
        raise UsageError(
            f"the sheet has no bid {bid_id} in tender {tender_id}", tender_id=tender_id, bid_id=bid_id
        )

    def to_dict(self) -> dict[str, Any]:
        """The sheet as JSON-ready data, in the shape of ``schemas/scoresheet.schema.json``."""
        document = {
            "metadata": self._metadata_dict(),
            "rows": [self._row_dict(row) for row in self.rows],
            "breakdown": [self._breakdown_dict(row) for row in self.breakdown],
            "rejections": [rejection.to_dict() for rejection in self.rejections],
        }
        if self.analysis is not None:
            document["analysis"] = self.analysis
        return document

    def _metadata_dict(self) -> dict[str, Any]:
        meta = self.metadata
        return {
            "run_id": meta.run_id,
            "created_at": meta.created_at,
            "engine_version": meta.engine_version,
            "ruleset": {
                "id": meta.ruleset_id,
                "version": meta.ruleset_version,
                "sha256": meta.ruleset_sha256,
            },
            "input_sha256": meta.input_sha256,
            "counts": {
                "read": meta.counts.read,
                "scored": meta.counts.scored,
                "ineligible": meta.counts.ineligible,
                "rejected": meta.counts.rejected,
            },
            "precision": meta.precision,
            "rounding": meta.rounding,
        }

    def _row_dict(self, row: Row) -> dict[str, Any]:
        return {
            "tender_id": row.tender_id,
            "rank": row.rank,
            "bid_id": row.bid_id,
            "supplier_id": row.supplier_id,
            "supplier_name": row.supplier_name,
            "eligible": row.eligible,
            "reasons": list(row.reasons),
            "total": None if row.total is None else self.decimal(row.total),
            "points": {k: self.decimal(v) for k, v in row.points.items()},
            "groups": {k: self.decimal(v) for k, v in row.groups.items()},
            "tender_title": row.tender_title,
            "price": row.price,
            "currency": row.currency,
            **({"participation": dict(row.participation)} if isinstance(row, ParticipationRow) else {}),
        }

    def _breakdown_dict(self, row: BreakdownRow) -> dict[str, Any]:
        return {
            "tender_id": row.tender_id,
            "bid_id": row.bid_id,
            "criterion": row.criterion,
            "input": row.input,
            "fraction": str(row.fraction),
            "evidence": row.evidence,
            "factor": str(row.factor),
            "points": self.decimal(row.points),
            "reason": row.reason,
        }

    def to_json_bytes(self) -> bytes:
        """The JSON form as bytes: UTF-8, two-space indent, fixed key order, a final newline.

        orjson walks the rows, breakdown and rejections itself (their dataclass fields are declared in
        the JSON's order), calling back only to print a Decimal: the same bytes as ``to_dict()`` would
        give, at a fraction of the cost.
        """
        document = {
            "metadata": self._metadata_dict(),
            "rows": self.rows,
            "breakdown": self.breakdown if isinstance(self.breakdown, list) else list(self.breakdown),
            "rejections": self.rejections,
        }
        if self.analysis is not None:
            document["analysis"] = self.analysis
        return orjson.dumps(
            document, default=self._json_default, option=_JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE
        )

    def _json_default(self, value: Any) -> str:
        if type(value) is Exact:
            return value.text
        if isinstance(value, Decimal):
            return self.decimal(value)
        raise TypeError(f"{type(value).__name__} has no place in a score sheet")

    def write(self, path: str | os.PathLike[str]) -> list[Path]:
        """Write the sheet in the format ``path``'s extension names; returns every file written."""
        from supplierscore.sheet._writers import WRITERS  # the writers import this model

        return _dispatch(WRITERS, self, path)


Payload = TypeVar("Payload")


def _dispatch(
    writers: Mapping[str, Callable[[Payload, Path], list[Path]]],
    payload: Payload,
    path: str | os.PathLike[str],
) -> list[Path]:
    """Pick the writer by extension and write under a temporary name, renamed when complete: any failure
    to write is one :class:`OutputError`, and leaves what was there before."""
    target = check_output(path, writers)
    writer = writers[target.suffix.lower()]
    with paused_gc():  # tables of millions of cells hold no cycles
        return write_atomically(target, lambda staged: writer(payload, staged))


_JSON_OPTIONS = orjson.OPT_INDENT_2


@functools.lru_cache(maxsize=1 << 16)
def _fixed(value: Decimal, precision: int) -> str:
    """``value`` with exactly ``precision`` decimals; cached, since a sheet repeats few distinct figures
    (equal Decimals such as 1.5 and 1.50 print alike here, so sharing a cache entry is safe)."""
    return f"{value:.{precision}f}"


def _json_bytes(data: Any) -> bytes:
    """UTF-8 JSON, two-space indent, keys in insertion order, a final newline (orjson: 30× the stdlib)."""
    return orjson.dumps(data, option=_JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE)


def _write_json(sheet: ScoreSheet, path: Path) -> list[Path]:
    path.write_bytes(sheet.to_json_bytes())
    return [path]
