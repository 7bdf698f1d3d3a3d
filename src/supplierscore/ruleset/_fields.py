"""The catalog of field paths a ruleset may name, derived from the bid and tender schemas.

A criterion, gate or tie-breaker names a bid field (or ``tender.<path>``); this module walks the bundled
schemas once to learn every path and its JSON types, so the rule checks can refuse an unknown or
unscorable field and suggest the one meant. :func:`known_fields` and :func:`is_known_field` expose it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from supplierscore.resources import load_schema

# ---------------------------------------------------------------------------------------------------
# Known fields, derived from the bid and tender schemas


@dataclass(frozen=True)
class _Catalog:
    """The field paths of a bid (and, prefixed ``tender.``, of a tender) with their JSON types.

    Paths are patterns: ``*`` stands for any key of a map (``quality.*``) and ``[]`` for the items of an
    array (``certifications[].issuer``).
    """

    types: Mapping[str, frozenset[str]]

    @classmethod
    def from_schemas(cls, bid: Mapping[str, Any], tender: Mapping[str, Any] | None) -> _Catalog:
        types: dict[str, set[str]] = {}
        _walk_schema(bid, bid, "", types, 0)
        if tender is not None:
            types["tender"] = {"object"}
            _walk_schema(tender, tender, "tender", types, 0)
        return cls({path: frozenset(found) for path, found in types.items()})

    def match(self, path: str) -> str | None:
        """The pattern ``path`` matches, or None for an unknown field."""
        if path in self.types:
            return path
        parts = path.split(".")
        for pattern in self.types:
            steps = pattern.split(".")
            if len(steps) == len(parts) and all(s in ("*", p) for s, p in zip(steps, parts, strict=True)):
                return pattern
        return None

    def near(self, path: str, *, tender: bool) -> str | None:
        """The known path closest to a misspelt ``path``, if one is close."""
        candidates = [p for p in self.types if "[]" not in p and "*" not in p and (tender or p != "tender")]
        candidates = [p for p in candidates if tender or not p.startswith("tender.")]
        hint = difflib.get_close_matches(path, candidates, n=1, cutoff=0.75)
        return hint[0] if hint else None


def _walk_schema(
    root: Mapping[str, Any], node: Any, prefix: str, types: dict[str, set[str]], depth: int
) -> None:
    """Record the fields ``node`` (a schema at ``prefix``) allows, following local and bundled ``$ref``s."""
    if not isinstance(node, Mapping) or depth > 24:
        return
    found = types.setdefault(prefix, set()) if prefix else set()
    declared = node.get("type")
    found.update([declared] if isinstance(declared, str) else declared or [])
    for value in [node["const"]] if "const" in node else node.get("enum", []):
        found.add(_json_type(value))
    reference = node.get("$ref")
    if isinstance(reference, str):
        target_root, target = _resolve(root, reference)
        _walk_schema(target_root, target, prefix, types, depth + 1)
    for branches in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(branches, []):
            _walk_schema(root, branch, prefix, types, depth + 1)
    for key, child in node.get("properties", {}).items():
        _walk_schema(root, child, f"{prefix}.{key}" if prefix else key, types, depth + 1)
    free = node.get("additionalProperties")
    for child in [free] if isinstance(free, Mapping) or free is True else []:
        _walk_schema(root, child if isinstance(child, Mapping) else {}, f"{prefix}.*", types, depth + 1)
    for child in node.get("patternProperties", {}).values():
        _walk_schema(root, child, f"{prefix}.*", types, depth + 1)
    items = node.get("items")
    if isinstance(items, Mapping):
        _walk_schema(root, items, f"{prefix}[]", types, depth + 1)


def _resolve(root: Mapping[str, Any], reference: str) -> tuple[Mapping[str, Any], Any]:
    """The schema a ``$ref`` names: ``#/$defs/x`` in ``root``, or ``other.schema.json#/...`` bundled."""
    document, _, fragment = reference.partition("#")
    target_root = root
    if document:
        try:
            target_root = load_schema(document.rsplit("/", 1)[-1])
        except (OSError, ValueError):
            return root, {}
    node: Any = target_root
    for step in [s for s in fragment.split("/") if s]:
        step = step.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or step not in node:
            return root, {}
        node = node[step]
    return target_root, node


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "null"


@cache
def _catalog() -> _Catalog | None:
    """The catalog of the bundled schemas, or None while they are missing (field checks are then skipped)."""
    try:
        return _Catalog.from_schemas(load_schema("bid.schema.json"), load_schema("tender.schema.json"))
    except FileNotFoundError:
        return None


def known_fields() -> frozenset[str]:
    """Every field path a ruleset may name, derived from ``bid.schema.json`` and ``tender.schema.json``.

    Bid fields are dotted paths (``ownership.immigrant``), tender fields ``tender.<path>``; ``*`` stands for
    any key of a map (``quality.*``) and ``[]`` for the items of an array (``certifications[].issuer``).
    Raises FileNotFoundError when the bundled schemas are missing.
    """
    catalog = _catalog()
    if catalog is None:
        raise FileNotFoundError("schemas/bid.schema.json or schemas/tender.schema.json is missing")
    return frozenset(catalog.types)


def is_known_field(path: str) -> bool:
    """Whether ``path`` names a field of a bid, or (as ``tender.<path>``) of a tender.

    >>> is_known_field("ownership.immigrant"), is_known_field("quality.anything"), is_known_field("owner")
    (True, True, False)
    """
    known_fields()  # raises when the schemas are missing
    catalog = _catalog()
    return catalog is not None and catalog.match(path) is not None
