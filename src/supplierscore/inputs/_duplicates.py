"""A key given twice inside one bid: that bid is rejected at the object holding the key, and the tender's
other bids are still read (a duplicate anywhere else still rejects the whole line).

The line has already failed the strict parse; it is parsed again with every object remembering the keys
it was given twice, and the remembered objects are found by a walk that builds their JSON Pointers.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from typing import Any


class _Twice(dict[str, Any]):
    """An object in which some keys were given more than once (the last value is kept)."""

    twice: list[str]


def _remember(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = _Twice(result)
    marked.twice = sorted(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return marked


def _escape(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _marked(value: Any, pointer: str) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    if isinstance(value, _Twice):
        found.append((pointer, value.twice))
    if isinstance(value, dict):
        for key, item in value.items():
            found += _marked(item, f"{pointer}/{_escape(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _marked(item, f"{pointer}/{index}")
    return found


def bids_with_duplicate_keys(raw: bytes) -> tuple[Any, dict[int, list[tuple[str, str]]]] | None:
    """The document of a line whose only flaw is keys given twice inside bids, and each such bid's
    problems by index, at the pointer of the object holding the key; None when any duplicate is outside
    a bid, or the line fails for another reason too."""
    try:
        document = json.loads(
            raw.decode("utf-8"), parse_float=Decimal, object_pairs_hook=_remember, parse_constant=_refuse
        )
    except (ValueError, RecursionError):
        return None
    problems: dict[int, list[tuple[str, str]]] = {}
    for pointer, keys in _marked(document, ""):
        steps = pointer.split("/")
        if len(steps) < 3 or steps[1] != "bids" or not steps[2].isdigit():
            return None
        names = ", ".join(f'"{k}"' for k in keys)
        reason = f"duplicate key {names} in one object: ambiguous, so the bid is refused"
        problems.setdefault(int(steps[2]), []).append((pointer, reason))
    return (document, problems) if problems else None


def _refuse(name: str) -> Any:
    raise ValueError(name)
