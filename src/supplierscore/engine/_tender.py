"""One tender: gates, the lowest eligible price, every criterion for every bid, then the ranking."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._criteria import _score_criterion
from supplierscore.engine._gates import _comparable, gate_failure
from supplierscore.engine._methods import (
    PriceContext,
    compile_ruleset,
    ratio,
)
from supplierscore.engine._participation import participation
from supplierscore.engine._values import MISSING, resolve
from supplierscore.inputs import Tender
from supplierscore.sheet import BreakdownRow, ParticipationRow, Row

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


def score_tender(tender: Tender, ruleset: rs.Ruleset) -> tuple[list[Row], list[BreakdownRow]]:
    """Score and rank one tender's valid bids; rows come in rank order, then ineligible bids by id."""
    ranked, ineligible, _ = score_results(tender, ruleset)
    title = tender.header.get("title")
    rows = [_row(tender.id, title, rank, r) for rank, r in enumerate(ranked, start=1)]
    rows += [_row(tender.id, title, None, r) for r in ineligible]
    breakdown = [line for r in ranked for line in r.breakdown]
    return rows, breakdown


def score_results(
    tender: Tender, ruleset: rs.Ruleset
) -> tuple[list[_BidResult], list[_BidResult], PriceContext]:
    """The eligible results in rank order, the ineligible ones by bid id, and the tender's lowest price:
    what :func:`score_tender` makes rows of, and what the analysis re-scores from."""
    plan = compile_ruleset(ruleset)
    header = tender.header
    bids = (
        tender.bids
        if ruleset.participation is None
        else [_with_participation(b, ruleset) for b in tender.bids]
    )
    results = [
        _BidResult(bid, [r for g in ruleset.gates if (r := gate_failure(g, bid, header))], {}, {}, [])
        for bid in bids
    ]
    eligible = [r for r in results if r.eligible]
    # Equal prices written differently ("96200.00", 96200) print the same whatever the bids' order.
    prices_given = (Decimal(r.bid["price"]["amount"]) for r in eligible)
    lowest = min(prices_given, key=lambda price: (price, str(price)), default=None)
    prices = PriceContext(None, "") if lowest is None else PriceContext(ratio(lowest), str(lowest))
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


def _with_participation(bid: Mapping[str, Any], ruleset: rs.Ruleset) -> Mapping[str, Any]:
    """The bid with its derived ``participation`` (a key no bid can give: the schema refuses it)."""
    assert ruleset.participation is not None
    return {**bid, "participation": participation(bid, ruleset.participation)}


def _row(tender_id: str, title: str | None, rank: int | None, result: _BidResult) -> Row:
    supplier = result.bid["supplier"]
    price = result.bid["price"]
    fields: dict[str, Any] = {
        "tender_id": tender_id,
        "rank": rank,
        "bid_id": result.bid["id"],
        "supplier_id": supplier["id"],
        "supplier_name": supplier["name"],
        "eligible": result.eligible,
        "reasons": tuple(result.reasons),
        "total": result.total if result.eligible else None,
        "points": result.points,
        "groups": result.groups,
        "tender_title": title,
        "price": format(Decimal(price["amount"]), "f"),
        "currency": price.get("currency"),
    }
    counted = result.bid.get("participation")
    if counted is not None:
        return ParticipationRow(**fields, participation={key: str(value) for key, value in counted.items()})
    return Row(**fields)


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
