"""The score sheet's model: rows, breakdown, rejections and metadata, and its JSON form.

The JSON form is the contract other programs read, so it lives with the model; every other format is a
writer beside it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import orjson

from supplierscore.errors import OutputError, UsageError
from supplierscore.inputs import Rejection, paused_gc


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


@dataclass(slots=True)
class BreakdownRow:
    """How one criterion scored one bid, with every figure an auditor needs to redo it by hand."""

    tender_id: str
    bid_id: str
    criterion: str
    input: str | None
    fraction: str
    evidence: str
    factor: str
    points: Decimal
    reason: str


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
    breakdown: list[BreakdownRow] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    analysis: dict[str, Any] | None = None
    """What would change the outcome (``score --analysis``): plain JSON data, or None for a sheet
    made without it, whose bytes are then exactly those of a sheet that never had the member."""

    def decimal(self, value: Decimal) -> str:
        """A points figure as the sheet prints it: exactly the ruleset's number of decimals."""
        return _fixed(value, self.metadata.precision)

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
        }

    def _breakdown_dict(self, row: BreakdownRow) -> dict[str, Any]:
        return {
            "tender_id": row.tender_id,
            "bid_id": row.bid_id,
            "criterion": row.criterion,
            "input": row.input,
            "fraction": row.fraction,
            "evidence": row.evidence,
            "factor": row.factor,
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
            "breakdown": self.breakdown,
            "rejections": self.rejections,
        }
        if self.analysis is not None:
            document["analysis"] = self.analysis
        return orjson.dumps(
            document, default=self._json_default, option=_JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE
        )

    def _json_default(self, value: Any) -> str:
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
    """Pick the writer by extension and turn any failure to write into one :class:`OutputError`."""
    target = Path(path)
    writer = writers.get(target.suffix.lower())
    if writer is None:
        known = ", ".join(sorted(writers))
        raise UsageError(f"cannot write {target.suffix or 'a file without extension'}: use {known}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with paused_gc():  # tables of millions of cells hold no cycles
            return writer(payload, target)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}", path=str(target)) from error


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
