"""The Parquet writer: the flat tables with figures as exact ``Decimal(38, precision)`` columns."""

from __future__ import annotations

import json
from pathlib import Path

from supplierscore.sheet._frames import frames
from supplierscore.sheet._model import ScoreSheet
from supplierscore.sheet._tables import TITLES, _beside

# --- Parquet ------------------------------------------------------------------------------------------


def parquet_metadata(sheet: ScoreSheet) -> dict[str, str]:
    """The run's metadata, stored in each Parquet file so that any one of them can be traced alone."""
    return {"supplierscore.metadata": json.dumps(sheet._metadata_dict(), ensure_ascii=False)}


def _write_parquet(sheet: ScoreSheet, path: Path) -> list[Path]:
    """Three Parquet files like the CSV ones; each carries the run's metadata so it can be traced alone.
    polars writes no timestamp, so the bytes depend on the sheet (and the polars version) alone."""
    metadata = parquet_metadata(sheet)
    written = []
    for title, frame in zip(TITLES, frames(sheet), strict=True):
        target = _beside(path, title)
        frame.write_parquet(target, metadata=metadata)
        written.append(target)
    return written
