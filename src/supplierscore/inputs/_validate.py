"""Validation: JSON Schema errors in plain language, and the cross-field rules a schema cannot say.

Each check returns ``(JSON Pointer, reason)`` pairs; turning them into rejections is the reader's job.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema_rs

from supplierscore.resources import load_schema

# ---------------------------------------------------------------------------------------------------
# Schema errors in plain language


@cache
def _validator(name: str) -> Any:
    return jsonschema_rs.validator_for(load_schema(name), validate_formats=True)


def _schema_node(schema: Mapping[str, Any], schema_path: Sequence[str | int]) -> Any:
    node: Any = schema
    for step in schema_path:
        node = node[step]
    return node


def _show(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _describe(error: Any, schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Turn one jsonschema-rs error into (JSON Pointer suffix, plain-language reason) pairs."""
    kind = error.kind
    name = kind.name
    details = kind.as_dict()
    path = "".join(f"/{_escape(step)}" for step in error.instance_path)
    where = list(error.schema_path)
    value = error.instance
    if name == "additionalProperties":
        known = list(_schema_node(schema, where[:-1]).get("properties", {}))
        reasons = []
        for key in kind.unexpected:
            hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            suggestion = f'; did you mean "{hint[0]}"?' if hint else f" (known: {', '.join(known)})"
            reasons.append((path, f'unknown property "{key}"{suggestion}'))
        return reasons
    if name == "required":
        return [(path, f'missing required property "{details["property"]}"')]
    if name == "type":
        wanted = " or ".join(details["types"]) if isinstance(details["types"], list) else details["types"]
        return [(path, f"must be {_article(wanted)}, not {_json_type(value)} {_show(value)}")]
    if name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }[name]
        return [(path, f"{_show(value)} is out of range: must be {bound} {details['limit']}")]
    if name == "multipleOf":
        return [
            (path, f"{_show(value)} has too many decimals: must be a multiple of {details['multiple_of']}")
        ]
    if name == "maxLength":
        return [(path, f"is {len(value):,} characters long, over the limit of {details['limit']}")]
    if name == "minLength":
        return [(path, f"must have at least {details['limit']} character(s)")]
    if name == "maxItems":
        return [(path, f"has {len(value):,} items, over the limit of {details['limit']}")]
    if name == "minItems":
        return [(path, f"must have at least {details['limit']} item(s)")]
    if name == "uniqueItems":
        return [(path, "lists the same item more than once")]
    if name == "format":
        return [(path, f"{_show(value)} is not a valid {details['format']}")]
    description = _schema_node(schema, where[:-1]).get("description", "")
    expected = f": expected {_first_sentence(description)}" if description else ""
    if name == "enum":
        return [(path, f"{_show(value)} is not an allowed value{expected}")]
    if name == "pattern":
        return [(path, f"{_show(value)} does not have the expected form{expected}")]
    if name in ("oneOfNotValid", "anyOf"):
        return [(path, f"{_show(value)} is not valid{expected}")]
    return [(path, error.message)]


def _first_sentence(text: str) -> str:
    first = text.split(". ")[0].rstrip(".")
    return first[:1].lower() + first[1:]


def _article(type_name: str) -> str:
    return f"an {type_name}" if type_name[:1] in "aeiou" else f"a {type_name}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | Decimal | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _escape(step: str | int) -> str:
    return str(step).replace("~", "~0").replace("/", "~1")


def schema_errors(instance: Any, schema_name: str) -> list[tuple[str, str]]:
    """Every schema error of ``instance`` as (JSON Pointer, reason) pairs; empty when valid."""
    validator = _validator(schema_name)
    if validator.is_valid(instance):
        return []
    schema = load_schema(schema_name)
    errors = list(validator.iter_errors(instance))
    # Dates carry both a pattern and a format; when both fail, the format's message says it best.
    dated = {tuple(e.instance_path) for e in errors if e.kind.name == "format"}
    found: list[tuple[str, str]] = []
    for error in errors:
        if error.kind.name != "pattern" or tuple(error.instance_path) not in dated:
            found.extend(_describe(error, schema))
    return found


# ---------------------------------------------------------------------------------------------------
# Cross-field rules JSON Schema cannot say


def _amount(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


_COUNTED = (("immigrants", "immigrant employees"), ("newcomer_hires_12m", "newcomer hires"))


def _bid_rule_errors(bid: Mapping[str, Any], currency: str | None) -> list[tuple[str, str]]:
    """The cross-field rules of one schema-valid bid, as (JSON Pointer within the bid, reason) pairs.

    Called once per bid read: parts a bid leaves out (workforce, certifications, subcontracts) cost
    one lookup each.
    """
    problems: list[tuple[str, str]] = []
    price = bid["price"]
    if _amount(price["amount"]) <= 0:
        problems.append(("/price/amount", "price must be more than 0"))
    if currency is not None and price["currency"] != currency:
        problems.append(("/price/currency", f"bid is in {price['currency']} but the tender is in {currency}"))
    workforce = bid.get("workforce")
    if workforce and (employees := workforce.get("employees")) is not None:
        for key, what in _COUNTED:
            count = workforce.get(key)
            if count is not None and count > employees:
                reason = f"{count} {what} is more than the {employees} employees"
                problems.append((f"/workforce/{key}", reason))
    for j, certificate in enumerate(bid.get("certifications") or ()):
        start, end = certificate.get("valid_from"), certificate.get("valid_until")
        if start is not None and end is not None and start > end:
            problems.append(
                (f"/certifications/{j}/valid_from", f"certificate valid from {start}, after its end {end}")
            )
    supply_chain = bid.get("supply_chain")
    subcontracts = supply_chain.get("subcontracts") if supply_chain else None
    if subcontracts:
        _subcontract_errors(subcontracts, problems)
    return problems


def _subcontract_errors(subcontracts: Sequence[Mapping[str, Any]], problems: list[tuple[str, str]]) -> None:
    for j, line in enumerate(subcontracts):
        if "fee_pct" in line and line.get("role") != "broker":
            problems.append(
                (
                    f"/supply_chain/subcontracts/{j}/fee_pct",
                    "fee_pct is a broker's fee: give it only with role broker",
                )
            )
    total = sum((s["share_pct"] for s in subcontracts), Decimal(0))
    if total > 100:
        problems.append(("/supply_chain/subcontracts", f"subcontract shares add up to {total} %, over 100 %"))


def _header_rule_errors(header: Mapping[str, Any]) -> list[tuple[str, str]]:
    budget = header.get("budget")
    currency = header.get("currency")
    problems: list[tuple[str, str]] = []
    if budget is not None and _amount(budget["amount"]) <= 0:
        problems.append(("/tender/budget/amount", "the budget must be more than 0"))
    if budget is not None and currency is not None and budget["currency"] != currency:
        problems.append(
            ("/tender/budget/currency", f"budget is in {budget['currency']} but the tender is in {currency}")
        )
    return problems


def _tender_currency(header: Mapping[str, Any]) -> str | None:
    currency = header.get("currency")
    if currency is None and header.get("budget") is not None:
        currency = header["budget"]["currency"]
    return None if currency is None else str(currency)
