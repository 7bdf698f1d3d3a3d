"""The cross-field rules a JSON Schema cannot say, one small generator per rule.

Weights add up to 100, the policy's bounds hold, bands ascend, fields are real and scorable, labels exist
in every language, and so on. Each check reads the raw data defensively, so a ruleset with a schema
problem in one place still has its other problems reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from supplierscore.limits import clip, number_problem
from supplierscore.ruleset._fields import _Catalog, _catalog
from supplierscore.ruleset._models import METHODS, NOT_SOCIAL_GROUPS, PRICE_FIELD, PRICE_METHODS, _sum
from supplierscore.ruleset._schema import _TYPE_WORDS, _number_text
from supplierscore.ruleset._yaml import _escape, _line

# ---------------------------------------------------------------------------------------------------
# The rules a schema cannot say: one generator per rule, each reading the raw data defensively

Found = Iterator[tuple[str, str]]


@dataclass(frozen=True)
class _Context:
    """What every check may consult: the document, its lines, the known fields (None: skip field checks)."""

    doc: Mapping[str, Any]
    lines: Mapping[str, int]
    catalog: _Catalog | None

    def entries(self, key: str) -> list[tuple[int, Mapping[str, Any]]]:
        """The mappings listed under ``key`` (``tie_breakers``: under ``ranking``) with their indexes."""
        items = self.doc.get(key)
        if key == "tie_breakers":
            ranking = self.doc.get("ranking")
            items = ranking.get("tie_breakers") if isinstance(ranking, Mapping) else None
        if not isinstance(items, list):
            return []
        return [(index, item) for index, item in enumerate(items) if isinstance(item, Mapping)]

    @property
    def criteria(self) -> list[tuple[int, Mapping[str, Any]]]:
        return self.entries("criteria")

    def where(self, pointer: str) -> str:
        line = _line(pointer, self.lines)
        return f"line {line}" if line is not None else pointer

    def groups(self) -> list[str]:
        return list(dict.fromkeys(c["group"] for _, c in self.criteria if isinstance(c.get("group"), str)))


def _number(value: Any) -> Decimal | None:
    """A ruleset number as a Decimal; None for anything else (true/false are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


def _method_of(criterion: Mapping[str, Any]) -> tuple[str | None, Any]:
    method = criterion.get("method")
    if isinstance(method, Mapping) and len(method) == 1:
        ((name, settings),) = method.items()
        if name in METHODS:
            return name, settings
    return None, None


def _weights(ctx: _Context) -> list[tuple[Mapping[str, Any], Decimal]] | None:
    """Each criterion with its weight, or None when a weight is not a number (the schema says so)."""
    weights = [(c, _number(c.get("weight"))) for _, c in ctx.criteria]
    if not weights or any(w is None for _, w in weights):
        return None
    return [(c, w) for c, w in weights if w is not None]


def _check_unique_ids(ctx: _Context) -> Found:
    for key, what in (("criteria", "criterion"), ("gates", "gate")):
        first: dict[str, int] = {}
        for index, item in ctx.entries(key):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in first:
                pointer = f"/{key}/{first[ident]}"
                yield (
                    f"/{key}/{index}/id",
                    f'{what} id "{ident}" is used twice (first at {ctx.where(pointer)})',
                )
            else:
                first[ident] = index


def _check_weights(ctx: _Context) -> Found:
    weights = _weights(ctx)
    if weights is None:
        return
    total = _sum(w for _, w in weights)
    if total != 100:
        yield "/criteria", f"the weights add up to {_number_text(total)}, not 100"
    precision = ctx.doc.get("precision")
    if isinstance(precision, int) and not isinstance(precision, bool) and 0 <= precision <= 10:
        for index, criterion in ctx.criteria:
            weight = _number(criterion.get("weight"))
            if weight is not None and weight != weight.quantize(
                Decimal(1).scaleb(-precision), rounding=ROUND_DOWN
            ):
                yield (
                    f"/criteria/{index}/weight",
                    f"weight {_number_text(weight)} has more decimals than the precision ({precision}): "
                    "its points could round past the weight, and a sheet's totals past 100",
                )


def _check_policy(ctx: _Context) -> Found:
    policy = ctx.doc.get("policy")
    if not isinstance(policy, Mapping):
        return
    low, high = _number(policy.get("social_weight_min")), _number(policy.get("social_weight_max"))
    if low is not None and high is not None and low > high:
        yield (
            "/policy",
            f"social_weight_min {_number_text(low)} is more than social_weight_max {_number_text(high)}",
        )
        return
    weights = _weights(ctx)
    if weights is None:
        return
    social = _sum(w for c, w in weights if c.get("group") not in NOT_SOCIAL_GROUPS)
    carry = f"the social criteria (groups other than price and quality) carry {_number_text(social)} points"
    if low is not None and social < low:
        yield "/policy/social_weight_min", f"{carry}, fewer than the policy's minimum of {_number_text(low)}"
    if high is not None and social > high:
        yield "/policy/social_weight_max", f"{carry}, more than the policy's maximum of {_number_text(high)}"


def _check_methods(ctx: _Context) -> Found:
    for index, criterion in ctx.criteria:
        base = f"/criteria/{index}/method"
        name, settings = _method_of(criterion)
        if name == "bands" and isinstance(settings, list):
            previous: Decimal | None = None
            for position, band in enumerate(settings):
                at_least = _number(band.get("at_least")) if isinstance(band, Mapping) else None
                if at_least is None:
                    continue
                if previous is not None and at_least <= previous:
                    yield (
                        f"{base}/bands/{position}/at_least",
                        f"bands must ascend: at_least {_number_text(at_least)} does not come after "
                        f"{_number_text(previous)}",
                    )
                previous = at_least if previous is None else max(previous, at_least)
        if name == "lookup" and isinstance(settings, Mapping) and isinstance(settings.get("map"), Mapping):
            for key in settings["map"]:
                problem = _key_number_problem(key)
                if problem is not None:
                    yield (
                        f"{base}/lookup/map/{_escape(key)}",
                        f"the key {clip(key)} reads as a number: {problem}",
                    )
        if name == "linear" and isinstance(settings, Mapping):
            start, end = _number(settings.get("from")), _number(settings.get("to"))
            if start is not None and start == end:
                yield f"{base}/linear", f"from and to are both {_number_text(start)}: the line has no length"


def _key_number_problem(key: str) -> str | None:
    """Why a lookup key that reads as a number (bids' numbers are matched against it) is out of bounds."""
    try:
        number = Decimal(key)
    except InvalidOperation:
        return None
    return number_problem(number) if number.is_finite() else None


def _check_fields(ctx: _Context) -> Found:
    for index, criterion in ctx.criteria:
        base = f"/criteria/{index}"
        name, settings = _method_of(criterion)
        if name is None:
            continue
        given = criterion.get("field")
        if name in PRICE_METHODS:
            if given is not None:
                yield f"{base}/field", f"{name} reads {PRICE_FIELD} and takes no field: leave field out"
            continue
        if name == "count":
            if given is not None:
                yield (
                    f"{base}/field",
                    "count reads the list named by its `of` and takes no field: leave field out",
                )
            if isinstance(settings, Mapping):
                yield from _check_count(ctx, f"{base}/method/count", settings)
            continue
        if given is None:
            yield (
                base,
                f"the {name} method needs a field: the bid value it scores (e.g. field: ownership.immigrant)",
            )
            continue
        if isinstance(given, str):
            yield from _check_path(ctx, f"{base}/field", given, name)
        elif isinstance(given, Mapping) and isinstance(given.get("share"), list):
            for position, part in enumerate(given["share"][:2]):
                if isinstance(part, str):
                    yield from _check_path(ctx, f"{base}/field/share/{position}", part, "share")


_NEEDS = {
    "number": (frozenset({"number", "integer"}), "a number"),
    "boolean": (frozenset({"boolean"}), "true or false"),
    "lookup": (frozenset({"string", "number", "integer", "boolean"}), "a single value"),
}
"""The JSON types a method can score (by method name; any other method needs a number), and in words."""


PARTICIPATION = "participation"
PARTICIPATION_ANY = "any"
"""The prefix of the derived fields ``participation.<group>``, counted from a bid's subcontracts, and the
name of the share owned by any of the counted groups (``participation.any``)."""


def _derived(ctx: _Context, path: str) -> str | None:
    """For a ``participation.<group>`` path: None when the ruleset counts that group, else the problem.

    Paths not under ``participation.`` are not derived: the caller checks them against the catalog.
    """
    block = ctx.doc.get(PARTICIPATION)
    groups = block.get("groups") if isinstance(block, Mapping) else None
    counted = [g for g in groups if isinstance(g, str)] if isinstance(groups, list) else []
    group = path[len(PARTICIPATION) + 1 :]
    if not counted:
        return (
            f"{path} is counted from the subcontracts only when the ruleset has a participation block: "
            f"add participation: {{groups: [{group or 'immigrant'}]}}"
        )
    if group not in counted and group != PARTICIPATION_ANY:
        listed = ", ".join([*counted, PARTICIPATION_ANY])
        return f'participation is counted for {listed}, not "{group}": add it to participation.groups'
    return None


def _is_derived(path: str) -> bool:
    return path.startswith(f"{PARTICIPATION}.")


def _check_path(ctx: _Context, pointer: str, path: str, method: str) -> Found:
    """A criterion's field: a known bid field whose type the method can score."""
    if _is_derived(path):
        problem = _derived(ctx, path)
        if problem is not None:
            yield pointer, problem
        elif method in ("boolean", "lookup"):
            yield (
                pointer,
                f"{path} is a number (a percent of the contract value), "
                f"but the {method} method needs {_NEEDS[method][1]}",
            )
        return
    if ctx.catalog is None:
        return
    pattern = ctx.catalog.match(path)
    if pattern is None or path.startswith("tender.") or path == "tender":
        yield pointer, _unknown_field(ctx.catalog, path, tender=False)
        return
    types = ctx.catalog.types[pattern]
    need, words = _NEEDS.get(method, _NEEDS["number"])
    if types and not types & need:
        yield pointer, f"{path} is {_type_words(types)}, but the {method} method needs {words}"


def _type_words(types: frozenset[str]) -> str:
    return " or ".join(_TYPE_WORDS.get(t, t) for t in sorted(types))


def _unknown_field(catalog: _Catalog, path: str, *, tender: bool) -> str:
    hint = catalog.near(path, tender=tender)
    kind = "bid or tender field" if tender else "bid field"
    return f'unknown {kind} "{path}"' + (f'; did you mean "{hint}"?' if hint else "")


def _check_count(ctx: _Context, pointer: str, settings: Mapping[str, Any]) -> Found:
    of, where = settings.get("of"), settings.get("where")
    if ctx.catalog is None or not isinstance(of, str):
        return
    pattern = ctx.catalog.match(of)
    if pattern is None or of.startswith("tender."):
        yield f"{pointer}/of", _unknown_field(ctx.catalog, of, tender=False)
        return
    types = ctx.catalog.types[pattern]
    if types and "array" not in types:
        yield f"{pointer}/of", f"{of} is {_type_words(types)}, not a list that count can count"
        return
    if isinstance(where, Mapping):
        item_fields = sorted(
            p[len(pattern) + 3 :] for p in ctx.catalog.types if p.startswith(f"{pattern}[].")
        )
        for key in where:
            if ctx.catalog.match(f"{of}[].{key}") is None:
                listed = f" (its items have: {', '.join(item_fields)})" if item_fields else ""
                yield f"{pointer}/where/{_escape(key)}", f'the items of {of} have no field "{key}"{listed}'


def _check_gates(ctx: _Context) -> Found:
    for index, gate in ctx.entries("gates"):
        base = f"/gates/{index}"
        op, has_value, has_ref = gate.get("op"), "value" in gate, "ref" in gate
        if op == "present":
            if has_value or has_ref:
                yield base, "a present gate only asks that the field is given: leave out value and ref"
        elif isinstance(op, str):
            if has_value and has_ref:
                yield base, f"the {op} gate has both a value and a ref: give one of them"
            elif not has_value and not has_ref:
                yield base, f"the {op} gate needs a value (a constant) or a ref (another field)"
            elif op == "in" and not isinstance(gate.get("value"), list):
                yield (
                    f"{base}/{'value' if has_value else 'ref'}",
                    "an in gate needs a list value, e.g. value: [small, medium]",
                )
            elif op != "in" and isinstance(gate.get("value"), list):
                yield f"{base}/value", f"a list value goes with the in operator, not {op}"
        for key in ("field", "ref"):
            path = gate.get(key)
            if isinstance(path, str) and _is_derived(path):
                problem = _derived(ctx, path)
                if problem is not None:
                    yield f"{base}/{key}", problem
            elif ctx.catalog is not None and isinstance(path, str) and ctx.catalog.match(path) is None:
                yield f"{base}/{key}", _unknown_field(ctx.catalog, path, tender=True)


def _check_tie_breakers(ctx: _Context) -> Found:
    groups = ctx.groups()
    for index, breaker in ctx.entries("tie_breakers"):
        base = f"/ranking/tie_breakers/{index}"
        has_group, has_field = "group" in breaker, "field" in breaker
        if has_group and has_field:
            yield base, "a tie-breaker names a group or a field, not both"
        elif not has_group and not has_field:
            yield base, "a tie-breaker names a group or a field: neither is given"
        group, path = breaker.get("group"), breaker.get("field")
        if isinstance(group, str) and group not in groups:
            yield f"{base}/group", f'unknown group "{group}" (the groups: {", ".join(groups)})'
        if isinstance(path, str) and _is_derived(path):
            problem = _derived(ctx, path)
            if problem is not None:
                yield f"{base}/field", problem
        elif isinstance(path, str) and ctx.catalog is not None:
            pattern = ctx.catalog.match(path)
            if pattern is None or path.startswith("tender."):
                yield f"{base}/field", _unknown_field(ctx.catalog, path, tender=False)


def _check_labels(ctx: _Context) -> Found:
    declared = ctx.doc.get("languages", ["en"])
    languages = [t for t in declared if isinstance(t, str)] if isinstance(declared, list) else ["en"]
    labels = ctx.doc.get("labels", {})
    if not isinstance(labels, Mapping):
        return
    ids = [c["id"] for _, c in ctx.criteria if isinstance(c.get("id"), str)]
    groups = ctx.groups()
    for key, entry in labels.items():
        pointer = f"/labels/{_escape(key)}"
        if key not in ids and key not in groups:
            yield pointer, f'"{key}" is neither a criterion id nor a group'
        for language in entry if isinstance(entry, Mapping) else []:
            if language not in languages:
                yield (
                    f"{pointer}/{_escape(language)}",
                    f'a label in "{language}", which languages does not declare ({", ".join(languages)})',
                )
    if "languages" not in ctx.doc and "labels" not in ctx.doc:
        return  # no labels asked for: criterion ids serve as labels
    for index, criterion in ctx.criteria:
        ident = criterion.get("id")
        if not isinstance(ident, str):
            continue
        given = labels.get(ident)
        missing = [t for t in languages if not (isinstance(given, Mapping) and t in given)]
        if missing:
            pointer = f"/labels/{_escape(ident)}" if ident in labels else f"/criteria/{index}"
            yield pointer, f'criterion "{ident}" has no label in {", ".join(missing)}'


def _check_sources(ctx: _Context) -> Found:
    """Every source a criterion (or the participation block) names is listed under ``sources``."""
    listed = ctx.doc.get("sources")
    known = list(listed) if isinstance(listed, Mapping) else []
    named: list[tuple[str, Any]] = [(f"/criteria/{i}/source", c.get("source")) for i, c in ctx.criteria]
    block = ctx.doc.get(PARTICIPATION)
    if isinstance(block, Mapping):
        named.append((f"/{PARTICIPATION}/source", block.get("source")))
    for pointer, given in named:
        ids = [given] if isinstance(given, str) else given if isinstance(given, list) else []
        for position, ident in enumerate(ids):
            if isinstance(ident, str) and ident not in known:
                where = pointer if isinstance(given, str) else f"{pointer}/{position}"
                have = f" (the sources: {', '.join(known)})" if known else ": the ruleset lists no sources"
                yield where, f'unknown source "{ident}"{have}'


_CHECKS: tuple[Callable[[_Context], Found], ...] = (
    _check_unique_ids,
    _check_weights,
    _check_policy,
    _check_methods,
    _check_fields,
    _check_gates,
    _check_tie_breakers,
    _check_labels,
    _check_sources,
)
"""Every rule the schema cannot say; each yields (JSON Pointer, plain-language reason)."""


def _rule_problems(doc: Any, lines: Mapping[str, int]) -> list[tuple[str, str]]:
    if not isinstance(doc, Mapping):
        return []
    ctx = _Context(doc, lines, _catalog())
    return [problem for check in _CHECKS for problem in check(ctx)]
