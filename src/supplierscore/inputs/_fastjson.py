"""Parsing one line fast, with a proof that the result is the exact parser's, or by the exact parser.

The exact parser (:func:`supplierscore.inputs._parse._parse_line`: the standard library's ``json`` with
a hook per object and a ``Decimal`` per fraction) costs about six times a C parser. msgspec parses a line
at C speed and reads every number written with a fraction or an exponent as ``Decimal(token)``, as the
exact parser does (its ``float_hook``), and integers as ``int``; it refuses what the exact parser refuses
(invalid UTF-8 or JSON, NaN and Infinity, a BOM), and a few things more (a lone surrogate escape, an
integer over 4,300 characters). What it does differently is checked on every line, at C speed:

- it keeps the last of duplicate keys, where the exact parser refuses them: the line's colons, which
  are one per key plus those inside strings, must be as many as in the parsed value written back;
- it has no depth limit of ours: the brackets outside strings must nest at most ``MAX_DEPTH`` deep;
- a number with an exponent or over ``MAX_DIGITS`` characters, or a surrogate escape, makes the exact
  parser look for values out of bounds: such a line is left to it.

Any line not proven this way, and every line that is rejected, goes to the exact parser, so every
value, type, finding and rejection message is the exact parser's. ``tests/test_fast_read.py`` checks
this against the exact parser on generated lines.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from functools import cache
from typing import Any

from supplierscore.inputs._batch import MAX_DEPTH, MAX_LINE_BYTES
from supplierscore.inputs._parse import _QUOTED, _SURROGATE_ESCAPE, _parse_line
from supplierscore.limits import MAX_DIGITS, number_problem, text_problem


class _Suspect(Exception):
    """A number the exact parser would look at for bounds: the line is left to it."""


def _decimal(token: str) -> Decimal:
    if len(token) > MAX_DIGITS or "e" in token or "E" in token:
        raise _Suspect
    return Decimal(token)


@cache
def _codec() -> tuple[Any, Any]:
    """msgspec's JSON decoder (fractions as Decimal) and encoder, imported on first use: a command that
    reads no bids does not pay for the import."""
    import msgspec

    return msgspec.json.Decoder(float_hook=_decimal), msgspec.json.Encoder()


_INT_DIGITS = 4300
"""The longest integer msgspec reads; the exact parser (Python's ``int``) must read at least as long."""


def parse_line(raw: bytes, *, offset: int) -> tuple[Any, list[tuple[str, str]]]:
    """What :func:`~supplierscore.inputs._parse._parse_line` returns for ``raw`` (or raises), faster."""
    document = fast_document(raw)
    if document is _UNPROVEN:
        return _parse_line(raw, offset=offset)
    return document, []


_UNPROVEN: Any = object()


def fast_document(raw: bytes) -> Any:
    """The exact parser's value for ``raw`` when it is proven at C speed, else ``_UNPROVEN``.

    A proven line has no values out of bounds to report (those need a long or exponent number, or a
    surrogate escape, which are left to the exact parser).
    """
    if len(raw) > MAX_LINE_BYTES or (b"\\u" in raw and _SURROGATE_ESCAPE.search(raw)):
        return _UNPROVEN
    limit = sys.get_int_max_str_digits()
    if 0 < limit < _INT_DIGITS:
        return _UNPROVEN
    try:
        document = _codec()[0].decode(raw)
    except (ValueError, _Suspect, RecursionError):  # msgspec.DecodeError is a ValueError
        return _UNPROVEN
    if not _shallow(raw) or not _unique_keys(raw, document):
        return _UNPROVEN
    return document


_UNIFY = bytes.maketrans(b"[]", b"{}")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'{}[]"')


def _shallow(raw: bytes) -> bool:
    """Whether ``raw``, valid JSON, nests at most ``MAX_DEPTH`` deep (for valid JSON, the exact
    parser's ``_too_deep`` is exactly this test).

    Escapes are dropped, then all but brackets and quotes, with ``[]`` written as ``{}``. When every
    quote is followed by another (no string holds a bracket), the quotes are simply dropped; otherwise
    the strings are, one by one. Then each pass drops every innermost ``{}``, one level a pass.
    """
    text = raw.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in raw else raw
    structure = text.translate(_UNIFY, _NOT_STRUCTURE)
    quotes = structure.count(b'"')
    if len(structure) - quotes <= 2 * MAX_DEPTH:
        return True
    if quotes == 2 * structure.count(b'""'):
        brackets = structure.translate(None, b'"')
    else:
        brackets = _QUOTED.sub(b"", structure)
    for _ in range(MAX_DEPTH):
        brackets = brackets.replace(b"{}", b"")
        if not brackets:
            return True
    return False


def _unique_keys(raw: bytes, document: Any) -> bool:
    """Whether no object in ``raw`` repeats a key, given ``document``, what it parsed to.

    A duplicate drops at least one key with its value: the parsed value written back has fewer keys,
    and no more colons inside strings, than ``raw``. So equal counts of colons (one a key, plus those
    in strings, escaped ones counted too) prove that nothing was dropped; so does ``raw`` being exactly
    the parsed value written back.
    """
    try:
        written: bytes = _codec()[1].encode(document)
    except Exception:  # whatever msgspec cannot write back is left to the exact parser
        return False
    if written == raw:
        return True
    colons = raw.count(b":")
    if b"\\u003" in raw:
        colons += raw.count(b"\\u003a") + raw.count(b"\\u003A")
    return colons == written.count(b":")


def plain(value: Any) -> bool:
    """Whether ``value`` (a document already in memory) is proven to hold nothing that
    :func:`~supplierscore.limits.value_problems` or a float check would report: only dicts with text
    keys, lists, valid text, bools, None, integers of at most 128 bits and ``Decimal`` within the bounds,
    each of exactly that type. One walk without JSON Pointers; anything else (a float, a subclass, a
    tuple) answers False and is looked at the careful way."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key in item:
                if type(key) is not str or (not key.isascii() and text_problem(key) is not None):
                    return False
            values: Any = item.values()
        elif kind is list:
            values = item
        else:
            values = (item,)
        for child in values:
            kind = type(child)
            if kind is str:
                if not child.isascii() and text_problem(child) is not None:
                    return False
            elif kind is dict or kind is list:
                stack.append(child)
            elif kind is int:
                if child.bit_length() > 128:
                    return False
            elif kind is Decimal:
                if number_problem(child) is not None:
                    return False
            elif kind is not bool and child is not None:
                return False
    return True
