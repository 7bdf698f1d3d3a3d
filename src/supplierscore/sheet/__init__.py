"""The score sheet: what a run produces, and the writers that put it in files.

A :class:`ScoreSheet` holds **rows** (one per scored bid: rank, total, points per criterion, subtotals
per group), the **breakdown** (one row per bid and criterion: input, fraction, evidence, factor, points
and a plain-language reason), the **rejections** from reading, and **metadata** (run id, engine and
ruleset versions, digests, counts). Its JSON form is ``schemas/scoresheet.schema.json``; money and points
leave as decimal strings with exactly the ruleset's precision, never floats.

Writers are chosen by the output's extension (:data:`WRITERS`); every writer is deterministic, so the
same inputs, ruleset and engine version give byte-identical files. Each returns the files it wrote:

- ``.json``: the whole sheet in one file, the contract other programs read.
- ``.csv``: ``NAME.csv`` holds the rows flattened to one column per criterion (``points.<id>``) and per
  group (``group.<name>``); ``NAME.breakdown.csv`` and ``NAME.rejections.csv`` sit beside it. Figures are
  the exact decimal strings.
- ``.xlsx``: one workbook (sheets Rows, Breakdown, Rejections, Metadata) for people: figures are numbers,
  so they sort and sum, shown with the ruleset's decimals; the exact strings are in JSON and CSV.
- ``.parquet``: the same three tables as CSV in three files, figures as ``Decimal(38, precision)``, and
  the run's metadata in each file's key-value metadata.

Spreadsheets run what looks like a formula, and names and reasons come from bidders, so every text cell of
CSV and XLSX that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``
(:func:`neutralise`, after OWASP's advice on CSV injection). JSON and Parquet keep text exactly as it came.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TextIO, TypeVar, cast

import orjson
import polars as pl
import xlsxwriter

from supplierscore.inputs import Rejection, paused_gc
from supplierscore.errors import OutputError, UsageError


@dataclass(slots=True)
class Row:
    """One bid's result in its tender. An ineligible bid has no rank, no total and no points."""

    tender_id: str
    rank: int | None
    bid_id: str
    supplier_id: str
    supplier_name: str
    eligible: bool
    reasons: tuple[str, ...]
    total: Decimal | None
    points: dict[str, Decimal]
    groups: dict[str, Decimal]


@dataclass(slots=True)
class BreakdownRow:
    """How one criterion scored one bid, with every figure an auditor needs to redo it by hand."""

    tender_id: str
    bid_id: str
    criterion: str
    input: str | None
    fraction: str
    evidence: str
    factor: str
    points: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class Counts:
    """Bids read, and how they ended: ``read == scored + ineligible + rejected``."""

    read: int
    scored: int
    ineligible: int
    rejected: int


@dataclass(frozen=True, slots=True)
class Metadata:
    """Who made the sheet from what: enough to find the run in an audit log and replay it."""

    run_id: str
    created_at: str | None
    engine_version: str
    ruleset_id: str
    ruleset_version: str
    ruleset_sha256: str
    input_sha256: str
    counts: Counts
    precision: int
    rounding: str


@dataclass(frozen=True, slots=True)
class ScoreSheet:
    """The result of a run. ``write(path)`` saves it in the format the path's extension names."""

    metadata: Metadata
    criteria: tuple[str, ...]
    groups: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    breakdown: list[BreakdownRow] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def decimal(self, value: Decimal) -> str:
        """A points figure as the sheet prints it: exactly the ruleset's number of decimals."""
        return _fixed(value, self.metadata.precision)

    def to_dict(self) -> dict[str, Any]:
        """The sheet as JSON-ready data, in the shape of ``schemas/scoresheet.schema.json``."""
        return {
            "metadata": self._metadata_dict(),
            "rows": [self._row_dict(row) for row in self.rows],
            "breakdown": [self._breakdown_dict(row) for row in self.breakdown],
            "rejections": [rejection.to_dict() for rejection in self.rejections],
        }

    def _metadata_dict(self) -> dict[str, Any]:
        meta = self.metadata
        return {
            "run_id": meta.run_id,
            "created_at": meta.created_at,
            "engine_version": meta.engine_version,
            "ruleset": {
                "id": meta.ruleset_id,
                "version": meta.ruleset_version,
                "sha256": meta.ruleset_sha256,
            },
            "input_sha256": meta.input_sha256,
            "counts": {
                "read": meta.counts.read,
                "scored": meta.counts.scored,
                "ineligible": meta.counts.ineligible,
                "rejected": meta.counts.rejected,
            },
            "precision": meta.precision,
            "rounding": meta.rounding,
        }

    def _row_dict(self, row: Row) -> dict[str, Any]:
        return {
            "tender_id": row.tender_id,
            "rank": row.rank,
            "bid_id": row.bid_id,
            "supplier_id": row.supplier_id,
            "supplier_name": row.supplier_name,
            "eligible": row.eligible,
            "reasons": list(row.reasons),
            "total": None if row.total is None else self.decimal(row.total),
            "points": {k: self.decimal(v) for k, v in row.points.items()},
            "groups": {k: self.decimal(v) for k, v in row.groups.items()},
        }

    def _breakdown_dict(self, row: BreakdownRow) -> dict[str, Any]:
        return {
            "tender_id": row.tender_id,
            "bid_id": row.bid_id,
            "criterion": row.criterion,
            "input": row.input,
            "fraction": row.fraction,
            "evidence": row.evidence,
            "factor": row.factor,
            "points": self.decimal(row.points),
            "reason": row.reason,
        }

    def to_json_bytes(self) -> bytes:
        """The JSON form as bytes: UTF-8, two-space indent, fixed key order, a final newline.

        orjson walks the rows, breakdown and rejections itself (their dataclass fields are declared in
        the JSON's order), calling back only to print a Decimal: the same bytes as ``to_dict()`` would
        give, at a fraction of the cost.
        """
        document = {
            "metadata": self._metadata_dict(),
            "rows": self.rows,
            "breakdown": self.breakdown,
            "rejections": self.rejections,
        }
        return orjson.dumps(
            document, default=self._json_default, option=_JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE
        )

    def _json_default(self, value: Any) -> str:
        if isinstance(value, Decimal):
            return self.decimal(value)
        raise TypeError(f"{type(value).__name__} has no place in a score sheet")

    def write(self, path: str | os.PathLike[str]) -> list[Path]:
        """Write the sheet in the format ``path``'s extension names; returns every file written."""
        return _dispatch(WRITERS, self, path)


Payload = TypeVar("Payload")


def _dispatch(
    writers: Mapping[str, Callable[[Payload, Path], list[Path]]],
    payload: Payload,
    path: str | os.PathLike[str],
) -> list[Path]:
    """Pick the writer by extension and turn any failure to write into one :class:`OutputError`."""
    target = Path(path)
    writer = writers.get(target.suffix.lower())
    if writer is None:
        known = ", ".join(sorted(writers))
        raise UsageError(f"cannot write {target.suffix or 'a file without extension'}: use {known}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with paused_gc():  # tables of millions of cells hold no cycles
            return writer(payload, target)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}", path=str(target)) from error


_JSON_OPTIONS = orjson.OPT_INDENT_2


@functools.lru_cache(maxsize=1 << 16)
def _fixed(value: Decimal, precision: int) -> str:
    """``value`` with exactly ``precision`` decimals; cached, since a sheet repeats few distinct figures
    (equal Decimals such as 1.5 and 1.50 print alike here, so sharing a cache entry is safe)."""
    return f"{value:.{precision}f}"


def _json_bytes(data: Any) -> bytes:
    """UTF-8 JSON, two-space indent, keys in insertion order, a final newline (orjson: 30× the stdlib)."""
    return orjson.dumps(data, option=_JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE)


def _write_json(sheet: ScoreSheet, path: Path) -> list[Path]:
    path.write_bytes(sheet.to_json_bytes())
    return [path]


# --- Flat tables, shared by the CSV, XLSX and Parquet writers -----------------------------------------

Kind = Literal["text", "int", "bool", "decimal", "list"]
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
    ("rank", "int"),
    ("bid_id", "text"),
    ("supplier_id", "text"),
    ("supplier_name", "text"),
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
    )
    records = [
        (
            row.tender_id,
            row.rank,
            row.bid_id,
            row.supplier_id,
            row.supplier_name,
            row.eligible,
            row.reasons,
            None if row.total is None else sheet.decimal(row.total),
            *_figures(sheet, row.points, sheet.criteria),
            *_figures(sheet, row.groups, sheet.groups),
        )
        for row in sheet.rows
    ]
    return _Table("Rows", columns, records)


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
            b.fraction,
            b.evidence,
            b.factor,
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


def _beside(path: Path, table: _Table) -> Path:
    """Where a table goes: the rows at ``path`` itself, the others beside it (``out.breakdown.csv``)."""
    if table.title == "Rows":
        return path
    return path.with_name(f"{path.stem}.{table.title.lower()}{path.suffix}")


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
    return [_csv_file(table, _beside(path, table)) for table in _tables(sheet)]


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


Writer = Callable[[ScoreSheet, Path], list[Path]]

WRITERS: dict[str, Writer] = {
    ".csv": _write_csv,
    ".json": _write_json,
    ".parquet": _write_parquet,
    ".xlsx": _write_xlsx,
}
"""Writers by lower-case file extension."""


# --- Rejections alone (``supplierscore validate --out``) ----------------------------------------------


def write_rejections(rejections: Sequence[Rejection], path: str | os.PathLike[str]) -> list[Path]:
    """Save rejections without a sheet: ``.json`` as ``{"rejections": [...]}`` (the sheet's member of that
    name), ``.csv`` with the columns of ``NAME.rejections.csv``. Returns the file written."""
    return _dispatch(_REJECTION_WRITERS, rejections, path)


def _rejections_json(rejections: Sequence[Rejection], path: Path) -> list[Path]:
    path.write_bytes(_json_bytes({"rejections": [rejection.to_dict() for rejection in rejections]}))
    return [path]


def _rejections_csv(rejections: Sequence[Rejection], path: Path) -> list[Path]:
    return [_csv_file(_rejection_table(rejections), path)]


_REJECTION_WRITERS: dict[str, Callable[[Sequence[Rejection], Path], list[Path]]] = {
    ".csv": _rejections_csv,
    ".json": _rejections_json,
}


# --- Streaming: a sheet of any size, written piece by piece -------------------------------------------


STREAMABLE = frozenset({".json", ".csv", ".parquet"})
"""Formats a run can write piece by piece, in constant memory (XLSX is built in memory by nature)."""


class SheetWriter:
    """Writes a score sheet in pieces, in final order, to the same bytes (JSON, CSV) or the same
    content (Parquet, whose row groups follow the pieces) as :meth:`ScoreSheet.write` would.

    Rows and breakdown arrive tender by tender (:meth:`add`), rejections as they are found
    (:meth:`add_rejections`); the metadata, known last, comes with :meth:`close`. Pieces wait in
    ``workdir`` until then, so memory holds one piece at a time.
    """

    def __init__(
        self, path: Path, criteria: tuple[str, ...], groups: tuple[str, ...], precision: int, workdir: Path
    ) -> None:
        if path.suffix.lower() not in STREAMABLE:
            raise UsageError(
                f"cannot stream {path.suffix or 'a file without extension'}: use .json, .csv, .parquet"
            )
        self.path, self.workdir = path, workdir
        self.format = path.suffix.lower()
        self.shape = ScoreSheet(_PLACEHOLDER, criteria, groups)
        self.precision = precision
        self.parts: dict[str, list[Path]] = {"Rows": [], "Breakdown": [], "Rejections": []}
        self.counts = {"Rows": 0, "Breakdown": 0, "Rejections": 0}

    def _piece(
        self, rows: list[Row], breakdown: list[BreakdownRow], rejections: list[Rejection]
    ) -> ScoreSheet:
        meta = replace(_PLACEHOLDER, precision=self.precision)
        return ScoreSheet(meta, self.shape.criteria, self.shape.groups, rows, breakdown, rejections)

    def add(self, rows: list[Row], breakdown: list[BreakdownRow]) -> None:
        """Append the next rows and breakdown lines, already in the sheet's final order."""
        self._append(self._piece(rows, breakdown, []), ("Rows", "Breakdown"))

    def add_rejections(self, rejections: list[Rejection]) -> None:
        """Append the next rejections, in reading order."""
        self._append(self._piece([], [], rejections), ("Rejections",))

    def _append(self, piece: ScoreSheet, titles: tuple[str, ...]) -> None:
        for title in titles:
            items: Sequence[Any] = getattr(piece, title.lower())
            if not items:
                continue
            part = self.workdir / f"{title}-{len(self.parts[title]):06d}{self.format}"
            if self.format == ".json":
                part.write_bytes(_json_items(piece, items, first=self.counts[title] == 0))
            else:
                table = _TABLE_MAKERS[title](piece)
                if self.format == ".csv":
                    _csv_file(table, part)
                else:
                    columns = [_series(table, i, self.precision) for i in range(len(table.columns))]
                    pl.DataFrame(columns).write_parquet(part)
            self.parts[title].append(part)
            self.counts[title] += len(items)

    def close(self, metadata: Metadata) -> list[Path]:
        """Join the pieces under the final names, with the metadata; returns every file written."""
        sheet = ScoreSheet(metadata, self.shape.criteria, self.shape.groups)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.format == ".json":
                return [self._close_json(sheet)]
            return [
                self._close_table(sheet, title, table)
                for title, table in zip(("Rows", "Breakdown", "Rejections"), _tables(sheet), strict=True)
            ]
        except OSError as error:
            raise OutputError(
                f"cannot write {self.path}: {error.strerror or error}", path=str(self.path)
            ) from error

    def _close_json(self, sheet: ScoreSheet) -> Path:
        head = _json_bytes({"metadata": sheet._metadata_dict()}).rstrip()[:-2]  # drop the closing "\n}"
        with self.path.open("wb") as out:
            out.write(head)
            for title in ("Rows", "Breakdown", "Rejections"):
                out.write(f',\n  "{title.lower()}": '.encode())
                if not self.parts[title]:
                    out.write(b"[]")
                    continue
                out.write(b"[")
                for part in self.parts[title]:
                    with part.open("rb") as piece:
                        shutil.copyfileobj(piece, out)
                out.write(b"\n  ]")
            out.write(b"\n}\n")
        return self.path

    def _close_table(self, sheet: ScoreSheet, title: str, empty: _Table) -> Path:
        target = _beside(self.path, empty)
        parts = self.parts[title]
        if self.format == ".csv":
            with target.open("wb") as out:
                header = io.StringIO()
                csv.writer(_LineFeedRecords(header), lineterminator="\r\n").writerow(
                    [neutralise(name) for name, _ in empty.columns]
                )
                out.write(header.getvalue().encode("utf-8"))
                for part in parts:
                    with part.open("rb") as piece:
                        piece.readline()  # each piece repeats the header
                        shutil.copyfileobj(piece, out)
            return target
        metadata = {"supplierscore.metadata": json.dumps(sheet._metadata_dict(), ensure_ascii=False)}
        if not parts:
            columns = [_series(empty, i, self.precision) for i in range(len(empty.columns))]
            pl.DataFrame(columns).write_parquet(target, metadata=metadata)
        else:
            pl.scan_parquet(parts).sink_parquet(target, metadata=metadata)
        return target


def _json_items(piece: ScoreSheet, items: Sequence[Any], *, first: bool) -> bytes:
    """List members laid out exactly as inside the whole sheet's JSON (four spaces deep), comma-led
    unless they open the list."""
    body = b",".join(
        b"\n    "
        + orjson.dumps(item, default=piece._json_default, option=_JSON_OPTIONS).replace(b"\n", b"\n    ")
        for item in items
    )
    return body if first else b"," + body


_PLACEHOLDER = Metadata("", None, "", "", "", "", "", Counts(0, 0, 0, 0), 0, "half_up")
