"""The XLSX writer: one workbook (Rows, Subtotals, Breakdown, Rejections, Metadata) for people to read."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from supplierscore.errors import OutputError
from supplierscore.sheet._model import ScoreSheet
from supplierscore.sheet._tables import _PLAIN_NUMBER, Cell, Kind, _figures, _row_cells, _Table

# --- XLSX ---------------------------------------------------------------------------------------------

XLSX_MAX_ROWS = 1_048_576
"""Rows in one Excel worksheet, the header included; a longer table cannot be written as XLSX."""

_MAX_WIDTH = 72
"""Widest column, in characters: room for a SHA-256 digest; longer text shows in the cell itself."""
_FIXED_CREATED = datetime(2000, 1, 1, tzinfo=UTC)
_EXACT_NOTE = (
    "Exact figures: see the JSON/CSV sheet; cells show the ruleset's decimals. Text is shown as written: "
    "a cell of this workbook is never a formula"
)


def _write_xlsx(sheet: ScoreSheet, path: Path) -> list[Path]:
    """One workbook for people. ``in_memory`` makes xlsxwriter date every zip entry 1980-01-01 and the
    creation time is fixed, so the bytes depend on the sheet alone."""
    tables = (*_people_tables(sheet), _metadata_table(sheet))
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
    formats = _Formats(workbook, sheet.metadata.precision)
    for table in tables:
        _xlsx_sheet(workbook.add_worksheet(table.title), table, formats)
    workbook.close()
    path.write_bytes(buffer.getvalue())
    return [path]


def _people_tables(sheet: ScoreSheet) -> tuple[_Table, ...]:
    """The tables with headers in words: criteria and groups by the ruleset's labels, the bid's price and
    the tender's title on every row, and group subtotals on a sheet of their own, so that no row of the
    Rows sheet holds a point twice (its criterion columns add up to its total)."""
    rows: list[tuple[Cell, ...]] = [_row_cells(sheet, row) for row in sheet.rows]
    subtotals: list[tuple[Cell, ...]] = [
        (
            row.tender_id,
            row.rank,
            row.bid_id,
            row.supplier_name,
            None if row.total is None else sheet.decimal(row.total),
            *_figures(sheet, row.groups, sheet.groups),
        )
        for row in sheet.rows
        if row.eligible
    ]
    breakdown: list[tuple[Cell, ...]] = [
        (
            b.tender_id,
            b.bid_id,
            sheet.label(b.criterion),
            b.criterion,
            b.input,
            str(b.fraction),
            b.evidence,
            str(b.factor),
            sheet.decimal(b.points),
            b.reason,
        )
        for b in sheet.breakdown
    ]
    rejections: list[tuple[Cell, ...]] = [
        (r.source, r.line, r.index, r.tender_id, r.bid_id, r.path, r.reason) for r in sheet.rejections
    ]
    return (
        _Table("Rows", (*_ROWS, *((sheet.label(c), "decimal") for c in sheet.criteria)), rows),
        _Table("Subtotals", (*_SUBTOTALS, *((sheet.label(g), "decimal") for g in sheet.groups)), subtotals),
        _Table("Breakdown", _BREAKDOWN, breakdown),
        _Table("Rejections", _REJECTIONS, rejections),
    )


_ROWS: tuple[tuple[str, Kind], ...] = (
    ("Tender", "text"),
    ("Tender title", "text"),
    ("Rank", "int"),
    ("Bid", "text"),
    ("Supplier id", "text"),
    ("Supplier", "text"),
    ("Price offered", "number"),
    ("Currency", "text"),
    ("Eligible", "bool"),
    ("Why not eligible", "list"),
    ("Total", "decimal"),
)
_SUBTOTALS: tuple[tuple[str, Kind], ...] = (
    ("Tender", "text"),
    ("Rank", "int"),
    ("Bid", "text"),
    ("Supplier", "text"),
    ("Total", "decimal"),
)
_BREAKDOWN: tuple[tuple[str, Kind], ...] = (
    ("Tender", "text"),
    ("Bid", "text"),
    ("Criterion", "text"),
    ("Criterion id", "text"),
    ("Input", "number"),
    ("Fraction", "number"),
    ("Evidence", "text"),
    ("Evidence factor", "number"),
    ("Points", "decimal"),
    ("Reason", "text"),
)
_REJECTIONS: tuple[tuple[str, Kind], ...] = (
    ("Source", "text"),
    ("Line", "int"),
    ("Bid index", "int"),
    ("Tender", "text"),
    ("Bid", "text"),
    ("Where (JSON Pointer)", "text"),
    ("Reason", "text"),
)


class _Formats:
    """The workbook's cell formats: a bold header, points with the ruleset's decimals, and other numbers
    (prices, inputs, fractions) with as many decimals as they were written with."""

    def __init__(self, workbook: Any, precision: int) -> None:
        self._workbook = workbook
        self.header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.points = workbook.add_format({"num_format": _number_format(precision)})
        self._numbers: dict[int, Any] = {}

    def number(self, text: str) -> Any:
        """The format for a number written as ``text``: its own decimals, with thousands separators."""
        decimals = len(text.partition(".")[2])
        if decimals not in self._numbers:
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            self._numbers[decimals] = self._workbook.add_format({"num_format": pattern})
        return self._numbers[decimals]


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


def _xlsx_sheet(worksheet: Any, table: _Table, formats: _Formats) -> None:
    """A table with a bold, frozen, filterable header and columns as wide as their content (capped)."""
    widths = [min(len(name), 24) for name, _ in table.columns]
    for col, (name, _) in enumerate(table.columns):
        worksheet.write_string(0, col, name, formats.header)
    for row, record in enumerate(table.records, start=1):
        for col, (value, (_, kind)) in enumerate(zip(record, table.columns, strict=True)):
            widths[col] = max(widths[col], len(_xlsx_cell(worksheet, row, col, value, kind, formats)))
    for col, width in enumerate(widths):
        worksheet.set_column(col, col, min(width + 2, _MAX_WIDTH))
    worksheet.freeze_panes(1, 0)
    worksheet.autofilter(0, 0, len(table.records), len(table.columns) - 1)


def _xlsx_cell(worksheet: Any, row: int, col: int, value: Cell, kind: Kind, formats: _Formats) -> str:
    """Write one cell by its type and return the text it shows.

    Text always goes through ``write_string``, which never makes a formula: a cell that reads ``=1+1``
    shows exactly that, so XLSX text is written as the bidder wrote it, without the ``'`` that CSV needs
    (:func:`neutralise`). Figures and plain numbers are numbers, so they sort and sum.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
        return "FALSE"
    if isinstance(value, int):
        worksheet.write_number(row, col, value)
        return str(value)
    if isinstance(value, str) and kind == "decimal":
        worksheet.write_number(row, col, float(value), formats.points)  # display only; exact in JSON, CSV
        return value
    if isinstance(value, str) and kind == "number" and _PLAIN_NUMBER.fullmatch(value):
        worksheet.write_number(row, col, float(value), formats.number(value))
        return value
    text = "; ".join(value) if isinstance(value, tuple) else value
    if text:  # no reasons leaves the cell blank, as None does, not an empty string
        worksheet.write_string(row, col, text)
    return text
