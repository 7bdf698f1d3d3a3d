"""Scoring methods, compiled once per ruleset: how a criterion turns an input value into a fraction.

Every method in DESIGN.md's table is one small function in :data:`METHODS`, keyed by its ruleset name.
Each takes the method's settings (a model from :mod:`supplierscore.ruleset`) once, at compile time, and
returns a :data:`Scorer`: a function from the bid's input value and the tender's :class:`PriceContext` to
an :class:`Outcome`, the exact fraction and the words the breakdown uses to explain it.

Why exact: inputs are decimals, so every fraction is rational. It is carried as a :data:`Ratio`, a pair of
Python integers (numerator, positive denominator) of unbounded size, never a float; the engine multiplies
it by the weight and evidence factor and rounds once. Integer pairs are used rather than
``fractions.Fraction`` because they cost a tenth as much (no gcd on every step); the tests check them
against a ``Fraction`` oracle.

Adding a method means: a model in ``ruleset.py``, its schema entry, one function here, a conformance
case and a line in ``rules/README.md``.

Example:
    >>> from supplierscore.ruleset import Linear
    >>> scorer = METHODS["linear"](Linear.model_validate({"from": 0, "to": "0.3"}))
    >>> outcome = scorer(ratio("0.15"), NO_PRICES)
    >>> fraction_text(outcome.fraction)
    '0.5'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from supplierscore import ruleset as rs
from supplierscore.limits import MAX_EXPONENT

Ratio = tuple[int, int]
"""An exact rational number as (numerator, denominator), the denominator always positive."""

ZERO: Ratio = (0, 1)
ONE: Ratio = (1, 1)


def ratio(value: Any) -> Ratio:
    """An input number (int, Decimal, decimal string, or a Ratio already) as an exact Ratio."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return (value, 1)
    number = value if isinstance(value, Decimal) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{value} is not a finite number")
    if abs(number.adjusted()) > MAX_EXPONENT:  # as_integer_ratio would build 10**exponent
        raise ValueError(f"{number} is out of bounds (reading refuses it; nothing computes with it)")
    return number.as_integer_ratio()


def sub(a: Ratio, b: Ratio) -> Ratio:
    """a − b."""
    return (a[0] * b[1] - b[0] * a[1], a[1] * b[1])


def mul(a: Ratio, b: Ratio) -> Ratio:
    """a × b."""
    return (a[0] * b[0], a[1] * b[1])


def div(a: Ratio, b: Ratio) -> Ratio:
    """a ÷ b, for b ≠ 0 (the sign moves to the numerator)."""
    if b[0] < 0:
        return (-a[0] * b[1], a[1] * -b[0])
    return (a[0] * b[1], a[1] * b[0])


def less(a: Ratio, b: Ratio) -> bool:
    """a < b."""
    return a[0] * b[1] < b[0] * a[1]


def clip(value: Ratio) -> Ratio:
    """``value`` limited to [0, 1]."""
    if value[0] <= 0:
        return ZERO
    if value[0] >= value[1]:
        return ONE
    return value


@functools.lru_cache(maxsize=65536)
def fraction_text(value: Ratio, places: int = 12) -> str:
    """A ratio as a decimal string: exact when it ends within ``places`` decimals, else rounded there
    (half to even).

    >>> fraction_text((1, 8)), fraction_text((2, 3)), fraction_text((100, 1))
    ('0.125', '0.666666666667', '100')
    """
    whole, rest = divmod(value[0] * 10**places, value[1])
    if 2 * rest > value[1] or (2 * rest == value[1] and whole % 2):
        whole += 1
    return format(Decimal(whole).scaleb(-places).normalize(), "f")


def readable(value: Ratio) -> str:
    """A number for a person: at most four decimals, no trailing zeros (the exact figure is beside it).

    >>> readable((11, 13)), readable((3, 1)), readable((1, 8))
    ('0.8462', '3', '0.125')
    """
    return fraction_text(value, 4)


def percent(value: Ratio) -> str:
    """A fraction as a percentage with at most one decimal: ``(11, 13)`` is ``84.6 %``.

    >>> percent((11, 13)), percent((1, 2))
    ('84.6 %', '50 %')
    """
    return f"{fraction_text((value[0] * 100, value[1]), 1)} %"


def show(value: Any) -> str:
    """An input value as the breakdown prints it."""
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is tuple:
        return fraction_text(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class PriceContext:
    """What price methods need to know about the tender: the lowest price among its eligible bids."""

    lowest: Ratio | None
    text: str = ""
    """The lowest price as the bid wrote it (``"96200.00"``), for the breakdown's words."""


NO_PRICES = PriceContext(None)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The exact fraction a method gives one bid, and a short phrase saying how."""

    fraction: Ratio
    reason: str


Scorer = Callable[[Any, PriceContext], Outcome]
"""A compiled method: (input value, price context) → Outcome. Numeric inputs arrive as Ratios."""


def _linear(method: rs.Linear) -> Scorer:
    start, end = ratio(method.from_), ratio(method.to)
    span = sub(end, start)
    better = "or more" if less(start, end) else "or less"
    worse = "or less" if less(start, end) else "or more"

    def score(x: Ratio, _: PriceContext) -> Outcome:
        fraction = clip(div(sub(x, start), span))
        value = readable(x)
        if fraction == ONE:
            words = f"{value}: {method.to} {better} earns full points"
        elif fraction == ZERO:
            words = f"{value}: {method.from_} {worse} earns no points"
        else:
            way = f"of the way from {method.from_} (no points) to {method.to} (full points)"
            words = f"{value}: {percent(fraction)} {way}"
        return Outcome(fraction, words)

    return score


def _threshold(method: rs.Threshold) -> Scorer:
    bar = ratio(method.at_least)

    def score(x: Ratio, _: PriceContext) -> Outcome:
        met = not less(x, bar)
        return Outcome(ONE if met else ZERO, f"{show(x)} {'≥' if met else '<'} threshold {method.at_least}")

    return score


def _bands(method: rs.Bands) -> Scorer:
    bands = [(ratio(b.at_least), ratio(b.score), b) for b in method.bands]  # ascending: the ruleset checks
    lowest = min((b.at_least for b in method.bands), default=None)

    def score(x: Ratio, _: PriceContext) -> Outcome:
        reached = [(score, band) for at_least, score, band in bands if not less(x, at_least)]
        if not reached:
            return Outcome(ZERO, f"{show(x)} below the lowest band (≥ {lowest})")
        fraction, band = reached[-1]
        return Outcome(fraction, f"{show(x)}: band ≥ {band.at_least} scores {band.score}")

    return score


def _boolean(_: rs.Boolean) -> Scorer:
    def score(x: Any, __: PriceContext) -> Outcome:
        return Outcome(ONE if x is True else ZERO, show(x))

    return score


def _lookup(method: rs.Lookup) -> Scorer:
    entries = [(key, ratio(value), value) for key, value in method.map.items()]
    default = ratio(method.default)

    def score(x: Any, _: PriceContext) -> Outcome:
        for key, fraction, value in entries:
            if _same_key(key, x):
                return Outcome(fraction, f"{show(x)} maps to {value}")
        return Outcome(default, f"{show(x)} not listed: default {method.default}")

    return score


def _same_key(key: str, x: Any) -> bool:
    """Whether a lookup key (always text in a ruleset) names the input: as text, boolean or number."""
    if isinstance(x, bool):
        return key == ("true" if x else "false")
    if isinstance(x, str):
        return key == x
    try:
        return _equal(ratio(Decimal(key)), ratio(x))
    except (ArithmeticError, ValueError):
        return False


def _equal(a: Ratio, b: Ratio) -> bool:
    return a[0] * b[1] == b[0] * a[1]


def _panel(method: rs.Panel) -> Scorer:
    top = ratio(method.max)

    def score(x: Ratio, _: PriceContext) -> Outcome:
        return Outcome(clip(div(x, top)), f"panel mark {show(x)} out of {method.max}")

    return score


def _count(method: rs.Count) -> Scorer:
    what = f" matching {_where_text(method.where)}" if method.where else ""

    def score(items: list[Any], _: PriceContext) -> Outcome:
        matching = sum(1 for item in items if _matches(item, method.where))
        fraction = (min(matching, method.to), method.to)
        words = f"{matching} of {len(items)} {method.of} counted{what}, {method.to} for full points"
        return Outcome(fraction, words)

    return score


def _matches(item: Any, where: Mapping[str, list[Any]]) -> bool:
    for key, allowed in where.items():
        value = item.get(key) if isinstance(item, dict) else None
        values = value if isinstance(value, list) else [value]
        if not any(_same_value(v, a) for v in values for a in allowed):
            return False
    return True


def _same_value(value: Any, allowed: Any) -> bool:
    if isinstance(value, bool) or isinstance(allowed, bool):
        return value is allowed
    if isinstance(value, str) or isinstance(allowed, str):
        return isinstance(value, str) and isinstance(allowed, str) and value.casefold() == allowed.casefold()
    return value is not None and _equal(ratio(value), ratio(allowed))


def _where_text(where: Mapping[str, list[Any]]) -> str:
    return " and ".join(f"{key} in [{', '.join(show(v) for v in allowed)}]" for key, allowed in where.items())


def _price_proportional(_: rs.PriceProportional) -> Scorer:
    def score(price: Ratio, prices: PriceContext) -> Outcome:
        lowest = _lowest(prices)
        return Outcome(div(lowest, price), f"lowest eligible price {prices.text} / price {show(price)}")

    return score


def _price_linear(method: rs.PriceLinear) -> Scorer:
    slack = sub(ratio(method.zero_at), ONE)

    def score(price: Ratio, prices: PriceContext) -> Outcome:
        lowest = _lowest(prices)
        fraction = clip(sub(ONE, div(sub(price, lowest), mul(slack, lowest))))
        return Outcome(
            fraction,
            f"price {show(price)}: 1 at the lowest eligible price {prices.text}, 0 at {method.zero_at} × it",
        )

    return score


def _lowest(prices: PriceContext) -> Ratio:
    if prices.lowest is None:  # only eligible bids are scored, and each has a price
        raise ValueError("price methods need the lowest eligible price")
    return prices.lowest


METHODS: dict[str, Callable[[Any], Scorer]] = {
    "linear": _linear,
    "threshold": _threshold,
    "bands": _bands,
    "boolean": _boolean,
    "lookup": _lookup,
    "panel": _panel,
    "count": _count,
    "price_proportional": _price_proportional,
    "price_linear": _price_linear,
}
"""Method compilers by ruleset name; every method in the ruleset schema has exactly one entry."""

NUMERIC_METHODS = frozenset({"linear", "threshold", "bands", "panel", "price_proportional", "price_linear"})
"""Methods whose input is a number, handed to the scorer as a Ratio."""


@dataclass(frozen=True, slots=True)
class CompiledCriterion:
    """A criterion with its settings turned into Ratios and its method into a Scorer, once."""

    criterion: rs.Criterion
    weight: Ratio
    scorer: Scorer
    numeric: bool
    self_declared: Ratio
    issuers: frozenset[str]
    weight_text: str
    inputs: tuple[str, ...]
    """The dotted paths read: ``price.amount``, a count's ``of``, a field, or a share's two fields."""
    kind: str
    """How the input is formed: "price", "count", "field" or "share"."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A ruleset compiled for scoring; reused for every tender scored under that ruleset."""

    ruleset: rs.Ruleset
    criteria: tuple[CompiledCriterion, ...]


PlanT = TypeVar("PlanT")


class PlanCache(Generic[PlanT]):
    """Plans made from a ruleset once and kept by the ruleset's digest (at most 64, then afresh).

    The digest covers the ruleset's whole canonical content, so two rulesets with one digest make the
    same plan; the ruleset is compared too, so a digest can never hand one ruleset another's plan.
    """

    def __init__(self, make: Callable[[rs.Ruleset], PlanT], size: int = 64) -> None:
        self._make, self._size = make, size
        self._plans: dict[str, tuple[rs.Ruleset, PlanT]] = {}

    def __call__(self, ruleset: rs.Ruleset) -> PlanT:
        kept = self._plans.get(ruleset.sha256)
        if kept is not None and kept[0] == ruleset:
            return kept[1]
        plan = self._make(ruleset)
        if len(self._plans) >= self._size:
            self._plans.clear()
        self._plans[ruleset.sha256] = (ruleset, plan)
        return plan


compile_ruleset = PlanCache(
    lambda ruleset: Plan(ruleset, tuple(_compile_criterion(c) for c in ruleset.criteria))
)
"""The scoring plan of a ruleset, built once per ruleset (:class:`PlanCache`)."""


def _inputs(criterion: rs.Criterion) -> tuple[str, tuple[str, ...]]:
    method, ref = criterion.method, criterion.field
    if method.name in rs.PRICE_METHODS:
        return "price", (rs.PRICE_FIELD,)
    if isinstance(method, rs.Count):
        return "count", (method.of,)
    assert ref is not None, "the ruleset check requires a field for every other method"
    if ref.share is not None:
        return "share", tuple(ref.share)
    assert ref.path is not None
    return "field", (ref.path,)


def _compile_criterion(criterion: rs.Criterion) -> CompiledCriterion:
    name = criterion.method.name
    evidence = criterion.evidence
    kind, inputs = _inputs(criterion)
    return CompiledCriterion(
        criterion=criterion,
        weight=ratio(criterion.weight),
        scorer=METHODS[name](criterion.method),
        numeric=name in NUMERIC_METHODS,
        self_declared=ratio(evidence.self_declared) if evidence is not None else ONE,
        issuers=frozenset(i.casefold() for i in evidence.issuers) if evidence is not None else frozenset(),
        weight_text=str(criterion.weight),
        inputs=inputs,
        kind=kind,
    )
