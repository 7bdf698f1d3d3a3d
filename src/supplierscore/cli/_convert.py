"""``supplierscore convert``: tender documents between JSON/NDJSON and spreadsheets (XLSX, CSV), OCDS to
tender documents, and a score sheet to OCDS.

Formats are named by ``--from`` and ``--to``, inferred from the extensions by default; each tender-document
format is one entry in :data:`READS` or :data:`WRITES`. OCDS is read by the OCDS importer (with the supplier
register and panel marks it lacks) and written from a score sheet.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from supplierscore.cli._common import (
    EXIT_OK,
    EXIT_REJECTED,
    inputs_argument,
    print_rejections,
    reports_errors,
)
from supplierscore.cli._ocds import is_ocds, ocds_source_options, refuse_ocds_options, run_import
from supplierscore.errors import UsageError
from supplierscore.inputs import STDIN

if TYPE_CHECKING:
    from supplierscore.inputs import Batch, Tender

_SUFFIX = {"json": ".json", "ndjson": ".ndjson", "xlsx": ".xlsx", "csv": ".csv"}


def _read_as(fmt: str) -> Callable[[Sequence[str]], Batch]:
    """A reader that takes every input as ``fmt`` whatever its extension (by naming it so)."""

    def read(inputs: Sequence[str]) -> Batch:
        from supplierscore.inputs import InputBytes, read_bids

        named: list[str | InputBytes] = []
        for item in inputs:
            if item == STDIN or Path(item).is_dir() or item.lower().endswith(_SUFFIX[fmt]):
                named.append(item)
                continue
            try:
                named.append(InputBytes(item + _SUFFIX[fmt], Path(item).read_bytes()))
            except OSError as error:
                raise UsageError(f"input cannot be read: {item}: {error.strerror}", path=item) from None
        return read_bids(named)

    return read


def _read_auto(inputs: Sequence[str]) -> Batch:
    """Each input as its extension says."""
    from supplierscore.inputs import read_bids

    return read_bids(inputs)


READS: dict[str, Callable[[Sequence[str]], Batch]] = {
    "auto": _read_auto,
    **{fmt: _read_as(fmt) for fmt in _SUFFIX},
}
"""How each ``--from`` format is read into a validated batch."""


def _write_ndjson(documents: list[dict[str, Any]], out: Path, language: str) -> list[Path]:
    from supplierscore.inputs import document_json

    out.write_text("".join(document_json(d) + "\n" for d in documents), encoding="utf-8")
    return [out]


def _write_json(documents: list[dict[str, Any]], out: Path, language: str) -> list[Path]:
    if len(documents) != 1:
        raise UsageError(
            f"a .json file holds one tender document and the input has {len(documents)}: "
            "write .ndjson (one per line) instead"
        )
    from supplierscore.inputs import document_json

    out.write_text(document_json(documents[0]) + "\n", encoding="utf-8")
    return [out]


def _write_xlsx(documents: list[dict[str, Any]], out: Path, language: str) -> list[Path]:
    from supplierscore.inputs import document_tables, write_workbook

    write_workbook(document_tables(documents), out, language=language)
    return [out]


def _write_csv(documents: list[dict[str, Any]], out: Path, language: str) -> list[Path]:
    from supplierscore.inputs import document_tables, write_csv_tables

    return write_csv_tables(document_tables(documents), out, language)


WRITES: dict[str, Callable[[list[dict[str, Any]], Path, str], list[Path]]] = {
    "ndjson": _write_ndjson,
    "json": _write_json,
    "xlsx": _write_xlsx,
    "csv": _write_csv,
}
"""How each ``--to`` format is written from tender documents."""


@click.command(name="convert")
@inputs_argument
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The file to write.")
@click.option(
    "--from",
    "from_format",
    type=click.Choice([*READS, "ocds"]),
    default="auto",
    show_default=True,
    help="The inputs' format; auto goes by each file's extension (and finds OCDS by its content).",
)
@click.option(
    "--to",
    "to_format",
    type=click.Choice(["auto", *WRITES, "ocds"]),
    default="auto",
    show_default=True,
    help="The output's format; auto goes by the extension of --out. ocds writes the score sheet INPUT (a "
    ".json sheet) as an OCDS release package; further INPUTs are the files it was scored from, which add "
    "prices, dates and titles.",
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(["en", "fr"]),
    default="en",
    show_default=True,
    help="The language of a spreadsheet's column titles.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@ocds_source_options
@reports_errors
def convert_command(
    inputs: Sequence[str],
    out: str,
    from_format: str,
    to_format: str,
    language: str,
    quiet: bool,
    suppliers: str | None,
    marks: str | None,
    report_path: str | None,
) -> None:
    """Convert the tender documents in INPUT... to --out: JSON/NDJSON to XLSX/CSV and back; OCDS to
    tender documents (--from ocds); or a score sheet to OCDS (--to ocds).

    Every bid is validated on the way, as `score` would: rejected bids are listed and not written
    (exit 1). XLSX and CSV are the tables `supplierscore template` writes; .csv output is one file per
    sheet (OUT.tenders.csv, OUT.bids.csv, ...), read back by giving OUT.bids.csv. --to ocds writes a
    release package that validates against OCDS 1.1 with the bids extension.

    \b
    Examples:
      supplierscore convert examples/tenders.ndjson --out tenders.xlsx
      supplierscore convert bids.xlsx --out bids.ndjson
      supplierscore convert export.txt --from csv --out bids.ndjson
      supplierscore convert package.json --from ocds --suppliers register.csv --marks marks.csv \\
        --report import.json --out docs.ndjson
      supplierscore convert sheet.json package.json --to ocds --out scored.json
    """
    if to_format == "ocds":
        if from_format != "auto":
            raise UsageError("--to ocds reads a score sheet (INPUT is its .json): drop --from")
        refuse_ocds_options(suppliers, marks, report_path)
        _to_ocds(inputs, out, quiet)
        return
    target = Path(out)
    if to_format == "auto":
        to_format = next((f for f, s in _SUFFIX.items() if target.suffix.lower() == s), "")
        if target.suffix.lower() == ".jsonl":
            to_format = "ndjson"
        if not to_format:
            raise UsageError(
                f"cannot tell the output format from {out}: use .ndjson, .json, .xlsx or .csv, or --to"
            )
    if any(os.path.abspath(i) == os.path.abspath(out) for i in inputs if i != STDIN):
        raise UsageError(f"--out {out} is also an input: write to another file")
    if from_format == "ocds" or (from_format == "auto" and is_ocds(inputs, None)):
        imported = run_import(inputs, suppliers, marks, report_path, quiet=quiet)
        batch, documents = imported.batch, imported.documents
    else:
        refuse_ocds_options(suppliers, marks, report_path)
        batch = READS[from_format](inputs)
        documents = [{"tender": t.header, "bids": t.bids} for t in batch.tenders]
    written = WRITES[to_format](documents, target, language)
    for warning in batch.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        print_rejections(batch.rejections)
        bids = sum(len(d["bids"]) for d in documents)
        click.echo(
            f"converted {len(documents):,} tender(s) with {bids:,} bid(s), {batch.rejected:,} rejected; "
            f"wrote {', '.join(str(p) for p in written)}"
        )
    sys.exit(EXIT_REJECTED if batch.rejected else EXIT_OK)


def _to_ocds(inputs: Sequence[str], out: str, quiet: bool) -> None:
    from supplierscore.inputs import read_bids
    from supplierscore.sheet import load_sheet
    from supplierscore.sheet._ocds import write_ocds

    sheet_path, *sources = inputs
    sheet = load_sheet(sheet_path)
    tenders: list[Tender] = []
    if sources:
        if is_ocds(sources, None):
            tenders = run_import(sources, None, None, None, quiet=True).batch.tenders
        else:
            tenders = read_bids(sources).tenders
        scored = {(row["tender_id"], row["bid_id"]) for row in sheet["rows"]}
        found = {(t.id, b["id"]) for t in tenders for b in t.bids}
        missing = sorted(scored - found)
        if missing:
            tender_id, bid_id = missing[0]
            raise UsageError(
                f"{len(missing):,} scored bid(s) of the sheet are not in the inputs given (first: tender "
                f"{tender_id} bid {bid_id}): give the files the sheet was scored from"
            )
    written = write_ocds(sheet, out, tenders)
    if not quiet:
        releases = len({row["tender_id"] for row in sheet["rows"]})
        detail = "with prices, dates and titles" if sources else "results only (give the inputs for prices)"
        click.echo(f"wrote {written}: OCDS 1.1 release package, {releases:,} scored tender(s), {detail}")
        click.echo("valid against the OCDS 1.1 release package schema with the bids extension (offline)")
    sys.exit(EXIT_OK)
