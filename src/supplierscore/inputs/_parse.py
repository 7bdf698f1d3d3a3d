"""Parsing one line exactly: numbers as ``Decimal``, duplicate keys, NaN and nesting refused.

Kept apart from reading so the same parser serves files, in-memory documents and the benchmarks.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from typing import Any

from supplierscore.inputs._batch import MAX_DEPTH, MAX_LINE_BYTES, _LineError
from supplierscore.limits import MAX_DIGITS, parse_integer, value_problems

# ---------------------------------------------------------------------------------------------------
# Parsing one line


def _refuse_constant(name: str) -> Any:
    raise _LineError(f"{name} is not a number JSON allows (NaN and Infinity are refused)")


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        duplicated = sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        names = ", ".join(f'"{k}"' for k in duplicated)
        raise _LineError(f"duplicate key {names} in one object: ambiguous, so refused")
    return result


_INNERMOST = re.compile(rb"\{\}|\[\]")
_QUOTED = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'{}[]"')


def _too_deep(raw: bytes) -> bool:
    """Whether brackets nest deeper than MAX_DEPTH, found without parsing, in C-speed passes.

    Escaped backslashes and quotes are removed, then everything but brackets and quotes; what is left
    of strings is dropped, and innermost bracket pairs are peeled off once per level.
    """
    if raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH:
        return False
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = _QUOTED.sub(b"", unescaped.translate(None, _NOT_STRUCTURE))
    for _ in range(MAX_DEPTH):
        brackets = _INNERMOST.sub(b"", brackets)
        if not brackets:
            return False
    return True


def _parse_line(raw: bytes, *, offset: int) -> tuple[Any, list[tuple[str, str]]]:
    """Parse one line (or one ``.json`` file) into a Python value and the values in it that are out of
    bounds (:func:`supplierscore.limits.value_problems`), or raise :class:`_LineError`.

    The values are looked for only when a number was written with an exponent or more than
    :data:`~supplierscore.limits.MAX_DIGITS` characters, or the text holds a surrogate escape: ordinary
    lines cost nothing.
    """
    if len(raw) > MAX_LINE_BYTES:
        raise _LineError(f"line is {len(raw):,} bytes long, over the limit of {MAX_LINE_BYTES:,}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = raw[error.start]
        raise _LineError(
            f"not UTF-8: byte 0x{bad:02x} at byte offset {offset + error.start} of the file "
            f"(column {error.start + 1} of the line)"
        ) from None
    if _too_deep(raw):
        raise _LineError(f"nested more than {MAX_DEPTH} levels deep")
    try:
        document, suspect = _parse_exact(text)
    except json.JSONDecodeError as error:
        raise _LineError(f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except (ValueError, RecursionError) as error:
        raise _LineError(f"invalid JSON: {error}") from None
    if suspect or (b"\\u" in raw and _SURROGATE_ESCAPE.search(raw)):
        return document, list(value_problems(document))
    return document, []


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def parse_json(text: str | bytes) -> Any:
    """Parse JSON the way bids are read: numbers as ``Decimal``, no duplicate keys, no NaN.

    Numbers are not checked against the bounds here (:func:`supplierscore.limits.value_problems` does
    that), but an integer of any length is read without error.
    """
    data = text.decode("utf-8-sig") if isinstance(text, bytes) else text
    return _parse_exact(data)[0]


def _parse_exact(data: str) -> tuple[Any, bool]:
    """The parsed value, and whether a number in it may be out of bounds.

    Only a number written with a fraction or an exponent (``parse_float``) can be tiny or huge in a few
    bytes, so only those are looked at as they are parsed. Integers are parsed by Python's own ``int``
    (fast; one of 41 to 4,300 digits is refused by the schemas' maximums), and a line holding one of more
    digits, which ``int`` refuses, is parsed again keeping it as a Decimal, to be refused by the bound.
    """
    suspect = False

    def decimal(number: str) -> Decimal:
        nonlocal suspect
        if len(number) > MAX_DIGITS or "e" in number or "E" in number:
            suspect = True
        return Decimal(number)

    options: dict[str, Any] = {
        "parse_float": decimal,
        "parse_constant": _refuse_constant,
        "object_pairs_hook": _refuse_duplicates,
    }
    try:
        return json.loads(data, **options), suspect
    except json.JSONDecodeError:
        raise
    except ValueError:  # only int's digit limit: every other ValueError here is a JSONDecodeError
        return json.loads(data, parse_int=parse_integer, **options), True
