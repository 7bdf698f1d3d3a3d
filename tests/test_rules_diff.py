"""`rules diff A B [--input BATCH]`: what differs between two rulesets, and which bids would change rank."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from supplierscore import read_bids, score
from supplierscore.audit import compare_rulesets
from supplierscore.cli import main
from supplierscore.ruleset import NOT_SOCIAL_GROUPS, load_ruleset, parse_ruleset, preset_names, rule_changes

ROOT = Path(__file__).parent.parent
TENDERS = ROOT / "examples" / "tenders.ndjson"
BAD_BIDS = ROOT / "examples" / "bad-bids.ndjson"
DEFAULT = ROOT / "rules" / "cities-of-migration.yaml"
CORRECTED = ROOT / "examples" / "audit" / "cities-of-migration-1.1.yaml"
BATCH = read_bids([TENDERS])
BASE = load_ruleset(DEFAULT)


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BASE.canonical_json, parse_float=Decimal)
    return loaded


def _ranks(ruleset: Any) -> dict[tuple[str, str], int | None]:
    return {(row.tender_id, row.bid_id): row.rank for row in score(BATCH, ruleset).rows}


@st.composite
def _variants(draw: st.DrawFn) -> dict[str, Any]:
    """The default ruleset with weight moved between two criteria on the same side of the social share
    (so the policy still holds), and perhaps a tie-breaker's order flipped."""
    data = _data()
    criteria = data["criteria"]
    social = draw(st.booleans())
    side = [i for i, c in enumerate(criteria) if (c["group"] not in NOT_SOCIAL_GROUPS) == social]
    giver, taker = draw(st.permutations(side))[:2]
    halves = int(Decimal(str(criteria[giver]["weight"])) * 2)
    moved = Decimal(draw(st.integers(min_value=0, max_value=halves))) / 2
    criteria[giver]["weight"] = Decimal(str(criteria[giver]["weight"])) - moved
    criteria[taker]["weight"] = Decimal(str(criteria[taker]["weight"])) + moved
    if draw(st.booleans()):
        breaker = data["ranking"]["tie_breakers"][0]
        breaker["order"] = "asc" if breaker["order"] == "desc" else "desc"
    return data


class TestRuleChanges:
    """What differs, from the rulesets alone."""

    @pytest.mark.parametrize("name", preset_names())
    def test_a_ruleset_against_itself_differs_in_nothing(self, name: str) -> None:
        """No change and no bid changing rank, for every preset."""
        ruleset = load_ruleset(f"preset:{name}")
        result = compare_rulesets(ruleset, ruleset, BATCH)
        assert result.changes == {}
        assert result.rank_changes == []

    def test_weights_gates_policy_and_criteria_are_named(self) -> None:
        """A weight moved, a gate changed and one added, the policy narrowed, a criterion replaced."""
        old, new = _data(), _data()
        new["criteria"][0]["weight"] = 45
        new["criteria"][1]["weight"] = 15
        new["gates"][0]["op"] = "<"
        new["gates"].append({"id": "small", "field": "supplier.size", "op": "in", "value": ["small"]})
        new["policy"]["social_weight_max"] = 35
        new["criteria"][-1]["id"] = "languages"
        changes = rule_changes(old, new)
        assert changes["price"] == "weight 40 → 45"
        assert changes["quality-technical"] == "weight 20 → 15"
        assert changes["(gate within-budget)"] == 'op "<=" → "<"'
        assert changes["(gate small)"] == "added"
        assert changes["(ruleset policy)"].startswith("policy ")
        assert changes["languages-served"] == "removed" and changes["languages"] == "added"

    def test_sources_links_and_titles_are_not_differences(self) -> None:
        """What changes no score (title, labels, sources, link) is left out."""
        new = _data()
        new["title"] = "Another title"
        new["criteria"][3]["link"] = "the contract"
        assert rule_changes(_data(), new) == {}


class TestRankChanges:
    """Given bids: the ones it lists are exactly those whose rank differs."""

    @settings(max_examples=12, deadline=None)
    @given(_variants())
    def test_listed_bids_are_exactly_those_whose_rank_differs(self, data: dict[str, Any]) -> None:
        """Scored independently under both rulesets, the bids with a different rank are the listed ones."""
        variant = parse_ruleset(data)
        result = compare_rulesets(BASE, variant, BATCH)
        before, after = _ranks(BASE), _ranks(variant)
        moved = {key for key in before if before[key] != after[key]}
        assert {(c.tender_id, c.bid_id) for c in result.rank_changes} == moved
        assert (result.changes == {}) == (variant.sha256 == BASE.sha256)
        itself = compare_rulesets(variant, variant, BATCH)
        assert itself.changes == {} and itself.rank_changes == []

    def test_the_corrected_example_moves_bids_for_a_reason(self) -> None:
        """1.0.0 → 1.1.0: some bids move, each with the weight change that moved it."""
        result = compare_rulesets(BASE, load_ruleset(CORRECTED), BATCH)
        assert result.rank_changes
        assert all(any("ruleset: weight" in c.why for c in change.criteria) for change in result.rank_changes)


class TestCommand:
    """The command's output and exit codes."""

    def test_without_input_it_lists_the_differences(self) -> None:
        """Both rulesets by id, version and digest, then each difference; exit 0."""
        result = invoke("rules", "diff", DEFAULT, CORRECTED)
        assert result.exit_code == 0, result.output
        assert "criterion immigrant-ownership: weight 8 → 12" in result.output
        assert "would change rank" not in result.output

    def test_with_input_it_lists_the_bids_that_change_rank(self) -> None:
        """The count and each moved bid with its rank pair."""
        expected = compare_rulesets(BASE, load_ruleset(CORRECTED), BATCH).rank_changes
        result = invoke("rules", "diff", DEFAULT, CORRECTED, "--input", TENDERS)
        assert result.exit_code == 0, result.output
        assert f"{len(expected)} would change rank:" in result.output
        for change in expected:
            assert f"    {change.bid_id}: rank {change.rank[0]} → {change.rank[1]}" in result.output

    def test_same_ruleset_says_so(self) -> None:
        """A preset and its file: no difference, no bid moves."""
        result = invoke("rules", "diff", "preset:cities-of-migration", DEFAULT, "--input", TENDERS)
        assert result.exit_code == 0
        assert "no difference in criteria" in result.output and "0 would change rank" in result.output

    def test_rejected_input_bids_exit_1(self) -> None:
        """Bids that fail validation are left out, said so, and the exit code is 1."""
        result = invoke("rules", "diff", DEFAULT, CORRECTED, "--input", BAD_BIDS)
        assert result.exit_code == 1
        assert "rejected bids left out" in result.output

    def test_a_missing_ruleset_is_one_error_line(self) -> None:
        """Exit 2, one line on standard error."""
        result = invoke("rules", "diff", DEFAULT, "nowhere.yaml")
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1


def test_variants_keep_the_policy() -> None:
    """The strategy's rulesets load (the property above relies on them being valid)."""
    data = copy.deepcopy(_data())
    data["criteria"][0]["weight"] = 35
    data["criteria"][1]["weight"] = 25
    assert parse_ruleset(data).sha256 != BASE.sha256
