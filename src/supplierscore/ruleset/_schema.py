"""Validating a ruleset against ``ruleset.schema.json`` and saying each error in plain words.

jsonschema-rs reports errors in its own terms; the helpers here turn each into a (JSON Pointer, reason)
pair a procurement officer can act on, using the schema's own descriptions and limits. Kept apart from the
rule checks because it knows only the schema, not what the fields mean.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema_rs

from supplierscore.resources import load_schema
from supplierscore.ruleset._models import METHODS
from supplierscore.ruleset._yaml import _escape

SCHEMA_NAME = "ruleset.schema.json"


# ---------------------------------------------------------------------------------------------------
# Schema problems in plain words


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(load_schema(SCHEMA_NAME))


def _schema_problems(doc: Any) -> list[tuple[str, str]]:
    """Every error of ``doc`` against the ruleset schema, as (JSON Pointer, plain-language reason)."""
    validator = _validator()
    if validator.is_valid(doc):
        return []
    schema = load_schema(SCHEMA_NAME)
    found: list[tuple[str, str]] = []
    for error in validator.iter_errors(doc):
        found.extend(_describe(error, schema, doc))
    return found


def _describe(error: Any, schema: Mapping[str, Any], doc: Any) -> list[tuple[str, str]]:
    steps = list(error.instance_path)
    pointer = "".join(f"/{_escape(step)}" for step in steps)
    kind, keyword_path = error.kind.name, list(error.schema_path)
    node = _node(schema, keyword_path[:-1])
    value = _at(doc, steps)
    is_method = node is schema["$defs"]["method"]
    if kind == "additionalProperties":
        known = list(node.get("properties", {}))
        found = []
        for key in error.kind.unexpected:
            what = "method" if is_method else "key"
            hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            suggestion = f'; did you mean "{hint[0]}"?' if hint else ""
            listed = f" (the {what}s here: {', '.join(known)})" if known and (is_method or not hint) else ""
            found.append((f"{pointer}/{_escape(key)}", f'unknown {what} "{key}"{suggestion}{listed}'))
        return found
    if kind == "required":
        return [(pointer, f'missing "{error.kind.as_dict()["property"]}"')]
    if kind == "type":
        return [(pointer, _type_message(node.get("type"), value))]
    if kind == "enum":
        allowed = ", ".join(str(option) for option in node["enum"])
        if steps[-1:] == ["covers"]:
            return [
                (
                    pointer,
                    f"no certification can cover {_show(value)} (a certification covers one of: {allowed})",
                )
            ]
        return [(pointer, f"{_show(value)} is not one of: {allowed}")]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if node.get("minimum") == 0 and node.get("maximum") == 1:
            return [(pointer, f"{_show(value)} is not a fraction from 0 to 1")]
        return [(pointer, f"{_show(value)} is out of range: must be {_BOUNDS[kind]} {node[kind]}")]
    if is_method and kind == "maxProperties":
        return [(pointer, f"a criterion has exactly one method, not {len(value)}: {', '.join(value)}")]
    if is_method and kind == "minProperties":
        return [(pointer, f"no method given: write {{name: {{settings}}}} with one of: {', '.join(METHODS)}")]
    if kind in _LIMITS:
        limit = node[kind]
        words, unit = _LIMITS[kind]
        return [(pointer, f"must have {words} {limit} {unit}{'s' * (limit != 1)}")]
    if kind == "minProperties":
        return [(pointer, "must not be empty")]
    if kind == "uniqueItems":
        return [(pointer, "lists the same value more than once")]
    expected = _first_sentence(node.get("description", ""))
    if kind == "pattern":
        return [(pointer, f"{_show(value)} does not have the expected form: {expected}")]
    if kind.startswith("oneOf") or kind == "anyOf":
        return [(pointer, f"{_show(value)} is not valid here: expected {expected}")]
    return [(pointer, str(error.message))]


_LIMITS = {
    "minItems": ("at least", "item"),
    "maxItems": ("at most", "item"),
    "minLength": ("at least", "character"),
    "maxLength": ("at most", "character"),
}


def _node(schema: Mapping[str, Any], path: Sequence[str | int]) -> Any:
    node: Any = schema
    for step in path:
        node = node[step]
    return node


def _at(doc: Any, steps: Sequence[str | int]) -> Any:
    for step in steps:
        doc = doc[step]
    return doc


_BOUNDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "more than",
    "exclusiveMaximum": "less than",
}

_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping (key: value)",
    "null": "null",
}
"""JSON Schema types as a procurement officer would say them."""


def _type_message(wanted: Any, value: Any) -> str:
    types = wanted if isinstance(wanted, list) else [wanted]
    expected = " or ".join(_TYPE_WORDS.get(t, str(t)) for t in types)
    message = f"must be {expected}, not {_kind(value)} {_show(value)}"
    if types == ["string"] and isinstance(value, int | Decimal | bool):
        message += f' (write it in quotes: "{_show(value)}")'
    return message


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal):
        return "the number"
    if isinstance(value, str):
        return "the text"
    return "a list" if isinstance(value, list) else "a mapping"


def _show(value: Any, limit: int = 60) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return _number_text(value)
    if isinstance(value, int):
        return str(value)
    text = json.dumps(value, default=_number_text, ensure_ascii=False)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _number_text(value: Any) -> str:
    """A number as it was written, without exponent: ``40``, ``0.30``, never ``4E+1``."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _first_sentence(text: str) -> str:
    first = re.split(r"\.\s+(?=[A-Z])", text)[0].rstrip(".")
    return first[:1].lower() + first[1:]
