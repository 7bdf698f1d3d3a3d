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


def _parse_line(raw: bytes, *, offset: int) -> Any:
    """Parse one line (or one ``.json`` file) into a Python value, or raise :class:`_LineError`."""
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
        return parse_json(text)
    except json.JSONDecodeError as error:
        raise _LineError(f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    except (ValueError, RecursionError) as error:  # e.g. an integer of more than 4300 digits
        raise _LineError(f"invalid JSON: {error}") from None


def parse_json(text: str | bytes) -> Any:
    """Parse JSON the way bids are read: numbers as ``Decimal``, no duplicate keys, no NaN."""
    data = text.decode("utf-8-sig") if isinstance(text, bytes) else text
    return json.loads(
        data,
        parse_float=Decimal,
        parse_constant=_refuse_constant,
        object_pairs_hook=_refuse_duplicates,
    )
