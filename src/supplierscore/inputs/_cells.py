"""One spreadsheet cell to one JSON value, exactly, or one plain-language reason why not.

A spreadsheet's number cell is a binary double: it is read as the spreadsheet shows it, the shortest
decimal of at most 15 significant digits that gives back the same double (``0.1 + 0.2`` reads ``0.3``,
``48250`` reads ``48250``), and then checked like any JSON number (too many decimals for the currency is
the schema's rejection). Number text is read exactly as written. ``412,750.00`` and ``1 234,50`` get one
reason naming the separator; in a semicolon-separated CSV file the comma is the decimal mark.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from supplierscore.inputs._tables import LIST_SEPARATOR, Column, unguard_text


class CellError(Exception):
    """A cell that cannot become a value of its column's kind; the bid is rejected at that cell."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_PLAIN = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_GROUPED = re.compile(
    r"[+-]?[0-9]{1,3}(?P<sep>[,.'\u00a0\u202f ])[0-9]{3}(?:(?P=sep)[0-9]{3})*(?P<dec>[.,][0-9]+)?"
)
_SEPARATOR_NAMES = {
    ",": '","',
    ".": '"."',
    "'": '"\'"',
    " ": "a space",
    "\u00a0": "a space",
    "\u202f": "a space",
}
_TRUE = {"true", "yes", "oui", "y", "o", "vrai"}
_FALSE = {"false", "no", "non", "n", "faux"}


def is_empty(raw: Any) -> bool:
    """Whether a cell holds nothing (an empty or blank text counts as nothing)."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def excel_number(value: float) -> Decimal:
    """A spreadsheet number as the spreadsheet shows it: the shortest decimal that round-trips, at most
    15 significant digits.

    >>> excel_number(0.1 + 0.2), excel_number(48250.0), excel_number(412750.1)
    (Decimal('0.3'), Decimal('48250'), Decimal('412750.1'))
    """
    shortest = repr(value)
    if len(shortest) <= 16:  # a float's repr always has a point or an exponent: at most 15 digits
        return Decimal(shortest)
    digits = Decimal(shortest)
    if len(digits.as_tuple().digits) > 15:
        digits = Decimal(format(value, ".15g"))
    return digits


def _exact(number: Decimal) -> int | Decimal:
    """An integral number as ``int`` (as JSON gives ``12``), anything else as ``Decimal``."""
    if number == number.to_integral_value():
        return int(number)
    return number


def number_text(text: str, *, decimal_comma: bool) -> str:
    """Number text in the form JSON writes it, or :class:`CellError` with the one reason it is not.

    >>> number_text("1234,50", decimal_comma=True)
    '1234.50'
    """
    stripped = text.strip()
    if _PLAIN.fullmatch(stripped):
        return stripped
    if decimal_comma and _DECIMAL_COMMA.fullmatch(stripped):
        return stripped.replace(",", ".")
    grouped = _GROUPED.fullmatch(stripped)
    if grouped:
        sep, dec = grouped["sep"], grouped["dec"]
        digits = re.sub(r"[^0-9+-]", "", stripped[: len(stripped) - len(dec or "")])
        fraction = f".{dec[1:]}" if dec else ""
        if dec and dec[0] == ",":
            return_reason = (
                f'"{text}" uses {_SEPARATOR_NAMES[sep]} to separate thousands and "," as the decimal mark: '
                f"write {digits}{fraction} (no separators, a point before decimals)"
            )
        elif dec is None and sep in ",." and not decimal_comma:
            return_reason = (
                f'"{text}" has a separator that could mean thousands or decimals: write the number without '
                f"separators, with a point before decimals (such as {digits} or "
                f"{stripped.replace(sep, '.', 1) if sep == ',' else stripped})"
            )
        else:
            return_reason = (
                f'"{text}" uses {_SEPARATOR_NAMES[sep]} to separate thousands: write {digits}{fraction} '
                "(no separators)"
            )
        raise CellError(return_reason)
    if _DECIMAL_COMMA.fullmatch(stripped):
        raise CellError(
            f'"{text}" uses "," as the decimal mark: write {stripped.replace(",", ".")} (a point before '
            "decimals)"
        )
    raise CellError(f'"{text}" is not a number: write digits only, with a point before decimals')


def cell_value(raw: Any, column: Column, *, csv: bool, decimal_comma: bool) -> Any:
    """The JSON value of a non-empty cell in ``column``, or :class:`CellError`.

    ``raw`` is what the reader gives: ``str``, ``float``, ``int``, ``bool``, ``date``, ``datetime``,
    ``time`` or ``timedelta``; from a CSV file always ``str``.
    """
    kind = column.kind
    if isinstance(raw, str):
        text = unguard_text(raw) if csv else raw
        return _from_text(text, column, decimal_comma)
    if isinstance(raw, bool):
        if kind == "boolean":
            return raw
        raise CellError(f"{'TRUE' if raw else 'FALSE'} is a yes/no value, not {_wanted(column)}")
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise CellError(f"{raw} is not a number a bid can hold")
        number = excel_number(float(raw)) if isinstance(raw, float) else Decimal(raw)
        if kind in ("integer", "number", "amount"):
            return _exact(number)
        if kind in ("string", "enum"):
            return str(_exact(number))
        raise CellError(f"{number} is a number, not {_wanted(column)}")
    if isinstance(raw, datetime.datetime):
        if kind == "date" and raw.time() == datetime.time(0):
            return raw.date().isoformat()
        if kind == "datetime":
            raise CellError(
                f"{raw:%Y-%m-%d %H:%M:%S} has no time-zone offset, so the instant is unknown: "
                f"type it as text with its offset, such as {raw:%Y-%m-%dT%H:%M:%S}-05:00"
            )
        raise CellError(f"{raw:%Y-%m-%d %H:%M} is a date and time, not {_wanted(column)}")
    if isinstance(raw, datetime.date):
        if kind == "date":
            return raw.isoformat()
        if kind == "datetime":
            raise CellError(
                f"{raw.isoformat()} is a date without a time and time-zone offset: type the instant as text, "
                f"such as {raw.isoformat()}T12:00:00-05:00"
            )
        raise CellError(f"{raw.isoformat()} is a date, not {_wanted(column)}")
    raise CellError(f"{raw} is a time or a duration, not {_wanted(column)}")


def _from_text(text: str, column: Column, decimal_comma: bool) -> Any:
    kind = column.kind
    if kind in ("string", "enum", "date", "datetime"):
        return text
    if kind == "list":
        return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
    if kind == "boolean":
        word = text.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise CellError(f'"{text}" is not yes or no: write yes or no (or TRUE or FALSE)')
    plain = number_text(text, decimal_comma=decimal_comma)
    if kind == "amount":
        return plain  # number text stays text: read exactly, checked by the schema's pattern
    try:
        return _exact(Decimal(plain))
    except InvalidOperation:  # pragma: no cover - the patterns above admit only valid decimals
        raise CellError(f'"{text}" is not a number') from None


def _wanted(column: Column) -> str:
    return {
        "string": "text",
        "enum": "one of the listed values",
        "integer": "a whole number",
        "number": "a number",
        "amount": "an amount",
        "boolean": "yes or no",
        "date": "a date",
        "datetime": "a date and time with its offset",
        "list": f"a list of values separated by {LIST_SEPARATOR!r}",
    }[column.kind]
