"""Telling OCDS from tender documents by a file's first keys, without loading the OCDS importer: every
``score`` asks this of its JSON inputs, and most are not OCDS."""

from __future__ import annotations

import os
import re

OCDS_KEYS = frozenset({"releases", "records", "ocid", "publishedDate", "publisher", "compiledRelease"})
"""Top-level keys that only OCDS has: a tender document has only ``tender`` and ``bids``."""

_HEAD_BYTES = 256 * 1024


def looks_like_ocds(path: str | os.PathLike[str]) -> bool:
    """Whether a file's first JSON object has a key only OCDS uses (``releases``, ``records``, ``ocid``…).

    Only the start of the file is scanned, so detection costs the same for any size.
    """
    try:
        with open(path, "rb") as stream:
            head = stream.read(_HEAD_BYTES)
    except OSError:
        return False
    return bool(_top_level_keys(head.decode("utf-8-sig", errors="ignore")) & OCDS_KEYS)


_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]')


def _top_level_keys(text: str) -> set[str]:
    """The keys of the first object in ``text`` (as far as it goes), found without parsing it all."""
    keys: set[str] = set()
    depth = 0
    last: str | None = None
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
            if depth <= 0:
                break
        elif token == ":" and depth == 1 and last is not None:
            keys.add(last[1:-1])
        last = token if token.startswith('"') else None
    return keys
