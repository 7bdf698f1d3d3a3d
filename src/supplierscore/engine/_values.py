"""Reading a field of a bid or tender, and rounding exact points once: what every other part uses."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._methods import (
    Ratio,
)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""A field the bid (or tender) does not give; JSON null is never valid input, so this is distinct."""


def round_points(value: Ratio, precision: int, rounding: rs.Rounding) -> Decimal:
    """``value`` (numerator, positive denominator) rounded once to ``precision`` decimals, exactly.

    Points are never negative, so half-up is the spreadsheet's ROUND (half away from zero).

    >>> round_points((100, 8), 1, "half_up"), round_points((125, 10), 0, "half_even")
    (Decimal('12.5'), Decimal('12'))
    """
    numerator, denominator = value
    whole, rest = divmod(numerator * 10**precision, denominator)
    twice = 2 * rest
    if twice > denominator or (twice == denominator and (rounding == "half_up" or whole % 2 == 1)):
        whole += 1
    return Decimal(whole).scaleb(-precision)


def resolve(path: str, bid: Mapping[str, Any], header: Mapping[str, Any]) -> Any:
    """The value at a dotted ``path`` in the bid, or in the tender header for ``tender.*``; else MISSING.

    Validated input is plain JSON data, so objects are ``dict`` (checked by type: an ABC check costs
    ten times as much on this hot path).
    """
    node: Any = bid
    parts = _split(path)
    if parts[0] == "tender":
        node, parts = header, parts[1:]
    for part in parts:
        if type(node) is not dict or part not in node:
            return MISSING
        node = node[part]
    return node


@functools.lru_cache(maxsize=1024)
def _split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))
