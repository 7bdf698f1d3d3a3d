"""Reading a score sheet back, for the commands that look at one after the run (``explain``, ``diff``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from supplierscore.errors import UsageError


def load_sheet(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A JSON score sheet (as ``score --out x.json`` writes it), for :func:`diff_sheets`."""
    try:
        data: dict[str, Any] = json.loads(Path(path).read_bytes())
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}", path=str(path)) from error
    except ValueError as error:
        raise UsageError(f"{path} is not a JSON score sheet: {error}", path=str(path)) from error
    if not isinstance(data, dict) or not {"metadata", "rows"} <= set(data):
        raise UsageError(f"{path} is not a JSON score sheet (write one with --out NAME.json)", path=str(path))
    return data
