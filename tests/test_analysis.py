"""What would change the outcome: counterfactuals, the winner's robustness to the weights, integrity flags.

The properties check the analysis from outside: every reported change is applied to the bid's input and
the tender is scored again through the public API (read_documents + score), and every weight transfer is
written into a ruleset that is loaded and scored again. Nothing here re-uses the analysis' own arithmetic.
"""

from __future__ import annotations

import copy
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings

from supplierscore import RulesetError, read_bids, read_documents, score
from supplierscore.cli import main
from supplierscore.engine import analyse, apply_change, with_analysis
from supplierscore.ruleset import default_ruleset_path, load_ruleset, parse_ruleset
from tests.strategies import batches, ruleset_documents

ROOT = Path(__file__).parent.parent
TENDERS = ROOT / "examples" / "tenders.ndjson"
SHEET_SCHEMA = json.loads((ROOT / "schemas" / "scoresheet.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SHEET_SCHEMA, format_checker=jsonschema.FormatChecker())

PROPERTY = settings(
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def rank_after(document: dict[str, Any], rules: dict[str, Any], bid_id: str, change: Any) -> int | None:
    """The rank ``bid_id`` gets when ``change`` is made to it (None: unchanged) and the tender is scored
    again; None when it is then ineligible. The changed bid must still be valid input."""
    changed = copy.deepcopy(document)
    if change is not None:
        changed["bids"] = [apply_change(b, change) if b["id"] == bid_id else b for b in changed["bids"]]
    batch = read_documents([changed])
    assert batch.rejected == 0, batch.rejections
    sheet = score(batch, parse_ruleset(copy.deepcopy(rules)))
    (row,) = [r for r in sheet.rows if r.bid_id == bid_id]
    return row.rank


def one_unit_less(item: dict[str, Any], found: dict[str, Any]) -> Any:
    """The reported change made one unit smaller: one item fewer, one grid step less; None (no change)
    for a yes/no or a certificate, or when one step less is the value the bid started from."""
    change = found["change"]
    if "add" in change:
        return {"path": change["path"], "add": change["add"][:-1]} if len(change["add"]) > 1 else None
    if change["value"] is True:
        return None
    unit = Decimal(item["unit"])
    direction = 1 if not found["delta"].startswith("-") else -1
    smaller = Decimal(change["value"]) - direction * unit
    if item["current"] is not None and smaller == Decimal(item["current"]):
        return None
    value = f"{smaller:f}" if item["lever"] != "price" else f"{smaller.quantize(unit):f}"
    return {"path": change["path"], "value": value}


def analysed(rules: dict[str, Any], documents: list[dict[str, Any]]) -> dict[str, Any]:
    ruleset = parse_ruleset(copy.deepcopy(rules))
    batch = read_documents(copy.deepcopy(documents))
    sheet = with_analysis(score(batch, ruleset), batch, ruleset)
    assert sheet.analysis is not None
    return sheet.analysis


def valid_smaller(document: dict[str, Any], bid_id: str, change: Any) -> bool:
    """Whether one unit less is still valid input (below 0 % or past the employees it is not, and then
    the bid's own starting point, the value absent, is what one unit less means)."""
    if change is None:
        return True
    changed = copy.deepcopy(document)
    changed["bids"] = [apply_change(b, change) if b["id"] == bid_id else b for b in changed["bids"]]
    return read_documents([changed]).rejected == 0


class TestCounterfactuals:
    """A reported change, applied and scored again, gives the reported rank; one unit less does not."""

    @PROPERTY
    @given(ruleset_documents(max_criteria=4), batches(max_tenders=1, min_bids=2, max_bids=5))
    @example(  # two panels on one field, out of 1 and out of 0.1: each lever steps by its own unit
        {
            "ruleset": "generated",
            "version": "1.0",
            "title": "A generated ruleset",
            "precision": 0,
            "rounding": "half_up",
            "policy": {"social_weight_min": 0, "social_weight_max": 100},
            "criteria": [
                {
                    "id": "panel-0",
                    "group": "price",
                    "weight": Decimal(0),
                    "field": "quality.delivery",
                    "method": {"panel": {"max": Decimal(1)}},
                },
                {
                    "id": "panel-3",
                    "group": "price",
                    "weight": Decimal(100),
                    "field": "quality.delivery",
                    "method": {"panel": {"max": Decimal("0.1")}},
                },
            ],
        },
        [
            {
                "tender": {"id": "A", "currency": "CAD"},
                "bids": [
                    {
                        "id": bid,
                        "supplier": {"id": "A", "name": "0"},
                        "price": {"amount": "1.00", "currency": "CAD"},
                    }
                    for bid in ("A", "F")
                ],
            }
        ],
    )
    @example(  # employees absent, fewer is better: the steps count down from the field's bound, 10^40
        {
            "ruleset": "generated",
            "version": "1.0",
            "title": "A generated ruleset",
            "precision": 0,
            "rounding": "half_up",
            "policy": {"social_weight_min": 0, "social_weight_max": 100},
            "criteria": [
                {
                    "id": "linear-1",
                    "group": "price",
                    "weight": Decimal(100),
                    "field": "workforce.employees",
                    "method": {"linear": {"from": Decimal(2), "to": Decimal(0)}},
                }
            ],
        },
        [
            {
                "tender": {"id": "A", "currency": "CAD"},
                "bids": [
                    {
                        "id": bid,
                        "supplier": {"id": "A", "name": "0"},
                        "price": {"amount": "1.00", "currency": "CAD"},
                    }
                    for bid in ("A", "I")
                ],
            }
        ],
    )
    def test_a_reported_change_reaches_its_rank_and_one_unit_less_does_not(
        self, rules: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """Every up-one and first change, re-scored by the public API, gives exactly the reported rank
        (at least the one sought), and the same change one unit smaller does not reach it."""
        for tender in analysed(rules, documents)["tenders"]:
            (document,) = [d for d in documents if d["tender"]["id"] == tender["tender_id"]]
            for entry in tender["bids"]:
                for item in entry["counterfactuals"]:
                    for key, sought in (("up_one", entry["rank"] - 1), ("first", 1)):
                        found = item[key]
                        if found is None:
                            continue
                        assert found["rank"] <= sought
                        bid = entry["bid_id"]
                        assert rank_after(document, rules, bid, found["change"]) == found["rank"], item
                        less = one_unit_less(item, found)
                        if not valid_smaller(document, bid, less):
                            less = None
                        reached = rank_after(document, rules, bid, less)
                        case = json.dumps([item, less, rules, document], default=str)
                        assert reached is None or reached > sought, case

    @pytest.mark.parametrize(("floor", "expected"), [(80, "89.98"), (90, None)])
    def test_a_price_worked_out_by_hand_with_a_price_floor(self, floor: int, expected: str | None) -> None:
        """A (100.00, mark 90) leads B (120.00, mark 80) under 50 points each for price and quality. B
        priced p ≤ 100 is the lowest: B = 50 + 40 = 90 and A = round(50 × p / 100) + 45. At 89.99 A gets
        44.995 → 45.00, a tie A wins on bid id; at 89.98 A gets 44.99. So 89.98, when a gate lets the
        price go there (price ≥ 80); with a floor of 90, no price change alone can."""
        rules = {
            "ruleset": "t",
            "version": "1",
            "title": "t",
            "precision": 2,
            "rounding": "half_up",
            "gates": [{"id": "floor", "field": "price.amount", "op": ">=", "value": Decimal(floor)}],
            "criteria": [
                {"id": "price", "group": "price", "weight": 50, "method": {"price_proportional": {}}},
                {
                    "id": "q",
                    "group": "quality",
                    "weight": 50,
                    "field": "quality.technical",
                    "method": {"panel": {"max": 100}},
                },
            ],
        }
        document = tender(
            [bid("A", "100.00", quality={"technical": 90}), bid("B", "120.00", quality={"technical": 80})]
        )
        analysis = analyse(read_documents([document]), parse_ruleset(rules))
        (entry,) = [b for b in analysis["tenders"][0]["bids"] if b["bid_id"] == "B"]
        (price,) = [c for c in entry["counterfactuals"] if c["criterion"] == "price"]
        found = price["first"]
        assert (found and found["change"]["value"]) == (expected or None)

    def test_a_losing_example_bid_has_a_price_that_makes_it_first(self) -> None:
        """K-02 (rank 3 in BRA-2026-0088) becomes first at the reported price, not a cent higher."""
        batch = read_bids([TENDERS])
        ruleset = load_ruleset(default_ruleset_path())
        analysis = analyse(batch, ruleset)
        (tender,) = [t for t in analysis["tenders"] if t["tender_id"] == "BRA-2026-0088"]
        (entry,) = [b for b in tender["bids"] if b["bid_id"] == "K-02"]
        (price,) = [c for c in entry["counterfactuals"] if c["lever"] == "price"]
        document = next(
            json.loads(line, parse_float=Decimal)
            for line in TENDERS.read_text(encoding="utf-8").splitlines()
            if "BRA-2026-0088" in line
        )
        rules = json.loads(ruleset.canonical_json, parse_float=Decimal)
        assert entry["rank"] > 2 and price["first"]["rank"] == 1
        assert rank_after(document, rules, "K-02", price["first"]["change"]) == 1
        one_cent_more = one_unit_less(price, price["first"])
        assert rank_after(document, rules, "K-02", one_cent_more) != 1


def moved(rules: dict[str, Any], source: str, target: str, points: Decimal) -> dict[str, Any]:
    """``rules`` with ``points`` of weight moved from criterion ``source`` to ``target``."""
    result = copy.deepcopy(rules)
    for criterion in result["criteria"]:
        if criterion["id"] == source:
            criterion["weight"] = Decimal(criterion["weight"]) - points
        elif criterion["id"] == target:
            criterion["weight"] = Decimal(criterion["weight"]) + points
    return result


def winner(rules: dict[str, Any], document: dict[str, Any]) -> str | None:
    sheet = score(read_documents([copy.deepcopy(document)]), parse_ruleset(copy.deepcopy(rules)))
    return next((r.bid_id for r in sheet.rows if r.rank == 1), None)


class TestRobustness:
    """A reported weight transfer changes the winner to the one reported; no smaller one of that pair does."""

    @PROPERTY
    @given(ruleset_documents(max_criteria=4), batches(max_tenders=1, min_bids=2, max_bids=5))
    def test_a_reported_transfer_changes_the_winner_and_no_smaller_one_does(
        self, rules: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """Scoring again with the transferred weights gives the reported winner; every smaller transfer
        of the same pair (all of them when there are few, else a sample with both ends) keeps the winner."""
        unit = Decimal(1).scaleb(-rules["precision"])
        for tender in analysed(rules, documents)["tenders"]:
            (document,) = [d for d in documents if d["tender"]["id"] == tender["tender_id"]]
            robust = tender["robustness"]
            transfer = robust["transfer"]
            if transfer is None:
                continue
            assert transfer["confirmed"]
            points = Decimal(transfer["points"])
            rules_moved = moved(rules, transfer["from"], transfer["to"], points)
            assert winner(rules_moved, document) == transfer["winner"]
            assert transfer["winner"] != robust["winner"]
            steps = int(points / unit)
            smaller = list(range(1, steps))
            if len(smaller) > 12:
                smaller = sorted({1, 2, steps - 1, steps // 2, *random.Random(steps).sample(smaller, 8)})
            for step in smaller:
                rules_moved = moved(rules, transfer["from"], transfer["to"], step * unit)
                assert winner(rules_moved, document) == robust["winner"], step

    @PROPERTY
    @given(ruleset_documents(max_criteria=4), batches(max_tenders=1, min_bids=2, max_bids=5))
    def test_the_margin_and_the_winners_without_a_criterion_follow_the_rows(
        self, rules: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """The margin is the first total less the second; leaving out a criterion of zero weight never
        changes the winner."""
        ruleset = parse_ruleset(copy.deepcopy(rules))
        batch = read_documents(copy.deepcopy(documents))
        sheet = with_analysis(score(batch, ruleset), batch, ruleset)
        assert sheet.analysis is not None
        for tender in sheet.analysis["tenders"]:
            ranked = [r for r in sheet.rows if r.tender_id == tender["tender_id"] and r.rank is not None]
            robust = tender["robustness"]
            if len(ranked) < 2:
                assert robust["margin"] is None
                continue
            assert ranked[0].total is not None and ranked[1].total is not None
            assert Decimal(robust["margin"]) == ranked[0].total - ranked[1].total
            weights = {c.id: c.weight for c in ruleset.criteria}
            for left_out in robust["without"]:
                if weights[left_out["criterion"]] == 0:
                    assert left_out["winner"] == robust["winner"]


class TestGates:
    """What makes an ineligible bid eligible."""

    @PROPERTY
    @given(ruleset_documents(max_criteria=3), batches(max_tenders=1, min_bids=2, max_bids=5))
    def test_a_reported_gate_change_passes_the_gate_and_gives_the_reported_rank(
        self, rules: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """Applying a gate's reported change makes the bid eligible with the reported rank when it says
        the change alone does; otherwise the bid stays ineligible."""
        for tender in analysed(rules, documents)["tenders"]:
            (document,) = [d for d in documents if d["tender"]["id"] == tender["tender_id"]]
            for entry in tender["bids"]:
                for fix in entry["gates"]:
                    if fix["change"] is None:
                        continue
                    rank = rank_after(document, rules, entry["bid_id"], fix["change"])
                    assert rank == (fix["rank"] if fix["eligible_alone"] else None), fix


def tender(bids: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    return {"tender": {"id": "T-1", "currency": "CAD", **header}, "bids": bids}


def bid(bid_id: str, price: str, supplier: str | None = None, **fields: Any) -> dict[str, Any]:
    supplier_id = supplier or f"S-{bid_id}"
    return {
        "id": bid_id,
        "supplier": {"id": supplier_id, "name": f"Supplier {supplier_id}"},
        "price": {"amount": price, "currency": "CAD"},
        **fields,
    }


def flags_of(document: dict[str, Any], integrity: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    rules = json.loads(load_ruleset(default_ruleset_path()).canonical_json, parse_float=Decimal)
    if integrity is not None:
        rules["integrity"] = integrity
    analysis = analyse(read_documents([document]), parse_ruleset(rules))
    (only,) = analysis["tenders"]
    flags: list[dict[str, Any]] = only["flags"]
    return flags


UKRAINE = {"abnormally_low": {"below_mean_pct": 40, "below_next_pct": 30}}


class TestFlags:
    """Integrity flags on hand-made tenders."""

    def test_a_price_40_percent_below_the_mean_of_the_others_is_abnormally_low(self) -> None:
        """60.00 against others averaging 100.00 is exactly 40 % below: flagged; 60.01 is not."""
        others = [bid("B", "90.00"), bid("C", "110.00")]
        flagged = flags_of(tender([bid("A", "60.00"), *others]), UKRAINE)
        assert [f["bid_ids"] for f in flagged if f["flag"] == "abnormally-low-price"] == [["A"]]
        only_mean = {"abnormally_low": {"below_mean_pct": 40}}
        assert not [f for f in flags_of(tender([bid("A", "60.01"), *others]), only_mean)]

    def test_a_mean_that_never_ends_is_compared_exactly_and_shown_to_the_cent(self) -> None:
        """Others at 20.00, 20.00 and 21.00 average 20.333…: 12.20 is exactly 40 % below it, 12.21 is not."""
        others = [bid("B", "20.00"), bid("C", "20.00", quality={"technical": 1}), bid("D", "21.00")]
        only_mean = {"abnormally_low": {"below_mean_pct": 40}}
        flagged = [
            f for f in flags_of(tender([bid("A", "12.20"), *others]), only_mean) if f["bid_ids"] == ["A"]
        ]
        assert len(flagged) == 1 and "the mean 20.33 of the other 3 bids" in flagged[0]["detail"]
        assert not [
            f for f in flags_of(tender([bid("A", "12.21"), *others]), only_mean) if f["bid_ids"] == ["A"]
        ]

    def test_a_price_30_percent_below_the_next_lowest_is_abnormally_low(self) -> None:
        """70.00 against a next price of 100.00 is 30 % below it: flagged; 70.01 is not."""
        only_next = {"abnormally_low": {"below_next_pct": 30}}
        others = [bid("B", "100.00"), bid("C", "100.00", supplier="S-B", quality={"technical": 50})]
        assert [f["flag"] for f in flags_of(tender([bid("A", "70.00"), *others]), only_next)] == [
            "abnormally-low-price",
            "same-supplier",
        ]
        assert [f["flag"] for f in flags_of(tender([bid("A", "70.01"), *others]), only_next)] == [
            "same-supplier"
        ]

    def test_without_the_ruleset_setting_no_price_is_abnormally_low(self) -> None:
        """A ruleset without integrity.abnormally_low never raises that flag."""
        flags = flags_of(tender([bid("A", "1.00"), bid("B", "1000.00")]))
        assert not [f for f in flags if f["flag"] == "abnormally-low-price"]

    def test_equal_prices_from_different_suppliers_are_flagged(self) -> None:
        """96200 and "96200.00" are the same price; from one supplier it is not this flag."""
        flags = flags_of(tender([bid("A", "96200.00"), bid("B", Decimal("96200")), bid("C", "5.00")]))
        assert [(f["flag"], f["bid_ids"]) for f in flags] == [("identical-prices", ["A", "B"])]

    def test_bids_identical_in_every_scored_field_are_flagged(self) -> None:
        """Two bids that differ only in id, supplier name and submission time."""
        fields = {"quality": {"technical": 80, "delivery": 70}, "ownership": {"immigrant": 60}}
        same = [
            bid("A", "500.00", submitted_at="2026-01-01T10:00:00Z", **fields),
            bid("B", "500.00", submitted_at="2026-01-02T10:00:00Z", **fields),
            bid("C", "500.00", **{**fields, "quality": {"technical": 81, "delivery": 70}}),
        ]
        flags = {f["flag"]: f["bid_ids"] for f in flags_of(tender(same))}
        assert flags["identical-bids"] == ["A", "B"]

    def test_a_tender_with_one_bid_is_flagged(self) -> None:
        """One valid bid: no competition."""
        assert [f["flag"] for f in flags_of(tender([bid("A", "10.00")]))] == ["single-bid"]

    def test_a_tender_with_one_eligible_bid_is_flagged(self) -> None:
        """Two bids, one over the budget."""
        document = tender(
            [bid("A", "10.00"), bid("B", "20.00")], budget={"amount": "15.00", "currency": "CAD"}
        )
        assert [f["flag"] for f in flags_of(document)] == ["single-eligible-bid"]

    def test_a_bid_after_the_closing_date_is_flagged(self) -> None:
        """A bid dated (in its own offset) the day after the closing date is late; one on that day is not."""
        bids = [
            bid("A", "10.00", submitted_at="2026-03-31T23:59:59-04:00"),
            bid("B", "11.00", submitted_at="2026-04-01T00:00:00-04:00"),
        ]
        flags = flags_of(tender(bids, closing_date="2026-03-31"))
        assert [(f["flag"], f["bid_ids"]) for f in flags] == [("late-bid", ["B"])]

    def test_flags_change_no_score(self) -> None:
        """The rows of a sheet with analysis are those of one without, byte for byte."""
        batch = read_bids([TENDERS])
        ruleset = load_ruleset(default_ruleset_path())
        plain = score(batch, ruleset, created_at="2026-03-31T12:00:00Z")
        both = with_analysis(plain, batch, ruleset)
        with_member = json.loads(both.to_json_bytes())
        assert with_member.pop("analysis")["tenders"]
        assert json.dumps(with_member) == json.dumps(json.loads(plain.to_json_bytes()))
        assert b'"analysis"' not in plain.to_json_bytes()


class TestRulesetSetting:
    """integrity.abnormally_low is optional, checked, and leaves other rulesets' digests alone."""

    def test_the_bundled_ruleset_keeps_its_digest(self) -> None:
        """The default ruleset sets no integrity rule, and its digest is the one its sheets carry."""
        ruleset = load_ruleset(default_ruleset_path())
        assert ruleset.integrity is None
        assert ruleset.sha256 == "e0ebeb23a83f1e5dc797ee785b52ac5143a1d07ca4ea8336a2218066d79083fd"

    def test_the_example_ruleset_sets_ukraines_rule(self) -> None:
        """examples/analysis/cities-of-migration-integrity.yaml: 40 % below the mean, 30 % below the next."""
        ruleset = load_ruleset(ROOT / "examples" / "analysis" / "cities-of-migration-integrity.yaml")
        assert ruleset.integrity is not None and ruleset.integrity.abnormally_low is not None
        rule = ruleset.integrity.abnormally_low
        assert (rule.below_mean_pct, rule.below_next_pct) == (40, 30)

    @pytest.mark.parametrize(
        "setting",
        [
            {"abnormally_low": {}},
            {"abnormally_low": {"below_mean_pct": 0}},
            {"abnormally_low": {"below_next_pct": 100}},
            {"abnormally_low": {"below_mean": 40}},
            {"low": {}},
        ],
    )
    def test_a_bad_setting_is_refused(self, setting: dict[str, Any]) -> None:
        """An empty rule, a percentage of 0 or 100, or an unknown key: the ruleset is refused."""
        rules = json.loads(load_ruleset(default_ruleset_path()).canonical_json, parse_float=Decimal)
        rules["integrity"] = setting
        with pytest.raises(RulesetError, match="integrity"):
            parse_ruleset(rules)


class TestSchema:
    """Sheets with analysis follow schemas/scoresheet.schema.json."""

    def test_the_example_batch_with_analysis_is_valid(self) -> None:
        """The example batch's analysed sheet validates."""
        batch = read_bids([TENDERS])
        ruleset = load_ruleset(default_ruleset_path())
        sheet = with_analysis(score(batch, ruleset), batch, ruleset)
        assert list(VALIDATOR.iter_errors(json.loads(sheet.to_json_bytes()))) == []

    @settings(PROPERTY, max_examples=15)
    @given(ruleset_documents(max_criteria=4), batches(max_tenders=2, min_bids=1, max_bids=4))
    def test_generated_analysed_sheets_are_valid(
        self, rules: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """Any generated batch's analysed sheet validates."""
        ruleset = parse_ruleset(copy.deepcopy(rules))
        batch = read_documents(copy.deepcopy(documents))
        sheet = with_analysis(score(batch, ruleset), batch, ruleset)
        errors = [e.message for e in VALIDATOR.iter_errors(json.loads(sheet.to_json_bytes()))]
        assert errors == []


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example batch scored with --analysis into a JSON sheet."""
    path = tmp_path_factory.mktemp("analysis") / "sheet.json"
    result = invoke("score", TENDERS, "--out", path, "--analysis")
    assert result.exit_code == 0, result.output
    assert "What would change the outcome" in result.output
    return path


class TestCommands:
    """score --analysis, analyse and explain."""

    def test_explain_says_what_would_make_a_losing_bid_first(self, sheet: Path) -> None:
        """K-02 ranks third: explain names the price that makes it first, in words."""
        result = invoke("explain", sheet, "K-02")
        assert result.exit_code == 0, result.output
        data = json.loads(sheet.read_text(encoding="utf-8"))
        (tender,) = [t for t in data["analysis"]["tenders"] if t["tender_id"] == "BRA-2026-0088"]
        (entry,) = [b for b in tender["bids"] if b["bid_id"] == "K-02"]
        (price,) = [c for c in entry["counterfactuals"] if c["lever"] == "price"]
        assert "To be first, any one of these changes alone would do" in result.output
        words = f"lower the price from {price['current']} to {price['first']['change']['value']}"
        assert words in result.output

    def test_explain_says_what_makes_an_ineligible_bid_eligible(self, sheet: Path) -> None:
        """K-06 is over the budget: explain gives the price that passes the gate."""
        result = invoke("explain", sheet, "K-06")
        assert result.exit_code == 0, result.output
        assert "gate within-budget: change price.amount from 214750.00 to 185000.00" in result.output

    def test_analyse_gives_each_tenders_robustness(self, sheet: Path) -> None:
        """Every tender of the example run has its margin and its smallest winner-changing transfer."""
        result = invoke("analyse", sheet)
        assert result.exit_code == 0, result.output
        data = json.loads(sheet.read_text(encoding="utf-8"))
        for tender_id in sorted({row["tender_id"] for row in data["rows"]}):
            assert f"\n{tender_id}\n" in f"\n{result.output}"
        assert result.output.count("margin") == 5
        assert result.output.count("makes") + result.output.count("no transfer") == 5

    def test_analyse_from_the_inputs_checks_the_stored_analysis(self, sheet: Path, tmp_path: Path) -> None:
        """Given the inputs, analyse makes the analysis again, finds it equal, and can write it out."""
        out = tmp_path / "again.json"
        result = invoke("analyse", sheet, TENDERS, "--out", out)
        assert result.exit_code == 0, result.output
        assert "matches" in result.output
        assert json.loads(out.read_text())["analysis"] == json.loads(sheet.read_text())["analysis"]

    def test_analyse_refuses_other_inputs_and_a_sheet_without_analysis(self, tmp_path: Path) -> None:
        """Inputs other than the sheet's, or a sheet without analysis and no inputs: an error, exit 2."""
        plain = tmp_path / "plain.json"
        assert invoke("score", TENDERS, "--out", plain).exit_code == 0
        alone = invoke("analyse", plain)
        assert alone.exit_code == 2 and "has no analysis" in alone.stderr
        other = invoke("analyse", plain, ROOT / "examples" / "audit" / "tenders-corrected.ndjson")
        assert other.exit_code == 2 and "not the ones" in other.stderr

    def test_analysis_cannot_stream(self, tmp_path: Path) -> None:
        """--analysis with --chunk-lines is a usage error."""
        result = invoke("score", TENDERS, "--out", tmp_path / "s.json", "--analysis", "--chunk-lines", "2")
        assert result.exit_code == 2 and "cannot stream" in result.stderr

    def test_analysis_is_not_recorded_in_an_audit_log(self, tmp_path: Path) -> None:
        """--analysis with --audit-log is a usage error (a replay scores without it); nothing is logged."""
        log = tmp_path / "a"
        result = invoke("score", TENDERS, "--out", tmp_path / "s.json", "--analysis", "--audit-log", log)
        assert result.exit_code == 2 and "analyse SHEET.json INPUT" in result.stderr
        assert not log.exists()
