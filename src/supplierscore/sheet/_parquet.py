"""The Parquet writer: the flat tables with figures as exact ``Decimal(38, precision)`` columns."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import polars as pl

from supplierscore.sheet._model import ScoreSheet
from supplierscore.sheet._tables import Kind, _beside, _Table, _tables

# --- Parquet ------------------------------------------------------------------------------------------

_POLARS_TYPES: dict[Kind, Any] = {
    "text": pl.String,
    "int": pl.Int64,
    "bool": pl.Boolean,
    "list": pl.List(pl.String),
}


def _write_parquet(sheet: ScoreSheet, path: Path) -> list[Path]:
    """Three Parquet files like the CSV ones; each carries the run's metadata so it can be traced alone.
    polars writes no timestamp, so the bytes depend on the sheet (and the polars version) alone."""
    metadata = {"supplierscore.metadata": json.dumps(sheet._metadata_dict(), ensure_ascii=False)}
    precision = sheet.metadata.precision
    written = []
    for table in _tables(sheet):
        target = _beside(path, table)
        columns = [_series(table, index, precision) for index in range(len(table.columns))]
        pl.DataFrame(columns).write_parquet(target, metadata=metadata)
        written.append(target)
    return written


def _series(table: _Table, index: int, precision: int) -> pl.Series:
    """One column with an explicit type; figures go from their exact strings to ``Decimal(38, precision)``,
    never through float."""
    name, kind = table.columns[index]
    values = [record[index] for record in table.records]
    if kind == "decimal":
        exact = [None if value is None else Decimal(cast(str, value)) for value in values]
        return pl.Series(name, exact, dtype=pl.Decimal(38, precision))
    return pl.Series(name, values, dtype=_POLARS_TYPES[kind])
