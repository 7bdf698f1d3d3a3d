"""Opening spreadsheets: workbooks through calamine (Rust), CSV files in any common encoding.

A workbook (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``) is read with python-calamine, measured at
about 10 times the speed of openpyxl on 100,000 rows (see ``benchmarks/bench_spreadsheets.py``). calamine
gives a formula cell's cached value (what the spreadsheet last calculated and saved) but reads a cell
showing an error (``#DIV/0!``, ``#N/A``) as empty; in ``.xlsx`` files those cells are found by a scan of
the sheet's XML, so they are rejected instead of silently read as nothing.

A CSV file is decoded by its byte-order mark (UTF-8, UTF-16, UTF-32), else as UTF-8, else as
Windows-1252 (with a warning); its separator is whichever of ``,`` ``;`` and tab its header line uses most,
and a semicolon-separated file takes ``,`` as the decimal mark, as the spreadsheets that write them do.
A CSV file is the Bids table (one row per bid, the tender's columns repeated on each row) unless its name
ends ``.tenders.csv``, ``.certifications.csv`` or ``.subcontracts.csv``; ``NAME.bids.csv`` is read together
with the ``NAME.tenders.csv``, ``NAME.certifications.csv`` and ``NAME.subcontracts.csv`` beside it, as
``template`` and ``convert`` write them.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplierscore.inputs._tables import BIDS, SHEETS

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
SPREADSHEET_SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv")


class FileProblem(Exception):
    """A spreadsheet that cannot be opened at all: corrupt, encrypted, or in an unknown encoding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Sheet:
    """One table as read: rows from A1 (cells as calamine gives them, or text from CSV), merged ranges
    and error cells by (row, column) counted from 0."""

    name: str
    label: str
    rows: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass(slots=True)
class Tables:
    """The data sheets of one input, by sheet name, and how their cells are to be read."""

    sheets: dict[str, Sheet]
    csv: bool = False
    decimal_comma: bool = False
    warnings: list[str] = field(default_factory=list)


def is_spreadsheet(name: str) -> bool:
    """Whether ``name`` is read as a spreadsheet (by its extension)."""
    return name.lower().endswith(SPREADSHEET_SUFFIXES)


def csv_sheet(name: str) -> str:
    """The table a CSV file holds, by its name: ``x.tenders.csv`` is Tenders, any other ``.csv`` Bids."""
    stem = name.lower().removesuffix(".csv")
    return next((s for s in SHEETS if stem.endswith(f".{s.lower()}")), BIDS)


def csv_siblings(path: Path) -> list[tuple[str, Path]]:
    """For ``NAME.bids.csv``, the other tables written beside it (``NAME.tenders.csv``, …) that exist."""
    lower = path.name.lower()
    if not lower.endswith(".bids.csv"):
        return []
    stem = path.name[: -len(".bids.csv")]
    found = []
    for sheet in SHEETS:
        sibling = path.with_name(f"{stem}.{sheet.lower()}.csv")
        if sheet != BIDS and sibling.is_file():
            found.append((sheet, sibling))
    return found


def load_tables(name: str, data: bytes, siblings: list[tuple[str, bytes]] | None = None) -> Tables:
    """The tables of one spreadsheet input held in ``data``; raises :class:`FileProblem`."""
    if name.lower().endswith(".csv"):
        tables = Tables({}, csv=True)
        for sheet_name, content in [(csv_sheet(name), data), *(siblings or [])]:
            rows, comma, warning = _csv_rows(name, content)
            tables.sheets[sheet_name] = Sheet(sheet_name, "", rows)
            tables.decimal_comma = tables.decimal_comma or comma
            if warning:
                tables.warnings.append(warning)
        return tables
    return _workbook(name, data)


# ---------------------------------------------------------------------------------------------------
# Workbooks


def _workbook(name: str, data: bytes) -> Tables:
    import python_calamine  # here, not at the top: a run without workbooks never loads it

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise FileProblem(
            "the workbook is protected by a password, so it cannot be read: save a copy without the "
            "password (in Excel: File › Info › Protect Workbook › Encrypt with Password, cleared)"
        ) from None
    except Exception as error:  # calamine raises its own errors and, for some damage, ValueError
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and name.lower().endswith((".xlsx", ".xlsm")):
            raise FileProblem(
                "the workbook is encrypted (protected by a password), so it cannot be read: save a copy "
                "without the password"
            ) from None
        raise FileProblem(f"not a readable workbook (corrupt or not a spreadsheet): {error}") from None
    tables = Tables({})
    errors = _xlsx_error_cells(data) if name.lower().endswith((".xlsx", ".xlsm")) else {}
    for sheet_name in book.sheet_names:
        wanted = next((s for s in SHEETS if s.lower() == sheet_name.strip().lower()), None)
        if wanted is None:
            if sheet_name.strip().lower() not in ("instructions", "lists"):
                tables.warnings.append(
                    f'{name}: sheet "{sheet_name}" is not read (only {", ".join(SHEETS)} hold data)'
                )
            continue
        try:
            sheet = book.get_sheet_by_name(sheet_name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except Exception as error:
            raise FileProblem(f'sheet "{sheet_name}" cannot be read: {error}') from None
        tables.sheets[wanted] = Sheet(wanted, f"{sheet_name}!", rows, merged, errors.get(sheet_name, {}))
    return tables


_ERROR_CELL = re.compile(rb'<c\b[^>]*?\bt="e"[^>]*>')
_REFERENCE = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_SHEET = re.compile(rb'<sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_RELATION = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_RELATION_REVERSED = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')


def _xlsx_error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Cells holding an error value, by sheet name, found in the ``.xlsx`` XML (calamine reads them as
    empty). A cheap scan: only the start tags of cells typed ``e`` are examined."""
    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            book = archive.read("xl/workbook.xml")
            relations = archive.read("xl/_rels/workbook.xml.rels")
            targets = {i: t for i, t in _RELATION.findall(relations)}
            targets.update({i: t for t, i in _RELATION_REVERSED.findall(relations)})
            for sheet_name, relation in _SHEET.findall(book):
                target = targets.get(relation, b"").decode()
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                xml = archive.read(member) if member in archive.namelist() else b""
                cells: dict[tuple[int, int], str] = {}
                for match in _ERROR_CELL.finditer(xml):
                    reference = _REFERENCE.search(match.group(0))
                    value = _VALUE.search(xml, match.end(), match.end() + 4096)
                    if reference:
                        column = _column_index(reference.group(1).decode())
                        text = value.group(1).decode() if value else "#ERROR"
                        cells[(int(reference.group(2)) - 1, column)] = text
                found[_unescape(sheet_name.decode())] = cells
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        return {}
    return found


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - ord("A") + 1
    return index - 1


# ---------------------------------------------------------------------------------------------------
# CSV files

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_csv(name: str, data: bytes) -> tuple[str, str | None]:
    """The text of a CSV file and a warning when its encoding was a guess; :class:`FileProblem` when
    it cannot be decoded."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), None
            except UnicodeDecodeError as error:
                raise FileProblem(
                    f"starts with a {encoding} byte-order mark but is not {encoding}: {error}"
                ) from None
    head = data[:4096]
    if head.count(b"\x00") * 4 >= len(head) > 0:  # UTF-16 without a byte-order mark
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(encoding), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise FileProblem(
            f"neither UTF-8 nor Windows-1252 (byte 0x{data[error.start]:02x} at offset {error.start}): "
            "save it as CSV UTF-8"
        ) from None
    return text, f"{name}: not UTF-8, read as Windows-1252 (save it as CSV UTF-8 to be sure of every letter)"


def _csv_rows(name: str, data: bytes) -> tuple[list[list[Any]], bool, str | None]:
    text, warning = decode_csv(name, data)
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    counts = {sep: _outside_quotes(first).count(sep) for sep in (",", ";", "\t")}
    separator = max(counts, key=lambda s: (counts[s], s == ","))
    try:
        rows = [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator)]
    except csv.Error as error:
        raise FileProblem(f"not a readable CSV file: {error}") from None
    return rows, separator == ";", warning


def _outside_quotes(line: str) -> str:
    return re.sub(r'"[^"]*"', "", line)
