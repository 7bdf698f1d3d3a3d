"""The guardrail linter: every rule has a case that triggers it and one that does not.

Rulesets here are small and built in memory from :func:`_ruleset`, so each case shows exactly the one thing
that makes the difference.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from supplierscore.cli import main
from supplierscore.ruleset import lint, load_ruleset, parse_ruleset
from supplierscore.ruleset._lint import rule_names

ROOT = Path(__file__).parent.parent
DEFAULT = ROOT / "rules" / "cities-of-migration.yaml"

BASE: dict[str, Any] = {
    "ruleset": "lint-case",
    "version": "1",
    "title": "A lint case",
    "precision": 2,
    "rounding": "half_up",
    "policy": {"social_weight_min": 10, "social_weight_max": 30},
    "criteria": [
        {"id": "price", "group": "price", "weight": 70, "method": {"price_proportional": {}}},
        {
            "id": "newcomer-hiring",
            "group": "employment",
            "weight": 20,
            "field": {"share": ["workforce.newcomer_hires_12m", "workforce.employees"]},
            "method": {"linear": {"from": 0, "to": 0.1}},
            "link": "newcomers hired onto the team that performs this contract",
        },
        {
            "id": "technical",
            "group": "quality",
            "weight": 10,
            "field": "quality.technical",
            "method": {"panel": {"max": 100}},
        },
    ],
}
"""A ruleset that every rule passes in every jurisdiction (no ownership, 20 social points, linked)."""


def _ruleset(change: Any = None) -> Any:
    data = copy.deepcopy(BASE)
    if change is not None:
        change(data)
    return parse_ruleset(data)


def _rules(ruleset: Any, jurisdiction: str | None) -> list[str]:
    return [w.rule for w in lint(ruleset, jurisdiction)]


def _ownership(data: dict[str, Any], group: str = "immigrant", weight: int = 5) -> None:
    data["criteria"][0]["weight"] -= weight
    data["criteria"].append(
        {
            "id": f"{group}-owned",
            "group": "diversity",
            "weight": weight,
            "field": f"ownership.{group}",
            "method": {"bands": [{"at_least": 51, "score": 1}]},
            "link": "ownership of the firm",
        }
    )


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


class TestEveryJurisdiction:
    """Rules that apply wherever the ruleset is used."""

    @pytest.mark.parametrize("code", ["US", "US-federal-aid", "GB", "EU", "FR", "CA-ON-Toronto"])
    def test_a_clean_ruleset_passes_everywhere(self, code: str) -> None:
        """No ownership, enough social value, every social criterion linked: no warning anywhere known."""
        assert _rules(_ruleset(), code) == []

    def test_no_jurisdiction_is_said_not_passed_silently(self) -> None:
        """Without any jurisdiction, the one warning says the legal guardrails were not checked."""
        assert _rules(_ruleset(), None) == ["no-jurisdiction"]

    def test_the_ruleset_s_own_jurisdiction_is_used(self) -> None:
        """A ruleset that names its jurisdiction is checked there without --jurisdiction."""
        ruleset = _ruleset(lambda d: (d.update(jurisdiction="US"), _ownership(d)))
        assert _rules(ruleset, None) == ["ownership-points"]
        assert _rules(ruleset, "XX") == ["unknown-jurisdiction"]

    def test_an_unknown_jurisdiction_says_what_was_not_checked(self) -> None:
        """A code with no rules here warns, naming the code; a known one does not."""
        assert _rules(_ruleset(), "JP") == ["unknown-jurisdiction"]
        assert "JP" in str(lint(_ruleset(), "JP")[0])

    def test_a_malformed_code_is_refused(self) -> None:
        """A jurisdiction that is not a code is a ValueError (the CLI's usage error)."""
        with pytest.raises(ValueError, match="not a jurisdiction code"):
            lint(_ruleset(), "United States")

    def test_missing_policy_bounds_warn(self) -> None:
        """No social_weight_min or max: a policy-bounds warning naming the missing one."""
        warnings = lint(_ruleset(lambda d: d["policy"].pop("social_weight_max")), "EU")
        assert [w.rule for w in warnings] == ["policy-bounds"]
        assert "social_weight_max" in warnings[0].message

    @pytest.mark.parametrize(
        ("field", "method"),
        [
            ("ownership.immigrant", {"threshold": {"at_least": 150}}),
            ("ownership.immigrant", {"bands": [{"at_least": 101, "score": 1}]}),
            ("ownership.immigrant", {"linear": {"from": 100, "to": 150}}),
            ("supplier.size", {"lookup": {"map": {"tiny": 1}}}),
        ],
    )
    def test_a_criterion_no_bid_can_feed_warns(self, field: str, method: dict[str, Any]) -> None:
        """Points that start beyond the field's range, or a lookup of values the field never takes."""

        def change(data: dict[str, Any]) -> None:
            data["criteria"][1].update(field=field, method=method)

        assert _rules(_ruleset(change), "CA") == ["unknown-jurisdiction", "unfed-criterion"]

    @pytest.mark.parametrize(
        ("field", "method"),
        [
            ("ownership.immigrant", {"threshold": {"at_least": 100}}),
            ("ownership.immigrant", {"linear": {"from": 0, "to": 150}}),
            ("supplier.size", {"lookup": {"map": {"tiny": 1, "small": 0.5}}}),
        ],
    )
    def test_a_criterion_some_bid_can_feed_does_not(self, field: str, method: dict[str, Any]) -> None:
        """A threshold at the field's maximum, a line past it, a lookup with one real value: fed."""

        def change(data: dict[str, Any]) -> None:
            data["criteria"][1].update(field=field, method=method)

        assert "unfed-criterion" not in _rules(_ruleset(change), "CA")


class TestOwnershipPoints:
    """Points, gates and tie-breakers for who owns a firm, where the law removed or forbids them."""

    @pytest.mark.parametrize("code", ["US", "US-federal-aid", "US-NY", "GB", "EU", "DE", "CA-ON-Toronto"])
    def test_immigrant_ownership_points_warn(self, code: str) -> None:
        """Points for immigrant ownership warn in the US, the UK, the EU and Toronto, with a source."""
        warnings = lint(_ruleset(_ownership), code)
        assert [w.rule for w in warnings] == ["ownership-points"]
        assert warnings[0].source.url.startswith("http")
        assert "ownership by group immigrant" in warnings[0].message

    @pytest.mark.parametrize("code", ["CA", "CA-ON", "AU"])
    def test_where_no_such_law_is_known_they_do_not(self, code: str) -> None:
        """Canada outside Toronto or Australia: no ownership warning (only the unknown-jurisdiction note)."""
        assert "ownership-points" not in _rules(_ruleset(_ownership), code)

    def test_in_the_us_only_suspect_classes_warn(self) -> None:
        """Veteran ownership is not race, sex or national origin: no warning in the US; it warns in the EU."""
        ruleset = _ruleset(lambda d: _ownership(d, "veteran"))
        assert _rules(ruleset, "US") == []
        assert _rules(ruleset, "EU") == ["ownership-points"]

    def test_counting_certificates_of_ownership_warns(self) -> None:
        """Points per certificate covering women-owned firms are ownership points too; languages are not."""

        def change(data: dict[str, Any], covers: str) -> None:
            data["criteria"][0]["weight"] -= 5
            where = {"covers": covers} if covers else {}
            method = {"count": {"of": "certifications" if covers else "languages", "where": where, "to": 1}}
            data["criteria"].append(
                {"id": "certs", "group": "diversity", "weight": 5, "method": method, "link": "x"}
            )

        assert _rules(_ruleset(lambda d: change(d, "women")), "US") == ["ownership-points"]
        assert _rules(_ruleset(lambda d: change(d, "")), "US") == []

    def test_weight_zero_earns_no_points_and_does_not_warn(self) -> None:
        """A criterion kept at weight 0 (reported, not scored) is no preference."""
        assert _rules(_ruleset(lambda d: _ownership(d, weight=0)), "US") == []

    def test_gates_and_tie_breakers_on_ownership_warn(self) -> None:
        """A set-aside gate and a tie-breaker by ownership are preferences too."""

        def change(data: dict[str, Any]) -> None:
            _ownership(data)
            data["gates"] = [{"id": "set-aside", "field": "ownership.women", "op": ">=", "value": 51}]
            data["ranking"] = {"tie_breakers": [{"group": "diversity", "order": "desc"}]}

        warnings = lint(_ruleset(change), "US")
        assert [w.pointer for w in warnings] == ["/criteria/3", "/gates/0", "/ranking/tie_breakers/0"]

    def test_the_default_warns_in_the_us_with_its_source(self) -> None:
        """The Done-when case: cities-of-migration under US names the DOT interim final rule."""
        warnings = lint(load_ruleset(DEFAULT), "US")
        assert warnings and {w.rule for w in warnings} == {"ownership-points"}
        assert all("90 FR 47969" in str(w.source) for w in warnings)


class TestUnitedKingdom:
    """PPN 002: at least 10 % social value, linked to the contract."""

    def test_social_value_under_10_warns(self) -> None:
        """9 social points in GB: uk-social-value-min, and policy-bounds for a policy minimum under 10."""

        def change(data: dict[str, Any]) -> None:
            data["criteria"][1]["weight"] = 9
            data["criteria"][0]["weight"] = 81
            data["policy"]["social_weight_min"] = 0

        assert _rules(_ruleset(change), "GB") == ["uk-social-value-min", "policy-bounds"]
        assert _rules(_ruleset(change), "EU") == []

    def test_social_value_of_10_passes(self) -> None:
        """Exactly 10 social points, policy minimum 10: no warning."""

        def change(data: dict[str, Any]) -> None:
            data["criteria"][1]["weight"] = 10
            data["criteria"][0]["weight"] = 80

        assert _rules(_ruleset(change), "GB") == []


class TestLinkToSubjectMatter:
    """EU and UK: a social criterion says how it concerns the contract."""

    @pytest.mark.parametrize("code", ["EU", "PT", "GB"])
    def test_a_social_criterion_without_a_link_warns(self, code: str) -> None:
        """No link on the employment criterion: one warning pointing at it."""
        warnings = lint(_ruleset(lambda d: d["criteria"][1].pop("link")), code)
        assert [(w.rule, w.pointer) for w in warnings] == [("link-to-subject-matter", "/criteria/1")]

    def test_price_and_quality_need_no_link_nor_does_the_us(self) -> None:
        """Only social criteria need a link, and only where the law asks for one."""
        assert _rules(_ruleset(lambda d: d["criteria"][1].pop("link")), "US") == []


class TestDbeNoPoints:
    """US federal-aid: DBE participation counts toward a goal, not points."""

    @staticmethod
    def _participation(weight: int) -> Any:
        def change(data: dict[str, Any]) -> None:
            data["participation"] = {"groups": ["dbe"], "certified_only": True}
            data["criteria"][0]["weight"] -= weight
            data["criteria"].append(
                {
                    "id": "dbe",
                    "group": "supply_chain",
                    "weight": weight,
                    "field": "participation.dbe",
                    "method": {"linear": {"from": 0, "to": 10}},
                    "link": "DBE subcontracting on this contract",
                }
            )

        return change

    def test_points_for_participation_warn_under_federal_aid(self) -> None:
        """5 points for participation.dbe: us-dbe-no-points, citing 26.43."""
        warnings = lint(_ruleset(self._participation(5)), "US-federal-aid")
        assert [w.rule for w in warnings] == ["us-dbe-no-points"]
        assert "26.43" in str(warnings[0].source)

    def test_participation_reported_without_points_passes(self) -> None:
        """Weight 0, or a place outside US federal aid: no warning."""
        assert _rules(_ruleset(self._participation(0)), "US-federal-aid") == []
        assert _rules(_ruleset(self._participation(5)), "US-NY") == []


class TestRulesCheckCommand:
    """`rules check --jurisdiction CODE [--strict]`."""

    def test_the_done_when_command_prints_a_warning_with_its_source(self) -> None:
        """The default under US: the summary, then warnings each with source and suggestion; exit 0."""
        result = invoke("rules", "check", "--jurisdiction", "US", DEFAULT)
        assert result.exit_code == 0, result.output
        assert "warning [ownership-points] criterion immigrant-ownership" in result.output
        assert "source: US DOT interim final rule" in result.output
        assert "suggest: " in result.output

    def test_strict_turns_warnings_into_exit_2(self) -> None:
        """--strict with warnings: exit 2 and one error line; without warnings: exit 0."""
        failing = invoke("rules", "check", "--strict", "--jurisdiction", "US", DEFAULT)
        assert failing.exit_code == 2
        assert failing.stderr.startswith("error: 5 guardrail warnings and --strict")
        passing = invoke("rules", "check", "--strict", "preset:uk-ppn002-social-value")
        assert passing.exit_code == 0, passing.output
        assert "no warnings; checked " + ", ".join(rule_names()) in passing.output

    def test_a_bad_code_is_a_usage_error(self) -> None:
        """--jurisdiction 'United States': exit 2 with one line."""
        result = invoke("rules", "check", "--jurisdiction", "United States", DEFAULT)
        assert result.exit_code == 2
        assert result.stderr.startswith("error: --jurisdiction:")
