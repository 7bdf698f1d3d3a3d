"""The bounds every value read from outside meets before any arithmetic or printing sees it.

Shared by every stage that reads (bids, rulesets, score sheets, audit records) so that one rule holds
everywhere, and by the commands that print what they read:

- **Numbers**: at most :data:`MAX_DIGITS` significant digits, and an adjusted exponent (the power of ten
  of the first digit: 2 for ``123``, −3 for ``0.00123``) from −:data:`MAX_EXPONENT` to
  +:data:`MAX_EXPONENT`. ``1e-999999999`` is a few bytes of JSON, but exact arithmetic on it builds a
  number of a billion digits; the bound refuses it at the door, with the numbers a procurement ever needs
  (money up to 10^15 with 3 decimals, percentages, weights) far inside it.
- **Text**: valid Unicode. JSON can write a lone surrogate (``"\\ud800"``), a string that no UTF-8 file,
  terminal or database can hold.
- **Terminal output**: :func:`printable` escapes control characters, so a supplier's name cannot move the
  cursor, recolour or hide what a command prints after it.

Example:
    >>> number_problem(Decimal("48250.00")) is None
    True
    >>> number_problem(Decimal("1e-999999999"))
    'the number 1E-999999999 is out of bounds: its exponent must be from -40 to 40'
    >>> printable("Acme\\r\\x1b[32mWINNER")
    'Acme\\\\r\\\\x1b[32mWINNER'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

MAX_DIGITS = 40
"""The most significant digits a number may have (``48250.00`` has 7)."""

MAX_EXPONENT = 40
"""The largest power of ten a number's first digit may stand at, either way (10^40 down to 10^−40)."""

MAX_TEXT_SHOWN = 200
"""The most characters of one piece of input text repeated in a message (a rejection, an error)."""

MAX_REASON = 1000
"""The longest rejection reason kept: longer ones are cut, since bidders' text can be long."""


def number_problem(value: Decimal | int) -> str | None:
    """Why ``value`` is outside the bounds, or None when it is inside them.

    Cheap for any value: it looks at the digits and exponent, never computes with them. An ``int`` is
    first checked by its size in bits, so an integer of a million digits is never turned into text.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if value.bit_length() <= 128:  # at most 39 digits
            return None
        if value.bit_length() > 4 * MAX_DIGITS:
            return f"the integer is out of bounds: more than {MAX_DIGITS} digits"
        value = Decimal(value)
    if not value.is_finite():
        return f"{value} is not a finite number"
    digits = len(value.as_tuple().digits)
    if digits > MAX_DIGITS:
        return f"the number is out of bounds: {digits:,} digits, more than {MAX_DIGITS}"
    adjusted = value.adjusted()
    if not -MAX_EXPONENT <= adjusted <= MAX_EXPONENT:
        bounds = f"from -{MAX_EXPONENT} to {MAX_EXPONENT}"
        return f"the number {value} is out of bounds: its exponent must be {bounds}"
    return None


def parse_integer(text: str) -> int | Decimal:
    """A JSON integer (the ``parse_int`` of an exact reader): an ``int`` when it is within the bounds,
    else a Decimal that :func:`number_problem` refuses. Python refuses to make an ``int`` of more than
    4,300 digits with an exception, and a bounded one costs nothing."""
    return int(text) if len(text) <= MAX_DIGITS else Decimal(text)


def text_problem(text: str) -> str | None:
    """Why ``text`` is not valid Unicode (a lone surrogate), or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"holds a lone surrogate (U+{ord(text[error.start]):04X}), which is not valid Unicode"
    return None


def value_problems(value: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """Every number out of bounds and every text (or key) that is not valid Unicode in parsed JSON data,
    as (JSON Pointer, reason) pairs. Iterative, so any depth the parser let through is fine."""
    stack: list[tuple[Any, str]] = [(value, pointer)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            problem = None if (wrong := text_problem(item)) is None else f"the text {wrong}"
        elif isinstance(item, int | Decimal):
            problem = number_problem(item)
        elif isinstance(item, dict):
            problem = None
            for key, child in reversed(list(item.items())):
                key_problem = text_problem(key) if isinstance(key, str) else "is not text"
                if key_problem is not None:
                    yield where, f"a key {key_problem}"
                    continue
                stack.append((child, f"{where}/{escape_pointer(key)}"))
        elif isinstance(item, list):
            problem = None
            stack.extend((child, f"{where}/{index}") for index, child in reversed(list(enumerate(item))))
        else:
            problem = None
        if problem is not None:
            yield where, problem


def escape_pointer(step: object) -> str:
    """One step of a JSON Pointer, with ``~`` and ``/`` escaped (RFC 6901)."""
    return str(step).replace("~", "~0").replace("/", "~1")


def clip(text: str, limit: int = MAX_TEXT_SHOWN) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return named.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: control characters (carriage return, escape, line breaks),
    bidirectional overrides and lone surrogates written as escapes, so that input text cannot move the
    cursor, recolour the screen, reorder a line or start a fake one."""
    shown = _CONTROL.sub(_escaped, text)
    if text_problem(shown) is not None:
        shown = shown.encode("utf-8", "backslashreplace").decode("utf-8")
    return shown
