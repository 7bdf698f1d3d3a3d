"""Rulesets: the file that says how bids are judged, loaded into checked, immutable models.

A ruleset file (YAML or JSON; ``rules/README.md`` is the format reference) goes through four steps, and a
ruleset that fails any of them is refused with **every** problem found, each naming its JSON Pointer and
its line, in one :class:`~supplierscore.errors.RulesetError`:

1. **read**: YAML is composed into nodes by a safe loader and turned into plain data by
   :class:`_YamlReader`, which knows only text, numbers, true/false, null, lists and mappings. No YAML tag
   can build an object (``!!python/object`` is a problem, never a call), anchors and aliases are refused (a
   few lines of aliases can stand for billions of values), and a key given twice is a problem rather than
   a silent overwrite. Numbers are exact: ``0.3`` is ``Decimal("0.3")``, never a float. Each node's line is
   recorded under its JSON Pointer.
2. **schema**: the data is validated against ``schemas/ruleset.schema.json`` and each error said in plain
   words (:func:`_schema_problems`).
3. **rules the schema cannot say**: one small generator per rule in :data:`_CHECKS` (weights add up to
   100, the policy's bounds, bands ascend, field paths name real bid fields, labels in every language,
   ...). They read the raw data defensively, so a ruleset with a schema problem in one place still has its
   other problems reported.
4. **canonical form**: the data as RFC 8785 JSON, whose SHA-256 every score sheet and audit record
   carries. The models are then built *from the canonical form*, so a ruleset loaded from its file and one
   replayed from its stored canonical form (:func:`ruleset_from_canonical`) are equal down to how each
   number prints (``12.50`` in the file is ``12.5`` in both).

Beside loading: the bundled **presets** (``load_ruleset("preset:NAME")``, :func:`list_presets`), the
**guardrail linter** (:func:`lint`: legal and policy risks in a jurisdiction, each with its source and a
suggested change) and :func:`rule_changes` (what differs between two rulesets, in what can change a score).

Example:
    >>> ruleset = load_ruleset(default_ruleset_path())
    >>> ruleset.id, ruleset.version, sum(c.weight for c in ruleset.criteria) == 100
    ('cities-of-migration', '1.0.0', True)
    >>> ruleset.criteria[0].method.name
    'price_proportional'
    >>> ruleset.label("living-wage", "fr")
    'Salaire de subsistance'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from supplierscore import _lazy

if TYPE_CHECKING:
    from supplierscore.ruleset._diff import rule_changes, ruleset_changes
    from supplierscore.ruleset._fields import _Catalog as _Catalog
    from supplierscore.ruleset._fields import is_known_field, known_fields
    from supplierscore.ruleset._lint import LintWarning, format_lint, lint
    from supplierscore.ruleset._load import (
        default_ruleset_path,
        load_ruleset,
        parse_ruleset,
        ruleset_from_bytes,
        ruleset_from_canonical,
    )
    from supplierscore.ruleset._models import (
        GROUPS_CERTIFIABLE,
        METHODS,
        NOT_SOCIAL_GROUPS,
        PRICE_FIELD,
        PRICE_METHODS,
        AbnormallyLow,
        Band,
        Bands,
        Boolean,
        Count,
        Criterion,
        Evidence,
        FieldRef,
        Gate,
        Integrity,
        Linear,
        Lookup,
        Method,
        Panel,
        Participation,
        Policy,
        PriceLinear,
        PriceProportional,
        Ranking,
        Rounding,
        Ruleset,
        Source,
        Threshold,
        TieBreaker,
    )
    from supplierscore.ruleset._presets import PRESET_PREFIX, PresetInfo, list_presets, preset_names
    from supplierscore.ruleset._rules import PARTICIPATION_ANY
    from supplierscore.ruleset._summary import summarize

__all__ = [
    "GROUPS_CERTIFIABLE",
    "METHODS",
    "NOT_SOCIAL_GROUPS",
    "PARTICIPATION_ANY",
    "PRESET_PREFIX",
    "PRICE_FIELD",
    "PRICE_METHODS",
    "AbnormallyLow",
    "Band",
    "Bands",
    "Boolean",
    "Count",
    "Criterion",
    "Evidence",
    "FieldRef",
    "Gate",
    "Integrity",
    "Linear",
    "LintWarning",
    "Lookup",
    "Method",
    "Panel",
    "Participation",
    "Policy",
    "PresetInfo",
    "PriceLinear",
    "PriceProportional",
    "Ranking",
    "Rounding",
    "Ruleset",
    "Source",
    "Threshold",
    "TieBreaker",
    "default_ruleset_path",
    "format_lint",
    "is_known_field",
    "known_fields",
    "lint",
    "list_presets",
    "load_ruleset",
    "parse_ruleset",
    "preset_names",
    "rule_changes",
    "ruleset_changes",
    "ruleset_from_bytes",
    "ruleset_from_canonical",
    "summarize",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = _lazy(
        __name__,
        {
            "supplierscore.ruleset._diff": (
                "rule_changes",
                "ruleset_changes",
            ),
            "supplierscore.ruleset._fields": (
                "_Catalog",
                "is_known_field",
                "known_fields",
            ),
            "supplierscore.ruleset._lint": (
                "LintWarning",
                "format_lint",
                "lint",
            ),
            "supplierscore.ruleset._load": (
                "default_ruleset_path",
                "load_ruleset",
                "parse_ruleset",
                "ruleset_from_bytes",
                "ruleset_from_canonical",
            ),
            "supplierscore.ruleset._models": (
                "GROUPS_CERTIFIABLE",
                "METHODS",
                "NOT_SOCIAL_GROUPS",
                "PRICE_FIELD",
                "PRICE_METHODS",
                "AbnormallyLow",
                "Band",
                "Bands",
                "Boolean",
                "Count",
                "Criterion",
                "Evidence",
                "FieldRef",
                "Gate",
                "Integrity",
                "Linear",
                "Lookup",
                "Method",
                "Panel",
                "Participation",
                "Policy",
                "PriceLinear",
                "PriceProportional",
                "Ranking",
                "Rounding",
                "Ruleset",
                "Source",
                "Threshold",
                "TieBreaker",
            ),
            "supplierscore.ruleset._presets": (
                "PRESET_PREFIX",
                "PresetInfo",
                "list_presets",
                "preset_names",
            ),
            "supplierscore.ruleset._rules": ("PARTICIPATION_ANY",),
            "supplierscore.ruleset._summary": ("summarize",),
        },
    )
