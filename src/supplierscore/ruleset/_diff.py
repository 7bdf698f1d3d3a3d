"""What differs between two rulesets: criteria, weights, methods, evidence, gates and policy.

Works on the rulesets' parsed canonical forms (what an audit log keeps), so a run recorded years ago and
a file on disk compare the same way. Only what can change a score, an eligibility or a rank is compared
(criteria's weight, group, field, method and evidence; gates; precision, rounding, tie-breakers, policy
and participation); titles, labels, sources and comments are not.

>>> old = {"criteria": [{"id": "price", "weight": 40}], "policy": {"social_weight_max": 30}}
>>> new = {"criteria": [{"id": "price", "weight": 45}], "policy": {"social_weight_max": 25}}
>>> rule_changes(old, new)
{'price': 'weight 40 → 45', '(ruleset policy)': 'policy {"social_weight_max":30} → {"social_weight_max":25}'}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from supplierscore.ruleset._models import Ruleset

CRITERION_KEYS = ("weight", "group", "field", "method", "evidence")
"""The keys of a criterion that change its points."""

RULESET_KEYS = ("precision", "rounding", "ranking", "policy", "participation")
"""The keys of a ruleset, besides criteria and gates, that change points, ranks or what a sheet reports."""


def rule_changes(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, str]:
    """What changed from ruleset ``a`` to ``b`` (parsed canonical JSON), in plain words.

    Keys are criterion ids (``added``, ``removed``, or ``weight 40 → 45, method ...``), ``(gate ID)`` for
    gates, and ``(ruleset KEY)`` for the ruleset-wide keys; empty when nothing that scores differs.
    """
    changes = _by_id(a.get("criteria", []), b.get("criteria", []), CRITERION_KEYS, lambda name: name)
    gate_keys = ("field", "op", "value", "ref", "reason")
    changes |= _by_id(a.get("gates", []), b.get("gates", []), gate_keys, lambda name: f"(gate {name})")
    for key in RULESET_KEYS:
        change = _change(key, a.get(key), b.get(key))
        if change:
            changes[f"(ruleset {key})"] = change
    return changes


def ruleset_changes(a: Ruleset, b: Ruleset) -> dict[str, str]:
    """:func:`rule_changes` of two loaded rulesets."""
    return rule_changes(json.loads(a.canonical_json), json.loads(b.canonical_json))


def _by_id(
    old_items: list[Mapping[str, Any]],
    new_items: list[Mapping[str, Any]],
    keys: tuple[str, ...],
    name_of: Any,
) -> dict[str, str]:
    old = {item["id"]: item for item in old_items}
    new = {item["id"]: item for item in new_items}
    changes = {}
    for ident in [*old, *(n for n in new if n not in old)]:
        if ident not in old or ident not in new:
            changes[name_of(ident)] = "added" if ident not in old else "removed"
            continue
        parts = [_change(key, old[ident].get(key), new[ident].get(key)) for key in keys]
        if any(parts):
            changes[name_of(ident)] = ", ".join(p for p in parts if p)
    return changes


def _change(key: str, before: Any, after: Any) -> str:
    if before == after:
        return ""
    shown = [json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in (before, after)]
    return f"{key} {shown[0]} → {shown[1]}"
