"""Spreadsheet rows into tender documents, validated like JSON, with every rejection put back on its cell.

Rows are read by the field paths of the header row (row 2, or row 1 when it already holds them, as in a
flat CSV export); titles, column order and hidden rows do not matter, and empty rows are skipped without
being counted. A cell that cannot be read (a number with a thousands separator, an error value, part of
a merged range, a value in an unknown column, a tender value that differs from the one given before)
rejects its bid at that cell. Every other bid goes through the same validation as a JSON document, and
each rejection names its cell: ``bids.xlsx › Bids!F7 (price.amount)`` with ``line`` 7, the row.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from supplierscore.errors import UsageError
from supplierscore.inputs._batch import FileSummary, Rejection
from supplierscore.inputs._cells import CellError, cell_value, is_empty
from supplierscore.inputs._spreadsheet import FileProblem, Sheet, Tables, csv_siblings, load_tables
from supplierscore.inputs._tables import (
    BID_ID,
    BIDS,
    CERTIFICATIONS,
    SHEETS,
    SUBCONTRACTS,
    TENDER_ID,
    TENDERS,
    Column,
    column,
    columns,
    letter,
    nearest,
)
from supplierscore.inputs._validate import schema_errors

_AS_TEXT = frozenset({"string", "enum", "date", "datetime"})
_ITEMS = {CERTIFICATIONS: ("certifications",), SUBCONTRACTS: ("supply_chain", "subcontracts")}


class _Collects(Protocol):
    """What the reader's collector offers (kept as a protocol so this module does not import it)."""

    batch: Any

    def add_document(self, summary: FileSummary, line_no: int, document: Any) -> None: ...


@dataclass(slots=True)
class Header:
    """A sheet's header: the row of field paths and, per column index, its column (None if unknown)."""

    sheet: Sheet
    row: int
    columns: dict[int, tuple[Column | None, str]]
    plan: list[tuple[int, Column | None, str, str]] = field(default_factory=list)
    """Per column: index, column, field path, and JSON Pointer of its field (``/tender/...`` for a
    tender's field on a bid row), worked out once for every row."""

    def __post_init__(self) -> None:
        for index, (known, path) in self.columns.items():
            pointer = "" if known is None else "/" + "/".join(known.keys)
            if known is not None and known.is_tender and self.sheet.name != TENDERS:
                pointer = "/tender" + pointer
            self.plan.append((index, known, path, pointer))

    def index(self, path: str) -> int | None:
        """The index of the column with field path ``path``."""
        return next((i for i, (c, raw) in self.columns.items() if raw == path and c is not None), None)


def headers(name: str, tables: Tables) -> dict[str, Header]:
    """Each data sheet's header; raises :class:`UsageError` for a missing Bids sheet, a missing
    required column or a column given twice, naming it."""
    if BIDS not in tables.sheets and TENDERS not in tables.sheets:
        found = ", ".join(tables.sheets) or "none of them"
        raise UsageError(
            f"{name}: no sheet named {BIDS} (the sheets read are {', '.join(SHEETS)}; found {found})"
        )
    found_headers = {}
    for sheet_name, sheet in tables.sheets.items():
        found_headers[sheet_name] = _header(name, sheet_name, sheet)
    return found_headers


def _header(name: str, sheet_name: str, sheet: Sheet) -> Header:
    where = f"{name} › {sheet.label.rstrip('!') or sheet_name}"
    # The header is row 2 (titles above it) or row 1 (a flat export): whichever names tender.id and
    # more known field paths, row 2 when they tie.
    candidates = [
        (sum(column(sheet_name, _path(c)) is not None for c in sheet.rows[r]), r)
        for r in (0, 1)
        if r < len(sheet.rows) and any(_path(c) == TENDER_ID for c in sheet.rows[r])
    ]
    row = max(candidates)[1] if candidates else None
    if row is None:
        raise UsageError(
            f"{where}: missing required column {TENDER_ID} (row 2 names each column's field path; "
            "`supplierscore template` writes a workbook with them)"
        )
    found: dict[int, tuple[Column | None, str]] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(sheet.rows[row]):
        path = _path(cell)
        if path in seen:
            raise UsageError(
                f"{where}: column {path} appears twice ({letter(seen[path])} and {letter(index)})"
            )
        if path:
            seen[path] = index
        found[index] = (column(sheet_name, path) if path else None, path)
    missing = [c.path for c in columns(sheet_name) if c.required and c.path not in seen]
    if missing:
        raise UsageError(f"{where}: missing required column {', '.join(missing)} in row {row + 1}")
    return Header(sheet, row, found)


def _path(cell: Any) -> str:
    return cell.strip() if isinstance(cell, str) else ""


def tender_ids(tables: Tables, heads: dict[str, Header]) -> list[str | None]:
    """Each tender id the input holds, once (for the run's check that tender ids are unique)."""
    ids: dict[str, None] = {}
    for sheet_name in (TENDERS, BIDS):
        head = heads.get(sheet_name)
        index = head.index(TENDER_ID) if head else None
        if head is None or index is None:
            continue
        for values in head.sheet.rows[head.row + 1 :]:
            value = values[index] if index < len(values) else None
            if not is_empty(value):
                ids[str(value).strip() if isinstance(value, str) else str(value)] = None
    return list(ids)


# ---------------------------------------------------------------------------------------------------
# Building tender documents


@dataclass(slots=True)
class _Bid:
    row: int
    document: dict[str, Any] = field(default_factory=dict)
    items: dict[str, list[int]] = field(default_factory=dict)
    problems: list[tuple[str, str, str, int]] = field(default_factory=list)


@dataclass(slots=True)
class _Tender:
    id: str
    label: str
    row: int
    header: dict[str, Any] = field(default_factory=dict)
    sources: dict[tuple[str, ...], tuple[str, int]] = field(default_factory=dict)
    problems: list[tuple[str, str, str, int]] = field(default_factory=list)
    bids: list[_Bid] = field(default_factory=list)


class _Reader:
    def __init__(self, name: str, tables: Tables, heads: dict[str, Header]) -> None:
        self.name = name
        self.tables = tables
        self.heads = heads
        self.tenders: dict[str, _Tender] = {}
        self.lost: list[tuple[str, int, str | None, str | None, str]] = []

    def cell(self, head: Header, index: int, row: int) -> str:
        """A cell's place as a rejection names it: ``Bids!F7 (price.amount)``."""
        return f"{head.sheet.label}{letter(index)}{row + 1} ({head.columns[index][1] or '?'})"

    def row_values(
        self, head: Header, row: int, values: list[Any]
    ) -> tuple[list[tuple[Column, Any, int]], list[tuple[str, str, str]]]:
        """The readable cells of a row as (column, value, column index), and the problems as (place,
        reason, JSON Pointer of the field within its tender, bid or item; ``""`` when no field is known).
        """
        cells: list[tuple[Column, Any, int]] = []
        problems: list[tuple[str, str, str]] = []
        merged = (
            [
                (top, bottom)
                for top, bottom in head.sheet.merged
                if top[0] <= row <= bottom[0] and (top, bottom) != (top, top)
            ]
            if head.sheet.merged
            else []
        )
        for top, bottom in merged:
            span = f"{letter(top[1])}{top[0] + 1}:{letter(bottom[1])}{bottom[0] + 1}"
            problems.append(
                (
                    self.cell(head, top[1], row),
                    f"cells {span} are merged: unmerge them and fill in every cell",
                    "",
                )
            )
        errors = head.sheet.errors
        width = len(values)
        csv, decimal_comma = self.tables.csv, self.tables.decimal_comma
        for index, known, path, pointer in head.plan:
            raw = values[index] if index < width else None
            error = errors.get((row, index)) if errors else None
            if error is not None:
                problems.append(
                    (
                        self.cell(head, index, row),
                        f"the cell shows {error}, an error of its formula: fix the formula or type the value",
                        pointer,
                    )
                )
                continue
            if raw is None or raw == "" or (raw.__class__ is str and not raw.strip()):
                continue
            if known is None:
                hint = nearest(head.sheet.name, path) if path else None
                reason = (
                    f'unknown column "{path}"' + (f'; did you mean "{hint}"?' if hint else "")
                    if path
                    else f"column {letter(index)} has no field path in row {head.row + 1}, so its value "
                    "cannot be read"
                )
                problems.append((self.cell(head, index, row), reason, ""))
                continue
            if raw.__class__ is str and not csv and known.kind in _AS_TEXT:  # most cells: text kept as is
                cells.append((known, raw, index))
                continue
            try:
                value = cell_value(raw, known, csv=csv, decimal_comma=decimal_comma)
            except CellError as problem:
                problems.append((self.cell(head, index, row), problem.reason, pointer))
                continue
            cells.append((known, value, index))
        return cells, problems

    def rows(self, sheet_name: str) -> list[tuple[int, list[Any]]]:
        head = self.heads.get(sheet_name)
        if head is None:
            return []
        found = []
        for row in range(head.row + 1, len(head.sheet.rows)):
            values = head.sheet.rows[row]
            if all(is_empty(v) for v in values) and not any(r == row for r, _ in head.sheet.errors):
                continue
            found.append((row, values))
        return found

    def read(self) -> None:
        for row, values in self.rows(TENDERS):
            self._tender_row(self.heads[TENDERS], row, values)
        for row, values in self.rows(BIDS):
            self._bid_row(self.heads[BIDS], row, values)
        for sheet_name in (CERTIFICATIONS, SUBCONTRACTS):
            for row, values in self.rows(sheet_name):
                self._item_row(sheet_name, self.heads[sheet_name], row, values)

    def _id(self, cells: list[tuple[Column, Any, int]], path: str) -> str | None:
        value = next((v for c, v, _ in cells if c.path == path), None)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def _tender_row(self, head: Header, row: int, values: list[Any]) -> None:
        cells, problems = self.row_values(head, row, values)
        tender_id = self._id(cells, TENDER_ID)
        if tender_id is None:
            self._lose(head, row, TENDER_ID, None, None, "no tender id: every row needs its tender's id")
            return
        tender = self.tenders.get(tender_id)
        if tender is not None:
            tender.problems.append(
                (
                    "/tender/id",
                    f"tender {tender_id} has a second row on the {TENDERS} sheet",
                    *self._at(head, row),
                )
            )
            return
        tender = self.tenders[tender_id] = _Tender(tender_id, head.sheet.label, row + 1)
        for place, reason, pointer in problems:
            tender.problems.append(("/tender" + pointer, reason, place, row + 1))
        for known, value, index in cells:
            _put(tender.header, known.keys, value)
            tender.sources[known.keys] = (self.cell(head, index, row), row + 1)

    def _bid_row(self, head: Header, row: int, values: list[Any]) -> None:
        cells, problems = self.row_values(head, row, values)
        tender_id = self._id(cells, TENDER_ID)
        bid_id = self._id(cells, "id")
        if tender_id is None:
            self._lose(
                head, row, TENDER_ID, None, bid_id, "no tender id: every bid row needs its tender's id"
            )
            return
        tender = self.tenders.setdefault(tender_id, _Tender(tender_id, head.sheet.label, row + 1))
        bid = _Bid(row + 1)
        for place, reason, pointer in problems:
            bid.problems.append((pointer, reason, place, row + 1))
        for known, value, index in cells:
            if not known.is_tender:
                _put(bid.document, known.keys, value)
                continue
            given = _get(tender.header, known.keys)
            if given is None:
                _put(tender.header, known.keys, value)
                tender.sources[known.keys] = (self.cell(head, index, row), row + 1)
            elif given != value:
                first = tender.sources.get(known.keys, ("", 0))[0].split(" ")[0]
                bid.problems.append(
                    (
                        "/tender/" + "/".join(known.keys),
                        f"{known.path} is {_shown(value)} here but {_shown(given)} in {first} "
                        "for the same tender",
                        self.cell(head, index, row),
                        row + 1,
                    )
                )
        tender.bids.append(bid)

    def _item_row(self, sheet_name: str, head: Header, row: int, values: list[Any]) -> None:
        cells, problems = self.row_values(head, row, values)
        tender_id, bid_id = self._id(cells, TENDER_ID), self._id(cells, BID_ID)
        tender = self.tenders.get(tender_id) if tender_id else None
        owners = [b for b in tender.bids if b.document.get("id") == bid_id] if tender and bid_id else []
        if not owners:
            what = f'no bid "{bid_id}" of tender "{tender_id}" on the {BIDS} sheet'
            if tender_id is None or bid_id is None:
                missing = TENDER_ID if tender_id is None else BID_ID
                what = f"no {missing}: every row needs its bid's tender id and bid id"
            self._lose(head, row, BID_ID if tender_id else TENDER_ID, tender_id, bid_id, what)
            return
        keys = _ITEMS[sheet_name]
        for bid in owners:
            item: dict[str, Any] = {}
            for known, value, _ in cells:
                if known.path not in (TENDER_ID, BID_ID):
                    _put(item, known.keys, value)
            holder = bid.document
            for key in keys[:-1]:
                holder = holder.setdefault(key, {})
            number = len(holder.setdefault(keys[-1], []))
            holder[keys[-1]].append(item)
            bid.items.setdefault(sheet_name, []).append(row + 1)
            pointer = "/" + "/".join(keys) + f"/{number}"
            for place, reason, field_pointer in problems:
                bid.problems.append((pointer + field_pointer, reason, place, row + 1))

    def _at(self, head: Header, row: int) -> tuple[str, int]:
        return f"{head.sheet.label}{row + 1}:{row + 1}", row + 1

    def _lose(
        self, head: Header, row: int, path: str, tender_id: str | None, bid_id: str | None, reason: str
    ) -> None:
        index = head.index(path)
        place = self.cell(head, index, row) if index is not None else self._at(head, row)[0]
        self.lost.append((place, row + 1, tender_id, bid_id, reason))


def _put(document: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    for key in keys[:-1]:
        document = document.setdefault(key, {})
    document[keys[-1]] = value


def _get(document: dict[str, Any], keys: tuple[str, ...]) -> Any:
    node: Any = document
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _shown(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


# ---------------------------------------------------------------------------------------------------
# Into the batch


def read_tables(collector: _Collects, summary: FileSummary, name: str, tables: Tables) -> None:
    """Read every row of ``tables`` into ``collector``'s batch, each rejection named by its cell."""
    heads = headers(name, tables)
    reader = _Reader(name, tables, heads)
    reader.read()
    rejections: list[Rejection] = collector.batch.rejections
    for place, row, tender_id, bid_id, reason in reader.lost:
        summary.read += 1
        summary.rejected += 1
        rejections.append(Rejection(f"{name} › {place}", row, None, tender_id, bid_id, "", reason))
    for tender in reader.tenders.values():
        header_problems = [(p, f"tender header: {r}", place, row) for p, r, place, row in tender.problems]
        good = [i for i, bid in enumerate(tender.bids) if not bid.problems and not header_problems]
        for index, bid in enumerate(tender.bids):
            if index in good:
                continue
            summary.read += 1
            summary.rejected += 1
            bid_id = bid.document.get("id") if isinstance(bid.document.get("id"), str) else None
            for pointer, reason, place, row in [
                *header_problems,
                *bid.problems,
                *_other_errors(reader, tender, index),
            ]:
                path = pointer if pointer.startswith("/tender") else f"/bids/{index}{pointer}"
                rejections.append(Rejection(f"{name} › {place}", row, index, tender.id, bid_id, path, reason))
        if header_problems:
            continue
        start = len(rejections)
        document = {"tender": tender.header, "bids": [tender.bids[i].document for i in good]}
        collector.add_document(summary, tender.row, document)
        for number in range(start, len(rejections)):
            rejections[number] = _placed(reader, tender, good, rejections[number])


def _other_errors(reader: _Reader, tender: _Tender, index: int) -> list[tuple[str, str, str, int]]:
    """The schema's other reasons to reject a bid already rejected at some cells, so one look at the
    rejections lists every problem of the bid; reasons about the unreadable cells' fields are left out
    (their cells are already named)."""
    bid = tender.bids[index]
    bad = [pointer for pointer, *_ in bid.problems if pointer and not pointer.startswith("/tender")]
    found = []
    for pointer, reason in schema_errors(bid.document, "bid.schema.json"):
        field = pointer
        if reason.startswith("missing required property "):
            missing = reason.split('"')[1]
            field = f"{pointer}/{missing}"
        if any(b == field or b.startswith(field + "/") or field.startswith(b + "/") for b in bad):
            continue
        place, row = _locate(reader, tender, index, f"/bids/{index}{pointer}", reason)
        found.append((pointer, reason, place, row))
    return found


def _placed(reader: _Reader, tender: _Tender, good: list[int], rejection: Rejection) -> Rejection:
    """A rejection from validation, renumbered to the bid's place in its tender and put on its cell."""
    index = good[rejection.index] if rejection.index is not None else None
    path = rejection.path
    if index is not None and rejection.index is not None:
        path = path.replace(f"/bids/{rejection.index}", f"/bids/{index}", 1)
    place, row = _locate(reader, tender, index, path, rejection.reason)
    return Rejection(
        f"{reader.name} › {place}", row, index, rejection.tender_id, rejection.bid_id, path, rejection.reason
    )


def _locate(reader: _Reader, tender: _Tender, index: int | None, path: str, reason: str) -> tuple[str, int]:
    """The cell a JSON Pointer of a tender document came from (its row, when no column holds it)."""
    steps = [s.replace("~1", "/").replace("~0", "~") for s in path.split("/")[1:]]
    if reason.startswith("missing required property "):
        steps.append(reason.split('"')[1])
    if steps[:1] == ["tender"]:
        keys = tuple(steps[1:])
        for cut in range(len(keys), 0, -1):
            for given, where in tender.sources.items():
                if given[:cut] == keys[:cut]:
                    return where
        return f"{tender.label}{tender.row}:{tender.row}", tender.row
    if index is None or len(steps) < 2:
        return f"{tender.label}{tender.row}:{tender.row}", tender.row
    bid = tender.bids[index]
    rest = steps[2:]
    sheet_name, row = BIDS, bid.row
    for item_sheet, keys in _ITEMS.items():
        if tuple(rest[: len(keys)]) == keys and len(rest) > len(keys) and rest[len(keys)].isdigit():
            number = int(rest[len(keys)])
            rows = bid.items.get(item_sheet, [])
            if number < len(rows):
                sheet_name, row = item_sheet, rows[number]
                rest = [*keys, *rest[len(keys) + 1 :]]
    head = reader.heads[sheet_name]
    dotted = [s for s in rest if not s.isdigit()]
    for cut in range(len(dotted), 0, -1):
        prefix = ".".join(dotted[:cut])
        for column_index, (known, raw) in head.columns.items():
            if known is not None and (raw == prefix or raw.startswith(prefix + ".")):
                return reader.cell(head, column_index, row - 1), row
    return f"{head.sheet.label}{row}:{row}", row


# ---------------------------------------------------------------------------------------------------
# The reader's two passes

_LOADED: dict[str, Tables | FileProblem] = {}
"""Spreadsheets opened by the first pass, by digest, so the second pass does not open them again; each
is dropped when read (only single dictionary operations, safe across threads)."""
_KEEP = 2


def _load(name: str, data: bytes, digest: str, path: str | None) -> Tables | FileProblem:
    cached = _LOADED.get(digest)
    if cached is not None:
        return cached
    siblings = [(s, p.read_bytes()) for s, p in csv_siblings(Path(path))] if path else []
    try:
        loaded: Tables | FileProblem = load_tables(name, data, siblings)
    except FileProblem as problem:
        loaded = problem
    while len(_LOADED) >= _KEEP:  # a folder of workbooks: keep only the last few in memory
        with contextlib.suppress(StopIteration, RuntimeError, KeyError):
            del _LOADED[next(iter(_LOADED))]
    _LOADED[digest] = loaded
    return loaded


def plan_spreadsheet(name: str, data: bytes, path: str | None) -> tuple[str, list[str | None], bool]:
    """The first pass: the input's digest, its tender ids, and whether it has no data row at all; a
    missing sheet or required column is a :class:`UsageError` here, before anything is read."""
    digest = hashlib.sha256(data).hexdigest()
    loaded = _load(name, data, digest, path)
    if isinstance(loaded, FileProblem):
        return digest, [None], False
    heads = headers(name, loaded)
    empty = not any(
        not is_empty(value)
        for head in heads.values()
        for values in head.sheet.rows[head.row + 1 :]
        for value in values
    ) and not any(head.sheet.errors for head in heads.values())
    return digest, tender_ids(loaded, heads), empty


def read_spreadsheet(
    collector: _Collects, summary: FileSummary, name: str, data: bytes, path: str | None
) -> None:
    """The second pass: every row into the batch; a file that cannot be opened is one rejection."""
    digest = hashlib.sha256(data).hexdigest()
    loaded = _load(name, data, digest, path)
    _LOADED.pop(digest, None)
    if isinstance(loaded, FileProblem):
        summary.read += 1
        summary.rejected += 1
        collector.batch.rejections.append(Rejection(name, None, None, None, None, "", loaded.reason))
        return
    collector.batch.warnings.extend(loaded.warnings)
    read_tables(collector, summary, name, loaded)
