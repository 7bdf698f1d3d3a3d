"""Rulesets: the default loads, every broken rule is refused at its line, and the digest is stable."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplierscore import ruleset as rs
from supplierscore.errors import Problem, RulesetError, UsageError
from supplierscore.resources import load_schema, package_file
from supplierscore.ruleset import (
    GROUPS_CERTIFIABLE,
    METHODS,
    Bands,
    Boolean,
    Count,
    Linear,
    Ruleset,
    default_ruleset_path,
    is_known_field,
    known_fields,
    load_ruleset,
    parse_ruleset,
    ruleset_from_canonical,
    summarize,
)

DATA = Path(__file__).parent / "data" / "rulesets"
HAVE_FIELD_SCHEMAS = all(
    package_file("schemas", n).is_file() for n in ("bid.schema.json", "tender.schema.json")
)
needs_field_schemas = pytest.mark.skipif(
    not HAVE_FIELD_SCHEMAS,
    reason="schemas/bid.schema.json and tender.schema.json are not there yet: known fields cannot be derived",
)

BASE = """\
ruleset: small
version: "1"
title: A small ruleset
precision: 2
rounding: half_up
criteria:
  - id: price
    group: price
    weight: 60
    method: {price_proportional: {}}
  - id: owned
    group: immigrant_ownership
    weight: 40
    field: ownership.immigrant
    method: {bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}
    evidence: {covers: immigrant, issuers: [CAMSC], self_declared: 0.5}
"""
"""A valid ruleset the refusal tests break one way at a time."""

# A small bid and tender schema in the shapes the real ones use ($ref, maps, arrays of objects), so that the
# field checks are tested the same way whether or not the real schemas are present.
FAKE_BID_SCHEMA: dict[str, Any] = {
    "$defs": {"money": {"type": "object", "properties": {"amount": {"type": ["string", "number"]}}}},
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "submitted_at": {"type": "string"},
        "price": {"$ref": "#/$defs/money"},
        "quality": {"type": "object", "additionalProperties": {"type": "number"}},
        "ownership": {
            "type": "object",
            "properties": {"immigrant": {"type": "number"}, "social_enterprise": {"type": "boolean"}},
        },
        "workforce": {
            "type": "object",
            "properties": {"employees": {"type": "integer"}, "immigrants": {"type": "integer"}},
        },
        "supplier": {"type": "object", "properties": {"size": {"enum": ["micro", "small"]}}},
        "certifications": {
            "type": "array",
            "items": {"type": "object", "properties": {"issuer": {"type": "string"}}},
        },
        "languages": {"type": "array", "items": {"type": "string"}},
    },
}
FAKE_TENDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"budget": {"type": "object", "properties": {"amount": {"type": "number"}}}},
}


def line_of(text: str, snippet: str) -> int:
    """The line (from 1) of the one line of ``text`` that contains ``snippet``."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if snippet in line]
    assert len(found) == 1, f"{snippet!r} is on lines {found}"
    return found[0]


def changed(old: str, new: str, text: str = BASE) -> str:
    """``text`` with ``old`` (which must occur exactly once) replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "ruleset.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def refused(write: Callable[..., Path]) -> Callable[..., list[Problem]]:
    """Load ``text`` as a ruleset file and return the problems it is refused with."""

    def refused(text: str, name: str = "ruleset.yaml") -> list[Problem]:
        with pytest.raises(RulesetError) as caught:
            load_ruleset(write(text, name))
        assert caught.value.problems, "a RulesetError without problems"
        return caught.value.problems

    return refused


@pytest.fixture
def one(refused: Callable[..., list[Problem]]) -> Callable[[str], Problem]:
    """The single problem ``text`` is refused with."""

    def one(text: str) -> Problem:
        problems = refused(text)
        assert len(problems) == 1, "\n".join(map(str, problems))
        return problems[0]

    return one


@pytest.fixture
def fake_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    """Derive the known fields from the small schemas above instead of the bundled ones."""
    catalog = rs._Catalog.from_schemas(FAKE_BID_SCHEMA, FAKE_TENDER_SCHEMA)
    monkeypatch.setattr("supplierscore.ruleset._rules._catalog", lambda: catalog)


@pytest.fixture(scope="module")
def default() -> Ruleset:
    return load_ruleset(default_ruleset_path())


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return load_schema("ruleset.schema.json")


def assert_at(problem: Problem, text: str, path: str, snippet: str, words: str) -> None:
    """``problem`` is at ``path``, on the line holding ``snippet``, and its message says ``words``."""
    assert (problem.path, problem.line) == (path, line_of(text, snippet)), str(problem)
    assert words in problem.message, str(problem)


class TestDefaultRuleset:
    """The bundled rules/cities-of-migration.yaml."""

    def test_default_ruleset_loads(self, default: Ruleset):
        """It passes every check and says what it is."""
        assert (default.id, default.version, default.precision, default.rounding) == (
            "cities-of-migration",
            "1.0.0",
            2,
            "half_up",
        )
        assert default.languages == ["en", "fr"]

    def test_default_path_is_inside_the_package(self):
        """It is found inside the package (installed or not), and the top-level rules/ link shows the file
        the package ships."""
        path = default_ruleset_path()
        assert path.is_file()
        assert path.parent.parent.name == "supplierscore"
        top_level = Path(__file__).parent.parent / "rules" / "cities-of-migration.yaml"
        assert top_level.read_bytes() == path.read_bytes()

    def test_weights_are_price_40_quality_30_social_30(self, default: Ruleset):
        """The weights add up to 100: price 40, quality 30, the social groups 30 within the policy."""
        subtotal: dict[str, Decimal] = {}
        for criterion in default.criteria:
            subtotal[criterion.group] = subtotal.get(criterion.group, Decimal(0)) + criterion.weight
        assert sum(subtotal.values()) == 100
        assert (subtotal["price"], subtotal["quality"], default.social_weight) == (40, 30, 30)
        assert (default.policy.social_weight_min, default.policy.social_weight_max) == (10, 30)
        assert default.groups == [
            "price",
            "quality",
            "immigrant_ownership",
            "employment",
            "living_wage",
            "diversity",
            "languages",
        ]

    def test_every_criterion_and_group_is_labelled_in_english_and_french(self, default: Ruleset):
        """Reports can name every criterion and group in both languages."""
        for name in [c.id for c in default.criteria] + default.groups:
            for language in ("en", "fr"):
                assert default.labels[name][language], (name, language)
                assert default.label(name, language) == default.labels[name][language]

    def test_immigrant_ownership_is_banded_with_evidence(self, default: Ruleset):
        """25 % ownership earns half, 51 % all; a certificate earns full credit, a claim half."""
        criterion = next(c for c in default.criteria if c.id == "immigrant-ownership")
        assert isinstance(criterion.method, Bands)
        assert [(b.at_least, b.score) for b in criterion.method.bands] == [(25, Decimal("0.5")), (51, 1)]
        assert criterion.evidence is not None
        assert criterion.evidence.covers == "immigrant"
        assert criterion.evidence.issuers == [
            "CAMSC",
            "CCIB",
            "Inclusive Workplace and Supply Council of Canada",
        ]
        assert criterion.evidence.self_declared == Decimal("0.5")

    def test_gate_tie_breakers_and_targets(self, default: Ruleset):
        """Within budget is the gate; ties go to immigrant ownership, then price, then submission time."""
        assert [(g.id, g.field, g.op, g.ref) for g in default.gates] == [
            ("within-budget", "price.amount", "<=", "tender.budget.amount")
        ]
        assert [(t.group, t.field, t.order) for t in default.ranking.tie_breakers] == [
            ("immigrant_ownership", None, "desc"),
            (None, "price.amount", "asc"),
            (None, "submitted_at", "asc"),
        ]
        assert default.targets == {
            "immigrant_owned_award_share": Decimal("0.15"),
            "diverse_award_share": Decimal("0.3"),
        }

    def test_languages_served_counts_up_to_three(self, default: Ruleset):
        """The languages criterion counts the bid's languages, full marks from three."""
        criterion = next(c for c in default.criteria if c.group == "languages")
        assert criterion.method == Count(of="languages", to=3)
        assert criterion.field is None

    @needs_field_schemas
    def test_every_field_of_the_default_ruleset_is_a_known_bid_field(self, default: Ruleset):
        """Each field, share part, gate field and ref, and tie-breaker field is in the bid/tender schemas."""
        paths = [p for c in default.criteria if c.field for p in (c.field.share or (c.field.path,)) if p]
        paths += [g.field for g in default.gates] + [g.ref for g in default.gates if g.ref]
        paths += [t.field for t in default.ranking.tie_breakers if t.field]
        assert [p for p in paths if not is_known_field(p)] == []


class TestReading:
    """Reading YAML and JSON: safely, exactly, with a line for every problem."""

    def test_python_object_tag_is_refused_without_running_anything(self, write, tmp_path: Path):
        """A tag that would run a command in an unsafe loader is a problem, and nothing runs."""
        sentinel = tmp_path / "ran"
        text = (DATA / "python-object.yaml").read_text(encoding="utf-8").replace("SENTINEL", str(sentinel))
        with pytest.raises(RulesetError) as caught:
            load_ruleset(write(text))
        assert not sentinel.exists()
        (problem,) = caught.value.problems
        assert_at(problem, text, "/criteria/0/weight", "!!python/object", "!!python/object/apply:os.system")

    @pytest.mark.parametrize("tag", ["!!set {a: null}", "!!binary aGk=", "!custom 3", "!!omap [{a: 1}]"])
    def test_any_tag_beyond_plain_data_is_refused(self, one, tag: str):
        """Only text, numbers, true/false, null, lists and mappings can be written."""
        text = changed("weight: 40", f"weight: {tag}")
        assert_at(one(text), text, "/criteria/1/weight", tag.split()[0], "is not allowed")

    def test_anchors_and_aliases_are_refused(self, one):
        """An alias could stand for billions of values; the ruleset must write each value out."""
        text = changed("weight: 40", "weight: *w").replace("weight: 60", "weight: &w 60")
        assert_at(one(text), text, "/criteria/1/weight", "*w", "aliases")

    def test_a_key_given_twice_is_refused(self, one):
        """YAML would silently keep the last; a ruleset refuses the second."""
        text = changed("    weight: 40\n", "    weight: 40\n    weight: 50\n")
        assert_at(
            one(text),
            text,
            "/criteria/1/weight",
            "weight: 50",
            f"first on line {line_of(text, 'weight: 40')}",
        )

    def test_merge_keys_are_refused(self, refused):
        """``<<`` needs an alias and hides what a mapping holds."""
        problems = refused(changed("    group: price\n", "    group: price\n    <<: {x: 1}\n"))
        assert any("merge keys" in p.message for p in problems)

    def test_invalid_yaml_names_its_line(self, one):
        """A syntax error is one problem at the line where YAML noticed it."""
        text = changed("    weight: 40\n", "    weight: [40\n")
        problem = one(text)
        assert problem.path == ""
        assert problem.line is not None and problem.line >= line_of(text, "weight: [40")
        assert "not valid YAML" in problem.message

    def test_an_empty_file_is_refused(self, one):
        """An empty file is not a ruleset."""
        assert one("# nothing\n").message == "the file is empty"

    def test_two_documents_are_refused(self, one):
        """A file holds exactly one ruleset."""
        assert "not valid YAML" in one(BASE + "---\n" + BASE).message

    @pytest.mark.parametrize("number", ["017", "0x28", "0b101", "1:30"])
    def test_numbers_that_are_not_plain_decimals_are_refused(self, one, number: str):
        """YAML 1.1 reads 017 as octal 15 and 1:30 as 90: a ruleset says what it means."""
        text = changed("weight: 40", f"weight: {number}")
        assert_at(one(text), text, "/criteria/1/weight", f"weight: {number}", "not a plain decimal number")

    @pytest.mark.parametrize("number", [".inf", "-.inf", ".nan"])
    def test_infinity_and_nan_are_refused(self, one, number: str):
        """Only finite numbers score."""
        text = changed("weight: 40", f"weight: {number}")
        assert_at(one(text), text, "/criteria/1/weight", f"weight: {number}", "not a finite decimal number")

    def test_yes_and_no_stay_text(self, write, fake_fields):
        """Only true and false are booleans: a lookup key ``no`` or a language ``no`` stays text."""
        text = changed(
            "    field: ownership.immigrant\n"
            "    method: {bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}\n",
            "    field: supplier.size\n    method: {lookup: {map: {yes: 1, no: 0.5, on: 0, true: 1}}}\n",
        )
        ruleset = load_ruleset(write(text))
        method = ruleset.criteria[1].method
        assert isinstance(method, rs.Lookup)
        assert sorted(method.map) == ["no", "on", "true", "yes"]

    def test_a_date_stays_text(self, write):
        """An unquoted date is read as the text it is, as JSON would have it."""
        text = BASE + "gates:\n  - {id: in-time, field: submitted_at, op: '<=', value: 2025-03-31}\n"
        assert load_ruleset(write(text)).gates[0].value == "2025-03-31"

    def test_json_ruleset_loads_with_the_same_digest(self, write):
        """The same content as JSON is the same ruleset, with the same digest."""
        from_yaml = parse_ruleset(yaml.safe_load(BASE))
        as_json = json.dumps(json.loads(from_yaml.canonical_json), indent=2)
        from_json = load_ruleset(write(as_json, "ruleset.json"))
        assert from_json == from_yaml
        assert from_json.sha256 == load_ruleset(write(BASE)).sha256

    def test_json_problems_name_their_lines(self, refused):
        """JSON is read for lines too, so its problems point at the line."""
        text = json.dumps(yaml.safe_load(changed("weight: 40", "weight: 30")), indent=2)
        (problem,) = refused(text, "ruleset.json")
        assert (problem.path, problem.line) == ("/criteria", line_of(text, '"criteria"'))

    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ('{"ruleset": "a", "ruleset": "b"}', 'the key "ruleset" is given twice'),
            ('{"weight": NaN}', "NaN is not a number"),
            ('{"ruleset": ', "not valid JSON"),
            (json.dumps({**yaml.safe_load(BASE), "ruleset": "\ud800"}), "not valid Unicode"),
        ],
    )
    def test_bad_json_is_refused(self, refused, text: str, words: str):
        """Duplicate keys, NaN, syntax errors and broken Unicode are problems, not crashes."""
        (problem,) = refused(text, "ruleset.json")
        assert words in problem.message

    def test_an_unknown_kind_of_file_is_refused(self, refused):
        """Only .yaml, .yml and .json are rulesets."""
        (problem,) = refused(BASE, "ruleset.txt")
        assert "expected .yaml, .yml or .json" in problem.message

    def test_a_missing_file_is_a_usage_error(self, tmp_path: Path):
        """A file that cannot be read is the caller's mistake, not the ruleset's."""
        with pytest.raises(UsageError):
            load_ruleset(tmp_path / "nowhere.yaml")

    def test_not_utf8_is_refused(self, tmp_path: Path):
        """A ruleset is UTF-8 text."""
        path = tmp_path / "ruleset.yaml"
        path.write_bytes(BASE.encode() + b"# \xff\n")
        with pytest.raises(RulesetError, match="not UTF-8"):
            load_ruleset(path)


class TestNumbers:
    """Every number in a ruleset is exact."""

    def test_numbers_stay_decimal(self):
        """0.3 is Decimal('0.3'), never the float nearest to it."""
        ruleset = load_ruleset(default_ruleset_path())
        employment = next(c for c in ruleset.criteria if c.id == "immigrant-employment")
        assert isinstance(employment.method, Linear)
        assert employment.method.to == Decimal("0.3")
        assert type(employment.method.to) is Decimal
        assert all(type(c.weight) is Decimal for c in ruleset.criteria)

    def test_a_float_given_in_memory_is_taken_at_its_shortest_repr(self):
        """parse_ruleset of Python data holding 0.5 reads it as Decimal('0.5')."""
        data = yaml.safe_load(BASE)
        assert isinstance(data["criteria"][1]["evidence"]["self_declared"], float)
        ruleset = parse_ruleset(data)
        evidence = ruleset.criteria[1].evidence
        assert evidence is not None and evidence.self_declared == Decimal("0.5")

    def test_a_number_with_more_digits_than_canonical_json_keeps_is_refused(self, one):
        """A digest must cover the number exactly, so a number JSON would round is a problem."""
        text = changed("score: 0.5", "score: 0.1234567890123456789")
        assert_at(
            one(text),
            text,
            "/criteria/1/method/bands/0/score",
            "0.1234567890123456789",
            "number 0.1234567890123456789 has more digits than canonical JSON keeps exactly",
        )

    def test_weights_add_up_exactly_not_to_28_digits(self):
        """A sum is exact: 60 + 40 + 1e-30 is not 100, though 28-digit arithmetic would say it is."""
        data = yaml.safe_load(BASE)
        data["criteria"][0]["weight"] = Decimal("60")
        data["criteria"].append({**data["criteria"][1], "id": "tiny", "weight": Decimal("1E-30")})
        with pytest.raises(RulesetError) as caught:
            parse_ruleset(data)
        assert any("add up to 100.000000000000000000000000000001" in p.message for p in caught.value.problems)

    def test_count_where_scalar_becomes_a_one_item_list(self, write, fake_fields):
        """``where: {issuer: CAMSC}`` means the same as ``[CAMSC]``; whole numbers become Decimals."""
        text = changed("weight: 40", "weight: 30") + (
            "  - id: certs\n    group: certified\n    weight: 10\n"
            "    method: {count: {of: certifications, where: {issuer: CAMSC}, to: 2}}\n"
        )
        count = load_ruleset(write(text)).criteria[2].method
        assert count == Count(of="certifications", where={"issuer": ["CAMSC"]}, to=2)
        assert Count.model_validate({"of": "x", "where": {"n": 3}, "to": 1}).where == {"n": [Decimal(3)]}


class TestSchemaProblems:
    """What the schema refuses, said in plain words at the right place."""

    def test_unknown_key_is_refused_with_a_suggestion(self, one):
        """A misspelt key is named, with the closest known key."""
        text = changed("    weight: 40\n", "    weight: 40\n    wieght: 1\n")
        assert_at(
            one(text), text, "/criteria/1/wieght", "wieght", 'unknown key "wieght"; did you mean "weight"?'
        )

    def test_wrong_type_is_refused(self, one):
        """A weight in words is not a number."""
        text = changed("weight: 40", "weight: forty")
        assert_at(
            one(text), text, "/criteria/1/weight", "weight: forty", 'must be a number, not the text "forty"'
        )

    def test_version_written_as_a_number_is_refused_with_a_hint(self, one):
        """``version: 1.0`` is a number in YAML; the message says to quote it."""
        text = changed('version: "1"', "version: 1.0")
        assert_at(one(text), text, "/version", "version: 1.0", '(write it in quotes: "1.0")')

    def test_unknown_method_is_named_and_the_known_ones_listed(self, one):
        """A method name that does not exist is named, with a suggestion and every known method."""
        text = changed("price_proportional: {}", "price_proportionate: {}")
        problem = one(text)
        assert_at(
            problem, text, "/criteria/0/method/price_proportionate", "price_proportionate", "unknown method"
        )
        assert '"price_proportionate"; did you mean "price_proportional"?' in problem.message
        assert all(name in problem.message for name in METHODS)

    def test_two_methods_in_one_criterion_are_refused(self, one):
        """A criterion has exactly one method."""
        text = changed("{price_proportional: {}}", "{price_proportional: {}, boolean: {}}")
        assert_at(one(text), text, "/criteria/0/method", "price_proportional", "exactly one method, not 2")

    def test_missing_required_key_is_refused(self, one):
        """A criterion without a group is named at the criterion."""
        text = changed("    group: immigrant_ownership\n", "")
        assert_at(one(text), text, "/criteria/1", "- id: owned", 'missing "group"')

    def test_unknown_rounding_is_refused(self, one):
        """Rounding is half_up or half_even."""
        text = changed("rounding: half_up", "rounding: half_down")
        assert_at(one(text), text, "/rounding", "rounding:", '"half_down" is not one of: half_up, half_even')

    def test_evidence_covering_an_unknown_group_is_refused(self, one):
        """Evidence must cover a group a certification can cover."""
        text = changed("covers: immigrant", "covers: newcomers")
        assert_at(
            one(text),
            text,
            "/criteria/1/evidence/covers",
            "covers:",
            'no certification can cover "newcomers"',
        )

    @pytest.mark.parametrize(
        ("old", "new", "path"),
        [
            ("score: 0.5", "score: 1.5", "/criteria/1/method/bands/0/score"),
            ("score: 1}", "score: -0.1}", "/criteria/1/method/bands/1/score"),
            ("self_declared: 0.5", "self_declared: 2", "/criteria/1/evidence/self_declared"),
        ],
    )
    def test_a_fraction_outside_0_to_1_is_refused(self, one, old: str, new: str, path: str):
        """Band scores and self-declared factors are fractions from 0 to 1."""
        text = changed(old, new)
        assert_at(one(text), text, path, new, "is not a fraction from 0 to 1")

    @pytest.mark.parametrize(
        ("lookup", "path"),
        [
            ("{map: {micro: 1.2}}", "/criteria/1/method/lookup/map/micro"),
            ("{map: {micro: 1}, default: 3}", "default"),
        ],
    )
    def test_a_lookup_value_or_default_outside_0_to_1_is_refused(
        self, one, fake_fields, lookup: str, path: str
    ):
        """Lookup values and its default are fractions too."""
        text = changed("field: ownership.immigrant", "field: supplier.size")
        text = changed(
            "{bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}", f"{{lookup: {lookup}}}", text
        )
        problem = one(text)
        expected = path if path.startswith("/") else f"/criteria/1/method/lookup/{path}"
        assert_at(problem, text, expected, "lookup", "is not a fraction from 0 to 1")

    @pytest.mark.parametrize("max_", ["0", "-5"])
    def test_panel_max_must_be_above_zero(self, one, max_: str):
        """A panel mark is out of a positive maximum."""
        text = changed(
            "{bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}", f"{{panel: {{max: {max_}}}}}"
        )
        text = changed("field: ownership.immigrant", "field: quality.technical", text)
        assert_at(one(text), text, "/criteria/1/method/panel/max", "panel", "must be more than 0")

    def test_count_to_must_be_at_least_one(self, one):
        """Counting up to 0 would divide by 0."""
        text = changed("    field: ownership.immigrant\n", "")
        text = changed(
            "{bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}",
            "{count: {of: languages, to: 0}}",
            text,
        )
        assert_at(one(text), text, "/criteria/1/method/count/to", "count", "must be at least 1")

    @pytest.mark.parametrize("zero_at", ["1", "0.5"])
    def test_price_linear_zero_at_must_be_above_one(self, one, zero_at: str):
        """The price that scores 0 is above the lowest price."""
        text = changed("{price_proportional: {}}", f"{{price_linear: {{zero_at: {zero_at}}}}}")
        assert_at(
            one(text), text, "/criteria/0/method/price_linear/zero_at", "price_linear", "must be more than 1"
        )


class TestRules:
    """The rules a schema cannot say, each refused at its line."""

    def test_weights_not_summing_to_100_is_refused(self, one):
        """The weights are the 100 points; 90 is refused at the criteria."""
        text = changed("weight: 40", "weight: 30")
        assert_at(one(text), text, "/criteria", "criteria:", "the weights add up to 90, not 100")

    def test_weight_with_more_decimals_than_the_precision_is_refused(self, refused):
        """Weight 60.5 at precision 0 could round to 61 points, past its weight: refused at the weight."""
        text = changed(
            "precision: 2",
            "precision: 0",
            changed("weight: 60", "weight: 60.5", changed("weight: 40", "weight: 39.5")),
        )
        problems = refused(text)
        assert [p.path for p in problems] == ["/criteria/0/weight", "/criteria/1/weight"]
        assert all("more decimals than the precision (0)" in p.message for p in problems)
        assert problems[0].line == line_of(text, "weight: 60.5")

    def test_social_share_above_the_policy_maximum_is_refused(self, one):
        """Criteria outside price and quality may not carry more than social_weight_max points."""
        text = BASE + "policy: {social_weight_min: 10, social_weight_max: 30}\n"
        assert_at(
            one(text),
            text,
            "/policy/social_weight_max",
            "policy:",
            "carry 40 points, more than the policy's maximum of 30",
        )

    def test_social_share_below_the_policy_minimum_is_refused(self, one):
        """... nor fewer than social_weight_min."""
        text = BASE + "policy:\n  social_weight_min: 50\n"
        assert_at(
            one(text),
            text,
            "/policy/social_weight_min",
            "social_weight_min",
            "carry 40 points, fewer than the policy's minimum of 50",
        )

    def test_quality_does_not_count_as_social(self, write):
        """The social share excludes the groups price and quality."""
        text = changed("group: immigrant_ownership", "group: quality")
        text = changed("field: ownership.immigrant", "field: quality.technical", text)
        text += "policy: {social_weight_max: 0}\n"
        assert load_ruleset(write(text)).social_weight == 0

    def test_policy_minimum_above_maximum_is_refused(self, one):
        """Bounds that no ruleset could meet are a mistake in the policy."""
        text = BASE + "policy: {social_weight_min: 40, social_weight_max: 30}\n"
        assert_at(
            one(text), text, "/policy", "policy:", "social_weight_min 40 is more than social_weight_max 30"
        )

    @pytest.mark.parametrize("second", ["25", "20"])
    def test_bands_not_strictly_ascending_are_refused(self, one, second: str):
        """Bands are listed from the lowest at_least up, each above the last."""
        text = changed("{at_least: 51, score: 1}", f"{{at_least: {second}, score: 1}}")
        assert_at(one(text), text, "/criteria/1/method/bands/1/at_least", "bands", "bands must ascend")

    def test_linear_with_from_equal_to_to_is_refused(self, one):
        """A line from 0.3 to 0.30 has no length."""
        text = changed(
            "{bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}",
            "{linear: {from: 0.3, to: 0.30}}",
        )
        assert_at(one(text), text, "/criteria/1/method/linear", "linear", "from and to are both 0.3")

    def test_a_price_method_with_a_field_is_refused(self, one):
        """Price methods read price.amount; a field would be ignored, so it is refused."""
        text = changed("    group: price\n", "    group: price\n    field: price.amount\n")
        assert_at(one(text), text, "/criteria/0/field", "field: price.amount", "takes no field")

    def test_a_method_without_a_field_is_refused(self, one):
        """Every method but price methods and count scores a field, which must be named."""
        text = changed("    field: ownership.immigrant\n", "")
        assert_at(one(text), text, "/criteria/1", "- id: owned", "the bands method needs a field")

    def test_a_count_with_a_field_is_refused(self, one):
        """count reads the list named by its ``of``."""
        text = changed("field: ownership.immigrant", "field: languages")
        text = changed(
            "{bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}",
            "{count: {of: languages, to: 3}}",
            text,
        )
        assert_at(one(text), text, "/criteria/1/field", "field: languages", "takes no field")

    def test_duplicate_criterion_ids_are_refused(self, one):
        """Criterion ids name score sheet columns, so each is unique."""
        text = changed("  - id: owned\n", "  - id: price   # again\n")
        first = line_of(text, "    group: price") - 1
        assert_at(
            one(text),
            text,
            "/criteria/1/id",
            "# again",
            f'criterion id "price" is used twice (first at line {first})',
        )

    def test_duplicate_gate_ids_are_refused(self, one):
        """Gate ids name the reasons of ineligible bids, so each is unique."""
        text = BASE + (
            "gates:\n"
            "  - {id: budget, field: price.amount, op: '<=', ref: tender.budget.amount}\n"
            "  - {id: budget, field: price.amount, op: '>', value: 0}\n"
        )
        assert_at(one(text), text, "/gates/1/id", "value: 0", 'gate id "budget" is used twice')

    def test_an_in_gate_needs_a_list_value(self, one):
        """``in`` tests membership of a list."""
        text = BASE + "gates:\n  - {id: size, field: supplier.size, op: in, value: small}\n"
        assert_at(one(text), text, "/gates/0/value", "op: in", "an in gate needs a list value")

    def test_a_list_value_needs_the_in_operator(self, one):
        """A list compared with ``==`` would never be equal to a bid value."""
        text = BASE + "gates:\n  - {id: size, field: supplier.size, op: '==', value: [small]}\n"
        assert_at(
            one(text), text, "/gates/0/value", "value: [small]", "a list value goes with the in operator"
        )

    def test_a_gate_with_both_value_and_ref_is_refused(self, one):
        """A gate compares with a constant or another field, not both."""
        text = (
            BASE + "gates:\n  - {id: g, field: price.amount, op: '<=', value: 5, ref: tender.budget.amount}\n"
        )
        assert_at(one(text), text, "/gates/0", "id: g", "has both a value and a ref")

    def test_a_gate_with_neither_value_nor_ref_is_refused(self, one):
        """A comparison needs something to compare with."""
        text = BASE + "gates:\n  - {id: g, field: price.amount, op: '<='}\n"
        assert_at(one(text), text, "/gates/0", "id: g", "needs a value (a constant) or a ref")

    def test_a_present_gate_takes_neither_value_nor_ref(self, one):
        """``present`` only asks that the field is given."""
        text = BASE + "gates:\n  - {id: g, field: workforce.employees, op: present, value: 1}\n"
        assert_at(one(text), text, "/gates/0", "id: g", "leave out value and ref")

    def test_a_present_gate_alone_loads(self, write):
        """... and without either it loads."""
        text = BASE + "gates:\n  - {id: g, field: workforce.employees, op: present}\n"
        assert load_ruleset(write(text)).gates[0].op == "present"

    def test_a_tie_breaker_naming_an_unknown_group_is_refused(self, one):
        """A tie-breaker group is one of the criteria's groups."""
        text = BASE + "ranking: {tie_breakers: [{group: immigrant_owner, order: desc}]}\n"
        assert_at(
            one(text),
            text,
            "/ranking/tie_breakers/0/group",
            "ranking",
            'unknown group "immigrant_owner" (the groups: price, immigrant_ownership)',
        )

    @pytest.mark.parametrize(
        ("breaker", "words"),
        [("{group: price, field: price.amount}", "not both"), ("{order: desc}", "neither is given")],
    )
    def test_a_tie_breaker_names_exactly_one_of_group_and_field(self, one, breaker: str, words: str):
        """A tie-breaker compares one thing."""
        text = BASE + f"ranking: {{tie_breakers: [{breaker}]}}\n"
        assert_at(one(text), text, "/ranking/tie_breakers/0", "ranking", words)

    def test_labels_missing_for_a_declared_language_are_refused(self, one):
        """Every criterion has a label in every declared language."""
        text = BASE + "languages: [en, fr]\nlabels:\n  price: {en: Price, fr: Prix}\n  owned: {en: Owned}\n"
        assert_at(one(text), text, "/labels/owned", "owned: {en", 'criterion "owned" has no label in fr')

    def test_a_criterion_without_any_label_is_refused_at_the_criterion(self, one):
        """With labels given, a criterion missing from them is named where it is defined."""
        text = BASE + "labels:\n  price: {en: Price}\n"
        assert_at(one(text), text, "/criteria/1", "- id: owned", 'criterion "owned" has no label in en')

    def test_a_label_for_nothing_is_refused(self, one):
        """A label key is a criterion id or a group (a typo would label nothing)."""
        text = BASE + "labels:\n  price: {en: Price}\n  owned: {en: Owned}\n  ownd: {en: Owned}\n"
        assert_at(one(text), text, "/labels/ownd", "ownd:", '"ownd" is neither a criterion id nor a group')

    def test_a_label_in_an_undeclared_language_is_refused(self, one):
        """Labels are in the declared languages."""
        text = BASE + "labels:\n  price: {en: Price, de: Preis}\n  owned: {en: Owned}\n"
        assert_at(
            one(text),
            text,
            "/labels/price/de",
            "de: Preis",
            'a label in "de", which languages does not declare',
        )

    def test_without_languages_or_labels_the_ids_are_the_labels(self, write):
        """A ruleset that asks for no labels needs none, and ``label`` falls back to the id."""
        ruleset = load_ruleset(write(BASE))
        assert ruleset.label("owned") == "owned"
        assert ruleset.label("owned", "fr") == "owned"


class TestFields:
    """Field paths are checked against the fields the bid and tender schemas define."""

    def test_an_unknown_field_is_refused_with_a_suggestion(self, one, fake_fields):
        """A misspelt field would score 0 for every bid, so it is refused."""
        text = changed("field: ownership.immigrant", "field: ownership.imigrant")
        assert_at(
            one(text),
            text,
            "/criteria/1/field",
            "ownership.imigrant",
            'unknown bid field "ownership.imigrant"; did you mean "ownership.immigrant"?',
        )

    def test_an_unknown_share_part_is_refused(self, one, fake_fields):
        """Both parts of a share are known fields."""
        text = changed(
            "field: ownership.immigrant", "field: {share: [workforce.immigrants, workforce.staff]}"
        )
        text = changed(
            "{bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}",
            "{linear: {from: 0, to: 0.3}}",
            text,
        )
        assert_at(
            one(text), text, "/criteria/1/field/share/1", "share", 'unknown bid field "workforce.staff"'
        )

    def test_a_field_the_method_cannot_score_is_refused(self, one, fake_fields):
        """A true/false field under bands (or a number under boolean) would never score."""
        text = changed("field: ownership.immigrant", "field: ownership.social_enterprise")
        assert_at(
            one(text), text, "/criteria/1/field", "social_enterprise", "but the bands method needs a number"
        )

    def test_a_tender_field_is_not_a_criterion_field(self, one, fake_fields):
        """Criteria score bids; the tender's fields are the same for every bid."""
        text = changed("field: ownership.immigrant", "field: tender.budget.amount")
        assert "unknown bid field" in one(text).message

    def test_any_quality_heading_is_a_known_field(self, write, fake_fields):
        """``quality`` is a map, so ``quality.<anything>`` is known."""
        text = changed("field: ownership.immigrant", "field: quality.innovation")
        text = changed(
            "{bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}", "{panel: {max: 10}}", text
        )
        assert load_ruleset(write(text)).criteria[1].field == rs.FieldRef(path="quality.innovation")

    def test_gate_fields_and_refs_are_bid_or_tender_fields(self, one, fake_fields):
        """A gate may compare with the tender; an unknown tender field is refused."""
        text = BASE + "gates:\n  - {id: g, field: price.amount, op: '<=', ref: tender.budget.amount_max}\n"
        assert_at(
            one(text), text, "/gates/0/ref", "id: g", 'unknown bid or tender field "tender.budget.amount_max"'
        )

    def test_a_tie_breaker_naming_an_unknown_field_is_refused(self, one, fake_fields):
        """A tie-breaker field is a bid field."""
        text = BASE + "ranking: {tie_breakers: [{field: submitted, order: asc}]}\n"
        assert_at(
            one(text), text, "/ranking/tie_breakers/0/field", "ranking", 'unknown bid field "submitted"'
        )

    def test_count_of_something_that_is_not_a_list_is_refused(self, one, fake_fields):
        """count counts the items of a list."""
        text = changed("    field: ownership.immigrant\n", "")
        text = changed(
            "{bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}",
            "{count: {of: price, to: 1}}",
            text,
        )
        assert_at(one(text), text, "/criteria/1/method/count/of", "count", "not a list that count can count")

    def test_count_where_naming_an_unknown_item_field_is_refused(self, one, fake_fields):
        """``where`` names fields of the list's items."""
        text = changed("    field: ownership.immigrant\n", "")
        text = changed(
            "{bands: [{at_least: 25, score: 0.5}, {at_least: 51, score: 1}]}",
            "{count: {of: certifications, where: {issued_by: CAMSC}, to: 1}}",
            text,
        )
        assert_at(
            one(text),
            text,
            "/criteria/1/method/count/where/issued_by",
            "count",
            'the items of certifications have no field "issued_by" (its items have: issuer)',
        )

    def test_the_catalog_follows_refs_maps_and_arrays(self):
        """Known fields come from walking the schemas: $ref, maps (``*``) and array items (``[]``)."""
        catalog = rs._Catalog.from_schemas(FAKE_BID_SCHEMA, FAKE_TENDER_SCHEMA)
        assert catalog.types["price.amount"] == {"string", "number"}
        assert catalog.types["supplier.size"] == {"string"}
        assert catalog.match("quality.anything") == "quality.*"
        assert catalog.match("certifications[].issuer") == "certifications[].issuer"
        assert catalog.match("tender.budget.amount") == "tender.budget.amount"
        assert catalog.match("ownership.nobody") is None

    @needs_field_schemas
    def test_known_fields_come_from_the_bundled_schemas(self):
        """The bundled schemas give the fields DESIGN.md names, bid and tender."""
        fields = known_fields()
        assert {
            "ownership.immigrant",
            "workforce.employees",
            "price.amount",
            "quality.*",
            "languages",
        } <= fields
        assert {"submitted_at", "tender.budget.amount", "tender.closing_date"} <= fields
        assert is_known_field("quality.technical")
        assert not is_known_field("ownership.immigrants")


class TestManyProblems:
    """A broken ruleset is refused once, with every problem listed."""

    def test_every_problem_is_listed_in_line_order(self):
        """tests/data/rulesets/many-problems.yaml has eleven problems, all reported with their lines."""
        path = DATA / "many-problems.yaml"
        text = path.read_text(encoding="utf-8")
        with pytest.raises(RulesetError) as caught:
            load_ruleset(path)
        found = [(p.line, p.path) for p in caught.value.problems]
        assert found == [
            (line_of(text, "social_weight_max: 20"), "/policy/social_weight_max"),
            (line_of(text, "duplicate gate id"), "/gates/1/id"),
            (line_of(text, "duplicate gate id"), "/gates/1/value"),
            (line_of(text, "criteria:"), "/criteria"),
            (line_of(text, "a price method takes no field"), "/criteria/0/field"),
            (line_of(text, "bands not ascending"), "/criteria/1/method/bands/1/at_least"),
            (line_of(text, "martians"), "/criteria/1/evidence/covers"),
            (line_of(text, "duplicate criterion id"), "/criteria/2/id"),
            (line_of(text, "from == to"), "/criteria/2/method/linear"),
            (line_of(text, "id: wage"), "/criteria/3"),
            (line_of(text, "unknown group"), "/ranking/tie_breakers/0/group"),
        ]
        error = caught.value
        assert "(11 problems)" in error.message
        assert str(error).count("\n  line ") == 11
        assert error.to_dict()["problems"][0] == {
            "path": "/policy/social_weight_max",
            "line": line_of(text, "social_weight_max: 20"),
            "message": "the social criteria (groups other than price and quality) carry 45 points, "
            "more than the policy's maximum of 20",
        }

    def test_a_refused_value_is_not_reported_again(self, one):
        """A value refused while reading (a forbidden tag) is not also reported as missing or mistyped."""
        text = changed("weight: 40", "weight: !!python/name:os.system")
        assert "!!python/name:os.system" in one(text).message


class TestCanonical:
    """The canonical form and its digest identify what a ruleset says, and nothing else."""

    def test_the_same_file_gives_the_same_digest(self):
        """Loading twice gives equal rulesets with one digest."""
        first, second = load_ruleset(default_ruleset_path()), load_ruleset(default_ruleset_path())
        assert first == second
        assert first.sha256 == second.sha256
        assert len(first.sha256) == 64
        assert hash(first) == hash(second)

    def test_key_order_whitespace_and_comments_do_not_change_the_digest(self, write):
        """Rewriting the same content in another order and layout keeps the digest."""
        data = yaml.safe_load(BASE)
        reordered = dict(reversed(list(data.items())))
        reordered["criteria"] = [dict(reversed(list(c.items()))) for c in data["criteria"]]
        text = "# a comment\n" + yaml.safe_dump(
            reordered, sort_keys=False, default_flow_style=False, indent=4
        )
        assert load_ruleset(write(text)).sha256 == load_ruleset(write(BASE, "base.yaml")).sha256

    def test_a_changed_weight_changes_the_digest(self, write):
        """Any change to what the ruleset says changes its digest."""
        text = changed("weight: 60", "weight: 59.5", changed("weight: 40", "weight: 40.5"))
        assert load_ruleset(write(text)).sha256 != load_ruleset(write(BASE, "base.yaml")).sha256

    def test_trailing_zeros_do_not_change_the_digest_or_the_numbers(self, write):
        """``40.00`` and ``40`` are one number: same digest, and the model holds it as the canonical form."""
        text = changed("weight: 40", "weight: 40.00", changed("score: 0.5", "score: 0.50"))
        ruleset = load_ruleset(write(text))
        assert ruleset.sha256 == load_ruleset(write(BASE, "base.yaml")).sha256
        assert str(ruleset.criteria[1].weight) == "40"
        method = ruleset.criteria[1].method
        assert isinstance(method, Bands) and str(method.bands[0].score) == "0.5"

    def test_the_canonical_form_is_rfc8785(self):
        """Sorted keys, no whitespace, numbers in their shortest form."""
        ruleset = parse_ruleset(yaml.safe_load(BASE))
        assert ruleset.canonical_json.startswith(b'{"criteria":[{"group":"price","id":"price","method"')
        assert b" " not in ruleset.canonical_json.replace(b"A small ruleset", b"")
        assert b'"score":0.5' in ruleset.canonical_json

    def test_ruleset_from_canonical_round_trips(self):
        """Replaying from the stored canonical form gives an equal ruleset with the same digest."""
        original = load_ruleset(default_ruleset_path())
        replayed = ruleset_from_canonical(original.canonical_json)
        assert replayed == original
        assert replayed.sha256 == original.sha256
        assert summarize(replayed) == summarize(original)

    def test_bytes_not_in_canonical_form_are_refused(self):
        """Stored bytes whose digest would differ from the recorded one are refused."""
        original = load_ruleset(default_ruleset_path())
        pretty = json.dumps(json.loads(original.canonical_json), indent=1).encode()
        with pytest.raises(RulesetError, match="not in RFC 8785 canonical form"):
            ruleset_from_canonical(pretty)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(seed=st.integers(min_value=0, max_value=2**32 - 1), as_json=st.booleans())
    def test_any_key_order_and_format_gives_the_same_digest(self, tmp_path: Path, seed: int, as_json: bool):
        """Shuffling every mapping of the default ruleset, as YAML or JSON, keeps its digest."""
        original = load_ruleset(default_ruleset_path())
        data = json.loads(original.canonical_json, parse_float=Decimal)
        shuffled = _shuffled(data, random.Random(seed))
        if as_json:
            path = tmp_path / "shuffled.json"
            path.write_text(json.dumps(shuffled, default=float, indent=seed % 4), encoding="utf-8")
        else:
            path = tmp_path / "shuffled.yaml"
            path.write_text(yaml.safe_dump(_floats_as_text(shuffled), sort_keys=False, allow_unicode=True))
        assert load_ruleset(path).sha256 == original.sha256


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [_shuffled(item, rng) for item in value]
    return value


class _Number(str):
    """A Decimal written into YAML as a plain number."""


yaml.SafeDumper.add_representer(
    _Number, lambda dumper, n: dumper.represent_scalar("tag:yaml.org,2002:float", n)
)


def _floats_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _floats_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_floats_as_text(item) for item in value]
    return _Number(value) if isinstance(value, Decimal) else value


class TestModels:
    """The models other modules use."""

    def test_every_method_has_its_yaml_name(self):
        """METHODS maps each YAML name to its model, whose ``name`` is that name."""
        assert list(METHODS) == [
            "linear",
            "threshold",
            "bands",
            "boolean",
            "lookup",
            "panel",
            "count",
            "price_proportional",
            "price_linear",
        ]
        assert all(model.name == name for name, model in METHODS.items())

    def test_linear_reads_from_by_its_yaml_name(self):
        """``from`` is a Python keyword, so the attribute is ``from_``."""
        assert Linear.model_validate({"from": 0, "to": "0.3"}).from_ == 0

    def test_a_ruleset_is_immutable(self):
        """A loaded ruleset cannot be changed behind its digest's back."""
        ruleset = load_ruleset(default_ruleset_path())
        with pytest.raises(ValueError, match="frozen"):
            ruleset.precision = 3  # type: ignore[misc]

    def test_a_criterion_reads_its_method_from_the_file_shape(self):
        """``{boolean: {}}`` becomes a Boolean; a share field becomes a FieldRef with its two paths."""
        criterion = rs.Criterion.model_validate(
            {
                "id": "x",
                "group": "g",
                "weight": 1,
                "field": {"share": ["a.b", "a.c"]},
                "method": {"boolean": {}},
            }
        )
        assert isinstance(criterion.method, Boolean)
        assert criterion.field == rs.FieldRef(share=("a.b", "a.c"))
        assert str(criterion.field) == "a.b / a.c"

    def test_a_tie_breaker_model_needs_exactly_one_of_group_and_field(self):
        """The model enforces the rule too, for rulesets built in code."""
        with pytest.raises(ValueError, match="exactly one"):
            rs.TieBreaker(group="a", field="b")


class TestSummary:
    """What ``supplierscore rules check`` prints."""

    def test_summary_shows_the_ruleset_on_one_screen(self):
        """Id, version, criteria with weights, group subtotals, social share, gates and ties."""
        text = summarize(load_ruleset(default_ruleset_path()))
        lines = text.splitlines()
        assert lines[0].startswith("cities-of-migration 1.0.0: Inclusive procurement")
        assert len(lines) <= 40
        assert "half_up to 2 decimals" in text
        row = next(line for line in lines if line.startswith("immigrant-ownership "))
        assert row.split()[:4] == ["immigrant-ownership", "immigrant_ownership", "8", "bands"]
        assert "price 40 · quality 30 · immigrant_ownership 8" in text
        assert "total 100" in text
        assert "30 of 100 points outside price and quality (policy: at least 10 and at most 30)" in text
        assert "within-budget: price.amount <= tender.budget.amount" in text
        assert (
            "total desc, group immigrant_ownership desc, price.amount asc, submitted_at asc, bid id asc"
            in text
        )


class TestSchemaFile:
    """schemas/ruleset.schema.json keeps the house rules and agrees with the code."""

    def test_schema_is_valid_draft_2020_12(self, schema: dict[str, Any]):
        """It is a Draft 2020-12 schema with its $id and title."""
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == "https://supplierscore.org/schemas/ruleset.schema.json"
        assert schema["title"]

    def test_every_property_has_a_description(self, schema: dict[str, Any]):
        """Every property says what it is."""
        missing = [
            f"{path}/properties/{key}"
            for path, node in _objects(schema)
            for key, child in node.get("properties", {}).items()
            if "description" not in child
        ]
        assert missing == []

    def test_only_maps_allow_additional_properties(self, schema: dict[str, Any]):
        """Objects with properties refuse unknown keys; maps (labels, sources, targets, lookup map, where)
        do not."""
        objects = _objects(schema)
        loose = [
            path
            for path, node in objects
            if "properties" in node and node.get("additionalProperties") is not False
        ]
        assert loose == []
        maps = [path for path, node in objects if isinstance(node.get("additionalProperties"), dict)]
        assert sorted(maps) == [
            "/$defs/count/properties/where",
            "/$defs/lookup/properties/map",
            "/properties/labels",
            "/properties/labels/additionalProperties",
            "/properties/sources",
            "/properties/targets",
        ]

    def test_the_schema_and_the_code_agree(self, schema: dict[str, Any]):
        """The same methods and the same certifiable groups."""
        assert list(schema["$defs"]["method"]["properties"]) == list(METHODS)
        assert tuple(schema["$defs"]["evidence"]["properties"]["covers"]["enum"]) == GROUPS_CERTIFIABLE

    def test_the_default_ruleset_is_valid_against_the_pure_python_validator(self, schema: dict[str, Any]):
        """jsonschema (the test oracle) accepts the default ruleset too."""
        data = json.loads(load_ruleset(default_ruleset_path()).canonical_json)
        jsonschema.Draft202012Validator(schema).validate(data)


def _objects(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every schema object in ``node`` with its JSON Pointer."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        found.append((path, node))
        for key, value in node.items():
            if key not in ("enum", "const"):
                found += _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _objects(value, f"{path}/{index}")
    return found
