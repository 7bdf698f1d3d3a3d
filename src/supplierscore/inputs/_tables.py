"""Tender documents as tables: which sheet holds which field, under which field path, of which kind.

Shared by the spreadsheet reader and the workbook writer, and derived from the JSON Schemas, so a field
added to ``bid.schema.json`` gets its column (with its description and its allowed values) everywhere.

A workbook has the sheets Tenders (one row per tender), Bids (one row per bid), Certifications and
Subcontracts (one row each, linked to their bid by ``tender.id`` and ``bid.id``). Each sheet's row 2
holds field paths, which is what the reader keys on: ``tender.*`` for the tender's fields, bid fields by
their path in the bid (``price.amount``), ``quality.<criterion>`` for a panel mark, and the list items'
fields by their path without the index (``certifications.issuer``). Row 1 holds titles for people.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from supplierscore.resources import load_schema

TENDERS, BIDS, CERTIFICATIONS, SUBCONTRACTS = "Tenders", "Bids", "Certifications", "Subcontracts"
SHEETS = (TENDERS, BIDS, CERTIFICATIONS, SUBCONTRACTS)
"""The data sheets, in the order a workbook has them."""

TENDER_ID, BID_ID = "tender.id", "bid.id"
LIST_SEPARATOR = ";"
"""Lists in one cell (languages, covers, owned_by) are written ``en; fr``."""

KINDS = ("string", "enum", "integer", "number", "amount", "boolean", "date", "datetime", "list")
"""How a cell becomes a JSON value: ``amount`` is a number or a decimal string (money, wages)."""

_ARRAY_SHEETS = {"certifications": CERTIFICATIONS, "supply_chain.subcontracts": SUBCONTRACTS}
_QUALITY = "quality."


@dataclass(frozen=True, slots=True)
class Column:
    """One column of one sheet: its field path, where it goes in a tender document, and its kind.

    ``keys`` is the path inside the tender (for ``tender.*``) or inside the bid or the list item.
    """

    sheet: str
    path: str
    keys: tuple[str, ...]
    kind: str
    description: str
    choices: tuple[str, ...] = ()
    required: bool = False

    @property
    def is_tender(self) -> bool:
        """Whether the column holds a field of the tender (``tender.*``) rather than of a bid."""
        return self.path.startswith("tender.")


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A schema node with its ``$ref`` merged in (the node's own description wins)."""
    if "$ref" not in node:
        return node
    target = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return {**_resolve(schema, target), **{k: v for k, v in node.items() if k != "$ref"}}


def _kind(schema: dict[str, Any], node: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    if node.get("type") == "array":
        items = _resolve(schema, node["items"])
        return "list", tuple(items.get("enum", ()))
    if "enum" in node:
        return "enum", tuple(node["enum"])
    kind = node.get("type")
    if kind == ["number", "string"]:
        return "amount", ()
    if node.get("format") == "date":
        return "date", ()
    if node.get("format") == "date-time":
        return "datetime", ()
    return {"integer": "integer", "number": "number", "boolean": "boolean"}.get(str(kind), "string"), ()


def _walk(
    schema: dict[str, Any], node: dict[str, Any], prefix: str, keys: tuple[str, ...], required: bool
) -> list[tuple[str, tuple[str, ...], dict[str, Any], bool]]:
    """(path, keys, resolved node, required) for every leaf field under ``node``."""
    node = _resolve(schema, node)
    if node.get("type") == "object" and "properties" in node:
        wanted = set(node.get("required", ()))
        leaves = []
        for name, child in node["properties"].items():
            leaves += _walk(schema, child, f"{prefix}{name}.", (*keys, name), required and name in wanted)
        return leaves
    return [(prefix.rstrip("."), keys, node, required)]


@cache
def columns(sheet: str) -> tuple[Column, ...]:
    """The known columns of ``sheet``, in the order a template has them (``quality.*`` not included)."""
    tender_schema = load_schema("tender.schema.json")
    bid_schema = load_schema("bid.schema.json")
    tender_columns = []
    for path, keys, node, _ in _walk(tender_schema, tender_schema, "", (), True):
        kind, choices = _kind(tender_schema, node)
        note = _note(tender_schema, keys)
        tender_columns.append(Column(sheet, f"tender.{path}", keys, kind, note, choices, path == "id"))
    if sheet == TENDERS:
        return tuple(tender_columns)
    link = [tender_columns[0]]
    bid_leaves = _walk(bid_schema, bid_schema, "", (), True)
    if sheet == BIDS:
        return (
            *link,
            *(
                _column(sheet, path, keys, bid_schema, node, _note(bid_schema, keys), required)
                for path, keys, node, required in bid_leaves
                if path not in _ARRAY_SHEETS and not path.startswith("quality")
            ),
        )
    array = next(a for a, s in _ARRAY_SHEETS.items() if s == sheet)
    node = next(n for path, _, n, _ in bid_leaves if path == array)
    item = _resolve(bid_schema, node["items"])
    leaves = _walk(bid_schema, item, f"{array}.", (), True)
    bid_id = Column(sheet, BID_ID, ("id",), "string", "The bid's id, as on the Bids sheet.", required=True)
    return (
        *link,
        bid_id,
        *(
            _column(sheet, path, keys, bid_schema, leaf, _item_note(bid_schema, item, keys), required)
            for path, keys, leaf, required in leaves
        ),
    )


def _column(
    sheet: str,
    path: str,
    keys: tuple[str, ...],
    schema: dict[str, Any],
    node: dict[str, Any],
    note: str,
    required: bool,
) -> Column:
    kind, choices = _kind(schema, node)
    return Column(sheet, path, keys, kind, note, choices, required)


def _note(schema: dict[str, Any], keys: tuple[str, ...]) -> str:
    """A field's own description (not its ``$ref``'s), found by its keys from the schema's root."""
    return _item_note(schema, schema, keys)


def _item_note(schema: dict[str, Any], root: dict[str, Any], keys: tuple[str, ...]) -> str:
    node: dict[str, Any] = root
    for key in keys:
        node = _resolve(schema, node)["properties"][key]
    return str(node.get("description", ""))


_CRITERION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")


def column(sheet: str, path: str) -> Column | None:
    """The column of ``sheet`` with field path ``path``, or None when the path is not one of its fields.

    A panel mark ``quality.<criterion>`` is a column of the Bids sheet for any well-formed criterion id.
    """
    known = _by_path(sheet).get(path)
    if known is not None:
        return known
    if sheet == BIDS and path.startswith(_QUALITY) and _CRITERION.match(path[len(_QUALITY) :]):
        criterion = path[len(_QUALITY) :]
        note = "The evaluation panel's mark for this criterion: a number from 0 to 100."
        return Column(sheet, path, ("quality", criterion), "number", note)
    if sheet == BIDS:
        tender = _by_path(TENDERS).get(path)
        if tender is not None:  # a flat table repeats the tender's fields on every bid row
            return Column(sheet, tender.path, tender.keys, tender.kind, tender.description, tender.choices)
    return None


@cache
def _by_path(sheet: str) -> dict[str, Column]:
    return {c.path: c for c in columns(sheet)}


def nearest(sheet: str, path: str) -> str | None:
    """The known field path closest to a misspelt one, for the reason an unknown column gets."""
    known = [c.path for c in columns(sheet)]
    if sheet == BIDS:
        known += [c.path for c in columns(TENDERS)] + ["quality.technical"]
    match = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
    return match[0] if match else None


def letter(index: int) -> str:
    """The spreadsheet letter of a column counted from 0: 0 → A, 25 → Z, 26 → AA.

    >>> letter(0), letter(5), letter(27)
    ('A', 'F', 'AB')
    """
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_text(text: str) -> str:
    """Text safe to open in a spreadsheet from a CSV file, undone exactly by :func:`unguard_text`.

    A leading ``'`` is added when the text (after any leading ``'``) starts like a formula.

    >>> guard_text("=SUM(A1)"), unguard_text(guard_text("=SUM(A1)")), guard_text("Maple Co-op")
    ("'=SUM(A1)", '=SUM(A1)', 'Maple Co-op')
    """
    return "'" + text if text.lstrip("'").startswith(_FORMULA_STARTS) else text


def unguard_text(text: str) -> str:
    """The text :func:`guard_text` was given."""
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(_FORMULA_STARTS) else text
