"""How robust a tender's winner is: its margin, the smallest weight transfer that changes it, and the
winner with each criterion left out.

**Weight transfer.** Moving ``t`` points of weight from criterion i to criterion j (the total stays 100;
the policy's bounds on the social share and a weight of at least 0 are kept; ``t`` on the ruleset's grid
of 10^−precision) changes every bid's points on those two criteria only. With each bid's exact share
``g = fraction × evidence factor`` of a criterion, the winner's lead over a rival is, before rounding, a
straight line in t: ``A + B·t``. Rounding each of the four points figures moves it by at most half a unit,
so wherever ``A + B·t`` exceeds two units the winner is still strictly ahead of that rival. Only the steps
where some rival's line comes within two units are scored, exactly, with the engine's rounding and the
ranking's own comparison (tie-breakers included), in increasing t: the first step where a rival comes
first is the smallest transfer of that pair, since every smaller step was either scored or proven safe.
The smallest over all pairs is then confirmed by scoring the tender again under a ruleset with the
transferred weights (``confirmed``).

**Left out.** A criterion left out counts for nobody: each bid's total without its rounded points on it
(group subtotals likewise), ranked by the same comparison. The other weights are not scaled up, which
would change only the rounding, not the order of exact values.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._criteria import ZeroDenominator, _input, evidence_for
from supplierscore.engine._methods import CompiledCriterion, PriceContext
from supplierscore.engine._tender import _BidResult, score_results
from supplierscore.engine._values import MISSING, round_points
from supplierscore.inputs import Tender

MAX_SCANNED_STEPS = 200_000
"""At most this many transfer steps are scored exactly per tender; beyond, the search says it stopped."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """Weight moved from one criterion to another that changes the winner, and the winner it gives."""

    source: str
    target: str
    points: Decimal
    weights: tuple[Decimal, Decimal]
    winner: str
    confirmed: bool


@dataclass(frozen=True, slots=True)
class Robustness:
    """A tender's winner, runner-up and margin, the smallest winner-changing transfer, and the winner
    with each criterion left out."""

    winner: str | None
    runner_up: str | None
    margin: Decimal | None
    transfer: Transfer | None
    searched: bool  # False when the transfer search stopped at MAX_SCANNED_STEPS
    without: list[tuple[str, str | None]]

    def to_dict(self, text: Callable[[Decimal], str]) -> dict[str, Any]:
        transfer = None
        if self.transfer is not None:
            t = self.transfer
            transfer = {
                "from": t.source,
                "to": t.target,
                "points": text(t.points),
                "from_weight": text(t.weights[0]),
                "to_weight": text(t.weights[1]),
                "winner": t.winner,
                "confirmed": t.confirmed,
            }
        return {
            "winner": self.winner,
            "runner_up": self.runner_up,
            "margin": None if self.margin is None else text(self.margin),
            "transfer": transfer,
            "transfer_search_complete": self.searched,
            "without": [{"criterion": c, "winner": w} for c, w in self.without],
        }


def _share(
    compiled: CompiledCriterion, bid: Mapping[str, Any], header: Mapping[str, Any], prices: PriceContext
) -> Fraction:
    """fraction × evidence factor, exactly, as the engine computes them for this criterion and bid."""
    value, _ = _input(compiled, bid, header)
    if value is MISSING or isinstance(value, ZeroDenominator):
        return Fraction(0)
    fraction = compiled.scorer(value, prices).fraction
    factor = evidence_for(compiled, bid, header.get("closing_date")).factor
    return Fraction(fraction[0] * factor[0], fraction[1] * factor[1])


def robustness(
    tender: Tender,
    ruleset: rs.Ruleset,
    criteria: tuple[CompiledCriterion, ...],
    ranked: list[_BidResult],
    prices: PriceContext,
    compare: Callable[[_BidResult, _BidResult], int],
) -> Robustness:
    """The robustness of ``tender``'s winner (see the module's docstring)."""
    if not ranked:
        return Robustness(None, None, None, None, True, [])
    winner = ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else None
    margin = None if runner_up is None else winner.total - runner_up.total
    without = [(c.criterion.id, _without(ranked, c.criterion, compare)) for c in criteria]
    if runner_up is None:
        return Robustness(str(winner.bid["id"]), None, None, None, True, without)
    shares = [{c.criterion.id: _share(c, r.bid, tender.header, prices) for c in criteria} for r in ranked]
    search = _TransferSearch(ruleset, criteria, ranked, shares, compare)
    found = search.smallest()
    transfer = None
    if found is not None:
        step, source, target, new_winner = found
        transfer = _confirmed(tender, ruleset, step, source, target, new_winner)
    return Robustness(
        str(winner.bid["id"]), str(runner_up.bid["id"]), margin, transfer, search.complete, without
    )


def _without(
    ranked: list[_BidResult], criterion: rs.Criterion, compare: Callable[[_BidResult, _BidResult], int]
) -> str | None:
    results = []
    for r in ranked:
        points = {k: v for k, v in r.points.items() if k != criterion.id}
        groups = dict(r.groups)
        groups[criterion.group] -= r.points[criterion.id]
        results.append(_BidResult(r.bid, [], points, groups, []))
    best = min(results, key=functools.cmp_to_key(compare))
    return str(best.bid["id"])


class _TransferSearch:
    """The smallest transfer over every ordered pair of criteria (see the module's docstring)."""

    def __init__(
        self,
        ruleset: rs.Ruleset,
        criteria: tuple[CompiledCriterion, ...],
        ranked: list[_BidResult],
        shares: list[dict[str, Fraction]],
        compare: Callable[[_BidResult, _BidResult], int],
    ) -> None:
        self.ruleset, self.criteria, self.ranked, self.shares, self.compare = (
            ruleset,
            criteria,
            ranked,
            shares,
            compare,
        )
        self.unit = Fraction(1, 10**ruleset.precision)
        # Integers scaled by L = M × 10^precision, M the lcm of every share's denominator, so that every
        # figure below is an exact integer: a share × M, a weight × 10^precision, points × L.
        scale = 10**ruleset.precision
        self.m = math.lcm(*(g.denominator for bid in shares for g in bid.values()))
        first = ranked[0]
        # Per rival k: the winner's lead (× L) in rounded total, and per criterion c its exact lead in
        # share (× M) and, with the weight, "w·Δg − Δpoints" (× L): A = ahead + e[i] + e[j].
        self.ahead = [int((first.total - r.total) * scale) * self.m for r in ranked]
        self.lead: list[dict[str, int]] = []
        self.excess: list[dict[str, int]] = []
        for k, r in enumerate(ranked):
            lead = {c: int((shares[0][c] - shares[k][c]) * self.m) for c in shares[k]}
            self.lead.append(lead)
            self.excess.append(
                {
                    c.criterion.id: int(c.criterion.weight * scale) * lead[c.criterion.id]
                    - int((first.points[c.criterion.id] - r.points[c.criterion.id]) * scale) * self.m
                    for c in criteria
                }
            )
        self.budget = MAX_SCANNED_STEPS
        self.complete = True

    def smallest(self) -> tuple[int, rs.Criterion, rs.Criterion, str] | None:
        best: tuple[int, rs.Criterion, rs.Criterion, str] | None = None
        for source in self.criteria:
            for target in self.criteria:
                if source is target:
                    continue
                cap = self._most(source.criterion, target.criterion)
                if best is not None:
                    cap = min(cap, best[0] - 1)
                found = self._pair(source.criterion, target.criterion, cap)
                if found is not None:
                    best = (found[0], source.criterion, target.criterion, found[1])
        return best

    def _most(self, source: rs.Criterion, target: rs.Criterion) -> int:
        """The most steps that may move from ``source`` to ``target`` within the weight and the policy."""
        most = Fraction(source.weight)
        social = Fraction(self.ruleset.social_weight)
        policy = self.ruleset.policy
        source_social = source.group not in rs.NOT_SOCIAL_GROUPS
        target_social = target.group not in rs.NOT_SOCIAL_GROUPS
        if source_social and not target_social and policy.social_weight_min is not None:
            most = min(most, social - Fraction(policy.social_weight_min))
        if target_social and not source_social and policy.social_weight_max is not None:
            most = min(most, Fraction(policy.social_weight_max) - social)
        return max(0, int(most / self.unit))

    def _pair(self, source: rs.Criterion, target: rs.Criterion, cap: int) -> tuple[int, str] | None:
        """The smallest step in 1..cap that changes the winner, and the new winner; None if none does."""
        if cap < 1:
            return None
        i, j = source.id, target.id
        two = 2 * self.m  # two units of points, × L
        windows: list[tuple[int, int, int]] = []  # (first step, last step, rival's index)
        for k in range(1, len(self.ranked)):
            d_i, d_j = self.lead[k][i], self.lead[k][j]
            if not d_i and not d_j:
                continue  # both move alike: the order between them cannot change
            # the winner's exact lead at step s, × L: a + b·s
            a = self.ahead[k] + self.excess[k][i] + self.excess[k][j]
            window = _window(a, d_j - d_i, two, cap)
            if window is not None:
                windows.append((*window, k))
        windows.sort()
        step = windows[0][0] if windows else cap + 1
        while step <= cap:
            active = [k for first, last, k in windows if first <= step <= last]
            if not active:
                later = [first for first, _, _ in windows if first > step]
                if not later:
                    return None
                step = min(later)
                continue
            self.budget -= 1
            if self.budget < 0:
                self.complete = False
                return None
            winner = self._winner_at(step, i, j, source, target, active)
            if winner is not None:
                return step, winner
            step += 1
        return None

    def _winner_at(
        self, step: int, i: str, j: str, source: rs.Criterion, target: rs.Criterion, active: list[int]
    ) -> str | None:
        """The new winner when ``step`` units move from i to j, if one of the ``active`` rivals overtakes."""
        t = step * self.unit
        weights = {i: Fraction(source.weight) - t, j: Fraction(target.weight) + t}
        groups = {i: source.group, j: target.group}
        leader = self._moved(0, weights, groups)
        ahead = [r for k in active if self.compare(r := self._moved(k, weights, groups), leader) < 0]
        if not ahead:
            return None
        return str(min(ahead, key=functools.cmp_to_key(self.compare)).bid["id"])

    def _moved(self, k: int, weights: Mapping[str, Fraction], groups: Mapping[str, str]) -> _BidResult:
        r = self.ranked[k]
        points = dict(r.points)
        subtotals = dict(r.groups)
        for cid, weight in weights.items():
            exact = weight * self.shares[k][cid]
            new = round_points(
                (exact.numerator, exact.denominator), self.ruleset.precision, self.ruleset.rounding
            )
            subtotals[groups[cid]] += new - points[cid]
            points[cid] = new
        return _BidResult(r.bid, [], points, subtotals, [])


def _window(a: int, b: int, two: int, cap: int) -> tuple[int, int] | None:
    """The steps 1..cap where ``a + b·step`` is at most ``two`` (integers, all × L): where rounding could
    let a rival catch up."""
    if b > 0:
        last = (two - a) // b  # floor
        return (1, min(cap, last)) if last >= 1 else None
    if b < 0:
        start = max(1, -((two - a) // -b))  # ceil((a − two) / −b)
        return (start, cap) if start <= cap else None
    return (1, cap) if a <= two else None


def _confirmed(
    tender: Tender, ruleset: rs.Ruleset, step: int, source: rs.Criterion, target: rs.Criterion, winner: str
) -> Transfer:
    """The transfer, confirmed by scoring the tender again under a ruleset with the new weights."""
    points = Decimal(step).scaleb(-ruleset.precision)
    weights = (source.weight - points, target.weight + points)
    document = json.loads(ruleset.canonical_json, parse_float=Decimal)
    for criterion in document["criteria"]:
        if criterion["id"] == source.id:
            criterion["weight"] = _number(weights[0])
        elif criterion["id"] == target.id:
            criterion["weight"] = _number(weights[1])
    moved = rs.parse_ruleset(document, source="<transferred weights>")
    ranked, _, _ = score_results(tender, moved)
    confirmed = bool(ranked) and str(ranked[0].bid["id"]) == winner
    return Transfer(source.id, target.id, points, weights, winner, confirmed)


def _number(value: Decimal) -> Decimal | int:
    return int(value) if value == value.to_integral_value() else value.normalize()
