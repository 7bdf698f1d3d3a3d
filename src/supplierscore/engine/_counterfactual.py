"""Counterfactuals: the smallest change of one input that moves a bid up one rank, or makes it first.

For each ranked bid and criterion, each :class:`~supplierscore.engine._levers.Lever` is searched on its
grid of exact decimals. The bid is re-scored by the engine itself (each criterion the changed input
feeds, through the same function that scored it, rounding included), its gates re-checked, and it is
compared with the others by the ranking's own comparison. So a reported change, applied to the input
and scored again by :func:`supplierscore.score`, gives the reported rank.

Why a binary search finds the smallest change: every lever moves in the direction in which its method's
fraction never falls (see :data:`~supplierscore.engine._levers.MONOTONE`), rounding once keeps that
order, and a lower price never lowers the bid's own price points nor raises anyone else's (it can only
lower the tender's lowest price, which lowers every other bid's price points), so "the bid reaches rank
r" holds from some step on and never stops holding. The search keeps the invariant "step lo does not
reach it, step hi does", so the step reported reaches the rank and the step one unit smaller does not.

The price is the case where the tender moves: below the other bids' lowest price, every other bid's
price points are scored again against the new lowest price, piece by piece: first the stretch where the
lowest price stays (only this bid's points move), then, only if that is not enough, the stretch below it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._criteria import _score_criterion, evidence_for
from supplierscore.engine._gates import gate_failure
from supplierscore.engine._levers import EXACT, Lever, apply_change, levers
from supplierscore.engine._methods import CompiledCriterion, Plan, PriceContext, Ratio, mul, ratio
from supplierscore.engine._tender import _BidResult, _ranking
from supplierscore.engine._values import MISSING, round_points
from supplierscore.inputs import Tender


@dataclass(frozen=True, slots=True)
class Found:
    """A change that reaches ``rank``, and how big it is (``delta``, in the input's unit)."""

    rank: int
    change: dict[str, Any]
    delta: str

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "change": self.change, "delta": self.delta}


@dataclass(frozen=True, slots=True)
class Counterfactual:
    """One lever of one criterion for one bid: the change to move up one rank and the one to be first."""

    criterion: str
    lever: str | None  # the lever's kind; None when the criterion's input has no lever
    path: str
    current: str | None
    unit: str | None
    """The grid's step (a cent, one employee, a percentage point); None for a yes/no or added items."""
    up_one: Found | None
    first: Found | None
    note: str | None = None
    """Why there is no lever (a lookup table, an input already at its best), when there is none."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "lever": self.lever,
            "path": self.path,
            "current": self.current,
            "unit": self.unit,
            "up_one": None if self.up_one is None else self.up_one.to_dict(),
            "first": None if self.first is None else self.first.to_dict(),
            "note": self.note,
        }


@dataclass(slots=True)
class _Scored(_BidResult):
    """A bid's result with its total worked out once (the ranking compares totals again and again)."""

    fixed: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.fixed

    @classmethod
    def of(cls, result: _BidResult) -> _Scored:
        return cls(result.bid, result.reasons, result.points, result.groups, result.breakdown, result.total)


@dataclass(slots=True)
class TenderState:
    """A scored tender held for re-scoring: its ranked results, lowest price and compiled ruleset."""

    tender: Tender
    ruleset: rs.Ruleset
    plan: Plan
    ranked: list[_BidResult]
    ineligible: list[_BidResult]
    prices: PriceContext
    compare: Callable[[_BidResult, _BidResult], int] = field(init=False)

    def __post_init__(self) -> None:
        self.compare = _ranking(self.ruleset)
        self.ranked = [_Scored.of(r) for r in self.ranked]

    def rescored(
        self,
        base: _Scored,
        bid: Mapping[str, Any],
        touched: Sequence[CompiledCriterion],
        prices: PriceContext,
    ) -> _Scored | None:
        """``base`` with its bid replaced by ``bid`` and the ``touched`` criteria scored again by the
        engine's own function (None when the bid now fails a gate)."""
        header = self.tender.header
        if any(gate_failure(g, bid, header) for g in self.ruleset.gates):
            return None
        points = dict(base.points)
        groups = dict(base.groups)
        total = base.fixed
        for compiled in touched:
            line = _score_criterion(compiled, self.ruleset, self.tender.id, bid, header, prices)
            cid, group = compiled.criterion.id, compiled.criterion.group
            groups[group] = groups[group] - points[cid] + line.points
            total += line.points - points[cid]
            points[cid] = line.points
        return _Scored(bid, [], points, groups, [], total)


def touched_by(plan: Plan, path: str) -> list[CompiledCriterion]:
    """The criteria a change at ``path`` can move: those reading it, and (certificates) any with evidence."""
    found = []
    for compiled in plan.criteria:
        reads = any(
            p == path or p.startswith(path + ".") or path.startswith(p + ".") for p in compiled.inputs
        )
        if reads or (path == "certifications" and compiled.criterion.evidence is not None):
            found.append(compiled)
    return found


def bid_counterfactuals(state: TenderState, position: int) -> list[Counterfactual]:
    """Every lever of every criterion for the bid ranked at ``position`` (from 0); none for the first."""
    if position == 0:
        return []
    base = state.ranked[position]
    assert isinstance(base, _Scored)
    others = [r for r in state.ranked if r is not base and isinstance(r, _Scored)]
    found: list[Counterfactual] = []
    statuses = {line.criterion: line.evidence for line in base.breakdown}
    evidenced = frozenset(c.criterion.evidence.covers for c in state.plan.criteria if c.criterion.evidence)
    cache: dict[tuple[Any, ...], tuple[Found | None, Found | None]] = {}
    for compiled in state.plan.criteria:
        cid = compiled.criterion.id
        status = statuses.get(cid, "none")
        criterion_levers, notes = levers(compiled, base.bid, state.tender.header, status, evidenced)
        for note in notes:
            found.append(Counterfactual(cid, None, " / ".join(compiled.inputs), None, None, None, None, note))
        for lever in criterion_levers:
            # Two criteria on one field share a search only when their levers step alike: a panel out of
            # 1 steps by 1, one out of 0.1 by 0.1, and the first's change would not be the second's smallest.
            path = lever.path if lever.kind != "evidence" else f"{lever.path}:{cid}"
            key = (lever.kind, path, lever.start, lever.unit, lever.direction, lever.steps, repr(lever.item))
            if key not in cache:
                cache[key] = _search_both(state, base, others, position + 1, lever)
            up_one, first = cache[key]
            current = None if lever.kind in ("evidence", "boolean", "count") else _shown(lever.current)
            if lever.kind == "count":
                current = str(lever.current)
            unit = format(lever.unit, "f") if lever.kind in ("price", "number", "share") else None
            found.append(Counterfactual(cid, lever.kind, lever.path, current, unit, up_one, first))
    return found


def _shown(value: Any) -> str | None:
    return None if value is MISSING else str(value)


def _search_both(
    state: TenderState, base: _Scored, others: list[_Scored], rank: int, lever: Lever
) -> tuple[Found | None, Found | None]:
    """The smallest change of ``lever`` that reaches rank − 1, and the smallest that reaches rank 1."""
    reach = _reacher(state, base, others, lever)
    steps = _eligible_steps(state, base, lever)
    up_one = _smallest(reach, rank - 1, steps)
    if up_one is None:
        return None, None
    first = up_one if up_one[1] == 1 else _smallest(reach, 1, steps, low=up_one[0])
    return _found(lever, up_one), None if first is None else _found(lever, first)


def _eligible_steps(state: TenderState, base: _Scored, lever: Lever) -> int:
    """The last step at which the bid still passes every gate. A gate on the lever's own field (a price
    floor, a cap on a number) compares it with one value, so the steps that pass are those up to some
    step (the bid passes at step 0): found by a binary search on the gates alone."""
    header = state.tender.header

    def passes(step: int) -> bool:
        bid = apply_change(base.bid, lever.change(step))
        return not any(gate_failure(g, bid, header) for g in state.ruleset.gates)

    if not state.ruleset.gates or passes(lever.steps):
        return lever.steps
    low, high = 0, lever.steps  # passes at low, fails at high
    while high - low > 1:
        middle = (low + high) // 2
        if passes(middle):
            low = middle
        else:
            high = middle
    return low


def _found(lever: Lever, step_rank: tuple[int, int]) -> Found:
    step, rank = step_rank
    if lever.kind in ("count", "evidence"):
        delta = f"+{step}"
    elif lever.kind == "boolean":
        delta = "true"
    else:  # from an absent value, step 1 gives the field's lowest (or highest) value: count from there
        moved = step - 1 if lever.current is MISSING else step
        delta = format(EXACT.multiply(Decimal(lever.direction * moved), lever.unit), "+f")  # sign: direction
    return Found(rank, lever.change(step), delta)


Reach = Callable[[int, int], int | None]
"""(step, target) → the rank the bid gets at that step (None: ineligible); a rank past ``target`` may be
given as ``target + 1`` (counting stops there)."""


def _smallest(reach: Reach, target: int, steps: int, low: int = 0) -> tuple[int, int] | None:
    """The smallest step in (low, steps] whose rank is ``target`` or better, with that rank; None if even
    the last step does not reach it. Step ``low`` is known not to reach it."""
    best = reach(steps, target)
    if best is None or best > target:
        return None
    high = steps
    while high - low > 1:
        middle = (low + high) // 2
        rank = reach(middle, target)
        if rank is not None and rank <= target:
            high = middle
        else:
            low = middle
    rank = reach(high, _EXACT)
    assert rank is not None
    return high, rank


_EXACT = 1 << 30
"""A target no rank passes: the rank is counted in full."""


def _reacher(state: TenderState, base: _Scored, others: list[_Scored], lever: Lever) -> Reach:
    """The rank the bid gets at each step of ``lever`` (see :data:`Reach`)."""
    touched = touched_by(state.plan, lever.path)
    if lever.kind != "price":

        @functools.cache
        def reach(step: int, _: int) -> int | None:
            bid = apply_change(base.bid, lever.change(step))
            result = state.rescored(base, bid, touched, state.prices)
            return None if result is None else _rank(state.compare, others, result)

        return reach
    lowest_other = min((Decimal(o.bid["price"]["amount"]) for o in others), default=None)
    rescore = _price_rescorer(state, [c for c in touched if c.kind == "price"])

    @functools.cache
    def reach_by_price(step: int, target: int) -> int | None:
        price = lever.value(step)
        bid = apply_change(base.bid, lever.change(step))
        if lowest_other is not None and price >= lowest_other:
            prices = PriceContext(ratio(lowest_other), str(lowest_other))
        else:
            prices = PriceContext(ratio(price), bid["price"]["amount"])
        result = state.rescored(base, bid, touched, prices)
        if result is None:
            return None
        if prices.lowest == state.prices.lowest:  # the others' points stay as they are
            return _rank(state.compare, others, result)
        ahead = 0
        for other in others:  # best first, so a rank past the target shows early
            if state.compare(rescore(other, prices), result) < 0:
                ahead += 1
                if ahead >= target:
                    return ahead + 1
        return ahead + 1

    return reach_by_price


def _price_rescorer(
    state: TenderState, touched: Sequence[CompiledCriterion]
) -> Callable[[_Scored, PriceContext], _Scored]:
    """Scores another bid's price criteria against another lowest price: weight × fraction × factor,
    rounded once, exactly as :func:`~supplierscore.engine._criteria._score_criterion` does (a price is
    always given, and the evidence factor does not depend on the price, so it is taken once a bid)."""
    closing = state.tender.header.get("closing_date")
    precision, rounding = state.ruleset.precision, state.ruleset.rounding
    factors: dict[int, list[tuple[CompiledCriterion, Ratio]]] = {}

    def rescore(other: _Scored, prices: PriceContext) -> _Scored:
        criteria = factors.get(id(other))
        if criteria is None:
            criteria = factors[id(other)] = [(c, evidence_for(c, other.bid, closing).factor) for c in touched]
        price = ratio(other.bid["price"]["amount"])
        points = dict(other.points)
        groups = dict(other.groups)
        total = other.fixed
        for compiled, factor in criteria:
            fraction = compiled.scorer(price, prices).fraction
            new = round_points(mul(mul(compiled.weight, fraction), factor), precision, rounding)
            cid, group = compiled.criterion.id, compiled.criterion.group
            groups[group] += new - points[cid]
            total += new - points[cid]
            points[cid] = new
        return _Scored(other.bid, [], points, groups, [], total)

    return rescore


def _rank(compare: Callable[[_BidResult, _BidResult], int], others: list[_Scored], result: _Scored) -> int:
    """1 + the number of ``others`` (in rank order) that come before ``result``: a binary search, since
    the ranking is a total order."""
    low, high = 0, len(others)
    while low < high:
        middle = (low + high) // 2
        if compare(others[middle], result) < 0:
            low = middle + 1
        else:
            high = middle
    return low + 1
