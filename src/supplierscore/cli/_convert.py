"""``supplierscore convert``: OCDS to tender documents, and a score sheet to OCDS."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import click
import orjson

from supplierscore.cli._common import EXIT_OK, EXIT_REJECTED, print_rejections, reports_errors
from supplierscore.cli._ocds import is_ocds, ocds_options, refuse_ocds_options, run_import
from supplierscore.errors import OutputError, UsageError
from supplierscore.inputs import Tender, read_bids
from supplierscore.sheet import load_sheet
from supplierscore.sheet._ocds import write_ocds


@click.command(name="convert")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--to",
    "to_format",
    type=click.Choice(["ocds"]),
    help="Write the score sheet INPUT (a .json sheet) as an OCDS release package; any further INPUTs "
    "are the files it was scored from (tender documents or OCDS), which add prices, dates and titles.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The file to write: .ndjson tender documents (--from ocds), or .json OCDS (--to ocds).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@ocds_options
@reports_errors
def convert_command(
    inputs: Sequence[str],
    to_format: str | None,
    out: str,
    quiet: bool,
    from_format: str | None,
    suppliers: str | None,
    marks: str | None,
    report_path: str | None,
) -> None:
    """Convert OCDS to tender documents (--from ocds), or a score sheet to OCDS (--to ocds).

    \b
    Examples:
      supplierscore convert package.json --from ocds --out docs.ndjson
      supplierscore convert package.json --from ocds --suppliers register.csv --marks marks.csv \\
        --report import.json --out docs.ndjson
      supplierscore convert sheet.json --to ocds --out scored.json
      supplierscore convert sheet.json package.json --to ocds --out scored.json

    --from ocds writes each tender with its valid bids (the import report lists every other bid);
    --to ocds writes a release package that validates against OCDS 1.1 with the bids extension.
    """
    if (from_format is None) == (to_format is None):
        raise UsageError("give either --from ocds (OCDS to tender documents) or --to ocds (a sheet to OCDS)")
    if from_format == "ocds":
        _from_ocds(inputs, out, quiet, suppliers, marks, report_path)
    else:
        refuse_ocds_options(suppliers, marks, report_path)
        _to_ocds(inputs, out, quiet)


def _from_ocds(
    inputs: Sequence[str],
    out: str,
    quiet: bool,
    suppliers: str | None,
    marks: str | None,
    report_path: str | None,
) -> None:
    if Path(out).suffix.lower() not in (".ndjson", ".jsonl"):
        raise UsageError(
            f"--from ocds writes tender documents, one per line: name an .ndjson file, not {out}"
        )
    imported = run_import(inputs, suppliers, marks, report_path, quiet=quiet)
    target = Path(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as stream:
            for document in imported.documents:
                stream.write(ocds_bytes_line(document))
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}", path=str(target)) from error
    if not quiet:
        print_rejections(imported.batch.rejections)
        bids = sum(len(d["bids"]) for d in imported.documents)
        click.echo(f"\nwrote {len(imported.documents):,} tender document(s) with {bids:,} bid(s) to {target}")
    sys.exit(EXIT_REJECTED if imported.batch.rejected else EXIT_OK)


def ocds_bytes_line(document: object) -> bytes:
    """One tender document on one line, numbers with exactly their digits."""
    return orjson.dumps(document, default=_exact, option=orjson.OPT_APPEND_NEWLINE)


def _exact(value: object) -> object:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value).encode())
    raise TypeError(f"{type(value).__name__} cannot be written")


def _to_ocds(inputs: Sequence[str], out: str, quiet: bool) -> None:
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
