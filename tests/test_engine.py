"""Properties of scoring and ranking, checked on random rulesets and random batches of valid bids.

The rulesets come from :func:`tests.strategies.ruleset_documents` (every method, optional evidence,
weights adding up to 100, precision 0 to 4, either rounding mode, gates, tie-breakers) and the bids from
:func:`tests.strategies.tender_documents`. The points are checked digit for digit against an oracle
written here from DESIGN.md alone with :class:`fractions.Fraction`: it reads the ruleset as plain data and
never calls the engine's own arithmetic.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from supplierscore import RulesetError, read_bids, read_documents, score
from supplierscore.ruleset import default_ruleset_path, load_ruleset, parse_ruleset
from tests.strategies import (
    GROUPS,
    batches,
    fractions,
    price_boundaries,
    ruleset_documents,
    ruleset_numbers,
    tender_documents,
)

ROOT = Path(__file__).parent.parent
EXAMPLES = [ROOT / "examples" / "tenders.ndjson", ROOT / "examples" / "bad-bids.ndjson"]
SHEET_SCHEMA = json.loads((ROOT / "schemas" / "scoresheet.schema.json").read_text(encoding="utf-8"))
FORMATS = (".json", ".csv", ".xlsx", ".parquet")

FEW, SOME, MANY = 10, 50, 120
"""Examples per property: generating a bid costs about 20 ms, so the file stays under a minute."""

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def examples(count: int) -> settings:
    """The settings of a property with ``count`` examples."""
    return settings(PROPERTY, max_examples=count)


@dataclass
class Run:
    """One scoring run of a ruleset (as data) over tender documents, and the sheet it gave."""

    rules: dict[str, Any]
    documents: list[dict[str, Any]]
    sheet: dict[str, Any]

    def rows(self, tender_id: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.sheet["rows"] if tender_id is None or r["tender_id"] == tender_id]

    def row(self, tender_id: str, bid_id: str) -> dict[str, Any]:
        (found,) = [r for r in self.rows(tender_id) if r["bid_id"] == bid_id]
        return found

    def breakdown(self, tender_id: str, bid_id: str) -> dict[str, dict[str, Any]]:
        return {
            b["criterion"]: b
            for b in self.sheet["breakdown"]
            if b["tender_id"] == tender_id and b["bid_id"] == bid_id
        }


def run(rules: dict[str, Any], documents: list[dict[str, Any]], **options: Any) -> Run:
    """Score ``documents`` under ``rules`` through the public API; every generated bid must be valid."""
    batch = read_documents(copy.deepcopy(documents))
    assert batch.rejected == 0, batch.rejections
    sheet = score(batch, parse_ruleset(copy.deepcopy(rules)), **options)
    return Run(rules, documents, sheet.to_dict())


# ---------------------------------------------------------------------------------------------------
# The oracle: DESIGN.md's method table, evidence rule, gates and rounding, in exact rationals

ABSENT = object()


def value_at(path: str, bid: dict[str, Any], header: dict[str, Any]) -> Any:
    """The value at a dotted path of the bid (``tender.…``: of the tender), or ABSENT."""
    node: Any = bid
    steps = path.split(".")
    if steps[0] == "tender":
        node, steps = header, steps[1:]
    for step in steps:
        if not isinstance(node, dict) or step not in node:
            return ABSENT
        node = node[step]
    return node


def exact(value: Any) -> Fraction:
    """A number, Decimal or decimal string as an exact fraction (never through float)."""
    assert not isinstance(value, bool | float), value
    return Fraction(value)


def clip(value: Fraction) -> Fraction:
    return min(max(value, Fraction(0)), Fraction(1))


def round_once(value: Fraction, precision: int, rounding: str) -> Decimal:
    """``value`` rounded to ``precision`` decimals: half-even by ``round`` on a Fraction (exact, ties to
    even), half-up as floor(x + ½) (points are never negative)."""
    if rounding == "half_even":
        rounded = Fraction(round(value, precision))
    else:
        rounded = Fraction(math.floor(value * 10**precision + Fraction(1, 2)), 10**precision)
    return Decimal(rounded.numerator * (10**precision // rounded.denominator)).scaleb(-precision)


def printed(value: Decimal, precision: int) -> str:
    return format(value, f".{precision}f")


def oracle_eligible(rules: dict[str, Any], bid: dict[str, Any], header: dict[str, Any]) -> bool:
    """Whether the bid passes every gate: a missing field fails, a missing ``ref`` does not apply."""
    for gate in rules.get("gates", []):
        value = value_at(gate["field"], bid, header)
        if gate["op"] == "present":
            if value is ABSENT:
                return False
            continue
        if value is ABSENT:
            return False
        target = value_at(gate["ref"], bid, header) if "ref" in gate else gate["value"]
        if target is ABSENT:
            continue
        a, b = exact(value), exact(target)
        passed = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[gate["op"]]
        if not passed:
            return False
    return True


def oracle_input(criterion: dict[str, Any], bid: dict[str, Any], header: dict[str, Any]) -> Any:
    """The criterion's input, or ABSENT (a missing value, or a share with a zero denominator)."""
    (name, settings_), *_ = criterion["method"].items()
    if name in ("price_proportional", "price_linear"):
        return exact(bid["price"]["amount"])
    if name == "count":
        return value_at(settings_["of"], bid, header)
    field = criterion["field"]
    if isinstance(field, dict):
        top, bottom = (value_at(p, bid, header) for p in field["share"])
        if top is ABSENT or bottom is ABSENT or exact(bottom) == 0:
            return ABSENT
        return exact(top) / exact(bottom)
    value = value_at(field, bid, header)
    if value is ABSENT or name in ("boolean", "lookup"):
        return value
    return exact(value)


def oracle_fraction(method: dict[str, Any], x: Any, lowest: Fraction | None) -> Fraction:
    """DESIGN.md's method table."""
    (name, s), *_ = method.items()
    if x is ABSENT:
        return Fraction(0)
    if name == "linear":
        return clip((x - exact(s["from"])) / (exact(s["to"]) - exact(s["from"])))
    if name == "threshold":
        return Fraction(1 if x >= exact(s["at_least"]) else 0)
    if name == "bands":
        reached = [band for band in s if exact(band["at_least"]) <= x]
        return exact(max(reached, key=lambda b: exact(b["at_least"]))["score"]) if reached else Fraction(0)
    if name == "boolean":
        return Fraction(1 if x is True else 0)
    if name == "lookup":
        for key, mapped in s["map"].items():
            if isinstance(x, bool):
                if key == ("true" if x else "false"):
                    return exact(mapped)
            elif key not in ("true", "false") and exact(key) == exact(x):
                return exact(mapped)
        return exact(s.get("default", 0))
    if name == "panel":
        return clip(x / exact(s["max"]))
    if name == "count":
        where = s.get("where", {})

        def matches(item: Any) -> bool:
            for key, allowed in where.items():
                options = allowed if isinstance(allowed, list) else [allowed]
                if not isinstance(item, dict) or item.get(key) not in options:
                    return False
            return True

        return Fraction(min(sum(1 for item in x if matches(item)), s["to"]), s["to"])
    assert lowest is not None
    if name == "price_proportional":
        return lowest / x
    assert name == "price_linear", name
    return clip(1 - (x - lowest) / ((exact(s["zero_at"]) - 1) * lowest))


def oracle_factor(rule: dict[str, Any] | None, bid: dict[str, Any], closing: str | None) -> Fraction:
    """1 for a listed issuer's certificate covering the group and valid on the closing date (any, when
    the tender has none); else ``self_declared`` (default 0)."""
    if rule is None:
        return Fraction(1)
    issuers = {issuer.casefold() for issuer in rule["issuers"]}
    for certificate in bid.get("certifications", []):
        if certificate["issuer"].casefold() not in issuers or rule["covers"] not in certificate["covers"]:
            continue
        if closing is None:
            return Fraction(1)
        day = date.fromisoformat(closing)
        start = date.fromisoformat(certificate.get("valid_from", "0001-01-01"))
        end = date.fromisoformat(certificate.get("valid_until", "9999-12-31"))
        if start <= day <= end:
            return Fraction(1)
    return exact(rule.get("self_declared", 0))


def oracle_points(rules: dict[str, Any], document: dict[str, Any]) -> dict[str, dict[str, str] | None]:
    """Per bid id: the printed points per criterion, or None for an ineligible bid."""
    header = document["tender"]
    eligible = [b for b in document["bids"] if oracle_eligible(rules, b, header)]
    lowest = min((exact(b["price"]["amount"]) for b in eligible), default=None)
    result: dict[str, dict[str, str] | None] = {b["id"]: None for b in document["bids"]}
    for bid in eligible:
        points = {}
        for criterion in rules["criteria"]:
            fraction = oracle_fraction(criterion["method"], oracle_input(criterion, bid, header), lowest)
            factor = oracle_factor(criterion.get("evidence"), bid, header.get("closing_date"))
            assert 0 <= fraction <= 1 and 0 <= factor <= 1
            value = round_once(
                exact(criterion["weight"]) * fraction * factor, rules["precision"], rules["rounding"]
            )
            points[criterion["id"]] = printed(value, rules["precision"])
        result[bid["id"]] = points
    return result


class TestOracle:
    """The oracle's own rounding, on values worked out by hand."""

    @pytest.mark.parametrize(
        ("value", "precision", "rounding", "expected"),
        [
            (Fraction(2345, 1000), 2, "half_up", "2.35"),
            (Fraction(2345, 1000), 2, "half_even", "2.34"),
            (Fraction(2355, 1000), 2, "half_even", "2.36"),
            (Fraction(25, 2), 0, "half_up", "13"),
            (Fraction(25, 2), 0, "half_even", "12"),
            (Fraction(30000, 112507) * 100, 2, "half_up", "26.67"),
            (Fraction(1, 3), 4, "half_even", "0.3333"),
            (Fraction(0), 3, "half_up", "0.000"),
        ],
    )
    def test_round_once_rounds_exact_values(
        self, value: Fraction, precision: int, rounding: str, expected: str
    ) -> None:
        """Halves go up or to even as the mode says; anything else to the nearest."""
        assert printed(round_once(value, precision, rounding), precision) == expected


# ---------------------------------------------------------------------------------------------------
# Exactness


EDGE_FIELDS = (
    *(f"ownership.{g}" for g in GROUPS),
    "quality.technical",
    "quality.delivery",
    "workforce.employees",
    "workforce.immigrants",
    "workforce.newcomer_hires_12m",
)


@st.composite
def edges(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ruleset and a tender where one criterion's edge sits exactly on a bid's value: a threshold or a
    band starting at it, a line starting or ending at it, or a panel maximum equal to it."""
    rules = draw(ruleset_documents())
    document = draw(tender_documents(min_bids=1, max_bids=5))
    given_values = [
        (path, value)
        for bid in document["bids"]
        for path in EDGE_FIELDS
        if (value := value_at(path, bid, {})) is not ABSENT
    ]
    if not given_values:
        document["bids"][0]["quality"] = {"technical": draw(st.integers(min_value=0, max_value=100))}
        given_values = [("quality.technical", document["bids"][0]["quality"]["technical"])]
    field, value = draw(st.sampled_from(given_values))
    at = Decimal(value)
    other = ruleset_numbers(0, 100).filter(lambda x: x != at)
    kinds = ["threshold", "bands", "linear-from", "linear-to"] + ["panel"] * (
        field.startswith("quality.") and at > 0
    )
    kind = draw(st.sampled_from(kinds))
    if kind == "threshold":
        method: dict[str, Any] = {"threshold": {"at_least": at}}
    elif kind == "bands":
        steps = sorted({at, *draw(st.lists(other, max_size=3))})
        scores = draw(st.lists(fractions, min_size=len(steps), max_size=len(steps)))
        method = {"bands": [{"at_least": a, "score": s} for a, s in zip(steps, scores, strict=True)]}
    elif kind == "panel":
        method = {"panel": {"max": at}}
    else:
        far = draw(other)
        ends = (at, far) if kind == "linear-from" else (far, at)
        method = {"linear": {"from": ends[0], "to": ends[1]}}
    target = draw(st.integers(min_value=0, max_value=len(rules["criteria"]) - 1))
    criterion = {k: v for k, v in rules["criteria"][target].items() if k not in ("field", "method")}
    rules["criteria"][target] = {**criterion, "field": field, "method": method}
    return rules, document


class TestExactness:
    """Every criterion's points are weight × fraction × factor, exact, rounded once."""

    @examples(MANY)
    @given(ruleset_documents(), batches())
    def test_points_match_the_fraction_oracle_digit_for_digit(
        self, rules: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """The breakdown's points, each row's total and its eligibility equal the oracle's."""
        result = run(rules, documents)
        for document in documents:
            tender_id = document["tender"]["id"]
            for bid_id, expected in oracle_points(rules, document).items():
                row = result.row(tender_id, bid_id)
                assert row["eligible"] == (expected is not None), bid_id
                if expected is None:
                    continue
                got = {c: line["points"] for c, line in result.breakdown(tender_id, bid_id).items()}
                assert got == expected, (tender_id, bid_id)
                assert row["points"] == expected
                total = sum((Decimal(p) for p in expected.values()), Decimal(0))
                assert row["total"] == printed(total, rules["precision"])

    @examples(SOME)
    @given(edges())
    def test_values_exactly_on_a_threshold_band_or_line_end_match_the_oracle(
        self, case: tuple[dict[str, Any], dict[str, Any]]
    ) -> None:
        """A value equal to at_least reaches the threshold or band; one equal to a line's end or a panel's
        maximum scores exactly 0 or 1: every bid's points equal the oracle's."""
        rules, document = case
        result = run(rules, [document])
        tender_id = document["tender"]["id"]
        for bid_id, expected in oracle_points(rules, document).items():
            if expected is not None:
                got = {c: line["points"] for c, line in result.breakdown(tender_id, bid_id).items()}
                assert got == expected, bid_id

    @examples(MANY * 2)
    @given(price_boundaries())
    @example(  # conformance 19: 30 × 1000/1125.07 = 26.66500751…, a hair above 26.665
        {
            "precision": 2,
            "rounding": "half_up",
            "weight": Decimal(30),
            "method": {"price_proportional": {}},
            "lowest_cents": 100000,
            "price_cents": 112507,
            "on_boundary": False,
        }
    )
    def test_price_points_on_and_next_to_a_rounding_boundary(self, case: dict[str, Any]) -> None:
        """Prices in cents whose exact points sit on a half unit, or one cent off it, round as the oracle."""
        weight, precision = case["weight"], case["precision"]
        criteria = [{"id": "price", "group": "price", "weight": weight, "method": case["method"]}]
        if weight < 100:
            criteria.append(
                {
                    "id": "filler",
                    "group": "employment",
                    "weight": 100 - weight,
                    "field": "workforce.living_wage",
                    "method": {"boolean": {}},
                }
            )
        rules = {
            "ruleset": "boundary",
            "version": "1",
            "title": "Prices on a rounding boundary",
            "precision": precision,
            "rounding": case["rounding"],
            "criteria": criteria,
        }
        bids = [
            {
                "id": bid_id,
                "supplier": {"id": "S-1", "name": "Maple Co-op"},
                "price": {"amount": f"{Decimal(cents).scaleb(-2):.2f}", "currency": "CAD"},
            }
            for bid_id, cents in (("LOW", case["lowest_cents"]), ("BID", case["price_cents"]))
        ]
        document = {"tender": {"id": "T-1", "currency": "CAD"}, "bids": bids}
        result = run(rules, [document])
        expected = oracle_points(rules, document)
        if case["on_boundary"]:  # the generator did land on a half unit of the last decimal
            lowest, price = Fraction(case["lowest_cents"]), Fraction(case["price_cents"])
            halves = exact(weight) * oracle_fraction(case["method"], price, lowest) * 10**precision * 2
            assert halves.denominator == 1 and halves.numerator % 2 == 1, halves
        for bid_id in ("LOW", "BID"):
            assert result.breakdown("T-1", bid_id)["price"]["points"] == expected[bid_id]["price"]


# ---------------------------------------------------------------------------------------------------
# Bounds and sums


class TestBounds:
    """Points stay within their weight and every figure adds up as printed."""

    @examples(MANY)
    @given(ruleset_documents(), batches())
    def test_points_subtotals_and_totals_add_up_as_printed(
        self, rules: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """0 ≤ points ≤ weight; total = Σ printed points, 0 ≤ total ≤ 100; each group subtotal = Σ its
        criteria's printed points; every figure has exactly the ruleset's decimals."""
        result = run(rules, documents)
        precision = rules["precision"]
        figure = "^[0-9]+$" if precision == 0 else "^[0-9]+[.][0-9]{" + str(precision) + "}$"
        weights = {c["id"]: exact(c["weight"]) for c in rules["criteria"]}
        groups = {c["id"]: c["group"] for c in rules["criteria"]}
        for row in result.rows():
            if not row["eligible"]:
                continue
            points = {c: Decimal(p) for c, p in row["points"].items()}
            assert set(points) == set(weights)
            for criterion, value in points.items():
                assert 0 <= value <= weights[criterion], criterion
            for text in [*row["points"].values(), *row["groups"].values(), row["total"]]:
                assert re.match(figure, text), text
            total = Decimal(row["total"])
            assert total == sum(points.values(), Decimal(0))
            assert 0 <= total <= 100
            assert set(row["groups"]) == set(groups.values())
            for group, subtotal in row["groups"].items():
                members = [v for c, v in points.items() if groups[c] == group]
                assert Decimal(subtotal) == sum(members, Decimal(0)), group

    def test_a_weight_finer_than_the_precision_is_refused_so_points_cannot_pass_it(self) -> None:
        """Weights 50.5 and 49.5 at precision 0 would round (half up) to 51 + 50 = 101 points: the ruleset
        is refused at load, which is what keeps points ≤ weight and totals ≤ 100."""
        rules = {
            "ruleset": "coarse",
            "version": "1",
            "title": "Precision coarser than the weights",
            "precision": 0,
            "rounding": "half_up",
            "criteria": [
                {
                    "id": f"c-{i}",
                    "group": "employment",
                    "weight": Decimal(weight),
                    "field": "workforce.living_wage",
                    "method": {"boolean": {}},
                }
                for i, weight in enumerate(["50.5", "49.5"])
            ],
        }
        with pytest.raises(RulesetError) as refused:
            parse_ruleset(rules)
        assert [p.path for p in refused.value.problems] == ["/criteria/0/weight", "/criteria/1/weight"]


# ---------------------------------------------------------------------------------------------------
# Permutation invariance


class TestPermutationInvariance:
    """Input order never matters."""

    @examples(SOME)
    @given(ruleset_documents(), batches(min_bids=2), st.randoms(use_true_random=False))
    def test_shuffling_bids_and_tenders_changes_nothing(
        self, rules: dict[str, Any], documents: list[dict[str, Any]], rng: random.Random
    ) -> None:
        """Bids shuffled within each tender and tenders within the batch: the same rows and breakdown."""
        shuffled = copy.deepcopy(documents)
        for document in shuffled:
            rng.shuffle(document["bids"])
        rng.shuffle(shuffled)
        first, second = run(rules, documents), run(rules, shuffled)
        assert second.sheet["rows"] == first.sheet["rows"]
        assert second.sheet["breakdown"] == first.sheet["breakdown"]


# ---------------------------------------------------------------------------------------------------
# Monotonicity


RAISABLE = (*(f"ownership.{g}" for g in GROUPS), "quality.technical", "quality.delivery")
SHARE_PARTS = ("workforce.immigrants", "workforce.newcomer_hires_12m")


def direction(criterion: dict[str, Any], raised: str) -> int | None:
    """How the criterion's points move when ``raised`` goes up: +1 never down, −1 never up, 0 not at all,
    None when the method promises nothing (a lookup, or bands whose scores do not ascend)."""
    field = criterion.get("field")
    if field == raised:
        reads = 1
    elif isinstance(field, dict) and raised in field["share"]:
        reads = 1 if field["share"][0] == raised else -1
    else:
        return 0
    (name, s), *_ = criterion["method"].items()
    if name == "linear":
        return reads if exact(s["to"]) > exact(s["from"]) else -reads
    if name in ("threshold", "panel"):
        return reads
    if name == "bands":
        scores = [exact(b["score"]) for b in sorted(s, key=lambda b: exact(b["at_least"]))]
        return reads if scores == sorted(scores) else None
    return None


@st.composite
def raises(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], int, str, Any]:
    """A ruleset, a tender, one of its bids, a number field that bid gives, and a higher value for it.

    One criterion of the ruleset is rewritten to read that field with a monotone method, so that every
    example checks something; the others stay as drawn.
    """
    rules = draw(ruleset_documents())
    document = draw(tender_documents(min_bids=1, max_bids=5))
    index = draw(st.integers(min_value=0, max_value=len(document["bids"]) - 1))
    bid = document["bids"][index]
    given_fields = [p for p in RAISABLE if value_at(p, bid, {}) is not ABSENT]
    workforce = bid.get("workforce", {})
    given_fields += [p for p in SHARE_PARTS if p.split(".")[1] in workforce and workforce["employees"] > 0]
    field = draw(st.sampled_from(given_fields)) if given_fields else "quality.technical"
    if not given_fields:  # the bid gives no number at all: give it a mark to raise
        bid["quality"] = {"technical": draw(st.integers(min_value=0, max_value=100))}
    old = value_at(field, bid, {})
    if field.startswith("ownership."):
        new: Any = draw(st.decimals(min_value=old, max_value=100, places=1))
        low, high = 0, 100
    elif field.startswith("quality."):
        new = draw(st.integers(min_value=old, max_value=100))
        low, high = 0, 100
    else:
        new = draw(st.integers(min_value=old, max_value=workforce["employees"]))
        low, high = 0, workforce["employees"]
    reads: Any = field
    if field in SHARE_PARTS and draw(st.booleans()):
        reads = {"share": [field, "workforce.employees"]}
        low, high = 0, 1
    number = ruleset_numbers(low, high)
    kind = draw(
        st.sampled_from(["linear", "threshold", "bands", *(["panel"] * field.startswith("quality."))])
    )
    if kind == "linear":
        start = draw(number)
        method: dict[str, Any] = {"linear": {"from": start, "to": draw(number.filter(lambda x: x != start))}}
    elif kind == "threshold":
        method = {"threshold": {"at_least": draw(number)}}
    elif kind == "bands":
        steps = sorted(draw(st.lists(number, min_size=1, max_size=4, unique=True)))
        scores = sorted(draw(st.lists(fractions, min_size=len(steps), max_size=len(steps))))
        method = {"bands": [{"at_least": a, "score": s} for a, s in zip(steps, scores, strict=True)]}
    else:
        method = {"panel": {"max": draw(ruleset_numbers("0.01", 150))}}
    target = draw(st.integers(min_value=0, max_value=len(rules["criteria"]) - 1))
    criterion = {k: v for k, v in rules["criteria"][target].items() if k not in ("field", "method")}
    rules["criteria"][target] = {**criterion, "field": reads, "method": method}
    return rules, document, index, field, new


def with_value(document: dict[str, Any], index: int, path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node = changed["bids"][index]
    *parents, last = path.split(".")
    for step in parents:
        node = node[step]
    node[last] = value
    return changed


class TestMonotonicity:
    """More of what a criterion rewards never earns fewer points; a lower price never fewer price points."""

    @examples(SOME)
    @given(raises())
    def test_raising_a_rewarded_attribute_never_lowers_its_points(
        self, case: tuple[dict[str, Any], dict[str, Any], int, str, Any]
    ) -> None:
        """Raise an ownership share, a panel mark or an immigrant count: each criterion reading it moves
        only in its direction (less-is-better lines the other way), and every other figure stays put."""
        rules, document, index, field, new = case
        tender_id, bid_id = document["tender"]["id"], document["bids"][index]["id"]
        before = run(rules, [document])
        if not before.row(tender_id, bid_id)["eligible"]:
            return  # a bid that fails a gate has no points to compare
        after = run(rules, [with_value(document, index, field, new)])
        assert after.row(tender_id, bid_id)["eligible"]
        old_points, new_points = before.breakdown(tender_id, bid_id), after.breakdown(tender_id, bid_id)
        for criterion in rules["criteria"]:
            old, now = (Decimal(p[criterion["id"]]["points"]) for p in (old_points, new_points))
            way = direction(criterion, field)
            if way == 1:
                assert now >= old, criterion
            elif way == -1:
                assert now <= old, criterion
            elif way == 0:
                assert now == old, criterion
        others = [b["id"] for b in document["bids"] if b["id"] != bid_id]
        for other in others:
            assert after.breakdown(tender_id, other) == before.breakdown(tender_id, other)

    @examples(SOME)
    @given(ruleset_documents(), tender_documents(min_bids=1, max_bids=5), st.data())
    def test_lowering_ones_own_price_never_lowers_its_price_points(
        self, rules: dict[str, Any], document: dict[str, Any], data: st.DataObject
    ) -> None:
        """A cheaper offer stays eligible and scores at least as many points on every price criterion."""
        target = data.draw(st.integers(min_value=0, max_value=len(rules["criteria"]) - 1))
        price_method = data.draw(st.sampled_from(["price_proportional", "price_linear"]))
        settings_ = (
            {"zero_at": data.draw(ruleset_numbers("1.01", 4))} if price_method == "price_linear" else {}
        )
        kept = {k: v for k, v in rules["criteria"][target].items() if k not in ("field", "method")}
        rules["criteria"][target] = {
            **kept,
            "method": {price_method: settings_},
        }  # at least one price criterion
        index = data.draw(st.integers(min_value=0, max_value=len(document["bids"]) - 1))
        bid = document["bids"][index]
        tender_id = document["tender"]["id"]
        cents = int(exact(bid["price"]["amount"]) * 100)
        lower = data.draw(st.integers(min_value=1, max_value=cents))
        before = run(rules, [document])
        if not before.row(tender_id, bid["id"])["eligible"]:
            return
        cheaper = with_value(document, index, "price.amount", f"{Decimal(lower).scaleb(-2):.2f}")
        after = run(rules, [cheaper])
        assert after.row(tender_id, bid["id"])["eligible"]
        old_points, new_points = before.breakdown(tender_id, bid["id"]), after.breakdown(tender_id, bid["id"])
        for criterion in rules["criteria"]:
            if next(iter(criterion["method"])) in ("price_proportional", "price_linear"):
                key = criterion["id"]
                assert Decimal(new_points[key]["points"]) >= Decimal(old_points[key]["points"]), key


# ---------------------------------------------------------------------------------------------------
# Ranking


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant(text: str) -> int:
    """An RFC 3339 date-time as microseconds since 1970 (an instant, whatever its offset)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - EPOCH) // timedelta(microseconds=1)


def rank_key(rules: dict[str, Any], row: dict[str, Any], bid: dict[str, Any]) -> tuple[Any, ...]:
    """Total high first, then each tie-breaker (a missing value last, whatever the order), then bid id."""
    key: list[Any] = [-Decimal(row["total"])]
    for breaker in rules["ranking"]["tie_breakers"]:
        sign = -1 if breaker["order"] == "desc" else 1
        if "group" in breaker:
            key.append((0, sign * Decimal(row["groups"][breaker["group"]])))
            continue
        value = value_at(breaker["field"], bid, {})
        if value is ABSENT:
            key.append((1, 0))
        elif breaker["field"] == "submitted_at":
            key.append((0, sign * instant(value)))
        else:
            key.append((0, sign * exact(value)))
    key.append(row["bid_id"])
    return tuple(key)


class TestRanking:
    """Ranks are a total order: total, then the tie-breakers, then bid id."""

    @examples(SOME)
    @given(ruleset_documents(), batches(max_tenders=1, min_bids=2, max_bids=8))
    def test_ranks_are_1_to_n_in_the_order_of_total_tie_breakers_and_bid_id(
        self, rules: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """Per tender: eligible bids ranked 1..n without gaps, in key order; then ineligible ones by id."""
        result = run(rules, documents)
        for document in documents:
            tender_id = document["tender"]["id"]
            bids = {b["id"]: b for b in document["bids"]}
            rows = result.rows(tender_id)
            assert sorted(r["bid_id"] for r in rows) == sorted(bids)
            ranked = [r for r in rows if r["eligible"]]
            assert rows[: len(ranked)] == ranked, "eligible bids come first"
            assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
            keys = [rank_key(rules, r, bids[r["bid_id"]]) for r in ranked]
            assert keys == sorted(keys)
            assert len(set(keys)) == len(keys)
            rest = rows[len(ranked) :]
            assert all(r["rank"] is None and r["total"] is None for r in rest)
            assert [r["bid_id"] for r in rest] == sorted(r["bid_id"] for r in rest)

    @examples(SOME)
    @given(ruleset_documents(), tender_documents(min_bids=2, max_bids=6))
    def test_equal_totals_are_ordered_by_the_tie_breakers(
        self, rules: dict[str, Any], document: dict[str, Any]
    ) -> None:
        """With every criterion on a field no bid gives, all totals tie at 0: the tie-breakers and then the
        bid id decide alone."""
        for criterion in rules["criteria"]:
            criterion.pop("evidence", None)
            criterion["field"] = "workforce.apprentices"  # never filled by the bid strategy
            criterion["method"] = {"threshold": {"at_least": 0}}
        result = run(rules, [document])
        bids = {b["id"]: b for b in document["bids"]}
        ranked = [r for r in result.rows() if r["eligible"]]
        assert {r["total"] for r in ranked} <= {printed(Decimal(0), rules["precision"])}
        keys = [rank_key(rules, r, bids[r["bid_id"]]) for r in ranked]
        assert keys == sorted(keys)


# ---------------------------------------------------------------------------------------------------
# Ineligible bids


class TestIneligibleBids:
    """A bid that fails a gate gets nothing and changes nothing."""

    @examples(SOME)
    @given(ruleset_documents(), batches())
    def test_ineligible_bids_get_no_points_rank_or_breakdown(
        self, rules: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """An ineligible row has reasons, no rank, no total, no points, no subtotals and no breakdown."""
        result = run(rules, documents)
        listed = {(b["tender_id"], b["bid_id"]) for b in result.sheet["breakdown"]}
        for row in result.rows():
            if row["eligible"]:
                assert len([k for k in listed if k == (row["tender_id"], row["bid_id"])]) == 1
                continue
            assert row["reasons"] and row["rank"] is None and row["total"] is None
            assert row["points"] == {} and row["groups"] == {}
            assert (row["tender_id"], row["bid_id"]) not in listed

    @examples(SOME)
    @given(
        ruleset_documents(),
        tender_documents(min_bids=1, max_bids=5),
        st.one_of(st.none(), st.integers(min_value=0, max_value=49)),
    )
    def test_a_cheaper_ineligible_bid_moves_no_eligible_bids_points(
        self, rules: dict[str, Any], document: dict[str, Any], mark: int | None
    ) -> None:
        """Add a bid cheaper than all others that fails a quality gate: every eligible bid keeps its
        points, total and rank, and the newcomer is listed ineligible."""
        rules["gates"].append(
            {"id": "mandatory-quality", "field": "quality.technical", "op": ">=", "value": 50}
        )
        cents = min(int(exact(b["price"]["amount"]) * 100) for b in document["bids"]) - 1
        cheap: dict[str, Any] = {
            "id": "cheap-bid",  # lower case: the bid strategy's ids are upper case
            "supplier": {"id": "S-CHEAP", "name": "Undercut Ltd"},
            "price": {"amount": f"{Decimal(cents).scaleb(-2):.2f}", "currency": "CAD"},
        }
        if mark is not None:
            cheap["quality"] = {"technical": mark}
        assert exact(cheap["price"]["amount"]) > 0
        tender_id = document["tender"]["id"]
        before = run(rules, [document])
        after = run(rules, [{**document, "bids": [*document["bids"], cheap]}])
        newcomer = after.row(tender_id, "cheap-bid")
        assert not newcomer["eligible"] and newcomer["points"] == {} and newcomer["rank"] is None
        assert [r for r in after.rows() if r["bid_id"] != "cheap-bid"] == before.rows()
        assert after.sheet["breakdown"] == before.sheet["breakdown"]


# ---------------------------------------------------------------------------------------------------
# Byte-identical files


def write_all(sheet: Any, folder: Path) -> dict[str, bytes]:
    written = {}
    for suffix in FORMATS:
        for path in sheet.write(folder / f"sheet{suffix}"):
            written[path.name] = path.read_bytes()
    return written


class TestDeterministicFiles:
    """The same inputs and ruleset give the same bytes in every format."""

    @examples(FEW)
    @given(ruleset_documents(), batches(), st.sampled_from([None, "2026-03-31T12:00:00Z"]))
    def test_two_runs_write_byte_identical_files(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        rules: dict[str, Any],
        documents: list[dict[str, Any]],
        created_at: str | None,
    ) -> None:
        """Two runs over the same generated batch: .json, .csv, .xlsx and .parquet files byte for byte."""
        folder = tmp_path_factory.mktemp("runs")
        files = []
        for name in ("first", "second"):
            batch = read_documents(copy.deepcopy(documents))
            sheet = score(batch, parse_ruleset(copy.deepcopy(rules)), created_at=created_at)
            files.append(write_all(sheet, folder / name))
        assert len(files[0]) == 8  # json 1, csv 3, xlsx 1, parquet 3
        assert files[0] == files[1]

    def test_the_example_batch_writes_identical_bytes_under_any_hash_seed(self, tmp_path: Path) -> None:
        """The examples scored in two processes with different PYTHONHASHSEED: identical files. The
        bundled ruleset gets a strict quality gate as well, so that each tender has several ineligible
        bids whose order must not depend on hashing."""
        strict = tmp_path / "strict.yaml"
        text = default_ruleset_path().read_text(encoding="utf-8")
        gate = '  - {id: strict-quality, field: quality.technical, op: ">=", value: 80}\n'
        strict.write_text(text.replace("\ngates:\n", "\ngates:\n" + gate, 1), encoding="utf-8")
        assert len(load_ruleset(strict).gates) == 2
        script = (
            "import sys\n"
            "from pathlib import Path\n"
            "from supplierscore import read_bids, score, load_ruleset\n"
            "sheet = score(read_bids(sys.argv[3:]), load_ruleset(sys.argv[2]))\n"
            "for suffix in ('.json', '.csv', '.xlsx', '.parquet'):\n"
            "    sheet.write(Path(sys.argv[1]) / ('sheet' + suffix))\n"
        )
        outputs = []
        for seed in ("1", "2"):
            folder = tmp_path / seed
            env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT / "src")}
            env.pop("SOURCE_DATE_EPOCH", None)
            command = [sys.executable, "-c", script, str(folder), str(strict), *map(str, EXAMPLES)]
            subprocess.run(command, check=True, env=env)
            outputs.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
        assert len(outputs[0]) == 8
        assert outputs[0] == outputs[1]
        rows = json.loads(outputs[0]["sheet.json"])["rows"]
        assert sum(1 for r in rows if not r["eligible"]) > 2 * len({r["tender_id"] for r in rows})


# ---------------------------------------------------------------------------------------------------
# The score sheet's JSON schema


RFC3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def is_date_time(instance: object) -> bool:
    """RFC 3339 date-time: the form, and a real date and time (``2026-02-30`` is not)."""
    if not isinstance(instance, str):
        return True
    if not RFC3339.match(instance):
        return False
    datetime.fromisoformat(instance.upper().replace("Z", "+00:00"))  # ValueError for a day that is not
    return True


def sheet_validator() -> jsonschema.Draft202012Validator:
    """Draft 2020-12 with format checking. jsonschema checks date-time only when the optional package
    rfc3339-validator is installed and silently skips it otherwise, so it is supplied here when missing."""
    jsonschema.Draft202012Validator.check_schema(SHEET_SCHEMA)
    checker = jsonschema.FormatChecker()
    if "date-time" not in checker.checkers:
        checker.checks("date-time", raises=ValueError)(is_date_time)
    return jsonschema.Draft202012Validator(SHEET_SCHEMA, format_checker=checker)


VALIDATOR = sheet_validator()


def schema_errors(sheet: Any) -> list[str]:
    data = json.loads(sheet.to_json_bytes())
    return [f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(data)]


class TestScoreSheetSchema:
    """The JSON sheet follows schemas/scoresheet.schema.json (pure-Python jsonschema, formats checked)."""

    def test_the_validator_checks_formats(self) -> None:
        """The validator checks date-time, the sheet's one format: a real instant passes, others fail."""
        checker = VALIDATOR.format_checker
        assert checker is not None
        assert checker.conforms("2026-03-31T12:00:00Z", "date-time")
        assert checker.conforms("2026-03-31T08:00:00.5-04:00", "date-time")
        for wrong in ("2026-03-31 12:00", "2026-02-30T12:00:00Z", "2026-03-31T24:00:00Z", "yesterday"):
            assert not checker.conforms(wrong, "date-time"), wrong

    def test_the_example_batch_gives_a_valid_sheet(self) -> None:
        """examples/tenders.ndjson and examples/bad-bids.ndjson together: valid, and the counts reconcile."""
        batch = read_bids(EXAMPLES)
        sheet = score(batch, load_ruleset(default_ruleset_path()), created_at="2026-03-31T12:00:00Z")
        assert schema_errors(sheet) == []
        counts = sheet.to_dict()["metadata"]["counts"]
        assert counts["read"] == counts["scored"] + counts["ineligible"] + counts["rejected"] == 76
        assert counts["rejected"] > 0 and counts["ineligible"] > 0

    @examples(SOME)
    @given(
        ruleset_documents(),
        batches(),
        st.sampled_from([None, "2026-03-31T12:00:00Z", "2026-03-31T08:00:00-04:00"]),
    )
    def test_generated_batches_give_valid_sheets(
        self, rules: dict[str, Any], documents: list[dict[str, Any]], created_at: str | None
    ) -> None:
        """Any ruleset, any batch: the JSON sheet validates, and read = scored + ineligible + rejected."""
        sheet = score(read_documents(copy.deepcopy(documents)), parse_ruleset(rules), created_at=created_at)
        assert schema_errors(sheet) == []
        counts = sheet.to_dict()["metadata"]["counts"]
        assert counts["read"] == counts["scored"] + counts["ineligible"] + counts["rejected"]
        assert counts["read"] == sum(len(d["bids"]) for d in documents)
