"""Flat tables shared by the CSV, XLSX and Parquet writers, the CSV writer, and the formula guard.

One flattening for every tabular format keeps their columns identical.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal, TextIO

from supplierscore.inputs import Rejection
from supplierscore.sheet._model import ParticipationRow, Row, ScoreSheet

# --- Flat tables, shared by the CSV, XLSX and Parquet writers -----------------------------------------

Kind = Literal["text", "int", "bool", "decimal", "list", "number"]
"""How a column is written: ``decimal`` is a points figure at the ruleset's precision; ``number`` (XLSX
only) is text that holds a plain number of its own decimals (a price, an input, a fraction)."""
Cell = str | int | bool | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class _Table:
    """One flat table of the sheet, as the CSV, XLSX and Parquet writers all lay it out.

    Figures are already the sheet's exact decimal strings (``kind == "decimal"``), made once by
    :meth:`ScoreSheet.decimal`, so every format shows the same digits as the JSON.
    """

    title: str
    columns: tuple[tuple[str, Kind], ...]
    records: list[tuple[Cell, ...]]


_ROW_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("tender_id", "text"),
    ("tender_title", "text"),
    ("rank", "int"),
    ("bid_id", "text"),
    ("supplier_id", "text"),
    ("supplier_name", "text"),
    ("price", "text"),
    ("currency", "text"),
    ("eligible", "bool"),
    ("reasons", "list"),
    ("total", "decimal"),
)
_BREAKDOWN_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("tender_id", "text"),
    ("bid_id", "text"),
    ("criterion", "text"),
    ("input", "text"),
    ("fraction", "text"),
    ("evidence", "text"),
    ("factor", "text"),
    ("points", "decimal"),
    ("reason", "text"),
)
_REJECTION_COLUMNS: tuple[tuple[str, Kind], ...] = (
    ("source", "text"),
    ("line", "int"),
    ("index", "int"),
    ("tender_id", "text"),
    ("bid_id", "text"),
    ("path", "text"),
    ("reason", "text"),
)


def _tables(sheet: ScoreSheet) -> tuple[_Table, _Table, _Table]:
    return _row_table(sheet), _breakdown_table(sheet), _rejection_table(sheet.rejections)


def _row_table(sheet: ScoreSheet) -> _Table:
    """The rows with a column for every criterion and group the sheet lists, so an ineligible bid
    (no points) still has them, empty, and every row lines up."""
    columns: tuple[tuple[str, Kind], ...] = (
        *_ROW_COLUMNS,
        *((f"points.{name}", "decimal") for name in sheet.criteria),
        *((f"group.{name}", "decimal") for name in sheet.groups),
        *((f"participation.{name}", "text") for name in sheet.participation),
    )
    records = [
        (
            *_row_cells(sheet, row),
            *_figures(sheet, row.groups, sheet.groups),
            *(
                row.participation.get(name) if isinstance(row, ParticipationRow) else None
                for name in sheet.participation
            ),
        )
        for row in sheet.rows
    ]
    return _Table("Rows", columns, records)


def _row_cells(sheet: ScoreSheet, row: Row) -> tuple[Cell, ...]:
    """A row's cells up to its points, in ``_ROW_COLUMNS`` order: what the CSV/Parquet Rows table and the
    workbook's Rows sheet share."""
    return (
        row.tender_id,
        row.tender_title,
        row.rank,
        row.bid_id,
        row.supplier_id,
        row.supplier_name,
        row.price,
        row.currency,
        row.eligible,
        row.reasons,
        None if row.total is None else sheet.decimal(row.total),
        *_figures(sheet, row.points, sheet.criteria),
    )


def _figures(sheet: ScoreSheet, values: dict[str, Decimal], names: tuple[str, ...]) -> list[Cell]:
    """``values`` in the order of ``names``; a figure under a name the sheet does not list would have no
    column, so it is refused rather than silently dropped."""
    if extra := values.keys() - set(names):
        raise ValueError(f"no column for {sorted(extra)}: the sheet lists {list(names)}")
    return [None if (value := values.get(name)) is None else sheet.decimal(value) for name in names]


def _breakdown_table(sheet: ScoreSheet) -> _Table:
    records: list[tuple[Cell, ...]] = [
        (
            b.tender_id,
            b.bid_id,
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
    return _Table("Breakdown", _BREAKDOWN_COLUMNS, records)


def _rejection_table(rejections: Sequence[Rejection]) -> _Table:
    records: list[tuple[Cell, ...]] = [
        (r.source, r.line, r.index, r.tender_id, r.bid_id, r.path, r.reason) for r in rejections
    ]
    return _Table("Rejections", _REJECTION_COLUMNS, records)


_TABLE_MAKERS: dict[str, Callable[[ScoreSheet], _Table]] = {
    "Rows": _row_table,
    "Breakdown": _breakdown_table,
    "Rejections": lambda sheet: _rejection_table(sheet.rejections),
}


TITLES = ("Rows", "Breakdown", "Rejections")
"""The sheet's tables, in the order every tabular writer writes them."""


def _beside(path: Path, title: str) -> Path:
    """Where a table goes: the rows at ``path`` itself, the others beside it (``out.breakdown.csv``)."""
    if title == "Rows":
        return path
    return path.with_name(f"{path.stem}.{title.lower()}{path.suffix}")


# --- CSV, and the text rules it shares with XLSX ------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def neutralise(text: str) -> str:
    """``text`` safe to open in a spreadsheet: a leading ``'`` if it could start a formula.

    A spreadsheet evaluates a cell starting with ``=``, ``+``, ``-`` or ``@`` (a tab or carriage return
    can hide one), and a bidder chooses its own name. A plain number such as ``-1.5`` cannot run anything
    and is left alone, so figures kept as text (a breakdown's input) keep their value.

    >>> neutralise('=HYPERLINK("http://x")'), neutralise("-1.50"), neutralise("Maple Co-op")
    ('\\'=HYPERLINK("http://x")', '-1.50', 'Maple Co-op')
    """
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _text(value: Cell, kind: Kind) -> str:
    """A cell as CSV text: figures exact, booleans as in JSON, reasons joined, other text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return neutralise("; ".join(value))
    return value if kind == "decimal" else neutralise(value)


def _write_csv(sheet: ScoreSheet, path: Path) -> list[Path]:
    return [_csv_file(table, _beside(path, table.title)) for table in _tables(sheet)]


def _csv_file(table: _Table, path: Path) -> Path:
    """One table as UTF-8 CSV with ``\\n`` line ends, streamed so a large run needs no second copy."""
    kinds = [kind for _, kind in table.columns]
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(_LineFeedRecords(file), lineterminator="\r\n")
        writer.writerow([neutralise(name) for name, _ in table.columns])
        writer.writerows(
            [_text(value, kind) for value, kind in zip(record, kinds, strict=True)]
            for record in table.records
        )
    return path


class _LineFeedRecords:
    """A file the csv writer hands ``\\r\\n``-ended records and that stores them ending in ``\\n``.

    Python before 3.11.9 (CPython gh-67044) quotes a field for line breaks only if they are in the
    writer's ``lineterminator``: with ``"\\n"`` a bare ``\\r`` went unquoted and split the row for every
    reader, and output differed between patch releases. With ``"\\r\\n"`` every version quotes both.
    """

    def __init__(self, file: TextIO) -> None:
        self._file = file

    def write(self, record: str) -> int:
        """Store one record (the csv writer writes a whole record per call) with a ``\\n`` ending."""
        return self._file.write(record.removesuffix("\r\n") + "\n")
