"""One tender: gates, the lowest eligible price, every criterion for every bid, then the ranking."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._criteria import _score_criterion
from supplierscore.engine._fast import fast_plan
from supplierscore.engine._gates import _comparable, gate_failure
from supplierscore.engine._methods import (
    PriceContext,
    compile_ruleset,
    ratio,
)
from supplierscore.engine._participation import participation
from supplierscore.engine._values import MISSING, resolve
from supplierscore.inputs import Tender
from supplierscore.sheet import Breakdown, BreakdownRow, Line, ParticipationRow, Row

# ---------------------------------------------------------------------------------------------------
# A tender


@dataclass(slots=True)
class _BidResult:
    bid: Mapping[str, Any]
    reasons: list[str]
    points: dict[str, Decimal]
    groups: dict[str, Decimal]
    breakdown: list[BreakdownRow]

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def total(self) -> Decimal:
        return sum(self.points.values(), Decimal(0))


def score_tender(tender: Tender, ruleset: rs.Ruleset) -> tuple[list[Row], Breakdown]:
    """Score and rank one tender's valid bids; rows come in rank order, then ineligible bids by id.

    The fast path (:mod:`supplierscore.engine._fast`): each breakdown line is shared by every bid it fits.
    It gives the same rows and breakdown as :func:`score_tender_reference`, which the tests check.
    """
    plan = fast_plan(ruleset)
    header = tender.header
    bids = _bids_of(tender, ruleset)
    eligible: list[Mapping[str, Any]] = []
    ineligible: list[tuple[Mapping[str, Any], list[str]]] = []
    for bid in bids:
        reasons = [r for check in plan.gates if (r := check(bid, header))]
        if reasons:
            ineligible.append((bid, reasons))
        else:
            eligible.append(bid)
    prices = _price_context(eligible)
    tender_id = tender.id
    makers = plan.makers
    results: list[tuple[_BidResult, tuple[Line, ...], Decimal]] = []
    for bid in eligible:
        lines = tuple(make(tender_id, bid, header, prices) for make in makers)
        points = plan.points(lines)
        result = _BidResult(bid, [], points, plan.groups(points), [])
        results.append((result, lines, sum(points.values(), Decimal(0))))
    title = header.get("title")
    rows: list[Row] = []
    breakdown = Breakdown()
    for rank, (result, lines, total) in enumerate(_ranked(results, ruleset), start=1):
        rows.append(_row(tender_id, title, rank, result, total))
        breakdown.add(tender_id, result.bid["id"], lines)
    for bid, reasons in sorted(ineligible, key=lambda item: str(item[0]["id"])):
        rows.append(_row(tender_id, title, None, _BidResult(bid, reasons, {}, {}, []), None))
    return rows, breakdown


def _ranked(
    results: list[tuple[_BidResult, tuple[Line, ...], Decimal]], ruleset: rs.Ruleset
) -> list[tuple[_BidResult, tuple[Line, ...], Decimal]]:
    """Results in rank order: by total (highest first), and where totals tie, by the full comparison
    (tie-breakers, then bid id), which is a total order, so any sort gives this same order."""
    by_total = sorted(results, key=lambda item: item[2], reverse=True)
    compare = functools.cmp_to_key(_ranking(ruleset))
    ranked: list[tuple[_BidResult, tuple[Line, ...], Decimal]] = []
    start = 0
    while start < len(by_total):
        end = start + 1
        while end < len(by_total) and by_total[end][2] == by_total[start][2]:
            end += 1
        tied = by_total[start:end]
        ranked += tied if len(tied) == 1 else sorted(tied, key=lambda item: compare(item[0]))
        start = end
    return ranked


def score_tender_reference(tender: Tender, ruleset: rs.Ruleset) -> tuple[list[Row], list[BreakdownRow]]:
    """The reference: every line worked out anew for every bid (:func:`score_results`), kept for the
    differential tests of :func:`score_tender` and as the plainest statement of the scoring."""
    ranked, ineligible, _ = score_results(tender, ruleset)
    title = tender.header.get("title")
    rows = [_row(tender.id, title, rank, r, r.total) for rank, r in enumerate(ranked, start=1)]
    rows += [_row(tender.id, title, None, r, None) for r in ineligible]
    breakdown = [line for r in ranked for line in r.breakdown]
    return rows, breakdown


def score_results(
    tender: Tender, ruleset: rs.Ruleset
) -> tuple[list[_BidResult], list[_BidResult], PriceContext]:
    """The eligible results in rank order, the ineligible ones by bid id, and the tender's lowest price:
    what :func:`score_tender` makes rows of, and what the analysis re-scores from."""
    plan = compile_ruleset(ruleset)
    header = tender.header
    bids = _bids_of(tender, ruleset)
    results = [
        _BidResult(bid, [r for g in ruleset.gates if (r := gate_failure(g, bid, header))], {}, {}, [])
        for bid in bids
    ]
    eligible = [r for r in results if r.eligible]
    prices = _price_context([r.bid for r in eligible])
    for result in eligible:
        for compiled in plan.criteria:
            line = _score_criterion(compiled, ruleset, tender.id, result.bid, header, prices)
            result.points[compiled.criterion.id] = line.points
            result.breakdown.append(line)
        for criterion in ruleset.criteria:
            subtotal = result.groups.get(criterion.group, Decimal(0))
            result.groups[criterion.group] = subtotal + result.points[criterion.id]
    ranked = sorted(eligible, key=functools.cmp_to_key(_ranking(ruleset)))
    ineligible = sorted((r for r in results if not r.eligible), key=lambda r: str(r.bid["id"]))
    return ranked, ineligible, prices


def _price_context(eligible: list[Mapping[str, Any]]) -> PriceContext:
    """The lowest eligible price; equal prices written differently ("96200.00", 96200) print the same
    whatever the bids' order."""
    prices_given = (Decimal(bid["price"]["amount"]) for bid in eligible)
    lowest = min(prices_given, key=lambda price: (price, str(price)), default=None)
    return PriceContext(None, "") if lowest is None else PriceContext(ratio(lowest), str(lowest))


def _bids_of(tender: Tender, ruleset: rs.Ruleset) -> list[Mapping[str, Any]]:
    """The tender's bids, each with its derived participation when the ruleset counts it."""
    if ruleset.participation is None:
        return list(tender.bids)
    return [_with_participation(b, ruleset) for b in tender.bids]


def _with_participation(bid: Mapping[str, Any], ruleset: rs.Ruleset) -> Mapping[str, Any]:
    """The bid with its derived ``participation`` (a key no bid can give: the schema refuses it)."""
    assert ruleset.participation is not None
    return {**bid, "participation": participation(bid, ruleset.participation)}


def _row(
    tender_id: str, title: str | None, rank: int | None, result: _BidResult, total: Decimal | None
) -> Row:
    bid = result.bid
    supplier, price = bid["supplier"], bid["price"]
    values = (
        tender_id,
        rank,
        bid["id"],
        supplier["id"],
        supplier["name"],
        result.eligible,
        tuple(result.reasons),
        total,
        result.points,
        result.groups,
        title,
        format(Decimal(price["amount"]), "f"),
        price.get("currency"),
    )  # in Row's field order: positional, as this runs once per bid
    counted = bid.get("participation")
    if counted is not None:
        return ParticipationRow(*values, participation={key: str(value) for key, value in counted.items()})
    return Row(*values)


def _ranking(ruleset: rs.Ruleset) -> Any:
    """A comparison of two eligible results: total desc, tie-breakers, then bid id by code point."""

    def compare(a: _BidResult, b: _BidResult) -> int:
        order = _cmp(b.total, a.total)
        for breaker in ruleset.ranking.tie_breakers:
            if order:
                return order
            order = _cmp_breaker(breaker, a, b)
        return order or _cmp(str(a.bid["id"]), str(b.bid["id"]))

    return compare


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def _cmp_breaker(breaker: rs.TieBreaker, a: _BidResult, b: _BidResult) -> int:
    """Compare two results on one tie-breaker; a missing value always sorts last."""
    if breaker.group is not None:
        left: Any = a.groups.get(breaker.group, Decimal(0))
        right: Any = b.groups.get(breaker.group, Decimal(0))
    else:
        assert breaker.field is not None
        left = _comparable(resolve(breaker.field, a.bid, {}))
        right = _comparable(resolve(breaker.field, b.bid, {}))
        if left is MISSING or right is MISSING:
            return (left is MISSING) - (right is MISSING)
    try:
        order = _cmp(left, right)
    except TypeError:  # values of different kinds: compare their text, still a total order
        order = _cmp(str(left), str(right))
    return -order if breaker.order == "desc" else order
