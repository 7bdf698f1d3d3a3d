"""Reading a score sheet back, for the commands that look at one after the run (``explain``, ``diff``,
``report``, ``debrief``).

They read the JSON sheet, the one format that holds everything exactly (metadata included); every other
format ``score`` writes is recognised and answered with one line saying which file to give instead. A sheet
read back is input like any other: it may have been edited, truncated or made by someone else. It is read
only from a regular file, its numbers and text must be within the bounds of :mod:`supplierscore.limits`,
and it must be a score sheet by ``schemas/scoresheet.schema.json``, so that what reads it next can rely on
its shape; anything else is one :class:`~supplierscore.errors.UsageError`.
"""

from __future__ import annotations

import json
import os
import stat
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from supplierscore.errors import UsageError
from supplierscore.limits import clip, parse_integer, value_problems
from supplierscore.resources import load_schema

_OTHER_FORMATS = {
    b"PK\x03\x04": "an XLSX workbook",
    b"PAR1": "a Parquet file",
}


def load_sheet(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A JSON score sheet (as ``score --out x.json`` writes it), as plain JSON data.

    An XLSX, Parquet or CSV sheet is refused with a :class:`UsageError` that says to write the JSON sheet
    (its figures are exact and it carries the run's metadata), never with a decoding error.
    """
    name = str(path)
    try:
        with Path(path).open("rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise UsageError(f"{name} is not a regular file, so not a JSON score sheet", path=name)
            data = stream.read()
    except OSError as error:
        raise UsageError(f"cannot read {name}: {error.strerror or error}", path=name) from error
    kind = _other_format(data, Path(path))
    if kind is not None:
        raise UsageError(
            f"{clip(name)} is {kind}: this command reads the JSON score sheet; write one with "
            f"`supplierscore score INPUT... --out NAME.json` (the same run, with exact figures and metadata)",
            path=name,
        )
    return parse_sheet(data, name)


def parse_sheet(data: bytes, name: str = "<sheet>") -> dict[str, Any]:
    """The score sheet in ``data`` (JSON bytes), checked against the sheet schema and the input bounds."""
    try:
        sheet = json.loads(data, parse_float=Decimal, parse_int=parse_integer)
    except RecursionError:
        raise UsageError(f"{name} is not a JSON score sheet: it is nested too deeply", path=name) from None
    except ValueError as error:  # not JSON, not UTF-8
        raise UsageError(f"{name} is not a JSON score sheet: {clip(str(error))}", path=name) from None
    if not isinstance(sheet, dict) or not {"metadata", "rows"} <= set(sheet):
        raise UsageError(f"{name} is not a JSON score sheet (write one with --out NAME.json)", path=name)
    for pointer, problem in value_problems(sheet):
        raise UsageError(f"{name} is not a JSON score sheet: at {clip(pointer)}, {problem}", path=name)
    for wrong in _validator().iter_errors(sheet):
        where = "".join(f"/{step}" for step in wrong.instance_path) or "/"
        raise UsageError(
            f"{name} is not a JSON score sheet: at {clip(where)}, {clip(wrong.message)}", path=name
        )
    return sheet


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(load_schema("scoresheet.schema.json"))


def _other_format(raw: bytes, path: Path) -> str | None:
    """What other sheet format ``raw`` is, by its first bytes (or a CSV header), or None."""
    for magic, kind in _OTHER_FORMATS.items():
        if raw.startswith(magic):
            return kind
    if path.suffix.lower() == ".csv" or raw.startswith(b"tender_id,") or raw.startswith(b"source,"):
        return "a CSV score sheet"
    return None
