"""Tender documents written as tables: a workbook (``convert``, ``template``) or one CSV file per sheet.

The inverse of the spreadsheet reader, on the same columns (:mod:`._tables`): reading back what is
written gives the same tender documents. Numbers stay numbers when a spreadsheet's double holds them
exactly (at most 15 significant digits), otherwise they are written as number text, which is read
exactly; decimal strings stay text; dates are date cells (years from 1900), date-times text with their
offset. A table cannot tell an empty list or object from an absent one, so ``{}`` and ``[]`` are not
written (they score the same as absent).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from supplierscore.inputs._cells import excel_number
from supplierscore.inputs._tables import (
    BID_ID,
    BIDS,
    CERTIFICATIONS,
    LIST_SEPARATOR,
    SHEETS,
    SUBCONTRACTS,
    TENDER_ID,
    TENDERS,
    Column,
    column,
    columns,
    guard_text,
    letter,
)
from supplierscore.inputs._titles import title, word

_ITEMS = {CERTIFICATIONS: ("certifications",), SUBCONTRACTS: ("supply_chain", "subcontracts")}
Table = tuple[list[Column], list[list[Any]]]


def document_tables(documents: Iterable[Mapping[str, Any]], marks: Iterable[str] = ()) -> dict[str, Table]:
    """The four tables of ``documents``: columns (every known one, a ``quality.*`` column for each of
    ``marks`` and each mark the bids have) and rows."""
    documents = list(documents)
    marks = dict.fromkeys(marks)
    for document in documents:
        for bid in document.get("bids", []):
            marks.update(dict.fromkeys(bid.get("quality", {})))
    found: dict[str, Table] = {}
    for sheet in SHEETS:
        known = list(columns(sheet))
        if sheet == BIDS:
            at = next(i for i, c in enumerate(known) if c.path.startswith("ownership."))
            extra = [column(BIDS, f"quality.{m}") for m in marks]
            known[at:at] = [c for c in extra if c is not None]
        found[sheet] = (known, [])
    for document in documents:
        header = document.get("tender", {})
        found[TENDERS][1].append([_get(header, c.keys) for c in found[TENDERS][0]])
        for bid in document.get("bids", []):
            found[BIDS][1].append([_get(header if c.is_tender else bid, c.keys) for c in found[BIDS][0]])
            for sheet, keys in _ITEMS.items():
                for item in _get(bid, keys) or []:
                    row = []
                    for c in found[sheet][0]:
                        source = header if c.path == TENDER_ID else bid if c.path == BID_ID else item
                        row.append(_get(source, c.keys))
                    found[sheet][1].append(row)
    return found


def _get(node: Any, keys: Sequence[str]) -> Any:
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    if node == [] or node == {}:
        return None
    return node


def _text(value: Any) -> str:
    """A value as CSV text, read back to the same value by the reader."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list):
        return f"{LIST_SEPARATOR} ".join(str(v) for v in value)
    return guard_text(str(value)) if isinstance(value, str) else str(value)


def write_csv_tables(tables: Mapping[str, Table], path: Path, language: str = "en") -> list[Path]:
    """Each table as ``NAME.<sheet>.csv`` beside ``path`` (``NAME.csv``): titles in row 1, paths in row 2.

    UTF-8 with a byte-order mark, so a spreadsheet opens accents right; comma-separated.
    """
    written = []
    for sheet, (known, rows) in tables.items():
        target = path.with_name(f"{path.stem}.{sheet.lower()}.csv")
        buffer = io.StringIO(newline="")
        out = csv.writer(buffer, lineterminator="\r\n")
        out.writerow([title(c.path, language) for c in known])
        out.writerow([c.path for c in known])
        out.writerows([_text(v) for v in row] for row in rows)
        target.write_bytes(buffer.getvalue().encode("utf-8-sig"))
        written.append(target)
    return written


def write_workbook(
    tables: Mapping[str, Table],
    path: Path,
    *,
    language: str = "en",
    scored: Mapping[str, list[str]] | None = None,
    blank_rows: int = 1000,
) -> None:
    """The tables as one workbook: titles, field paths, frozen headers, widths, drop-downs for every
    enumeration and yes/no column, date formats, and an Instructions sheet describing every column.

    ``scored`` maps a field path to the ids of the criteria (or gates) of a ruleset that use it;
    validations cover the written rows and ``blank_rows`` more, for an officer to fill in.
    """
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties({"title": "supplierscore tender documents"})
    styles = {
        "title": book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"}),
        "path": book.add_format({"italic": True, "font_color": "#555555", "bg_color": "#F2F2F2"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "text": book.add_format({"num_format": "@"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }
    list_columns: dict[tuple[str, ...], str] = {}
    for sheet in SHEETS:
        known, rows = tables[sheet]
        worksheet = book.add_worksheet(sheet)
        worksheet.freeze_panes(2, 1)
        last = len(rows) + 1 + blank_rows
        for index, col in enumerate(known):
            worksheet.write_string(0, index, title(col.path, language), styles["title"])
            worksheet.write_string(1, index, col.path, styles["path"])
            worksheet.set_column(
                index, index, _width(col, language), styles["date"] if col.kind == "date" else None
            )
            choices = _choices(col, language)
            if choices:
                reference = list_columns.get(choices)
                if reference is None:
                    at = letter(len(list_columns))
                    reference = f"=Lists!${at}$1:${at}${len(choices)}"
                    list_columns[choices] = reference
                worksheet.data_validation(
                    2,
                    index,
                    last,
                    index,
                    {"validate": "list", "source": reference, "error_type": "warning"}
                    if col.kind == "list"  # a list cell holds several values: only suggested
                    else {"validate": "list", "source": reference},
                )
        worksheet.set_row(0, 30)
        for number, row in enumerate(rows, start=2):
            for index, value in enumerate(row):
                _write(worksheet, number, index, value, known[index], styles)
    _instructions(book, tables, language, scored or {}, styles)
    lists = book.add_worksheet("Lists")  # the drop-downs' values, hidden
    for position, choices in enumerate(list_columns):
        lists.write_column(0, position, list(choices))
    lists.hide()
    book.close()


def _choices(col: Column, language: str) -> tuple[str, ...]:
    if col.kind == "boolean":
        return (word("yes", language), word("no", language))
    return col.choices


def _width(col: Column, language: str) -> float:
    return float(min(max(len(title(col.path, language)), len(col.path), 10) + 2, 40))


def _write(worksheet: Any, row: int, index: int, value: Any, col: Column, styles: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, index, value)
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
        as_float = float(number)
        if abs(as_float) < 1e300 and excel_number(as_float) == number:
            worksheet.write_number(row, index, as_float)
        else:  # more digits than a spreadsheet number holds: exact number text
            worksheet.write_string(row, index, format(number, "f"), styles["text"])
    elif isinstance(value, list):
        worksheet.write_string(row, index, f"{LIST_SEPARATOR} ".join(str(v) for v in value))
    elif col.kind == "date" and isinstance(value, str) and _is_excel_date(value):
        worksheet.write_datetime(row, index, datetime.date.fromisoformat(value), styles["date"])
    else:
        worksheet.write_string(row, index, str(value))


def _is_excel_date(text: str) -> bool:
    try:
        return len(text) == 10 and datetime.date.fromisoformat(text).year >= 1900
    except ValueError:
        return False


_WHAT = {
    "string": ("text", "texte"),
    "enum": ("one value of the drop-down", "une valeur de la liste"),
    "integer": ("a whole number", "un nombre entier"),
    "number": ("a number (a point before decimals)", "un nombre (point décimal)"),
    "amount": (
        "an amount, no thousands separator, such as 48250.00",
        "un montant sans séparateur, p. ex. 48250.00",
    ),
    "boolean": ("yes or no", "oui ou non"),
    "date": ("a date (YYYY-MM-DD)", "une date (AAAA-MM-JJ)"),
    "datetime": ("text such as 2026-03-02T14:05:00-05:00", "du texte tel que 2026-03-02T14:05:00-05:00"),
    "list": ("values separated by ;  such as en; fr", "des valeurs séparées par ;  p. ex. en; fr"),
}


def _instructions(
    book: Any,
    tables: Mapping[str, Table],
    language: str,
    scored: Mapping[str, list[str]],
    styles: dict[str, Any],
) -> None:
    sheet = book.add_worksheet("Instructions")
    heads = ["sheet", "column", "path", "title", "required", "type", "scored", "meaning"]
    for index, key in enumerate(heads):
        sheet.write_string(0, index, word(key, language), styles["title"])
    for index, width in enumerate((14, 8, 36, 30, 10, 34, 28, 90)):
        sheet.set_column(index, index, width, styles["wrap"] if index == 7 else None)
    sheet.freeze_panes(1, 0)
    number = 1
    which = 0 if language == "en" else 1
    for sheet_name in SHEETS:
        for index, col in enumerate(tables[sheet_name][0]):
            uses = scored.get(col.path, [])
            values = [
                sheet_name,
                letter(index),
                col.path,
                title(col.path, language),
                word("yes", language) if col.required else "",
                _WHAT[col.kind][which],
                ", ".join(uses),
                col.description,
            ]
            for position, value in enumerate(values):
                sheet.write_string(number, position, value)
            number += 1


def document_json(document: Any) -> str:
    """A tender document as one line of JSON, numbers exactly as held (``Decimal("48250.00")`` is
    ``48250.00``), keys in their order, non-ASCII text kept.

    >>> document_json({"price": {"amount": Decimal("48250.00"), "currency": "CAD"}, "ok": True})
    '{"price":{"amount":48250.00,"currency":"CAD"},"ok":true}'
    """
    if isinstance(document, Mapping):
        return (
            "{"
            + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{document_json(v)}" for k, v in document.items())
            + "}"
        )
    if isinstance(document, list):
        return "[" + ",".join(document_json(v) for v in document) + "]"
    if isinstance(document, Decimal):
        return str(document)
    return json.dumps(document, ensure_ascii=False)
