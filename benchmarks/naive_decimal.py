"""The straightforward script an analyst would write to score bids under the default ruleset.

``python benchmarks/naive_decimal.py FILE.ndjson`` prints ``tender_id,rank,bid_id,total`` for every
eligible bid. It is the baseline that ``benchmarks/run.py`` compares supplierscore with, so it is kept
honest: the same bids are refused, the same criteria are applied and every total and rank comes out the
same (run.py checks that on the whole batch before it reports a ratio). It is plain, not slow on purpose:

- each line is parsed with ``orjson.loads``; numbers then arrive as int or float and are turned into
  ``Decimal(str(x))``, exact for the short decimals bids carry (what an analyst would do);
- each bid is checked with ``jsonschema_rs`` ``is_valid`` against ``schemas/bid.schema.json`` with
  ``validate_formats=True``; an invalid bid is skipped (no message, no rejection report);
- the cross-field rules are done minimally, as one boolean per bid: price above 0, the tender's
  currency, immigrants and newcomer hires at most the employees, certificates' valid_from ≤ valid_until,
  subcontract shares at most 100 %, bid ids unique in the tender. Not done: the tender header is trusted
  (no schema check, no duplicate tender ids, no size limits, no duplicate-key check);
- the criteria of ``rules/cities-of-migration.yaml`` are hard-coded below and computed with ``decimal``
  at 60 significant digits, each criterion's points rounded once, half up, to 2 places. Each criterion's
  points are ONE division, done last (weight × inputs × factor / denominator): products of short
  decimals are exact at 60 digits, and a quotient of two decimals of at most ~20 digits either is exactly
  on a rounding boundary (then it terminates and divides exactly) or is at least ~1e-24 away from it, far
  beyond the error of a 60-digit quotient. Dividing first is the trap: ``3 × (6 / 96) / 0.3`` is
  0.62499…9 at any finite precision and rounds to 0.62, where the exact 0.625 gives 0.63 (dividing
  first, this script disagreed with the engine on 6 of 16,301 totals of a 20,000-bid batch);
- ranking within a tender: total (high first), immigrant-ownership points (high first), price (low
  first), submission instant (early first), then bid id.

No breakdown, no reasons, no audit data and no output file beyond the printed lines: an analyst's
script stops at the totals.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, getcontext
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

getcontext().prec = 60

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "bid.schema.json"
CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
HALF = Decimal("0.5")

# rules/cities-of-migration.yaml, copied by hand: (criterion, weight, ownership field, covers, issuers)
OWNERSHIP_CRITERIA = [
    ("women-owned", Decimal("1.5"), "women", "women", {"wbe canada"}),
    ("indigenous-owned", Decimal("1.5"), "indigenous", "indigenous", {"ccab"}),
    ("racialized-owned", Decimal("1.5"), "racialized", "racialized", {"camsc"}),
    (
        "disability-owned",
        ONE,
        "disability",
        "disability",
        {"inclusive workplace and supply council of canada"},
    ),
    ("lgbtq-owned", ONE, "lgbtq", "lgbtq", {"cglcc"}),
]
IMMIGRANT_ISSUERS = {"camsc", "ccib", "inclusive workplace and supply council of canada"}

Scores = dict[tuple[str, str], tuple[str, int]]
"""(tender id, bid id) → (total as text with 2 decimals, rank), for every eligible bid."""


def num(x: Any) -> Decimal:
    """A JSON number (int, float from orjson) or decimal string as a Decimal."""
    return Decimal(str(x))


def pts(value: Decimal) -> Decimal:
    """Points rounded once, half up, to 2 places."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def linear(weight: Decimal, top: Decimal, bottom: Decimal, full_at: Decimal) -> Decimal:
    """Points of a share top / bottom on a line from 0 (0 points) to ``full_at`` (all the points)."""
    if top >= full_at * bottom:
        return pts(weight)
    return pts(weight * top / (full_at * bottom))


def evidence(bid: dict[str, Any], covers: str, issuers: set[str], closing: str | None) -> Decimal:
    """1 with a listed issuer's certificate covering the group, valid on the closing date; else 0.5."""
    for cert in bid.get("certifications", []):
        if cert["issuer"].casefold() in issuers and covers in cert["covers"]:
            if closing is None:
                return ONE
            if cert.get("valid_from", "0000-00-00") <= closing <= cert.get("valid_until", "9999-99-99"):
                return ONE
    return HALF


def cross_field_ok(bid: dict[str, Any], currency: str | None) -> bool:
    if num(bid["price"]["amount"]) <= 0:
        return False
    if currency is not None and bid["price"]["currency"] != currency:
        return False
    workforce = bid.get("workforce", {})
    employees = workforce.get("employees")
    if employees is not None:
        for key in ("immigrants", "newcomer_hires_12m"):
            if workforce.get(key, 0) > employees:
                return False
    for cert in bid.get("certifications", []):
        if cert.get("valid_from", "") > cert.get("valid_until", "9999-99-99"):
            return False
    shares = [num(s["share_pct"]) for s in bid.get("supply_chain", {}).get("subcontracts", [])]
    return sum(shares, ZERO) <= 100


def score_bid(bid: dict[str, Any], lowest: Decimal, closing: str | None) -> tuple[Decimal, Decimal]:
    """(total, immigrant-ownership points) of one eligible bid."""
    price = num(bid["price"]["amount"])
    quality = bid.get("quality", {})
    ownership = bid.get("ownership", {})
    workforce = bid.get("workforce", {})

    total = pts(40 * lowest / price)
    if "technical" in quality:
        total += pts(20 * min(num(quality["technical"]), Decimal(100)) / 100)
    if "delivery" in quality:
        total += pts(10 * min(num(quality["delivery"]), Decimal(100)) / 100)

    immigrant = ZERO
    if "immigrant" in ownership:
        share = num(ownership["immigrant"])
        band = ONE if share >= 51 else HALF if share >= 25 else ZERO
        immigrant = pts(8 * band * evidence(bid, "immigrant", IMMIGRANT_ISSUERS, closing))
    total += immigrant

    employees = workforce.get("employees")
    if employees:  # absent or 0: the shares score 0
        if "immigrants" in workforce:
            total += linear(Decimal(3), Decimal(workforce["immigrants"]), Decimal(employees), Decimal("0.3"))
        if "newcomer_hires_12m" in workforce:
            hires = Decimal(workforce["newcomer_hires_12m"])
            total += linear(Decimal(2), hires, Decimal(employees), Decimal("0.1"))
    if workforce.get("credential_recognition") is True:
        total += Decimal("1.50")
    if workforce.get("language_training") is True:
        total += Decimal("1.50")
    if workforce.get("living_wage") is True:
        total += pts(4 * evidence(bid, "living_wage", {"ontario living wage network"}, closing))

    for _, weight, field, covers, issuers in OWNERSHIP_CRITERIA:
        if field in ownership and num(ownership[field]) >= 51:
            total += pts(weight * evidence(bid, covers, issuers, closing))
    if ownership.get("social_enterprise") is True:
        total += pts(Decimal("1.5") * evidence(bid, "social_enterprise", {"buy social canada"}, closing))

    if "languages" in bid:
        total += pts(2 * Decimal(min(len(bid["languages"]), 3)) / 3)
    return total, immigrant


def instant(bid: dict[str, Any]) -> tuple[int, datetime | None]:
    """The submission time as an instant; a bid without one sorts last."""
    if "submitted_at" not in bid:
        return (1, None)
    return (0, datetime.fromisoformat(bid["submitted_at"]))


def score_tender(document: dict[str, Any], validator: Any, out: Scores) -> None:
    tender = document["tender"]
    currency = tender.get("currency") or tender.get("budget", {}).get("currency")
    closing = tender.get("closing_date")
    budget = num(tender["budget"]["amount"]) if "budget" in tender else None
    bids = document["bids"]
    ids = Counter(bid.get("id") if isinstance(bid, dict) else None for bid in bids)
    valid = [
        bid
        for bid in bids
        if validator.is_valid(bid) and ids[bid["id"]] == 1 and cross_field_ok(bid, currency)
    ]
    eligible = [bid for bid in valid if budget is None or num(bid["price"]["amount"]) <= budget]
    if not eligible:
        return
    lowest = min(num(bid["price"]["amount"]) for bid in eligible)
    results = []
    for bid in eligible:
        total, immigrant = score_bid(bid, lowest, closing)
        results.append((-total, -immigrant, num(bid["price"]["amount"]), instant(bid), bid["id"], total))
    results.sort()
    for rank, result in enumerate(results, start=1):
        out[(tender["id"], result[4])] = (f"{result[5]:.2f}", rank)


def naive_scores(path: str | Path) -> Scores:
    """Score every eligible bid in the NDJSON file ``path``: (tender id, bid id) → (total, rank)."""
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text("utf-8")), validate_formats=True)
    out: Scores = {}
    with open(path, "rb") as lines:
        for line in lines:
            if line.strip():
                score_tender(orjson.loads(line), validator, out)
    return out


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/naive_decimal.py FILE.ndjson")
    scores = naive_scores(sys.argv[1])
    write = sys.stdout.write
    write("tender_id,rank,bid_id,total\n")
    for (tender_id, bid_id), (total, rank) in sorted(scores.items(), key=lambda kv: (kv[0][0], kv[1][1])):
        write(f"{tender_id},{rank},{bid_id},{total}\n")


if __name__ == "__main__":
    main()
