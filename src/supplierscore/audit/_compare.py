"""Comparing two rulesets on the same bids: what differs between them, and which bids would change rank.

``supplierscore rules diff A B --input BATCH`` scores the batch under both rulesets and compares the two
sheets with :func:`~supplierscore.audit.diff_sheets`, the comparison ``diff`` uses for recorded runs, so a
rank change is explained the same way (``immigrant-ownership 4.00 → 6.00: ruleset: weight 8 → 12``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from supplierscore import ruleset as rs
from supplierscore.audit._diff import BidChange, SheetDiff, diff_sheets
from supplierscore.engine import score
from supplierscore.inputs import Batch, Tender


@dataclass(frozen=True, slots=True)
class RulesetComparison:
    """Two rulesets compared: their differences and, given bids, the sheets' diff under each."""

    a: rs.Ruleset
    b: rs.Ruleset
    changes: dict[str, str]
    sheets: SheetDiff | None = None
    bids: int = 0
    tenders: int = 0
    rejected: int = 0

    @property
    def rank_changes(self) -> list[BidChange]:
        """The bids whose rank differs (eligibility included: an ineligible bid has no rank)."""
        return [] if self.sheets is None else [c for c in self.sheets.changes if c.rank[0] != c.rank[1]]


def compare_rulesets(
    a: rs.Ruleset, b: rs.Ruleset, batch: Batch | Iterable[Tender] | None = None
) -> RulesetComparison:
    """What differs from ruleset ``a`` to ``b``; with ``batch``, every bid scored under both and compared.

    >>> compare_rulesets(ruleset, ruleset).changes                     # doctest: +SKIP
    {}
    """
    changes = rs.ruleset_changes(a, b)
    if batch is None:
        return RulesetComparison(a, b, changes)
    tenders = list(batch.tenders if isinstance(batch, Batch) else batch)
    rejected = batch.rejected if isinstance(batch, Batch) else 0
    canonical = (json.loads(a.canonical_json), json.loads(b.canonical_json))
    sheets = diff_sheets(score(tenders, a).to_dict(), score(tenders, b).to_dict(), rulesets=canonical)
    bids = sum(len(t.bids) for t in tenders)
    return RulesetComparison(a, b, changes, sheets, bids, len(tenders), rejected)


def format_comparison(result: RulesetComparison, names: tuple[str, str] = ("A", "B")) -> str:
    """The comparison as ``rules diff`` prints it: both rulesets, what differs, then the rank changes."""
    lines = [
        f"{label}  {r.id} {r.version} ({r.sha256[:12]})  {name}"
        for label, r, name in (("A", result.a, names[0]), ("B", result.b, names[1]))
    ]
    if result.changes:
        lines.append(f"what differs ({len(result.changes)}):")
        lines += [f"  {_subject(name)}: {change}" for name, change in result.changes.items()]
    else:
        lines.append("no difference in criteria, weights, methods, evidence, gates or policy")
    if result.sheets is None:
        return "\n".join(lines)
    moved = result.rank_changes
    rejected = f" ({result.rejected} rejected bids left out)" if result.rejected else ""
    lines.append(
        f"on {result.bids} bid(s) in {result.tenders} tender(s){rejected}: "
        f"{len(moved)} would change rank" + (":" if moved else "")
    )
    tender = None
    for change in moved:
        if change.tender_id != tender:
            tender = change.tender_id
            lines.append(f"  tender {tender}")
        before, after = ("–" if v is None else v for v in change.rank)
        totals = " → ".join("–" if v is None else v for v in change.total)
        lines.append(f"    {change.bid_id}: rank {before} → {after}, total {totals}")
        lines += [f"      {c.criterion} {c.before} → {c.after}: {c.why}" for c in change.criteria]
        if change.note:
            lines.append(f"      {change.note}")
    return "\n".join(lines)


def _subject(name: str) -> str:
    return name.strip("()") if name.startswith("(") else f"criterion {name}"
