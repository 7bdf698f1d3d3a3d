"""Gathering inputs so that nothing is dropped silently: folders, repeats, encodings, misplaced JSON.

Every file under a folder (recursively, in sorted order) is either read or listed as skipped with its
reason; the same file given twice (by path or by content) stops the run, naming both; JSON in UTF-16 or
UTF-32 with a byte-order mark is decoded to UTF-8; and a JSON document spread over several lines of an
``.ndjson`` file is one rejection that says so, rather than one per line.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

from supplierscore.errors import UsageError
from supplierscore.inputs._batch import SUPPORTED_SUFFIXES
from supplierscore.inputs._spreadsheet import csv_sheet

_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def folder_files(folder: Path) -> tuple[list[Path], list[str]]:
    """The files to read under ``folder`` (recursively, sorted by path) and one note per file skipped."""
    found: list[Path] = []
    skipped: list[str] = []
    # Not only regular files: a link to a device or a pipe is kept, for the reader to refuse by name.
    everything = sorted(p for p in folder.rglob("*") if not p.is_dir())
    bids_tables = {
        p.name.lower()[: -len(".bids.csv")] for p in everything if p.name.lower().endswith(".bids.csv")
    }
    for path in everything:
        name = path.name.lower()
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            skipped.append(f"skipped {path}: hidden file")
        elif name.startswith("~$"):
            skipped.append(f"skipped {path}: a spreadsheet's lock file (the workbook is open somewhere)")
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            skipped.append(
                f"skipped {path}: not a kind of file read ({path.suffix or 'no extension'}; "
                f"read are {', '.join(SUPPORTED_SUFFIXES)})"
            )
        elif name.endswith(".csv") and csv_sheet(name) != "Bids" and name.rsplit(".", 2)[0] in bids_tables:
            stem = path.name[: -len(f".{csv_sheet(name).lower()}.csv")]
            skipped.append(f"skipped {path}: read with {path.with_name(stem + '.bids.csv')}")
        else:
            found.append(path)
    return found, skipped


def repeated_paths(paths: list[tuple[str, Path]]) -> None:
    """Refuse a file given twice (the same file under two names counts), naming both; a CSV table given
    beside the ``NAME.bids.csv`` it is read with counts as given twice."""
    seen: dict[Path, str] = {}
    bids_tables = {p.resolve() for _, p in paths if p.name.lower().endswith(".bids.csv")}
    for name, path in paths:
        sheet = csv_sheet(path.name) if path.name.lower().endswith(".csv") else "Bids"
        owner = (
            path.with_name(path.name[: -len(f".{sheet.lower()}.csv")] + ".bids.csv")
            if sheet != "Bids"
            else None
        )
        if owner is not None and owner.resolve() in bids_tables:
            raise UsageError(
                f"{name} is read with {owner.name}, given too: give only {owner.name}", path=name
            )
        real = path.resolve()
        if real in seen:
            raise UsageError(
                f"the same file is given twice: {seen[real]} and {name}; give each file once", path=name
            )
        seen[real] = name


def repeated_content(digests: list[tuple[str, str]]) -> None:
    """Refuse two inputs with the same bytes (a copied file would double every bid), naming both."""
    seen: dict[str, str] = {}
    for name, digest in digests:
        if digest in seen:
            raise UsageError(
                f"{seen[digest]} and {name} have the same content (SHA-256 {digest[:12]}…): give each file "
                "once",
                path=name,
            )
        seen[digest] = name


def wide_json(name: str, path: Path) -> tuple[bytes, str] | None:
    """A JSON file in UTF-16 or UTF-32 with a byte-order mark, as UTF-8 bytes and a note; None when it
    does not start with such a mark. A file that is not what its mark says stops the run with the fix."""
    with path.open("rb") as stream:
        head = stream.read(4)
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            try:
                text = path.read_bytes().decode(encoding)
            except UnicodeDecodeError:
                wide = encoding.upper()
                raise UsageError(
                    f"{name} starts with a {wide} byte-order mark but is not {wide}: save it as UTF-8 "
                    f"(for example: iconv -f {wide} -t UTF-8 {name} > fixed.ndjson)",
                    path=name,
                ) from None
            note = f"{name}: read as {encoding.upper()} (bids are expected in UTF-8; save it as UTF-8)"
            return text.encode("utf-8"), note
    return None


def spread_document(data: bytes, lines: int) -> str | None:
    """Why an ``.ndjson`` file is one rejection, when it holds JSON documents spread over its lines
    (a pretty-printed file saved as ``.ndjson``); None when it is not that."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    decoder = json.JSONDecoder()
    position, documents = 0, 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            break
        try:
            _, position = decoder.raw_decode(text, position)
        except ValueError:
            return None
        documents += 1
    if documents == 0 or documents >= lines:
        return None
    what = "one JSON document" if documents == 1 else f"{documents} JSON documents"
    return (
        f"the file holds {what} spread over {lines} lines, but NDJSON needs one tender document per line: "
        "save one document as .json, or write each on a single line (for example: jq -c . FILE)"
    )
