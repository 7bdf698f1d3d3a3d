"""A score sheet read back with its ruleset: tenders, their bids, and the figures reports and letters show.

A JSON sheet holds ids, not the ruleset's labels, weights or targets, so every report needs the ruleset
it was scored under: :func:`sheet_view` refuses any other (the digests must match).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jsonschema_rs

from supplierscore import ruleset as rs
from supplierscore.engine import round_points
from supplierscore.errors import UsageError
from supplierscore.resources import load_schema

SHORT_OF_EVIDENCE = ("self-declared", "expired", "not-yet-valid")
"""Evidence states in which a valid certificate would have earned more (factor 1)."""


@dataclass(slots=True)
class Line:
    """One criterion of one bid, as the breakdown gives it."""

    criterion: str
    input: str | None
    fraction: str
    evidence: str
    factor: str
    points: str
    reason: str


@dataclass(slots=True)
class Bid:
    """One bid's row in the sheet, with its breakdown lines by criterion id."""

    tender_id: str
    bid_id: str
    supplier_id: str
    supplier_name: str
    rank: int | None
    eligible: bool
    reasons: list[str]
    total: str | None
    points: dict[str, str]
    groups: dict[str, str]
    price: str | None
    currency: str | None
    lines: dict[str, Line] = field(default_factory=dict)


@dataclass(slots=True)
class Rejected:
    """A bid refused when read: where it was and why."""

    source: str
    line: int | None
    bid_id: str | None
    path: str
    reason: str


@dataclass(slots=True)
class TenderView:
    """One tender: its ranked bids (rank order), ineligible bids, and bids rejected when read."""

    id: str
    title: str | None
    ranked: list[Bid] = field(default_factory=list)
    ineligible: list[Bid] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def winner(self) -> Bid | None:
        """The bid ranked first, if any bid was eligible."""
        return self.ranked[0] if self.ranked else None


@dataclass(slots=True)
class SheetView:
    """The sheet and its ruleset together."""

    metadata: dict[str, Any]
    ruleset: rs.Ruleset
    tenders: list[TenderView]
    unplaced: list[Rejected]
    """Rejections that name no tender (a line that could not be read at all)."""

    @property
    def precision(self) -> int:
        """The decimals of every points figure."""
        return self.ruleset.precision

    def criterion(self, criterion_id: str) -> rs.Criterion:
        """The ruleset's criterion of that id."""
        return next(c for c in self.ruleset.criteria if c.id == criterion_id)

    def tender(self, tender_id: str) -> TenderView:
        """The tender of that id; a :class:`UsageError` names those there are when it is not in the sheet."""
        for tender in self.tenders:
            if tender.id == tender_id:
                return tender
        known = ", ".join(t.id for t in self.tenders)
        raise UsageError(f"tender {tender_id} is not in the sheet: it holds {known}")

    def would_add(self, bid: Bid, criterion_id: str) -> Decimal | None:
        """The points a valid certificate would have added to ``bid`` on that criterion, or None when it
        would add nothing (the evidence was valid, or not asked for, or the fraction is 0).

        Exactly: weight × fraction × 1, rounded as the ruleset rounds, minus the points awarded. The
        breakdown prints a fraction exactly when it ends within 12 decimals, else rounded there, so the
        true fraction lies within half a unit of the 12th decimal of the printed one. When both ends of
        that interval round alike, that is the exact answer. Only a product within 10⁻¹¹ of a rounding
        boundary rounds differently at the two ends; the printed fraction is then taken as exact, which
        it is for every method whose fraction ends within 12 decimals (bands, boolean, threshold, lookup,
        panel marks and counts of a few items).
        """
        line = bid.lines.get(criterion_id)
        if line is None or line.evidence not in SHORT_OF_EVIDENCE:
            return None
        fraction = Decimal(line.fraction)
        if fraction == 0:
            return None
        weight = self.criterion(criterion_id).weight
        half = Decimal("0.5e-12")
        low, high = self._round(weight, fraction - half), self._round(weight, fraction + half)
        full = low if low == high else self._round(weight, fraction)
        added = full - Decimal(line.points)
        return added if added > 0 else None

    def _round(self, weight: Decimal, fraction: Decimal) -> Decimal:
        """weight × fraction, exactly (integer ratios), rounded once as the ruleset rounds."""
        w_top, w_bottom = weight.as_integer_ratio()
        f_top, f_bottom = fraction.as_integer_ratio()
        exact = (w_top * f_top, w_bottom * f_bottom)
        return round_points(exact, self.ruleset.precision, self.ruleset.rounding)


def sheet_view(sheet: dict[str, Any], ruleset: rs.Ruleset, rules_name: str) -> SheetView:
    """The sheet (as :func:`supplierscore.sheet.load_sheet` reads it) with ``ruleset``, which must be the
    one it was scored under."""
    _check_shape(sheet)
    meta = sheet["metadata"]
    recorded = meta.get("ruleset", {})
    if recorded.get("sha256") != ruleset.sha256:
        raise UsageError(
            f"the sheet was scored under ruleset {recorded.get('id')} {recorded.get('version')} "
            f"(sha256 {str(recorded.get('sha256'))[:12]}…), not {rules_name} ({ruleset.id} "
            f"{ruleset.version}, sha256 {ruleset.sha256[:12]}…): give that ruleset with --rules"
        )
    tenders: dict[str, TenderView] = {}
    bids: dict[tuple[str, str], Bid] = {}
    for row in sheet["rows"]:
        tender = tenders.setdefault(row["tender_id"], TenderView(row["tender_id"], row.get("tender_title")))
        bid = Bid(
            row["tender_id"],
            row["bid_id"],
            row["supplier_id"],
            row["supplier_name"],
            row["rank"],
            row["eligible"],
            list(row["reasons"]),
            row["total"],
            dict(row["points"]),
            dict(row["groups"]),
            row.get("price"),
            row.get("currency"),
        )
        bids[(bid.tender_id, bid.bid_id)] = bid
        (tender.ranked if bid.eligible else tender.ineligible).append(bid)
    for b in sheet.get("breakdown", []):
        owner = bids.get((b["tender_id"], b["bid_id"]))
        if owner is not None:
            owner.lines[b["criterion"]] = Line(
                b["criterion"],
                b["input"],
                b["fraction"],
                b["evidence"],
                b["factor"],
                b["points"],
                b["reason"],
            )
    unplaced: list[Rejected] = []
    for r in sheet.get("rejections", []):
        rejected = Rejected(r["source"], r.get("line"), r.get("bid_id"), r.get("path") or "/", r["reason"])
        if r.get("tender_id") is None:
            unplaced.append(rejected)
        else:
            tenders.setdefault(r["tender_id"], TenderView(r["tender_id"], None)).rejected.append(rejected)
    for tender in tenders.values():
        tender.ranked.sort(key=lambda b: b.rank or 0)
    return SheetView(meta, ruleset, [tenders[t] for t in sorted(tenders)], unplaced)


@functools.cache
def _sheet_validator() -> Any:
    return jsonschema_rs.validator_for(load_schema("scoresheet.schema.json"))


def _check_shape(sheet: dict[str, Any]) -> None:
    """A sheet edited by hand, or written by something else, is refused in one line naming the first place
    that breaks ``schemas/scoresheet.schema.json``, rather than failing half-way through a report."""
    error = next(iter(_sheet_validator().iter_errors(sheet)), None)
    if error is not None:
        where = "/" + "/".join(str(step) for step in error.instance_path)
        raise UsageError(f"the sheet does not follow the score sheet schema at {where}: {error.message}")
