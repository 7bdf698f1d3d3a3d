"""Bundled presets and the ruleset keys they use: jurisdiction, sources, per-criterion source and link.

Each preset must load, score the example batch, cite a source (or say it is the preset's own choice) next
to every number, and be reachable as ``preset:NAME`` wherever a ruleset is taken.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from supplierscore import read_bids, score
from supplierscore.cli import main
from supplierscore.errors import RulesetError, UsageError
from supplierscore.resources import package_file
from supplierscore.ruleset import list_presets, load_ruleset, parse_ruleset, preset_names

ROOT = Path(__file__).parent.parent
TENDERS = ROOT / "examples" / "tenders.ndjson"
DEFAULT = ROOT / "rules" / "cities-of-migration.yaml"
PRESETS = preset_names()
EXPECTED = {
    "cities-of-migration",
    "toronto-social-procurement",
    "uk-ppn002-social-value",
    "eu-meat-social",
    "us-dot-dbe-participation",
    "immigrant-employment-practices",
}
DEFAULT_SHA256 = "e0ebeb23a83f1e5dc797ee785b52ac5143a1d07ca4ea8336a2218066d79083fd"
"""The default ruleset's digest before presets existed: sheets and audit logs made with it still match."""


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def _data(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


class TestPresetFiles:
    """What ships in rules/presets/."""

    def test_the_issue_s_presets_ship(self) -> None:
        """Every preset the policy work asked for is bundled, and nothing else."""
        assert set(PRESETS) == EXPECTED

    def test_the_default_and_its_preset_are_the_same_file(self) -> None:
        """rules/cities-of-migration.yaml (the default README commands use) is the preset, byte for byte."""
        preset = package_file("rules", "presets", "cities-of-migration.yaml")
        assert preset.read_bytes() == DEFAULT.read_bytes()
        assert load_ruleset("preset:cities-of-migration") == load_ruleset(DEFAULT)

    def test_the_default_keeps_its_digest(self) -> None:
        """Comments citing sources changed no byte of the default's canonical form."""
        assert load_ruleset(DEFAULT).sha256 == DEFAULT_SHA256

    @pytest.mark.parametrize("name", PRESETS)
    def test_every_preset_scores_the_examples(self, name: str) -> None:
        """Each preset scores every example bid: nothing rejected, every eligible bid ranked."""
        ruleset = load_ruleset(f"preset:{name}")
        sheet = score(read_bids([TENDERS]), ruleset)
        counts = sheet.metadata.counts
        assert counts.rejected == 0
        assert counts.read == counts.scored + counts.ineligible > 0
        assert all(row.rank is not None for row in sheet.rows if row.eligible)
        assert sheet.metadata.ruleset_id == ruleset.id

    @pytest.mark.parametrize("name", PRESETS)
    def test_every_number_has_its_source_next_to_it(self, name: str) -> None:
        """Each weight, policy bound and scoring figure carries a comment saying where it comes from."""
        lines = package_file("rules", "presets", f"{name}.yaml").read_text(encoding="utf-8").splitlines()
        keys = r"precision|weight|social_weight_m..|method|evidence|self_declared|[a-z_]+_share"
        number = re.compile(rf"^\s*({keys}):.*\d")
        uncommented = [line for line in lines if number.match(line) and "#" not in line]
        assert uncommented == []

    @pytest.mark.parametrize("name", sorted(EXPECTED - {"cities-of-migration"}))
    def test_every_new_preset_lists_its_sources_and_cites_them(self, name: str) -> None:
        """A preset lists sources; every social criterion cites one and says how it links to the contract."""
        ruleset = load_ruleset(f"preset:{name}")
        assert ruleset.sources
        social = [c for c in ruleset.criteria if c.group not in ("price", "quality")]
        assert all(c.source and c.link for c in social)

    def test_no_preset_but_the_default_scores_ownership(self) -> None:
        """Ownership earns points only in the default; presets score practices, programs, participation."""
        scoring = {
            name
            for name in PRESETS
            for c in load_ruleset(f"preset:{name}").criteria
            if c.field is not None and str(c.field).startswith("ownership.")
        }
        assert scoring == {"cities-of-migration"}

    def test_dbe_participation_earns_no_points(self) -> None:
        """The DBE preset counts participation toward a goal: its social share is 0 and it reports dbe."""
        ruleset = load_ruleset("preset:us-dot-dbe-participation")
        assert ruleset.social_weight == 0
        assert ruleset.participation is not None and ruleset.participation.groups == ["dbe"]


class TestSelectingAPreset:
    """``preset:NAME`` wherever a ruleset is taken."""

    def test_an_unknown_preset_lists_the_presets(self) -> None:
        """A misspelt preset is a usage error naming every preset there is."""
        with pytest.raises(UsageError) as caught:
            load_ruleset("preset:toronto")
        assert all(name in str(caught.value) for name in PRESETS)

    def test_score_takes_a_preset(self, tmp_path: Path) -> None:
        """`score --rules preset:NAME` scores under that preset."""
        out = tmp_path / "sheet.json"
        result = invoke("score", TENDERS, "--rules", "preset:uk-ppn002-social-value", "--out", out, "--quiet")
        assert result.exit_code == 0, result.output
        assert '"id":"uk-ppn002-social-value"' in out.read_text(encoding="utf-8").replace(" ", "")

    def test_score_refuses_an_unknown_preset_in_one_line(self, tmp_path: Path) -> None:
        """An unknown preset exits 2 with one line listing the presets."""
        result = invoke("score", TENDERS, "--rules", "preset:nope", "--out", tmp_path / "s.json")
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and "uk-ppn002-social-value" in result.stderr

    def test_rules_list_shows_title_jurisdiction_and_sources(self) -> None:
        """`rules list` prints each preset's name, title, jurisdiction and every source's URL."""
        result = invoke("rules", "list")
        assert result.exit_code == 0, result.output
        for preset in list_presets():
            assert f"preset:{preset.name}" in result.output
            assert preset.title in result.output
            assert (preset.jurisdiction or "none given") in result.output
            assert all(url in result.output for _, _, url in preset.sources)


def _minimal(**extra: Any) -> dict[str, Any]:
    return {
        "ruleset": "t",
        "version": "1",
        "title": "t",
        "precision": 2,
        "rounding": "half_up",
        "criteria": [{"id": "price", "group": "price", "weight": 100, "method": {"price_proportional": {}}}],
        **extra,
    }


class TestProvenanceKeys:
    """jurisdiction, sources, source and link: optional, checked, and free of any effect on scores."""

    def test_optional_keys_leave_the_digest_of_a_ruleset_without_them(self) -> None:
        """A ruleset that does not use the new keys has the digest it always had."""
        data = _data(DEFAULT)
        assert parse_ruleset(data).sha256 == DEFAULT_SHA256

    def test_the_keys_load_into_the_models(self) -> None:
        """A single source id becomes a list; sources keep title, url and date."""
        sources = {"a": {"title": "A law", "url": "https://example.org/a", "date": "2025-10-03"}}
        data = _minimal(jurisdiction="US-federal-aid", sources=sources)
        data["criteria"][0].update(source="a", link="the price of this contract")
        ruleset = parse_ruleset(data)
        assert ruleset.jurisdiction == "US-federal-aid"
        assert ruleset.sources["a"].date == "2025-10-03"
        assert ruleset.criteria[0].source == ["a"]
        assert ruleset.criteria[0].link == "the price of this contract"

    def test_an_unknown_source_is_a_problem(self) -> None:
        """A criterion citing a source the ruleset does not list is refused, naming the listed ones."""
        data = _minimal(sources={"a": {"title": "A", "url": "https://example.org"}})
        data["criteria"][0]["source"] = ["a", "b"]
        with pytest.raises(RulesetError) as caught:
            parse_ruleset(data)
        assert [p.path for p in caught.value.problems] == ["/criteria/0/source/1"]
        assert 'unknown source "b" (the sources: a)' in str(caught.value)

    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("jurisdiction", "United States"),
            ("sources", {"a": {"title": "A"}}),
            ("sources", {"a": {"title": "A", "url": "ftp://x"}}),
            ("sources", {"a": {"title": "A", "url": "https://x", "date": "3 Oct 2025"}}),
        ],
    )
    def test_malformed_keys_are_refused(self, key: str, value: Any) -> None:
        """A jurisdiction that is no code, a source without url, a bad url or date: refused at load."""
        with pytest.raises(RulesetError):
            parse_ruleset(_minimal(**{key: value}))

    def test_the_summary_prints_jurisdiction_sources_and_links(self) -> None:
        """`rules check` shows where the ruleset applies, its sources and each criterion's link."""
        result = invoke("rules", "check", "preset:eu-meat-social")
        assert result.exit_code == 0, result.output
        assert "jurisdiction EU" in result.output
        assert "https://eur-lex.europa.eu/legal-content/AUTO/?uri=CELEX:52021XC0618(01)" in result.output
        assert "contract-workforce-inclusion: hires of disadvantaged workers" in result.output


class TestEveryRulesOptionTakesAPreset:
    """``--rules preset:NAME`` works on every command that takes a ruleset, not only ``score``."""

    PRESET = "preset:toronto-social-procurement"

    def test_template_report_debrief_and_analyse_take_a_preset(self, tmp_path: Path) -> None:
        """A sheet scored under a preset is reported, debriefed and analysed under the same preset."""
        sheet = tmp_path / "sheet.json"
        scored = invoke("score", ROOT / "examples" / "tenders.ndjson", "--rules", self.PRESET, "--out", sheet)
        assert scored.exit_code == 0, scored.output
        commands = [
            ["template", tmp_path / "t.xlsx"],
            ["report", sheet, "--out", tmp_path / "r.html"],
            ["debrief", sheet, "--out", tmp_path / "letters", "--lang", "en"],
            ["analyse", sheet, ROOT / "examples" / "tenders.ndjson"],
        ]
        for command in commands:
            result = invoke(*command, "--rules", self.PRESET)
            assert result.exit_code == 0, (command[0], result.output)

    def test_a_missing_ruleset_file_is_one_line_and_exit_2(self, tmp_path: Path) -> None:
        """Without a file check of its own, a command still names a missing ruleset in one line."""
        result = invoke("template", tmp_path / "t.xlsx", "--rules", tmp_path / "nope.yaml")
        assert result.exit_code == 2
        assert "cannot read the ruleset" in result.output and "Traceback" not in result.output
