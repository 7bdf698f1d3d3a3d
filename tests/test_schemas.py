"""The JSON Schemas themselves, and the examples they describe.

Checked here, without importing supplierscore: the schemas are well-formed Draft 2020-12 with the house rules
(a description on every property, every object closed, every string and array bounded); the examples validate;
every kind of schema error is caught; and the pure-Python ``jsonschema`` and ``jsonschema_rs`` agree on every
verdict.

How to validate a tender document (the two schemas it references are found by their ``$id`` in a registry,
never fetched; see :func:`document_validators`):

- Load every schema with ``json.loads(text, parse_float=Decimal)``: pure-Python ``jsonschema`` computes
  ``Decimal % float`` for ``multipleOf: 0.01`` and raises ``TypeError`` when a schema number is a float.
- Parse instances with ``parse_float=Decimal`` too (a float ``0.07`` is not a multiple of ``0.01``).
- ``jsonschema_rs`` checks ``format`` only with ``validate_formats=True``; ``jsonschema`` only with
  ``format_checker=Draft202012Validator.FORMAT_CHECKER``.
- ``jsonschema`` counts only ``int`` as an integer, while JSON Schema (and ``jsonschema_rs``) count ``10.0``
  too: the oracle here redefines ``integer`` to accept integral Decimals, or the two would disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).parent.parent
SCHEMAS = ROOT / "src" / "supplierscore" / "schemas"
EXAMPLES = ROOT / "examples"
BASE = "https://supplierscore.org/schemas/"
DOCUMENT = "tender-document.schema.json"
TENDER = "tender.schema.json"
BID = "bid.schema.json"
SHEET = "scoresheet.schema.json"
INPUT_SCHEMAS = (DOCUMENT, TENDER, BID)
ALL_SCHEMAS = (*INPUT_SCHEMAS, SHEET)
MAPS = {
    (BID, "/properties/quality"),
    (SHEET, "/properties/rows/items/properties/points"),
    (SHEET, "/properties/rows/items/properties/groups"),
    (SHEET, "/properties/rows/items/properties/participation"),
}
"""The only objects with open property names: each uses propertyNames and an additionalProperties schema."""

NOT_SCHEMAS = ("enum", "const", "required", "examples", "default")
GROUPS = {
    "immigrant",
    "women",
    "disability",
    "indigenous",
    "racialized",
    "lgbtq",
    "veteran",
    "youth",
    "social_enterprise",
    "living_wage",
    "dbe",
}


# ---------------------------------------------------------------------------------------------------
# Loading and validating


class DuplicateKeyError(ValueError):
    """An object with the same key twice."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise DuplicateKeyError("duplicate key")
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse(raw: bytes | str) -> Any:
    """Parse JSON as supplierscore reads it: UTF-8, numbers as Decimal, no duplicate keys, no NaN."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return json.loads(
        text, parse_float=Decimal, object_pairs_hook=_no_duplicates, parse_constant=_no_constant
    )


@cache
def load(name: str) -> dict[str, Any]:
    """A schema by file name, with its numbers as Decimal (see the module docstring)."""
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"), parse_float=Decimal)
    return schema


def _is_integer(checker: Any, instance: Any) -> bool:
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    return bool(Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer"))


OracleValidator = jsonschema.validators.extend(
    Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
)
"""Draft 2020-12 with "integer" as JSON Schema means it: 10.0 (a Decimal) is an integer, 10.5 is not."""


def _no_retrieval(uri: str) -> Any:
    raise LookupError(f"schemas are never fetched, and {uri} is not in the registry")


@cache
def python_registry() -> Registry[Any]:
    """The three input schemas and the score sheet schema, by $id, for pure-Python jsonschema."""
    resources = [(load(name)["$id"], Resource.from_contents(load(name))) for name in ALL_SCHEMAS]
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry


@cache
def rust_registry() -> Any:
    """The same registry for jsonschema_rs."""
    return jsonschema_rs.Registry([(load(name)["$id"], load(name)) for name in ALL_SCHEMAS])


@cache
def validators(name: str) -> tuple[Any, Any]:
    """The (pure-Python oracle, jsonschema_rs) validators of one schema, with format checking on."""
    oracle = OracleValidator(
        load(name), registry=python_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    fast = jsonschema_rs.validator_for(
        load(name), registry=rust_registry(), validate_formats=True, retriever=_no_retrieval
    )
    return oracle, fast


def document_validators() -> tuple[Any, Any]:
    """How to validate a whole tender document with each library: it references the others by $id."""
    return validators(DOCUMENT)


def verdict(name: str, instance: Any) -> bool:
    """Whether ``instance`` is valid under schema ``name``; both validators must say the same."""
    oracle, fast = validators(name)
    python_says, rust_says = oracle.is_valid(instance), fast.is_valid(instance)
    assert python_says == rust_says, f"jsonschema says {python_says}, jsonschema_rs says {rust_says}"
    return bool(python_says)


def error_keys(name: str, instance: Any) -> set[tuple[str, str]]:
    """The (JSON Pointer, keyword) of every error; both validators must report the same set.

    Two differences in reporting are evened out: a "format" error where the "pattern" at the same place
    fails too is left out (jsonschema checks date-time only with rfc3339-validator installed, and the
    libraries differ on year 0000: the pattern decides both), and jsonschema reports a bad property name by
    the keyword inside propertyNames, jsonschema_rs as "propertyNames".
    """
    oracle, fast = validators(name)
    python_errors = {
        (
            "".join(f"/{step}" for step in e.absolute_path),
            "propertyNames" if "propertyNames" in e.schema_path else str(e.validator),
        )
        for e in oracle.iter_errors(instance)
    }
    rust_errors = {
        ("".join(f"/{step}" for step in e.instance_path), e.kind.name) for e in fast.iter_errors(instance)
    }
    python_errors, rust_errors = (
        _without_shadowed_formats(python_errors),
        _without_shadowed_formats(rust_errors),
    )
    assert python_errors == rust_errors
    return python_errors


def _without_shadowed_formats(errors: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {
        (path, keyword) for path, keyword in errors if keyword != "format" or (path, "pattern") not in errors
    }


def subschemas(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema of a schema with its JSON Pointer (enum values and required lists are not schemas)."""
    if not isinstance(node, dict):
        return
    yield pointer, node
    for key, value in node.items():
        if key in NOT_SCHEMAS:
            continue
        if key in ("properties", "$defs", "patternProperties"):
            for name, sub in value.items():
                yield from subschemas(sub, f"{pointer}/{key}/{name}")
        elif isinstance(value, dict):
            yield from subschemas(value, f"{pointer}/{key}")
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                yield from subschemas(sub, f"{pointer}/{key}/{index}")


def types_of(node: dict[str, Any]) -> set[str]:
    kind = node.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def example_documents() -> list[Any]:
    return [parse(line) for line in (EXAMPLES / "tenders.ndjson").read_bytes().splitlines() if line.strip()]


def bad_lines() -> list[bytes]:
    return (EXAMPLES / "bad-bids.ndjson").read_bytes().splitlines()


def good_bid(**changes: Any) -> dict[str, Any]:
    bid: dict[str, Any] = {
        "id": "B-1",
        "supplier": {"id": "S-1", "name": "Maple Interpreting Co-op", "country": "CA", "size": "small"},
        "price": {"amount": "1200.00", "currency": "CAD"},
    }
    bid.update(changes)
    return bid


def with_price(amount: Any, currency: str = "CAD") -> dict[str, Any]:
    return good_bid(price={"amount": amount, "currency": currency})


# ---------------------------------------------------------------------------------------------------
# The schemas' form


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_schema_is_draft_2020_12_with_id_title_and_description(name: str) -> None:
    """Each schema is Draft 2020-12 with $id https://supplierscore.org/schemas/<file>, title, description."""
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == BASE + name
    assert schema["title"] and schema["description"]


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_every_property_has_a_description(name: str) -> None:
    """Every property, definition, array item, map key and map value in every schema says what it is."""
    missing: list[str] = []
    for pointer, node in subschemas(load(name)):
        parent = pointer.rsplit("/", 2)
        named = len(parent) == 3 and parent[1] in ("properties", "$defs")
        if (
            named or pointer.endswith(("/items", "/additionalProperties", "/propertyNames"))
        ) and not node.get("description"):
            missing.append(pointer)
    assert missing == []


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_every_object_is_closed_except_the_documented_maps(name: str) -> None:
    """Every object has additionalProperties false, except the quality/points/groups/participation maps,
    which say so."""
    found_maps: set[tuple[str, str]] = set()
    for pointer, node in subschemas(load(name)):
        if "object" not in types_of(node):
            continue
        if (name, pointer) in MAPS:
            found_maps.add((name, pointer))
            assert isinstance(node["additionalProperties"], dict), pointer
            assert "propertyNames" in node, pointer
            assert "propertyNames" in node["description"] and "additionalProperties" in node["description"]
        else:
            assert node.get("additionalProperties") is False, pointer
    assert found_maps == {m for m in MAPS if m[0] == name}


@pytest.mark.parametrize("name", INPUT_SCHEMAS)
def test_every_string_array_and_map_is_bounded_and_says_its_limit(name: str) -> None:
    """Every input string, array and map has a maximum size, and its description states it."""
    for pointer, node in subschemas(load(name)):
        kinds = types_of(node)
        if "string" in kinds or pointer.endswith("/propertyNames"):
            assert "maxLength" in node, pointer
        if "array" in kinds:
            assert "maxItems" in node, pointer
        if "object" in kinds and isinstance(node.get("additionalProperties"), dict):
            assert "maxProperties" in node, pointer
        for limit in ("maxLength", "maxItems", "maxProperties"):
            if limit in node:
                assert str(node[limit]) in node["description"], (
                    f"{pointer}: {limit} {node[limit]} not described"
                )


@pytest.mark.parametrize("name", ALL_SCHEMAS)
def test_every_anchored_pattern_ends_at_the_true_end(name: str) -> None:
    """Anchored patterns end with $(?!\\n): Python's $ also matches before a final newline."""
    for pointer, node in subschemas(load(name)):
        pattern = node.get("pattern")
        if isinstance(pattern, str) and pattern.startswith("^"):
            assert pattern.endswith("$(?!\\n)"), pointer


def test_shared_definitions_are_identical_in_tender_and_bid() -> None:
    """tender.schema.json and bid.schema.json each carry id, date, currency and money; the copies agree."""
    tender, bid = load(TENDER)["$defs"], load(BID)["$defs"]
    for name in ("id", "date", "currency", "money"):
        assert tender[name] == bid[name], name


def test_currency_lists_are_iso_4217_with_their_minor_units() -> None:
    """The currency enum holds the active ISO 4217 codes; the no-decimal and three-decimal lists are in it."""
    defs = load(BID)["$defs"]
    currencies = defs["currency"]["enum"]
    branches = defs["money"]["allOf"]
    zero = branches[0]["if"]["properties"]["currency"]["enum"]
    three = branches[1]["if"]["properties"]["currency"]["enum"]
    assert branches[2]["if"]["properties"]["currency"]["not"]["enum"] == zero + three
    assert len(currencies) == len(set(currencies)) == 156
    assert set(zero) | set(three) <= set(currencies)
    assert {"JPY", "KRW", "CLP", "ISK", "VND", "UGX", "XAF", "XOF", "PYG"} <= set(zero)
    assert set(three) == {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
    assert {"CAD", "USD", "EUR", "GBP", "INR", "NGN", "PHP", "MXN", "UAH", "SYP"} <= set(currencies)
    assert not {"XXX", "XTS", "XAU", "XDR", "USN", "CLF", "HRK", "SLL", "cad"} & set(currencies)


def test_country_list_is_iso_3166_alpha_2() -> None:
    """The country enum holds the 249 officially assigned ISO 3166-1 alpha-2 codes."""
    countries = load(BID)["properties"]["supplier"]["properties"]["country"]["enum"]
    assert len(countries) == len(set(countries)) == 249
    assert {"CA", "US", "GB", "IN", "PH", "SY", "UA", "NG", "SS", "CW"} <= set(countries)
    assert not {"XK", "UK", "EU", "ca"} & set(countries)


def test_group_list() -> None:
    """Certifications and subcontracts name the same eleven groups."""
    assert set(load(BID)["$defs"]["group"]["enum"]) == GROUPS


# ---------------------------------------------------------------------------------------------------
# Valid input


def test_tender_document_validates_through_the_registry() -> None:
    """A tender document validates with both libraries, the tender and bid schemas found by $id offline."""
    oracle, fast = document_validators()
    document: dict[str, Any] = {"tender": {"id": "T-1", "currency": "CAD"}, "bids": [good_bid()]}
    assert oracle.is_valid(document) and fast.is_valid(document)
    document["bids"][0]["price"]["amount"] = "12.345"
    assert not oracle.is_valid(document) and not fast.is_valid(document)


def test_referenced_schemas_are_never_fetched() -> None:
    """Without the registry, jsonschema_rs cannot build the document validator: nothing is fetched."""
    with pytest.raises(jsonschema_rs.ValidationError, match="is not present in a registry"):
        jsonschema_rs.validator_for(load(DOCUMENT), validate_formats=True, retriever=_no_retrieval)


def test_every_example_tender_document_is_valid() -> None:
    """Every example tender document, its tender and each bid are valid under both validators."""
    documents = example_documents()
    assert len(documents) >= 4
    for document in documents:
        assert verdict(DOCUMENT, document), document["tender"]["id"]
        assert verdict(TENDER, document["tender"])
        for bid in document["bids"]:
            assert verdict(BID, bid), (document["tender"]["id"], bid["id"])


def test_example_bids_keep_the_cross_field_rules() -> None:
    """Example bids keep the rules checked after the schema (counts, currency, ids, dates, shares)."""
    documents = example_documents()
    tender_ids = [d["tender"]["id"] for d in documents]
    assert len(tender_ids) == len(set(tender_ids))
    for document in documents:
        tender = document["tender"]
        assert tender["budget"]["currency"] == tender["currency"]
        bid_ids = [b["id"] for b in document["bids"]]
        assert len(bid_ids) == len(set(bid_ids))
        for bid in document["bids"]:
            where = (tender["id"], bid["id"])
            assert bid["price"]["currency"] == tender["currency"], where
            workforce = bid.get("workforce", {})
            if "employees" in workforce:
                assert workforce.get("immigrants", 0) <= workforce["employees"], where
                assert workforce.get("newcomer_hires_12m", 0) <= workforce["employees"], where
            for certificate in bid.get("certifications", []):
                assert certificate["valid_from"] <= certificate["valid_until"], where
            shares = [s["share_pct"] for s in bid.get("supply_chain", {}).get("subcontracts", [])]
            assert sum(shares) <= 100, where


def test_examples_cover_the_cases_a_ruleset_must_handle() -> None:
    """Example tenders have 8–15 marked bids, one over budget, and every kind of evidence case."""
    cases: set[str] = set()
    for document in example_documents():
        tender = document["tender"]
        closing, budget = tender["closing_date"], Decimal(tender["budget"]["amount"])
        assert 8 <= len(document["bids"]) <= 15
        assert any(Decimal(b["price"]["amount"]) > budget for b in document["bids"]), tender["id"]
        for bid in document["bids"]:
            assert set(bid["quality"]) == {"technical", "delivery"}
            cases.add("number" if isinstance(bid["price"]["amount"], int | Decimal) else "string")
            certificates = bid.get("certifications", [])
            for certificate in certificates:
                if certificate["valid_until"] < closing:
                    cases.add("expired")
                elif certificate["valid_from"] > closing:
                    cases.add("not-yet-valid")
                elif certificate["valid_until"] == closing:
                    cases.add("valid until the closing date")
                else:
                    cases.add("certified")
            if bid.get("ownership", {}).get("immigrant") and not certificates:
                cases.add("self-declared")
            if bid.get("ownership", {}).get("social_enterprise"):
                cases.add("social enterprise")
            if not ({"ownership", "workforce", "certifications"} & set(bid)):
                cases.add("no diversity data")
    assert cases == {
        "number",
        "string",
        "expired",
        "not-yet-valid",
        "valid until the closing date",
        "certified",
        "self-declared",
        "social enterprise",
        "no diversity data",
    }


@pytest.mark.parametrize(
    ("currency", "amount"),
    [
        ("CAD", "48250.00"),
        ("CAD", "48250"),
        ("CAD", "0.07"),
        ("CAD", Decimal("0.07")),
        ("CAD", Decimal("389000")),
        ("CAD", 389000),
        ("CAD", Decimal("999999999999999.99")),
        ("JPY", "1500"),
        ("JPY", Decimal("1500")),
        ("JPY", Decimal("1500.0")),
        ("KWD", "12.345"),
        ("KWD", Decimal("12.345")),
        ("USD", "0.01"),
    ],
)
def test_amount_within_the_currencys_decimals_is_valid(currency: str, amount: Any) -> None:
    """An amount more than 0 with at most the currency's decimals is valid, as a number or a string."""
    assert verdict(BID, with_price(amount, currency))


# ---------------------------------------------------------------------------------------------------
# Invalid input


@pytest.mark.parametrize(
    ("currency", "amount"),
    [
        ("JPY", "1500.5"),
        ("JPY", Decimal("1500.5")),
        ("JPY", "1500.0"),
        ("KRW", Decimal("0.5")),
        ("KWD", "12.3456"),
        ("KWD", Decimal("12.3456")),
        ("BHD", Decimal("0.0001")),
        ("CAD", "100.005"),
        ("CAD", Decimal("100.005")),
        ("EUR", Decimal("0.001")),
    ],
)
def test_too_many_decimals_for_the_currency_is_invalid(currency: str, amount: Any) -> None:
    """JPY has no minor unit, KWD three decimals, CAD two: one more decimal is invalid."""
    assert not verdict(BID, with_price(amount, currency))


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "0.00",
        Decimal("0"),
        Decimal("-5"),
        "-5.00",
        "1e3",
        " 100",
        "12,50",
        "1000000000000000",
        Decimal("1000000000000000"),
        Decimal("1E+30"),
        Decimal("-1E+30"),
        "",
        True,
        None,
        [1],
    ],
)
def test_amount_not_a_positive_decimal_is_invalid(amount: Any) -> None:
    """Zero, negative, malformed, too large or non-numeric amounts are invalid (huge ones without a crash)."""
    assert not verdict(BID, with_price(amount))


@pytest.mark.parametrize("currency", ["cad", "XXX", "XTS", "USN", "CADX", "", 12])
def test_unknown_currency_is_invalid(currency: Any) -> None:
    """Only active ISO 4217 currency codes, in upper case, are accepted."""
    assert not verdict(BID, with_price("10.00", currency))


def test_ten_megabyte_name_is_invalid() -> None:
    """A 10 MB supplier name is rejected by maxLength."""
    bid = good_bid(supplier={"id": "S-1", "name": "x" * 10_000_000})
    assert error_keys(BID, bid) == {("/supplier/name", "maxLength")}


@pytest.mark.parametrize(
    ("schema", "instance", "where"),
    [
        (BID, good_bid(ownersip={"immigrant": 60}), ""),
        (BID, good_bid(supplier={"id": "S-1", "name": "A", "nme": "x"}), "/supplier"),
        (BID, good_bid(price={"amount": "1.00", "currency": "CAD", "vat": "0.13"}), "/price"),
        (BID, good_bid(ownership={"immigrnt": 60}), "/ownership"),
        (BID, good_bid(workforce={"employes": 3}), "/workforce"),
        (
            BID,
            good_bid(supply_chain={"subcontracts": [{"supplier_name": "A", "share_pct": 5, "x": 1}]}),
            "/supply_chain/subcontracts/0",
        ),
        (
            BID,
            good_bid(certifications=[{"issuer": "CAMSC", "covers": ["immigrant"], "expires": "2027-01-01"}]),
            "/certifications/0",
        ),
        (TENDER, {"id": "T-1", "deadline": "2026-03-31"}, ""),
        (DOCUMENT, {"tender": {"id": "T-1"}, "bids": [], "notes": "x"}, ""),
    ],
)
def test_unknown_key_is_invalid(schema: str, instance: Any, where: str) -> None:
    """An unknown (misspelt) key is an additionalProperties error at the object that holds it."""
    assert error_keys(schema, instance) == {(where, "additionalProperties")}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"id": ""}, {("/id", "minLength"), ("/id", "pattern")}),
        ({"id": "B 1"}, {("/id", "pattern")}),
        ({"id": "B-1\n"}, {("/id", "pattern")}),
        ({"id": "x" * 101}, {("/id", "maxLength")}),
        ({"submitted_at": "2026-02-30T10:00:00Z"}, {("/submitted_at", "pattern")}),
        ({"submitted_at": "2026-03-02T10:00:00"}, {("/submitted_at", "pattern")}),
        ({"submitted_at": "2026-03-02 10:00:00Z"}, {("/submitted_at", "pattern")}),
        ({"submitted_at": "2026-03-02T10:00:00Z\n"}, {("/submitted_at", "pattern")}),
        ({"submitted_at": "2025-02-29T10:00:00Z"}, {("/submitted_at", "pattern")}),
        ({"submitted_at": "2026-06-30T23:59:60Z"}, {("/submitted_at", "pattern")}),
        ({"quality": {"technical": 101}}, {("/quality/technical", "maximum")}),
        ({"quality": {"tech nical": 80}}, {("/quality", "propertyNames")}),
        ({"quality": {f"c{i}": 1 for i in range(51)}}, {("/quality", "maxProperties")}),
        ({"ownership": {"immigrant": 140}}, {("/ownership/immigrant", "maximum")}),
        ({"ownership": {"women": "most"}}, {("/ownership/women", "type")}),
        ({"ownership": {"social_enterprise": "yes"}}, {("/ownership/social_enterprise", "type")}),
        ({"workforce": {"employees": "many"}}, {("/workforce/employees", "type")}),
        ({"workforce": {"employees": Decimal("2.5")}}, {("/workforce/employees", "type")}),
        ({"workforce": {"employees": -1}}, {("/workforce/employees", "minimum")}),
        ({"workforce": {"employees": True}}, {("/workforce/employees", "type")}),
        ({"workforce": {"lowest_hourly_wage": "17.6000"}}, {("/workforce/lowest_hourly_wage", "pattern")}),
        (
            {"workforce": {"lowest_hourly_wage": Decimal("-1")}},
            {("/workforce/lowest_hourly_wage", "minimum")},
        ),
        ({"supplier": {"id": "S-1", "name": "A", "country": "XK"}}, {("/supplier/country", "enum")}),
        ({"supplier": {"id": "S-1", "name": "A", "country": None}}, {("/supplier/country", "enum")}),
        ({"supplier": {"id": "S-1", "name": "A", "size": "huge"}}, {("/supplier/size", "enum")}),
        ({"supplier": {"id": "S-1", "name": ""}}, {("/supplier/name", "minLength")}),
        ({"certifications": [{"issuer": "CAMSC", "covers": []}]}, {("/certifications/0/covers", "minItems")}),
        (
            {"certifications": [{"issuer": "CAMSC", "covers": ["martians"]}]},
            {("/certifications/0/covers/0", "enum")},
        ),
        (
            {"certifications": [{"issuer": "CAMSC", "covers": ["women", "women"]}]},
            {("/certifications/0/covers", "uniqueItems")},
        ),
        ({"certifications": [{"covers": ["women"]}]}, {("/certifications/0", "required")}),
        (
            {"certifications": [{"issuer": "CAMSC", "covers": ["women"], "valid_from": "2026-1-1"}]},
            {("/certifications/0/valid_from", "pattern")},
        ),
        (
            {"certifications": [{"issuer": "CAMSC", "covers": ["women"], "valid_until": "0000-01-01"}]},
            {("/certifications/0/valid_until", "pattern")},
        ),
        (
            {"supply_chain": {"subcontracts": [{"supplier_name": "A", "share_pct": 101}]}},
            {("/supply_chain/subcontracts/0/share_pct", "maximum")},
        ),
        (
            {
                "supply_chain": {
                    "subcontracts": [{"supplier_name": "A", "share_pct": 5, "owned_by": ["aliens"]}]
                }
            },
            {("/supply_chain/subcontracts/0/owned_by/0", "enum")},
        ),
        ({"languages": ["english language"]}, {("/languages/0", "pattern")}),
        ({"languages": ["en", "en"]}, {("/languages", "uniqueItems")}),
        (
            {"languages": [f"x{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(21)]},
            {("/languages", "maxItems")},
        ),
    ],
)
def test_each_kind_of_schema_error_is_caught(changes: dict[str, Any], errors: set[tuple[str, str]]) -> None:
    """Each kind of schema error is caught at its path by the expected keyword, by both validators."""
    assert error_keys(BID, good_bid(**changes)) == errors


@pytest.mark.parametrize(
    ("instance", "errors"),
    [
        ({"id": "T-1", "closing_date": "soon"}, {("/closing_date", "pattern")}),
        (
            {"id": "T-1", "currency": "CAD", "budget": {"amount": "10.005", "currency": "CAD"}},
            {("/budget/amount", "pattern")},
        ),
        ({"id": "T-1", "budget": {"amount": "10.00"}}, {("/budget", "required")}),
        ({"title": "Catering"}, {("", "required")}),
        ({"id": "T-1", "buyer": "x" * 201}, {("/buyer", "maxLength")}),
    ],
)
def test_bad_tender_header_is_invalid(instance: dict[str, Any], errors: set[tuple[str, str]]) -> None:
    """A bad tender header is caught at its field."""
    assert error_keys(TENDER, instance) == errors


def test_too_many_bids_in_one_document_is_invalid() -> None:
    """A tender document holds at most 1000 bids."""
    bids = [good_bid(id=f"B-{i}") for i in range(1001)]
    assert error_keys(DOCUMENT, {"tender": {"id": "T-1"}, "bids": bids}) == {("/bids", "maxItems")}


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2026-03-02T14:05:00-05:00", True),
        ("2026-03-02T14:05:00Z", True),
        ("2026-03-02T14:05:00.123456789+05:30", True),
        ("2024-02-29T00:00:00Z", True),
        ("2000-02-29T00:00:00Z", True),
        ("1900-02-29T00:00:00Z", False),
        ("2026-04-31T00:00:00Z", False),
        ("2026-03-02t14:05:00z", False),
        ("2026-03-02T24:00:00Z", False),
        ("2026-03-02T14:05:00+24:00", False),
        ("2026-03-02T14:05:00+0500", False),
        ("2026-03-02T14:05Z", False),
        ("2026-03-02T14:05:00.1234567890Z", False),
        ("0000-01-01T00:00:00Z", False),
    ],
)
def test_date_time_pattern_is_strict_rfc_3339(value: str, valid: bool) -> None:
    """submitted_at needs an offset or Z, upper-case T and Z, a real calendar date and a real time."""
    assert verdict(BID, good_bid(submitted_at=value)) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (10, True),
        (Decimal("10"), True),
        (Decimal("10.0"), True),
        (Decimal("1E+1"), True),
        (Decimal("10.5"), False),
    ],
)
def test_integral_decimal_is_an_integer_for_both_validators(value: Any, valid: bool) -> None:
    """10.0 is an integer in JSON Schema; the oracle is told so, so both validators agree."""
    assert verdict(BID, good_bid(workforce={"employees": value})) is valid


# ---------------------------------------------------------------------------------------------------
# examples/bad-bids.ndjson

SCHEMA_CASES = {
    7: {("/bids/0", "additionalProperties")},
    8: {("/bids/0", "required")},
    9: {("/bids/0/ownership/immigrant", "maximum"), ("/bids/0/workforce/employees", "type")},
    10: {("/bids/0/certifications/0/valid_until", "format")},
    20: {("/tender/closing_date", "pattern")},
    21: {("/bids/0/price/amount", "pattern")},
    22: {("/bids/0/supplier/name", "maxLength")},
}
"""Line number → the schema errors of that line of bad-bids.ndjson (cases 7–10 and 18–20 of the README)."""

CROSS_FIELD_LINES = (12, 13, 14, 15, 16, 17, 18, 19)
"""Lines that pass the schema and are rejected by the rules checked after it (cases 11–17)."""

GOOD_LINE = 11


def _depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def test_bad_bids_file_has_one_line_per_case() -> None:
    """bad-bids.ndjson has 22 lines: 20 kinds of rejection (one taking two lines) and one good document."""
    assert len(bad_lines()) == 22


def test_bad_bids_unreadable_lines_fail_to_parse() -> None:
    """Lines 1–5 cannot be read: a missing comma, a non-UTF-8 byte, a duplicate key, NaN, too deep."""
    lines = bad_lines()
    with pytest.raises(json.JSONDecodeError, match="delimiter"):
        parse(lines[0])
    with pytest.raises(UnicodeDecodeError):
        lines[1].decode("utf-8")
    with pytest.raises(DuplicateKeyError):
        parse(lines[2])
    with pytest.raises(ValueError, match="NaN"):
        parse(lines[3])
    assert _depth(lines[4].decode("utf-8")) > 64


def test_bad_bids_line_6_is_json_but_not_a_tender_document() -> None:
    """Line 6 is valid JSON (a bare array of bids) that is not a tender document."""
    document = parse(bad_lines()[5])
    assert isinstance(document, list)
    assert error_keys(DOCUMENT, document) == {("", "type")}


@pytest.mark.parametrize("line", sorted(SCHEMA_CASES))
def test_bad_bids_schema_cases_are_invalid(line: int) -> None:
    """Each schema-level bad line is invalid under both validators, with exactly the errors its case names."""
    assert error_keys(DOCUMENT, parse(bad_lines()[line - 1])) == SCHEMA_CASES[line]


@pytest.mark.parametrize("line", [*CROSS_FIELD_LINES, GOOD_LINE])
def test_bad_bids_cross_field_cases_and_good_line_pass_the_schema(line: int) -> None:
    """The cross-field cases pass the schema (only the checks after it catch them), as does the good line."""
    assert verdict(DOCUMENT, parse(bad_lines()[line - 1]))


# ---------------------------------------------------------------------------------------------------
# The score sheet


def sheet() -> dict[str, Any]:
    return {
        "metadata": {
            "run_id": "run-2026-04-16-0001",
            "created_at": "2026-04-16T09:30:00Z",
            "engine_version": "0.1.0",
            "ruleset": {"id": "cities-of-migration", "version": "1.0.0", "sha256": "ab" * 32},
            "input_sha256": "0" * 64,
            "counts": {"read": 3, "scored": 1, "ineligible": 1, "rejected": 1},
            "precision": 2,
            "rounding": "half_up",
        },
        "rows": [
            {
                "tender_id": "T-1",
                "rank": 1,
                "bid_id": "B-2",
                "supplier_id": "S-9",
                "supplier_name": "Kalimah Language Services Inc.",
                "eligible": True,
                "reasons": [],
                "total": "81.25",
                "points": {"price": "50.00", "immigrant-ownership": "31.25"},
                "groups": {"price": "50.00", "immigrant_ownership": "31.25"},
            },
            {
                "tender_id": "T-1",
                "rank": None,
                "bid_id": "B-3",
                "supplier_id": "S-4",
                "supplier_name": "Premier Multilingual Group Inc.",
                "eligible": False,
                "reasons": ["price 512600.00 is over the budget of 480000.00"],
                "total": None,
                "points": {},
                "groups": {},
            },
        ],
        "breakdown": [
            {
                "tender_id": "T-1",
                "bid_id": "B-2",
                "criterion": "price",
                "input": "1200.00",
                "fraction": "1",
                "evidence": "none",
                "factor": "1",
                "points": "50.00",
                "reason": "lowest eligible price",
            }
        ],
        "rejections": [
            {
                "source": "bids.ndjson",
                "line": 3,
                "index": 0,
                "tender_id": "T-1",
                "bid_id": "B-7",
                "path": "/bids/0/workforce/immigrants",
                "reason": "12 immigrant employees is more than the 10 employees",
            },
            {
                "source": "bids.ndjson",
                "line": 4,
                "index": None,
                "tender_id": None,
                "bid_id": None,
                "path": "",
                "reason": "invalid JSON",
            },
        ],
    }


def test_score_sheet_of_design_shape_is_valid() -> None:
    """A score sheet in the shape DESIGN.md shows is valid, with created_at a date-time or null."""
    assert verdict(SHEET, sheet())
    reproducible = sheet()
    reproducible["metadata"]["created_at"] = None
    assert verdict(SHEET, reproducible)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["metadata", "ruleset", "sha256"], "abc"),
        (["metadata", "input_sha256"], "AB" * 32),
        (["metadata", "counts", "read"], -1),
        (["metadata", "rounding"], "banker"),
        (["metadata", "created_at"], "yesterday"),
        (["metadata", "extra"], 1),
        (["rows", 0, "rank"], 0),
        (["rows", 0, "rank"], None),
        (["rows", 0, "total"], 81.25),
        (["rows", 0, "total"], "81,25"),
        (["rows", 0, "points", "price"], 50),
        (["rows", 0, "points", ""], "1.00"),
        (["rows", 1, "rank"], 2),
        (["rows", 1, "points", "price"], "0.00"),
        (["rows", 1, "reasons"], []),
        (["rows", 0, "reasons"], ["over budget"]),
        (["rows", 0, "colour"], "green"),
        (["breakdown", 0, "evidence"], "maybe"),
        (["breakdown", 0, "fraction"], "1/2"),
        (["rejections", 0, "path"], "bids/0"),
        (["rejections", 0, "path"], "/bids/0/a~2b"),
        (["rejections", 0, "line"], 0),
        (["rejections", 0, "index"], -1),
    ],
)
def test_bad_score_sheet_is_invalid(path: list[str | int], value: Any) -> None:
    """Bad digests, counts, ranks, float decimals, unknown keys, evidence, pointers or rows are invalid."""
    document = sheet()
    node: Any = document
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    assert not verdict(SHEET, document)


@pytest.mark.parametrize("key", ["metadata", "rows", "breakdown", "rejections"])
def test_score_sheet_parts_are_required(key: str) -> None:
    """metadata, rows, breakdown and rejections are all required."""
    document = sheet()
    del document[key]
    assert not verdict(SHEET, document)
