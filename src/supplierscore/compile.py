"""Scoring methods: how one criterion turns one input value into a fraction in [0, 1].

Every method in DESIGN.md's table is one small function in :data:`METHODS`, keyed by its ruleset name.
Each takes the method's settings (a model from :mod:`supplierscore.ruleset`), the bid's input value and
the tender's :class:`PriceContext`, and returns an :class:`Outcome`: the exact fraction as a
:class:`fractions.Fraction` (never a float, so nothing is lost before the single rounding in the engine)
and the words the score sheet's breakdown uses to explain it.

Adding a method means: a model in ``ruleset.py``, its schema entry, one function here, a conformance
case and a line in ``rules/README.md``.

Example:
    >>> from supplierscore.ruleset import Linear
    >>> METHODS["linear"](Linear.model_validate({"from": 0, "to": "0.3"}), Fraction(3, 20), NO_PRICES).fraction
    Fraction(1, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from supplierscore import ruleset as rs

ZERO = Fraction(0)
ONE = Fraction(1)


@dataclass(frozen=True, slots=True)
class PriceContext:
    """What price methods need to know about the tender: the lowest price among its eligible bids."""

    lowest: Fraction | None


NO_PRICES = PriceContext(None)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The exact fraction a method gives one bid, and a short phrase saying how."""

    fraction: Fraction
    reason: str


Method = Callable[[Any, Any, PriceContext], Outcome]


def exact(value: Any) -> Fraction:
    """An input number (int, Decimal, or a decimal string such as a money amount) as an exact Fraction."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(value if isinstance(value, Decimal) else Decimal(value))


def clip(value: Fraction) -> Fraction:
    """``value`` limited to [0, 1]."""
    return min(max(value, ZERO), ONE)


def show(value: Any) -> str:
    """A value as the breakdown prints it: decimals exact, fractions as decimals when they end."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return fraction_text(value)
    return str(value)


def fraction_text(value: Fraction, places: int = 12) -> str:
    """A fraction as a decimal string: exact when it ends within ``places`` decimals, else rounded there.

    >>> fraction_text(Fraction(1, 8)), fraction_text(Fraction(2, 3)), fraction_text(Fraction(100))
    ('0.125', '0.666666666667', '100')
    """
    digits = round(value * 10**places)  # Fraction rounds half to even, exactly
    return format(Decimal(digits).scaleb(-places).normalize(), "f")


def _linear(settings: rs.Linear, x: Any, _: PriceContext) -> Outcome:
    start, end = exact(settings.from_), exact(settings.to)
    fraction = clip((exact(x) - start) / (end - start))
    return Outcome(fraction, f"{show(x)} on a line from {settings.from_} (0) to {settings.to} (1)")


def _threshold(settings: rs.Threshold, x: Any, _: PriceContext) -> Outcome:
    met = exact(x) >= exact(settings.at_least)
    return Outcome(ONE if met else ZERO, f"{show(x)} {'≥' if met else '<'} threshold {settings.at_least}")


def _bands(settings: rs.Bands, x: Any, _: PriceContext) -> Outcome:
    value = exact(x)
    reached = [band for band in settings.bands if exact(band.at_least) <= value]
    if not reached:
        lowest = min((band.at_least for band in settings.bands), default=None)
        return Outcome(ZERO, f"{show(x)} below the lowest band (≥ {lowest})")
    band = max(reached, key=lambda b: exact(b.at_least))
    return Outcome(exact(band.score), f"{show(x)}: band ≥ {band.at_least} scores {band.score}")


def _boolean(_: rs.Boolean, x: Any, __: PriceContext) -> Outcome:
    return Outcome(ONE if x is True else ZERO, f"{show(x)}")


def _lookup(settings: rs.Lookup, x: Any, _: PriceContext) -> Outcome:
    for key, score in settings.map.items():
        if _same_key(key, x):
            return Outcome(exact(score), f"{show(x)} maps to {score}")
    return Outcome(exact(settings.default), f"{show(x)} not listed: default {settings.default}")


def _same_key(key: str, x: Any) -> bool:
    if isinstance(x, bool):
        return key == ("true" if x else "false")
    if isinstance(x, str):
        return key == x
    try:
        return Decimal(key) == exact(x)
    except ArithmeticError:
        return False


def _panel(settings: rs.Panel, x: Any, _: PriceContext) -> Outcome:
    return Outcome(clip(exact(x) / exact(settings.max)), f"panel mark {show(x)} out of {settings.max}")


def _count(settings: rs.Count, x: Any, _: PriceContext) -> Outcome:
    matching = sum(1 for item in x if _matches(item, settings.where))
    fraction = Fraction(min(matching, settings.to), settings.to)
    what = f" matching {_where_text(settings.where)}" if settings.where else ""
    return Outcome(fraction, f"{matching} {settings.of}{what} (counts up to {settings.to})")


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
    return value is not None and exact(value) == exact(allowed)


def _where_text(where: Mapping[str, list[Any]]) -> str:
    return " and ".join(f"{key} in [{', '.join(show(v) for v in allowed)}]" for key, allowed in where.items())


def _price_proportional(_: rs.PriceProportional, x: Any, prices: PriceContext) -> Outcome:
    lowest = _lowest(prices)
    return Outcome(lowest / exact(x), f"lowest eligible price {show(lowest)} / price {show(x)}")


def _price_linear(settings: rs.PriceLinear, x: Any, prices: PriceContext) -> Outcome:
    lowest = _lowest(prices)
    zero_at = exact(settings.zero_at)
    fraction = clip(ONE - (exact(x) - lowest) / ((zero_at - 1) * lowest))
    return Outcome(
        fraction,
        f"price {show(x)}: 1 at the lowest eligible price {show(lowest)}, 0 at {settings.zero_at} × it",
    )


def _lowest(prices: PriceContext) -> Fraction:
    if prices.lowest is None:  # only eligible bids are scored, and each has a price
        raise ValueError("price methods need the lowest eligible price")
    return prices.lowest


METHODS: dict[str, Method] = {
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
"""The scoring methods by ruleset name; every method in the ruleset schema has exactly one entry."""

PRICE_METHODS = frozenset({"price_proportional", "price_linear"})
"""Methods that read ``price.amount`` and the tender's lowest eligible price, and need no ``field``."""
