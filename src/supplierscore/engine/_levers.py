"""Levers: the input of a criterion a bidder could change, in its own unit, and how to apply a change.

A counterfactual moves one **lever** of one bid along a discrete grid of exact decimals, never floats:

- ``price``: the price, in steps of the currency's minor unit (a cent for CAD, a yen for JPY), downwards.
- ``number``: a number field (a percentage, a panel mark, a count), in steps of its own unit: 1 for an
  integer field (one employee), else one unit of the finest decimal among the bid's value and the
  method's settings (a percentage point when both are whole numbers), within the bid schema's bounds.
- ``share``: the numerator of a share (immigrants out of employees), one at a time, the denominator kept.
- ``boolean``: the field made true; ``count``: matching items added, one at a time; ``evidence``: a
  certificate from the first listed issuer, covering the group, valid on the closing date.

A change is plain JSON data (``{"path": "ownership.immigrant", "value": "51"}``, ``{"path": "languages",
"add": ["x-added1"]}``) that :func:`apply_change` applies to a bid, so anyone can re-score with it.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal, localcontext
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._methods import CompiledCriterion, _matches
from supplierscore.engine._values import MISSING, resolve
from supplierscore.resources import load_schema

AT_MOST = {
    "workforce.immigrants": "workforce.employees",
    "workforce.newcomer_hires_12m": "workforce.employees",
}
"""Cross-field bounds the validator checks: a value that may not pass another field's value."""

AT_LEAST = {"workforce.employees": ("workforce.immigrants", "workforce.newcomer_hires_12m")}


EXACT = Context(prec=200)
"""Lever arithmetic is exact under it: inputs have at most 40 significant digits and exponents within
±40 (``limits``), so a step count, a value and a unit together need under 200 digits, where the default
context's 28 would round a step near a field's bound (10^40 employees less 1 is 10^40)."""


@dataclass(frozen=True, slots=True)
class Lever:
    """One way to change a bid's input to a criterion; ``steps`` candidate changes, best last.

    ``change(k)`` is the k-th candidate change (k from 1 to ``steps``), each one further from the bid's
    value; the search looks for the smallest k that reaches a rank.
    """

    kind: str  # price | number | share | boolean | count | evidence
    path: str
    current: Any  # the bid's value (MISSING when absent)
    start: Decimal  # the value the steps count from
    unit: Decimal
    direction: int  # +1 more is better, −1 less is better
    steps: int
    integer: bool = False
    item: Any = None  # what a count or evidence lever adds

    def value(self, k: int) -> Decimal:
        return EXACT.add(self.start, EXACT.multiply(Decimal(self.direction * k), self.unit))

    def change(self, k: int) -> dict[str, Any]:
        """The k-th candidate as plain JSON data (numbers as decimal strings)."""
        if self.kind == "boolean":
            return {"path": self.path, "value": True}
        if self.kind in ("count", "evidence"):
            return {"path": self.path, "add": [_numbered(self.item, n) for n in range(1, k + 1)]}
        with localcontext(EXACT):
            return {"path": self.path, "value": _plain_number(self.value(k), self.integer, self.unit)}


def _numbered(item: Any, n: int) -> Any:
    if isinstance(item, str):
        return f"{item}{n}"
    numbered = dict(item)
    if "id" in numbered:
        numbered["id"] = f"{numbered['id']}-{n}"
    return numbered


def _plain_number(value: Decimal, integer: bool, unit: Decimal) -> str:
    if integer:
        return str(int(value))
    return str(value.quantize(unit)) if unit < 1 else str(value.quantize(Decimal(1)))


def apply_change(bid: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``bid`` with ``change`` made: a value set at a dotted path (numbers given as decimal
    strings are set as exact numbers; a price keeps its text), or items added to an array.

    >>> apply_change({"id": "B", "ownership": {"women": 20}}, {"path": "ownership.women", "value": "51"})
    {'id': 'B', 'ownership': {'women': Decimal('51')}}
    """
    result = dict(bid)  # only the objects on the path are copied: the rest is shared, never changed
    *parents, last = change["path"].split(".")
    node = result
    for part in parents:
        child = node.get(part)
        node[part] = dict(child) if isinstance(child, dict) else {}
        node = node[part]
    if "add" in change:
        node[last] = [*node.get(last, []), *copy.deepcopy(change["add"])]
        return result
    value = change["value"]
    types = _field_schema(change["path"])[0]
    if isinstance(value, str) and change["path"] != rs.PRICE_FIELD and {"number", "integer"} & set(types):
        value = int(value) if "integer" in types and value.lstrip("-").isdigit() else Decimal(value)
    node[last] = value
    return result


# ---------------------------------------------------------------------------------------------------
# The bid schema's bounds


@functools.cache
def _field_schema(path: str) -> tuple[tuple[str, ...], Decimal | None, Decimal | None]:
    """(JSON types, minimum, maximum) the bid schema gives a dotted path, following ``$ref``s."""
    schema = load_schema("bid.schema.json")
    node: Any = schema
    for part in path.split("."):
        node = _deref(schema, node)
        properties = node.get("properties", {})
        node = properties.get(part, node.get("additionalProperties", {}))
        if not isinstance(node, Mapping):
            return (), None, None
    node = _deref(schema, node)
    kind = node.get("type", ())
    types = (kind,) if isinstance(kind, str) else tuple(kind)
    low, high = node.get("minimum"), node.get("maximum")
    return (
        types,
        None if low is None else Decimal(str(low)),
        None if high is None else Decimal(str(high)),
    )


def _deref(schema: Mapping[str, Any], node: Any) -> Mapping[str, Any]:
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = schema
        for step in node["$ref"][2:].split("/"):
            target = target[step]
        node = target
    return node if isinstance(node, Mapping) else {}


def _is_integer(path: str) -> bool:
    return _field_schema(path)[0] == ("integer",)


@functools.cache
def minor_unit(currency: str) -> Decimal:
    """The currency's smallest step (ISO 4217 minor unit), as the bid schema lists them: 1, 0.001 or 0.01."""
    for branch in load_schema("bid.schema.json")["$defs"]["money"]["allOf"]:
        listed = branch.get("if", {}).get("properties", {}).get("currency", {}).get("enum", [])
        if currency in listed:
            pattern = branch["then"]["properties"]["amount"]["pattern"]
            return Decimal(1) if "\\." not in pattern else Decimal("0.001")
    return Decimal("0.01")


# ---------------------------------------------------------------------------------------------------
# Levers by method


MONOTONE = frozenset({"linear", "threshold", "bands", "panel", "boolean", "count"})
"""Methods whose fraction never falls as the input rises (bands: when their scores ascend; linear with
from > to never rises, so its lever goes down). ``lookup`` maps values to scores in any order."""


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _decimals(*values: Any) -> int:
    places = [max(0, -Decimal(v).normalize().as_tuple().exponent) for v in values if v is not None]  # type: ignore[operator]
    return max(places, default=0)


def _method_numbers(method: rs.Method) -> list[Decimal]:
    if isinstance(method, rs.Linear):
        return [method.from_, method.to]
    if isinstance(method, rs.Threshold):
        return [method.at_least]
    if isinstance(method, rs.Bands):
        return [b.at_least for b in method.bands]
    if isinstance(method, rs.Panel):
        return [method.max]
    return []


def _best_input(method: rs.Method) -> tuple[int, Decimal] | str:
    """(direction, the input from which the fraction is at its best), or why there is no such lever."""
    if isinstance(method, rs.Linear):
        return (1 if method.to > method.from_ else -1), method.to
    if isinstance(method, rs.Threshold):
        return 1, method.at_least
    if isinstance(method, rs.Bands):
        scores = [b.score for b in method.bands]
        if scores != sorted(scores):
            return "its bands' scores do not rise with the input, so no smallest change is defined"
        return 1, method.bands[-1].at_least
    if isinstance(method, rs.Panel):
        return 1, method.max
    return f"{method.name} is not a numeric input with an order"


def levers(
    compiled: CompiledCriterion,
    bid: Mapping[str, Any],
    header: Mapping[str, Any],
    evidence_status: str,
    evidenced: frozenset[str] = frozenset(),
) -> tuple[list[Lever], list[str]]:
    """The levers of one criterion for one bid, and notes on the inputs that have none (and why).

    ``evidenced`` names the groups some criterion's evidence rule covers: a certificate added to be
    counted covers another group, so that it is counted and earns no evidence by the way."""
    criterion, method = compiled.criterion, compiled.criterion.method
    found: list[Lever] = []
    notes: list[str] = []
    if compiled.kind == "price":
        price = Decimal(bid["price"]["amount"])
        unit = minor_unit(str(bid["price"]["currency"]))
        steps = int(EXACT.divide(EXACT.subtract(price, unit), unit))
        found.append(Lever("price", rs.PRICE_FIELD, price, price, unit, -1, steps))
    elif isinstance(method, rs.Boolean):
        path = compiled.inputs[0]
        if resolve(path, bid, header) is True:
            notes.append(f"{path} is already true")
        else:
            found.append(Lever("boolean", path, resolve(path, bid, header), Decimal(0), Decimal(1), 1, 1))
    elif isinstance(method, rs.Count):
        found.extend(_count_lever(method, bid, header, notes, evidenced))
    elif isinstance(method, rs.Lookup):
        notes.append(f"{compiled.inputs[0]} is looked up in a table, not a number with an order")
    else:
        best = _best_input(method)
        if isinstance(best, str):
            notes.append(best)
        elif compiled.kind == "share":
            found.extend(_share_lever(compiled, best, bid, header, notes))
        else:
            found.extend(_number_lever(compiled, best, bid, header, notes))
    if criterion.evidence is not None and evidence_status != "certified":
        found.append(_evidence_lever(criterion.evidence, header))
    return found, notes


def _number_lever(
    compiled: CompiledCriterion,
    best: tuple[int, Decimal],
    bid: Mapping[str, Any],
    header: Mapping[str, Any],
    notes: list[str],
) -> list[Lever]:
    with localcontext(EXACT):
        return _exact_number_lever(compiled, best, bid, header, notes)


def _exact_number_lever(
    compiled: CompiledCriterion,
    best: tuple[int, Decimal],
    bid: Mapping[str, Any],
    header: Mapping[str, Any],
    notes: list[str],
) -> list[Lever]:
    path = compiled.inputs[0]
    direction, target = best
    types, low, high = _field_schema(path)
    integer = types == ("integer",)
    if path.startswith("tender."):
        notes.append(f"{path} is the tender's, not the bid's")
        return []
    if path in AT_MOST and isinstance(bound := resolve(AT_MOST[path], bid, header), int | Decimal):
        high = Decimal(bound) if high is None else min(high, Decimal(bound))
    for other in AT_LEAST.get(path, ()):
        if isinstance(bound := resolve(other, bid, header), int | Decimal):
            low = Decimal(bound) if low is None else max(low, Decimal(bound))
    current = resolve(path, bid, header)
    if current is not MISSING and (isinstance(current, bool) or not isinstance(current, int | Decimal)):
        notes.append(f"{path} is not a number")
        return []
    unit = (
        Decimal(1)
        if integer
        else Decimal(1).scaleb(
            -_decimals(current if current is not MISSING else 0, *_method_numbers(compiled.criterion.method))
        )
    )
    if current is MISSING:
        edge = low if direction > 0 else high
        if edge is None:
            notes.append(f"{path} is not given, and has no {'lowest' if direction > 0 else 'highest'} value")
            return []
        start = edge - direction * unit  # so that the first step gives the edge itself
    else:
        start = Decimal(current)
    limit = high if direction > 0 else low
    reach = (target - start) * direction  # how far the best value is, in the better direction
    steps = _ceil(reach / unit) if reach > 0 else 0  # to the first grid value at or past the target
    if limit is not None:
        steps = min(steps, _floor((limit - start) * direction / unit))
    if steps <= 0:
        notes.append(f"{path} is already at its best for this criterion")
        return []
    return [Lever("number", path, current, start, unit, direction, int(steps), integer)]


def _share_lever(
    compiled: CompiledCriterion,
    best: tuple[int, Decimal],
    bid: Mapping[str, Any],
    header: Mapping[str, Any],
    notes: list[str],
) -> list[Lever]:
    with localcontext(EXACT):
        return _exact_share_lever(compiled, best, bid, header, notes)


def _exact_share_lever(
    compiled: CompiledCriterion,
    best: tuple[int, Decimal],
    bid: Mapping[str, Any],
    header: Mapping[str, Any],
    notes: list[str],
) -> list[Lever]:
    top, bottom = compiled.inputs
    direction, target = best
    denominator = resolve(bottom, bid, header)
    if isinstance(denominator, bool) or not isinstance(denominator, int | Decimal) or denominator <= 0:
        notes.append(f"the share {top} / {bottom} has no {bottom} to count against")
        return []
    numerator = resolve(top, bid, header)
    if numerator is MISSING:
        numerator_start = Decimal(-1) if direction > 0 else Decimal(denominator) + 1
    elif isinstance(numerator, int | Decimal) and not isinstance(numerator, bool):
        numerator_start = Decimal(numerator)
    else:
        notes.append(f"{top} is not a number")
        return []
    integer = _is_integer(top)
    unit = Decimal(1) if integer else Decimal(1).scaleb(-_decimals(numerator_start, denominator))
    goal = target * Decimal(denominator)  # the numerator at which the share reaches its best
    goal = min(max(goal, Decimal(0)), Decimal(denominator))
    reach = (goal - numerator_start) * direction
    steps = _ceil(reach / unit) if reach > 0 else 0
    if steps <= 0:
        notes.append(f"{top} is already at its best for this criterion")
        return []
    return [Lever("share", top, numerator, numerator_start, unit, direction, steps, integer)]


def _count_lever(
    method: rs.Count,
    bid: Mapping[str, Any],
    header: Mapping[str, Any],
    notes: list[str],
    evidenced: frozenset[str],
) -> list[Lever]:
    items = resolve(method.of, bid, header)
    items = items if isinstance(items, list) else []
    matching = sum(1 for item in items if _matches(item, method.where))
    if matching >= method.to:
        notes.append(f"{method.of} already counts {method.to} or more")
        return []
    if all(isinstance(item, str) for item in items) and method.of == "languages":
        if method.where:
            notes.append(f"no {method.of} item can match {method.where}")
            return []
        item: Any = "qaa-added"  # qaa: an ISO 639-2 code reserved for local use, never a real language
    else:
        item = {key: allowed[0] for key, allowed in method.where.items()}
        if method.of == "certifications":
            item.setdefault("issuer", "any issuer")
            covers = item.get("covers")
            if covers is None:  # a certificate covers at least one group: one no evidence rule looks at
                spare = [g for g in rs.GROUPS_CERTIFIABLE if g not in evidenced]
                covers = spare[0] if spare else rs.GROUPS_CERTIFIABLE[0]
            item["covers"] = [covers]
            item["id"] = "ADDED"
        item = {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in item.items()}
    return [Lever("count", method.of, matching, Decimal(0), Decimal(1), 1, method.to - matching, item=item)]


def _evidence_lever(rule: rs.Evidence, header: Mapping[str, Any]) -> Lever:
    closing = header.get("closing_date")
    certificate: dict[str, Any] = {"issuer": rule.issuers[0], "id": "ADDED", "covers": [rule.covers]}
    if isinstance(closing, str):
        certificate["valid_from"] = closing
        certificate["valid_until"] = closing
    return Lever("evidence", "certifications", MISSING, Decimal(0), Decimal(1), 1, 1, item=certificate)
