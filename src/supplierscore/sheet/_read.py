"""Reading a score sheet back, for the commands that look at one after the run (``explain``, ``diff``).

A sheet read back is input like any other: it may have been edited, truncated or made by someone else.
It is read only from a regular file, its numbers and text must be within the bounds of
:mod:`supplierscore.limits`, and it must be a score sheet by ``schemas/scoresheet.schema.json``, so that
what reads it next can rely on its shape; anything else is one :class:`~supplierscore.errors.UsageError`.
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


def load_sheet(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A JSON score sheet (as ``score --out x.json`` writes it), for ``explain`` and :func:`diff_sheets`."""
    name = str(path)
    try:
        with Path(path).open("rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise UsageError(f"{name} is not a regular file, so not a JSON score sheet", path=name)
            data = stream.read()
    except OSError as error:
        raise UsageError(f"cannot read {name}: {error.strerror or error}", path=name) from error
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
