"""Integrity flags: what about a tender's bids an auditor should look at. A flag never changes a score.

Each flag is one small function over a tender's valid bids (eligible or not) and its ranked results, in
:data:`FLAGS`; every comparison is exact (prices as ``Decimal``, percentages as integer arithmetic).

- ``abnormally-low-price``: only when the ruleset sets ``integrity.abnormally_low``. A price is abnormally
  low when it is ``below_mean_pct`` % or more below the mean of the other eligible bids' prices, or
  ``below_next_pct`` % or more below the next price up among the eligible bids (the next higher price;
  an equal price is not below it). Ukraine's public procurement law is the example this follows (40 % and
  30 %); in the EU a buyer must ask for an explanation before rejecting such a bid (Directive 2014/24/EU,
  art. 69), so the flag asks a question and decides nothing.
- ``identical-prices``: bids from different suppliers with equal prices (``96200`` equals ``"96200.00"``).
- ``identical-bids``: bids identical in every field a criterion scores (and the evidence behind it).
- ``single-bid``: the tender has one valid bid; ``single-eligible-bid``: several, but only one eligible.
- ``same-supplier``: one supplier id with several bids in the tender.
- ``late-bid``: a bid submitted after the tender's closing date: on a later calendar day as the bid's
  own time stamp writes it (its offset), since a closing date has no time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import MAX_PREC, Decimal, localcontext
from typing import Any

import orjson

from supplierscore import ruleset as rs
from supplierscore.engine._methods import compile_ruleset
from supplierscore.engine._values import MISSING, resolve
from supplierscore.inputs import Tender


@dataclass(frozen=True, slots=True)
class Flag:
    """One integrity flag on a tender: its code, the bids it concerns, and what was found, in words."""

    flag: str
    bid_ids: tuple[str, ...]
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"flag": self.flag, "bid_ids": list(self.bid_ids), "detail": self.detail}


FlagCheck = Callable[[Tender, Sequence[Mapping[str, Any]], rs.Ruleset], list[Flag]]


def tender_flags(tender: Tender, eligible: Sequence[Mapping[str, Any]], ruleset: rs.Ruleset) -> list[Flag]:
    """Every flag on ``tender``, given its eligible bids, in the order of :data:`FLAGS`."""
    return [flag for check in FLAGS for flag in check(tender, eligible, ruleset)]


def _price(bid: Mapping[str, Any]) -> Decimal:
    return Decimal(bid["price"]["amount"])


def _ids(bids: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    return tuple(sorted(str(b["id"]) for b in bids))


def _abnormally_low(tender: Tender, eligible: Sequence[Mapping[str, Any]], ruleset: rs.Ruleset) -> list[Flag]:
    rule = ruleset.integrity.abnormally_low if ruleset.integrity is not None else None
    if rule is None or len(eligible) < 2:
        return []
    with localcontext(prec=MAX_PREC):  # products of money amounts can pass 28 digits: keep them exact
        return _abnormally_low_flags(rule, eligible)


def _abnormally_low_flags(rule: rs.AbnormallyLow, eligible: Sequence[Mapping[str, Any]]) -> list[Flag]:
    flags = []
    prices = [(_price(b), b) for b in eligible]
    total = sum((p for p, _ in prices), Decimal(0))
    for price, bid in sorted(prices, key=lambda pair: (pair[0], str(pair[1]["id"]))):
        found = []
        others = len(prices) - 1
        rest = total - price
        # price ≤ mean × (1 − pct/100)  ⇔  100 × price × others ≤ rest × (100 − pct): exact, no division.
        if rule.below_mean_pct is not None and 100 * price * others <= rest * (100 - rule.below_mean_pct):
            mean = _mean_text(rest, others)
            found.append(f"{rule.below_mean_pct} % or more below the mean {mean} of the other {others} bids")
        higher = [p for p, b in prices if p > price]
        if rule.below_next_pct is not None and higher:
            following = min(higher)
            if 100 * price <= following * (100 - rule.below_next_pct):
                found.append(f"{rule.below_next_pct} % or more below the next price up, {following}")
        if found:
            flags.append(
                Flag(
                    "abnormally-low-price",
                    (str(bid["id"]),),
                    f"price {bid['price']['amount']} is " + " and ".join(found) + ": ask the supplier to "
                    "explain it before any decision (in the EU: Directive 2014/24/EU art. 69)",
                )
            )
    return flags


def _mean_text(total: Decimal, count: int) -> str:
    """A mean as words show it, to two decimals (only words: the comparison is exact, without it)."""
    with localcontext(prec=60):
        return f"{(total / count).quantize(Decimal('0.01')):f}"


def _identical_prices(tender: Tender, _: Sequence[Mapping[str, Any]], __: rs.Ruleset) -> list[Flag]:
    by_price: dict[Decimal, list[Mapping[str, Any]]] = defaultdict(list)
    for bid in tender.bids:
        by_price[_price(bid)].append(bid)
    flags = []
    for price in sorted(by_price):
        bids = by_price[price]
        suppliers = {b["supplier"]["id"] for b in bids}
        if len(suppliers) > 1:
            flags.append(
                Flag(
                    "identical-prices",
                    _ids(bids),
                    f"{len(suppliers)} different suppliers bid the same price, {price}",
                )
            )
    return flags


def _scored_fields(bid: Mapping[str, Any], tender: Tender, ruleset: rs.Ruleset) -> bytes:
    """What the criteria read from a bid (every input, and the certificates when evidence counts), as
    canonical bytes: numbers normalised, so 60 and 60.0 are the same."""
    plan = compile_ruleset(ruleset)
    paths = sorted({path for c in plan.criteria for path in c.inputs})
    if any(c.criterion.evidence is not None for c in plan.criteria):
        paths = sorted({*paths, "certifications"})
    values = [_plain(resolve(path, bid, tender.header)) for path in paths]
    return orjson.dumps(values, option=orjson.OPT_SORT_KEYS)


def _plain(value: Any) -> Any:
    if value is MISSING:
        return "<absent>"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return format(Decimal(value).normalize(), "f")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _identical_bids(tender: Tender, _: Sequence[Mapping[str, Any]], ruleset: rs.Ruleset) -> list[Flag]:
    by_content: dict[bytes, list[Mapping[str, Any]]] = defaultdict(list)
    for bid in tender.bids:
        by_content[_scored_fields(bid, tender, ruleset)].append(bid)
    flags = []
    for bids in sorted((b for b in by_content.values() if len(b) > 1), key=_ids):
        suppliers = len({b["supplier"]["id"] for b in bids})
        who = "the same supplier" if suppliers == 1 else f"{suppliers} different suppliers"
        flags.append(
            Flag(
                "identical-bids",
                _ids(bids),
                f"{len(bids)} bids from {who} are identical in every scored field",
            )
        )
    return flags


def _single_bid(tender: Tender, eligible: Sequence[Mapping[str, Any]], _: rs.Ruleset) -> list[Flag]:
    if len(tender.bids) == 1:
        return [Flag("single-bid", _ids(tender.bids), "the tender has one valid bid: no competition")]
    if len(eligible) == 1:
        return [
            Flag(
                "single-eligible-bid",
                _ids(eligible),
                f"only one of the tender's {len(tender.bids)} valid bids is eligible",
            )
        ]
    return []


def _same_supplier(tender: Tender, _: Sequence[Mapping[str, Any]], __: rs.Ruleset) -> list[Flag]:
    by_supplier: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for bid in tender.bids:
        by_supplier[str(bid["supplier"]["id"])].append(bid)
    return [
        Flag("same-supplier", _ids(bids), f"supplier {supplier} made {len(bids)} bids in the tender")
        for supplier, bids in sorted(by_supplier.items())
        if len(bids) > 1
    ]


def _late(tender: Tender, _: Sequence[Mapping[str, Any]], __: rs.Ruleset) -> list[Flag]:
    closing = tender.header.get("closing_date")
    if not isinstance(closing, str):
        return []
    flags = []
    for bid in sorted(tender.bids, key=lambda b: str(b["id"])):
        submitted = bid.get("submitted_at")
        if isinstance(submitted, str) and submitted[:10] > closing:  # ISO dates compare as text
            flags.append(
                Flag(
                    "late-bid",
                    (str(bid["id"]),),
                    f"submitted {submitted}, after the closing date {closing}",
                )
            )
    return flags


FLAGS: tuple[FlagCheck, ...] = (
    _abnormally_low,
    _identical_prices,
    _identical_bids,
    _single_bid,
    _same_supplier,
    _late,
)
"""The flag checks, in the order flags are listed."""
