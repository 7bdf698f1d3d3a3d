"""Gates: eligibility checks, comparing numbers as numbers and dates as instants."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._methods import (
    show,
)
from supplierscore.engine._values import MISSING, resolve

# ---------------------------------------------------------------------------------------------------
# Gates


def _number(value: Any) -> Decimal | None:
    """A number or decimal string as an exact Decimal (comparisons of Decimals never round), else None."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _comparable(value: Any) -> Any:
    """Numbers and decimal strings as exact numbers, dates as dates, date-times as instants, else as
    given (MISSING and booleans included): how gates compare values and tie-breakers order them."""
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, str):
        moment = _instant(value)
        if moment is not None:
            return moment
    return value


def _instant(text: str) -> date | datetime | None:
    """A date, or a date-time with an offset as a UTC instant; None for anything else. A date-time
    without an offset is not an instant (reading it as local time would differ from machine to machine)."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment.astimezone(UTC)


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, bool) != isinstance(right, bool):  # true is not 1: never equal, never ordered
        return op == "!="
    a, b = _comparable(left), _comparable(right)
    if isinstance(a, datetime) and isinstance(b, date) and not isinstance(b, datetime):
        a = a.date()
    if isinstance(b, datetime) and isinstance(a, date) and not isinstance(a, datetime):
        b = b.date()
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    try:
        result = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        return False
    return bool(result)


def gate_failure(gate: rs.Gate, bid: Mapping[str, Any], header: Mapping[str, Any]) -> str | None:
    """Why ``bid`` fails ``gate``, or None when it passes.

    A missing field fails every gate; a missing ``ref`` (a tender with no budget, say) means the gate
    does not apply, since there is nothing to hold the bid to.
    """
    value = resolve(gate.field, bid, header)
    if gate.op == "present":
        return None if value is not MISSING else _gate_text(gate, f"{gate.field} is not given")
    if value is MISSING:
        return _gate_text(gate, f"{gate.field} is not given")
    if gate.op == "in":
        allowed = list(gate.value or [])
        if any(_compare("==", value, option) for option in allowed):
            return None
        listed = ", ".join(show(option) for option in allowed)
        return _gate_text(gate, f"{gate.field} {show(value)} is not one of {listed}")
    if gate.ref is not None:
        target = resolve(gate.ref, bid, header)
        if target is MISSING:
            return None
        name = f"{gate.ref} {show(target)}"
    else:
        target = gate.value
        name = show(target)
    if _compare(gate.op, value, target):
        return None
    return _gate_text(gate, f"{gate.field} {show(value)} is not {gate.op} {name}")


def _gate_text(gate: rs.Gate, detail: str) -> str:
    return f"{gate.id}: {gate.reason + ' (' + detail + ')' if gate.reason else detail}"
