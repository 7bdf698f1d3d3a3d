"""The XLSX writer: one workbook (Rows, Breakdown, Rejections, Metadata) for people to read."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from supplierscore.errors import OutputError
from supplierscore.sheet._model import ScoreSheet
from supplierscore.sheet._tables import Cell, Kind, _Table, _tables, _text, neutralise

# --- XLSX ---------------------------------------------------------------------------------------------

XLSX_MAX_ROWS = 1_048_576
"""Rows in one Excel worksheet, the header included; a longer table cannot be written as XLSX."""

_MAX_WIDTH = 72
"""Widest column, in characters: room for a SHA-256 digest; longer text shows in the cell itself."""
_FIXED_CREATED = datetime(2000, 1, 1, tzinfo=UTC)
_EXACT_NOTE = "Exact figures: see the JSON/CSV sheet; cells show the ruleset's decimals"


def _write_xlsx(sheet: ScoreSheet, path: Path) -> list[Path]:
    """One workbook for people. ``in_memory`` makes xlsxwriter date every zip entry 1980-01-01 and the
    creation time is fixed, so the bytes depend on the sheet alone."""
    tables = (*_tables(sheet), _metadata_table(sheet))
    for table in tables:
        if len(table.records) >= XLSX_MAX_ROWS:
            raise OutputError(
                f"cannot write {path}: {table.title} has {len(table.records)} rows, more than an XLSX sheet "
                f"holds ({XLSX_MAX_ROWS - 1}); write .csv or .parquet instead",
                path=str(path),
            )
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    workbook.set_properties({"created": _created(sheet.metadata.created_at)})
    header = workbook.add_format({"bold": True})
    figure = workbook.add_format({"num_format": _number_format(sheet.metadata.precision)})
    for table in tables:
        _xlsx_sheet(workbook.add_worksheet(table.title), table, header, figure)
    workbook.close()
    path.write_bytes(buffer.getvalue())
    return [path]


def _metadata_table(sheet: ScoreSheet) -> _Table:
    """The run's metadata as key/value rows (nested keys dotted: ``counts.read``), plus where the exact
    figures are, since the workbook shows rounded floats."""
    pairs: list[tuple[Cell, ...]] = [(key, value) for key, value in _dotted(sheet._metadata_dict())]
    pairs.append(("note", _EXACT_NOTE))
    return _Table("Metadata", (("key", "text"), ("value", "text")), pairs)


def _dotted(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            pairs += _dotted(value, f"{prefix}{key}.")
        else:
            pairs.append((f"{prefix}{key}", value))
    return pairs


def _created(created_at: str | None) -> datetime:
    """The workbook's creation time: the sheet's own ``created_at`` (the CLI sets it from
    ``SOURCE_DATE_EPOCH``), else a fixed date; xlsxwriter would stamp the current time otherwise."""
    if not created_at:
        return _FIXED_CREATED
    try:
        moment = datetime.fromisoformat(created_at)
    except ValueError:
        return _FIXED_CREATED
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number_format(precision: int) -> str:
    return "0." + "0" * precision if precision else "0"


def _xlsx_sheet(worksheet: Any, table: _Table, header: Any, figure: Any) -> None:
    """A table with a bold, frozen, filterable header and columns as wide as their content (capped)."""
    widths = [len(name) for name, _ in table.columns]
    for col, (name, _) in enumerate(table.columns):
        worksheet.write_string(0, col, neutralise(name), header)
    for row, record in enumerate(table.records, start=1):
        for col, (value, (_, kind)) in enumerate(zip(record, table.columns, strict=True)):
            widths[col] = max(widths[col], len(_xlsx_cell(worksheet, row, col, value, kind, figure)))
    for col, width in enumerate(widths):
        worksheet.set_column(col, col, min(width + 2, _MAX_WIDTH))
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, len(table.records), len(table.columns) - 1)


def _xlsx_cell(worksheet: Any, row: int, col: int, value: Cell, kind: Kind, figure: Any) -> str:
    """Write one cell by its type and return the text it shows. Text always goes through
    ``write_string``: ``write`` would make a formula of ``=...``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
        return "FALSE"
    if isinstance(value, int):
        worksheet.write_number(row, col, value)
        return str(value)
    if isinstance(value, str) and kind == "decimal":
        worksheet.write_number(row, col, float(value), figure)  # for display only; exact in JSON and CSV
        return value
    text = _text(value, kind)
    if text:  # no reasons leaves the cell blank, as None does, not an empty string
        worksheet.write_string(row, col, text)
    return text
