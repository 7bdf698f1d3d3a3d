"""Scoring a tender fast: each distinct breakdown line is made once, by the reference code, and shared.

A batch repeats few inputs per criterion: an ownership share, a yes/no, a panel mark, a certificate's
state. The reference path (:func:`~supplierscore.engine._tender.score_results`) works every line out
anew, for every bid; here each criterion keeps the lines it has made, keyed by everything a line depends
on, and a bid with the same key gets the same line object. A line not seen before is made by the very
function the reference uses (:func:`~supplierscore.engine._criteria._score_criterion`), so the fast path
cannot compute differently; it can only look a line up under a key that misses something the line
depends on, which the differential tests (``tests/test_fast_engine.py``) are there to catch.

What a line depends on, and so its key:

- the criterion's input values (one, or two for a share), each with its type and exact text, so that
  ``45``, ``45.0`` and ``true`` never share a line;
- the evidence: the :class:`~supplierscore.engine._criteria.Evidence` found from the bid's
  certificates and the tender's closing date, or nothing when the bid has no certificate (then the
  criterion's self-declared factor applies, the same for every such bid);
- for the price methods, the tender's lowest eligible price (those lines are made for each bid, as a
  price is rarely shared).

Gates are looked up the same way, by the values of the gate's field and reference. Memory stays
bounded: a criterion or gate forgets its lines after :data:`MAX_REMEMBERED` of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._criteria import _score_criterion, evidence_for
from supplierscore.engine._gates import gate_failure
from supplierscore.engine._methods import CompiledCriterion, PlanCache, PriceContext, compile_ruleset
from supplierscore.engine._values import MISSING
from supplierscore.sheet import Line

MAX_REMEMBERED = 50_000
"""Lines (or gate outcomes) one criterion (or gate) keeps; past that it starts afresh."""

LineMaker = Callable[[str, Mapping[str, Any], Mapping[str, Any], PriceContext], Line]
GateCheck = Callable[[Mapping[str, Any], Mapping[str, Any]], "str | None"]
_POINTS = itemgetter(5)


@dataclass(frozen=True, slots=True)
class FastPlan:
    """A ruleset ready for fast scoring: one line maker per criterion and one check per gate, in the
    ruleset's order, with what turns a bid's lines into its points and group subtotals."""

    ruleset: rs.Ruleset
    makers: tuple[LineMaker, ...]
    gates: tuple[GateCheck, ...]
    criterion_ids: tuple[str, ...]
    group_of: tuple[str, ...]

    def points(self, lines: tuple[Line, ...]) -> dict[str, Decimal]:
        """Each criterion's points, in the ruleset's order."""
        return dict(zip(self.criterion_ids, map(_POINTS, lines), strict=True))

    def groups(self, points: dict[str, Decimal]) -> dict[str, Decimal]:
        """Group subtotals, added in the ruleset's order as the reference adds them."""
        groups: dict[str, Decimal] = {}
        for criterion_id, group in zip(self.criterion_ids, self.group_of, strict=True):
            groups[group] = groups.get(group, _ZERO) + points[criterion_id]
        return groups


_ZERO = Decimal(0)


def _make_plan(ruleset: rs.Ruleset) -> FastPlan:
    compiled = compile_ruleset(ruleset)
    return FastPlan(
        ruleset,
        tuple(_line_maker(criterion, ruleset) for criterion in compiled.criteria),
        tuple(_gate_check(gate) for gate in ruleset.gates),
        tuple(c.id for c in ruleset.criteria),
        tuple(c.group for c in ruleset.criteria),
    )


fast_plan = PlanCache(_make_plan)
"""The fast plan of a ruleset, made once per ruleset (its remembered lines live as long)."""


def value_key(value: Any) -> Any:
    """A key that tells apart every input the breakdown would show or score differently: the type with
    the value (so ``1``, ``True`` and ``Decimal("1.0")`` differ), a Decimal by its exact text, anything
    else (a list of languages, certificates…) by its ``repr``, which shows every type and digit."""
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return (kind, value)
    if kind is Decimal:
        return (kind, str(value))
    return (kind, repr(value))


def _getter(path: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], Any]:
    """A reader of one dotted path, split once: what :func:`~supplierscore.engine._values.resolve`
    does for every call."""
    parts = tuple(path.split("."))
    in_header = parts[0] == "tender"
    steps = parts[1:] if in_header else parts

    def get(bid: Mapping[str, Any], header: Mapping[str, Any]) -> Any:
        node: Any = header if in_header else bid
        for part in steps:
            if type(node) is not dict or part not in node:
                return MISSING
            node = node[part]
        return node

    return get


def _line_maker(compiled: CompiledCriterion, ruleset: rs.Ruleset) -> LineMaker:
    getters = tuple(_getter(path) for path in compiled.inputs)
    weighs_evidence = compiled.criterion.evidence is not None
    remembered: dict[Any, Line] = {}
    certified: dict[Any, Line] = {}

    def make_line(
        tender_id: str, bid: Mapping[str, Any], header: Mapping[str, Any], prices: PriceContext
    ) -> Line:
        row = _score_criterion(compiled, ruleset, tender_id, bid, header, prices)
        return (row.criterion, row.input, row.fraction, row.evidence, row.factor, row.points, row.reason)

    if compiled.kind == "price":
        return make_line

    if len(getters) == 1:
        (get,) = getters

        def key_of(bid: Mapping[str, Any], header: Mapping[str, Any]) -> Any:
            value = get(bid, header)
            kind = type(value)
            # A str or int is its own key: every other key is a tuple (bool included), never equal to it.
            return value if kind is str or kind is int else value_key(value)
    else:

        def key_of(bid: Mapping[str, Any], header: Mapping[str, Any]) -> Any:
            return tuple([value_key(get(bid, header)) for get in getters])

    def line(tender_id: str, bid: Mapping[str, Any], header: Mapping[str, Any], prices: PriceContext) -> Line:
        key = key_of(bid, header)
        lines = remembered
        if weighs_evidence and bid.get("certifications"):  # kept apart: the evidence is in the key
            key, lines = (key, evidence_for(compiled, bid, header.get("closing_date"))), certified
        found = lines.get(key)
        if found is None:
            found = make_line(tender_id, bid, header, prices)
            if len(lines) >= MAX_REMEMBERED:
                lines.clear()
            lines[key] = found
        return found

    return line


def _gate_check(gate: rs.Gate) -> GateCheck:
    getters = tuple(_getter(path) for path in (gate.field, gate.ref) if path is not None)
    remembered: dict[Any, str | None] = {}

    def check(bid: Mapping[str, Any], header: Mapping[str, Any]) -> str | None:
        key = tuple(value_key(get(bid, header)) for get in getters)
        if key in remembered:
            return remembered[key]
        failure = gate_failure(gate, bid, header)
        if len(remembered) >= MAX_REMEMBERED:
            remembered.clear()
        remembered[key] = failure
        return failure

    return check
