"""Which files a run reads: inputs named on the command line expanded (folders, standard input), each
file checked before it is opened (a name that is UTF-8, a regular file, given once).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from supplierscore.errors import UsageError
from supplierscore.inputs._batch import (
    MAX_STDIN_BYTES,
    STDIN,
    SUPPORTED_SUFFIXES,
    InputBytes,
)
from supplierscore.inputs._gather import (
    folder_files,
    repeated_paths,
    wide_json,
)
from supplierscore.inputs._lines import not_regular
from supplierscore.inputs._spreadsheet import is_spreadsheet
from supplierscore.limits import text_problem


def _expand_inputs(
    inputs: Iterable[str | os.PathLike[str] | InputBytes], stdin: BinaryIO | None
) -> tuple[list[tuple[str, Path | bytes]], list[str]]:
    """Resolve the inputs to (display name, file or bytes) pairs, checking them all before any is read,
    and a note for each file skipped or decoded.

    Standard input is read once, into memory: both passes over the input need it.
    """
    resolved: list[tuple[str, Path | bytes]] = []
    notes: list[str] = []
    for item in inputs:
        if isinstance(item, InputBytes):
            resolved.append((item.name, item.data))
            continue
        text = os.fspath(item)
        if text == STDIN:
            data = (stdin if stdin is not None else sys.stdin.buffer).read(MAX_STDIN_BYTES + 1)
            if len(data) > MAX_STDIN_BYTES:
                raise UsageError(
                    f"standard input is over {MAX_STDIN_BYTES // 2**30} GiB: save it to a file and name "
                    "the file (files of any size are read piece by piece)"
                )
            resolved.append(("<stdin>", data))
            continue
        _check_name(text)
        path = Path(text)
        if path.is_dir():
            found, skipped = folder_files(path)
            for entry in found:
                _check_name(str(entry))
                kind = not_regular(entry)
                if kind is not None:
                    raise UsageError(f"input {entry} is {kind}, not a regular file: move it out of {text}")
                resolved.append((str(entry), entry))
            notes += skipped
            continue
        if not path.exists():
            raise UsageError(f"input not found: {text}", path=text)
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise UsageError(
                f"unsupported input type {path.suffix or '(none)'} for {text}: "
                f"use {', '.join(SUPPORTED_SUFFIXES)}",
                path=text,
            )
        kind = not_regular(path)
        if kind is not None:
            raise UsageError(f"input {text} is {kind}, not a regular file, so it may never end", path=text)
        if not os.access(path, os.R_OK):
            raise UsageError(f"input cannot be read (permission denied): {text}", path=text)
        resolved.append((text, path))
    repeated_paths([(name, source) for name, source in resolved if isinstance(source, Path)])
    for number, (name, source) in enumerate(resolved):
        wide = wide_json(name, source) if isinstance(source, Path) and not is_spreadsheet(name) else None
        if wide is not None:
            resolved[number] = (name, wide[0])
            notes.append(wide[1])
    return resolved, notes


def _check_name(name: str) -> None:
    """Refuse a file name that is not valid UTF-8: it names every rejection, and no sheet, audit record
    or terminal could hold it."""
    if text_problem(name) is not None:
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise UsageError(f"the input name {shown} is not valid UTF-8: rename the file", path=shown)


def _is_single_document(name: str) -> bool:
    return name.lower().endswith(".json")
