"""The data OCDS has no per-bid place for: a supplier register and the evaluation panel's marks.

**Supplier register** (``--suppliers``), CSV or JSON, keyed by ``supplier_id``: the party id OCDS gives,
the ``scheme-id`` of its identifier (``UA-EDR-40133709``) or the identifier's id alone; any matches.
It supplies ``ownership``, ``workforce``, ``certifications``, ``languages`` and ``size`` to every bid of
that supplier (a register's ``size`` settles what OCDS's ``sme`` leaves open).

- CSV: one row per supplier; columns named by field path as in a bid (``ownership.immigrant``,
  ``workforce.employees``, ``workforce.living_wage``, ``size``), ``languages`` as tags separated by ``;``,
  and one certification per row in ``certification.issuer``, ``certification.id``, ``certification.covers``
  (groups separated by ``;``), ``certification.valid_from``, ``certification.valid_until``: a supplier
  with several certifications has several rows, whose other cells are blank or the same. Each cell is
  read as the bid schema's type for it (numbers exactly, as decimals); an empty cell is no value.
- JSON: a list of objects, each a ``supplier_id`` with the fields as a bid holds them, or one object from
  supplier id to those fields.

**Panel marks** (``--marks``), CSV or JSON, keyed by ``tender_id`` and ``bid_id`` (the tender id as
imported: the ocid, or ``ocid/lot-id``): every other column is a criterion id whose cell is the mark
(0 to 100), which goes to the bid's ``quality``. JSON: a list of objects with ``tender_id``, ``bid_id``
and either ``quality`` or the marks beside them.

A register or marks file that cannot be read as such is a usage error naming the row and column; values
that break the bid schema are found by validation and reject the bid, with the reason saying where the
value came from.
"""

from __future__ import annotations

import csv
import difflib
import functools
import hashlib
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from supplierscore.errors import UsageError
from supplierscore.inputs._ocds_map import Mapped
from supplierscore.inputs._parse import parse_json
from supplierscore.resources import load_schema

REGISTER_FIELDS = ("ownership", "workforce", "certifications", "languages", "size", "supply_chain")
CERTIFICATION = "certification."
_TRUE, _FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}


@dataclass(slots=True)
class Register:
    """Supplier data by supplier id, from one file."""

    source: str
    sha256: str
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Register:
        """Read a CSV or JSON supplier register."""
        data, source = _read(path)
        register = cls(source, hashlib.sha256(data).hexdigest())
        if source.lower().endswith(".csv"):
            register.entries = _register_from_csv(_csv_rows(data, source), source)
        else:
            register.entries = _register_from_json(_json(data, source), source)
        return register


@dataclass(slots=True)
class Marks:
    """Panel marks by (tender id, bid id), from one file."""

    source: str
    sha256: str
    entries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Marks:
        """Read a CSV or JSON file of panel marks."""
        data, source = _read(path)
        marks = cls(source, hashlib.sha256(data).hexdigest())
        if source.lower().endswith(".csv"):
            for number, row in _csv_rows(data, source):
                key = _marks_key(row, source, number)
                quality: dict[str, Any] = {}
                for column, cell in row.items():
                    if column not in ("tender_id", "bid_id") and cell.strip():
                        quality[column] = _number(cell, source, number, column)
                marks.entries[key] = quality
        else:
            entries = _json(data, source)
            if not isinstance(entries, list):
                raise UsageError(f"{source}: panel marks must be a list of objects", path=source)
            for number, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    raise UsageError(f"{source}: entry {number} is not an object", path=source)
                key = _marks_key(entry, source, number)
                given = entry.get("quality")
                if given is None:
                    given = {k: v for k, v in entry.items() if k not in ("tender_id", "bid_id")}
                marks.entries[key] = given
        return marks


def apply_register(register: Register, mapped: list[Mapped]) -> dict[str, Any]:
    """Give each bid its supplier's register entry; what the report says about it."""
    missing: Counter[str] = Counter()
    used: set[str] = set()
    for made in mapped:
        for bid, origin in zip(made.document["bids"], made.origins, strict=True):
            key = next((k for k in origin.keys if k in register.entries), None)
            if key is None:
                missing[made.document["tender"]["id"]] += 1
                continue
            used.add(key)
            entry = register.entries[key]
            bid.update(entry)
            if "size" in entry:
                bid["supplier"]["size"] = entry["size"]
                del bid["size"]
    return {
        "source": register.source,
        "entries": len(register.entries),
        "entries_not_used": len(register.entries) - len(used),
        "bids_without_entry": dict(sorted(missing.items())),
    }


def apply_marks(marks: Marks, mapped: list[Mapped]) -> dict[str, Any]:
    """Give each bid its panel marks; what the report says about them."""
    missing: Counter[str] = Counter()
    used: set[tuple[str, str]] = set()
    for made in mapped:
        tender_id = made.document["tender"]["id"]
        for bid in made.document["bids"]:
            key = (tender_id, str(bid.get("id")))
            if key in marks.entries:
                used.add(key)
                bid["quality"] = marks.entries[key]
            else:
                missing[tender_id] += 1
    unknown = sorted(f"{t} {b}" for t, b in marks.entries if (t, b) not in used)
    return {
        "source": marks.source,
        "entries": len(marks.entries),
        "marks_for_bids_not_imported": unknown,
        "bids_without_entry": dict(sorted(missing.items())),
    }


# ---------------------------------------------------------------------------------------------------
# Reading


def _read(path: str | os.PathLike[str]) -> tuple[bytes, str]:
    source = os.fspath(path)
    if Path(source).suffix.lower() not in (".csv", ".json"):
        raise UsageError(f"{source}: use a .csv or .json file (XLSX is not read here)", path=source)
    try:
        return Path(source).read_bytes(), source
    except OSError as error:
        raise UsageError(f"cannot read {source}: {error.strerror or error}", path=source) from error


def _json(data: bytes, source: str) -> Any:
    try:
        return parse_json(data)
    except ValueError as error:
        raise UsageError(f"{source} is not readable JSON: {error}", path=source) from None


def _csv_rows(data: bytes, source: str) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{source} is not UTF-8 text", path=source) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    for row in reader:
        if None in row:
            raise UsageError(f"{source} row {reader.line_num}: more cells than columns", path=source)
        rows.append((reader.line_num, {k.strip(): (v or "") for k, v in row.items()}))
    return rows


def _register_from_csv(rows: list[tuple[int, dict[str, str]]], source: str) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for number, row in rows:
        supplier_id = row.get("supplier_id", "").strip()
        if not supplier_id:
            raise UsageError(f"{source} row {number}: no supplier_id", path=source)
        entry = entries.setdefault(supplier_id, {})
        certification: dict[str, Any] = {}
        for column, cell in row.items():
            if column == "supplier_id" or not cell.strip():
                continue
            if column.startswith(CERTIFICATION):
                name = column[len(CERTIFICATION) :]
                certification[name] = _cell(("certifications", name), cell, source, number, column)
                continue
            value = _cell(tuple(column.split(".")), cell, source, number, column)
            target = entry
            *parents, last = column.split(".")
            for parent in parents:
                target = target.setdefault(parent, {})
            if last in target and target[last] != value:
                raise UsageError(
                    f"{source} row {number}, column {column}: {cell!r} differs from the "
                    "supplier's earlier row",
                    path=source,
                )
            target[last] = value
        if certification:
            entry.setdefault("certifications", []).append(certification)
    return entries


def _register_from_json(data: Any, source: str) -> dict[str, dict[str, Any]]:
    if isinstance(data, dict):
        items = [
            {"supplier_id": key, **value} if isinstance(value, dict) else value for key, value in data.items()
        ]
    elif isinstance(data, list):
        items = data
    else:
        raise UsageError(
            f"{source}: a register is a list of suppliers or an object by supplier id", path=source
        )
    entries: dict[str, dict[str, Any]] = {}
    for number, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("supplier_id"), str | int):
            raise UsageError(f"{source}: entry {number} needs a supplier_id", path=source)
        entry = {k: v for k, v in item.items() if k != "supplier_id"}
        for key in entry:
            if key not in REGISTER_FIELDS:
                raise UsageError(f"{source}: entry {number}: {_unknown(key, REGISTER_FIELDS)}", path=source)
        entries[str(item["supplier_id"])] = entry
    return entries


def _cell(path: tuple[str, ...], cell: str, source: str, number: int, column: str) -> Any:
    """A CSV cell as the bid schema's type for the field it names."""
    kind = _kind(path, source, column)
    text = cell.strip()
    where = f"{source} row {number}, column {column}"
    if kind == "list":
        return [part.strip() for part in text.split(";") if part.strip()]
    if kind == "boolean":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise UsageError(f"{where}: {text!r} is not true or false", path=source)
    if kind == "count":
        if text.isdigit():
            return int(text)
        raise UsageError(f"{where}: {text!r} is not a whole number", path=source)
    if kind == "number":
        return _number(text, source, number, column)
    return text


@functools.cache
def _kind(path: tuple[str, ...], source: str, column: str) -> str:
    """What a column holds, from the bid schema: list, boolean, count, number or text (once a column)."""
    if path[0] not in REGISTER_FIELDS:
        raise UsageError(f"{source} column {column}: {_unknown(path[0], REGISTER_FIELDS)}", path=source)
    if path == ("size",):
        return "text"
    node: Any = load_schema("bid.schema.json")["properties"][path[0]]
    for step in path[1:]:
        node = node.get("items", node)
        properties = node.get("properties", {})
        if step not in properties:
            raise UsageError(f"{source} column {column}: {_unknown(step, list(properties))}", path=source)
        node = properties[step]
    kind = node.get("type") or node.get("$ref", "")
    if path[0] == "languages" or kind == "array" or path[-1] == "covers":
        return "list"
    if kind == "boolean":
        return "boolean"
    if kind.endswith("/count"):
        return "count"
    if kind.endswith("/percent") or kind == "number":
        return "number"
    return "text"


def _number(text: str, source: str, number: int, column: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise UsageError(
            f"{source} row {number}, column {column}: {text!r} is not a number", path=source
        ) from None
    if not value.is_finite():
        raise UsageError(f"{source} row {number}, column {column}: {text!r} is not a number", path=source)
    return value


def _marks_key(row: dict[str, Any], source: str, number: int) -> tuple[str, str]:
    tender_id, bid_id = row.get("tender_id"), row.get("bid_id")
    if not isinstance(tender_id, str) or not tender_id or bid_id is None or str(bid_id) == "":
        raise UsageError(f"{source} row {number}: needs tender_id and bid_id", path=source)
    return tender_id.strip(), str(bid_id).strip()


def _unknown(name: str, known: Any) -> str:
    hint = difflib.get_close_matches(name, list(known), n=1)
    return f'unknown field "{name}"' + (f'; did you mean "{hint[0]}"?' if hint else "")
