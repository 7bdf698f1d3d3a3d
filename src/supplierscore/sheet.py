"""The score sheet: what a run produces, and the writers that put it in files.

A :class:`ScoreSheet` holds **rows** (one per scored bid: rank, total, points per criterion, subtotals
per group), the **breakdown** (one row per bid and criterion: input, fraction, evidence, factor, points
and a plain-language reason), the **rejections** from reading, and **metadata** (run id, engine and
ruleset versions, digests, counts). Its JSON form is ``schemas/scoresheet.schema.json``; money and points
leave as decimal strings with exactly the ruleset's precision, never floats.

Writers are chosen by the output's extension (:data:`WRITERS`); every writer is deterministic, so the
same inputs, ruleset and engine version give byte-identical files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from supplierscore.bids import Rejection
from supplierscore.errors import OutputError, UsageError


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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

    def decimal(self, value: Decimal) -> str:
        """A points figure as the sheet prints it: exactly the ruleset's number of decimals."""
        return f"{value:.{self.metadata.precision}f}"

    def to_dict(self) -> dict[str, Any]:
        """The sheet as JSON-ready data, in the shape of ``schemas/scoresheet.schema.json``."""
        meta = self.metadata
        return {
            "metadata": {
                "run_id": meta.run_id,
                "created_at": meta.created_at,
                "engine_version": meta.engine_version,
                "ruleset": {"id": meta.ruleset_id, "version": meta.ruleset_version, "sha256": meta.ruleset_sha256},
                "input_sha256": meta.input_sha256,
                "counts": {
                    "read": meta.counts.read,
                    "scored": meta.counts.scored,
                    "ineligible": meta.counts.ineligible,
                    "rejected": meta.counts.rejected,
                },
                "precision": meta.precision,
                "rounding": meta.rounding,
            },
            "rows": [self._row_dict(row) for row in self.rows],
            "breakdown": [self._breakdown_dict(row) for row in self.breakdown],
            "rejections": [rejection.to_dict() for rejection in self.rejections],
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
        """The JSON form as bytes: UTF-8, two-space indent, fixed key order, a final newline."""
        return (json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def write(self, path: str | os.PathLike[str]) -> list[Path]:
        """Write the sheet in the format ``path``'s extension names; returns every file written."""
        target = Path(path)
        writer = WRITERS.get(target.suffix.lower())
        if writer is None:
            known = ", ".join(sorted(WRITERS))
            raise UsageError(f"cannot write {target.suffix or 'a file without extension'}: use {known}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            return writer(self, target)
        except OSError as error:
            raise OutputError(f"cannot write {target}: {error.strerror or error}", path=str(target)) from error


def _write_json(sheet: ScoreSheet, path: Path) -> list[Path]:
    path.write_bytes(sheet.to_json_bytes())
    return [path]


Writer = Callable[[ScoreSheet, Path], list[Path]]

WRITERS: dict[str, Writer] = {".json": _write_json}
"""Writers by lower-case file extension."""
