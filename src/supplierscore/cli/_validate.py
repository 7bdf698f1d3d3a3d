"""``supplierscore validate``: read and validate only, and list every rejection."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
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
from supplierscore.limits import printable

if TYPE_CHECKING:
    from supplierscore.inputs import Batch


@click.command()
@inputs_argument
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True),
    help="Save the rejections to this .json or .csv file.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for programs.",
)
@reports_errors
def validate(inputs: Sequence[str], out: str | None, output_format: str) -> None:
    """Check every bid in INPUT... against the bid schema and the cross-field rules.

    INPUT is a .json file (one tender document), an .ndjson/.jsonl file (one per line), a spreadsheet
    (.xlsx, .xls, .xlsb, .ods, .csv: rejections name the cell), a folder of such files (read
    recursively; files not read are listed), or - for standard input (NDJSON).

    \b
    Examples:
      supplierscore validate examples/tenders.ndjson
      supplierscore validate examples/bad-bids.ndjson --out rejections.csv
      supplierscore validate bids.xlsx
      cat bids.ndjson | supplierscore validate - --format json
    """
    from supplierscore.inputs import read_bids
    from supplierscore.sheet import check_output, write_rejections

    if out:
        check_output(out, (".json", ".csv"), inputs)  # before reading: never over an input
    batch = read_bids(inputs)
    if out:
        write_rejections(batch.rejections, Path(out))
    if output_format == "json":
        click.echo(json.dumps(_validation_report(batch), indent=2, ensure_ascii=False))
    else:
        _print_validation(batch)
    sys.exit(EXIT_REJECTED if batch.rejected else EXIT_OK)


def _validation_report(batch: Batch) -> dict[str, Any]:
    return {
        "files": [
            {"source": f.source, "read": f.read, "valid": f.valid, "rejected": f.rejected}
            for f in batch.files
        ],
        "counts": {"read": batch.read, "valid": batch.valid, "rejected": batch.rejected},
        "tenders": [
            {"tender_id": t.id, "source": t.source, "line": t.line, "bids": len(t.bids)}
            for t in batch.tenders
        ],
        "rejections": [r.to_dict() for r in batch.rejections],
        "warnings": batch.warnings,
    }


def _print_validation(batch: Batch) -> None:
    for warning in batch.warnings:
        click.echo(f"warning: {printable(warning)}", err=True)
    width = max((len(printable(f.source)) for f in batch.files), default=4)
    click.echo(f"{'file':<{width}}  {'read':>7}  {'valid':>7}  {'rejected':>8}")
    for f in batch.files:
        click.echo(f"{printable(f.source):<{width}}  {f.read:>7,}  {f.valid:>7,}  {f.rejected:>8,}")
    scored = [t.id for t in batch.tenders if t.bids]
    listed = ", ".join(printable(t) for t in scored)
    click.echo(f"\n{len(scored)} tender(s) with valid bids: {listed or 'none'}")
    print_rejections(batch.rejections)
    click.echo(f"\nread {batch.read:,} · valid {batch.valid:,} · rejected {batch.rejected:,}")
