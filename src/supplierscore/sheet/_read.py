"""Reading a score sheet back, for the commands that look at one after the run (``explain``, ``diff``,
``report``, ``debrief``).

They read the JSON sheet, the one format that holds everything exactly (metadata included). Every other
format ``score`` writes is recognised and answered with one line saying which file to give instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from supplierscore.errors import UsageError

_OTHER_FORMATS = {
    b"PK\x03\x04": "an XLSX workbook",
    b"PAR1": "a Parquet file",
}


def load_sheet(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A JSON score sheet (as ``score --out x.json`` writes it), as plain JSON data.

    An XLSX, Parquet or CSV sheet is refused with a :class:`UsageError` that says to write the JSON sheet
    (its figures are exact and it carries the run's metadata), never with a decoding error.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}", path=str(path)) from error
    kind = _other_format(raw, Path(path))
    if kind is not None:
        raise UsageError(
            f"{path} is {kind}: this command reads the JSON score sheet; write one with "
            f"`supplierscore score INPUT... --out NAME.json` (the same run, with exact figures and metadata)",
            path=str(path),
        )
    try:
        data: dict[str, Any] = json.loads(raw)
    except ValueError as error:
        raise UsageError(f"{path} is not a JSON score sheet: {error}", path=str(path)) from error
    if not isinstance(data, dict) or not {"metadata", "rows"} <= set(data):
        raise UsageError(f"{path} is not a JSON score sheet (write one with --out NAME.json)", path=str(path))
    return data


def _other_format(raw: bytes, path: Path) -> str | None:
    """What other sheet format ``raw`` is, by its first bytes (or a CSV header), or None."""
    for magic, kind in _OTHER_FORMATS.items():
        if raw.startswith(magic):
            return kind
    if path.suffix.lower() == ".csv" or raw.startswith(b"tender_id,") or raw.startswith(b"source,"):
        return "a CSV score sheet"
    return None
