"""The ``supplierscore`` command line: thin click commands over the Python API.

Exit codes (the same for every command):

====  ==========================================================================
0     everything read was scored (an ineligible bid is not a rejection); audit checks passed
1     some bids were rejected (the sheet or report is still written)
2     usage or ruleset error: a missing file, a bad option, a ruleset that breaks its rules
3     audit verification or replay failed
====  ==========================================================================
"""

from __future__ import annotations

import functools
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from supplierscore import __version__
from supplierscore.bids import Batch, Rejection, read_bids
from supplierscore.engine import score
from supplierscore.errors import SupplierScoreError
from supplierscore.ruleset import default_ruleset_path, load_ruleset, summarize
from supplierscore.sheet import ScoreSheet, write_rejections

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_AUDIT = 0, 1, 2, 3
MAX_LISTED = 200


def reports_errors(command: F) -> F:
    """Turn a :class:`SupplierScoreError` into a one-line message and its exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SupplierScoreError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supplierscore")
def main() -> None:
    """Validate bids, score them under a ruleset, rank them, and keep an auditable record.

    \b
    Exit codes: 0 all scored · 1 some bids rejected · 2 usage or ruleset error · 3 audit check failed.
    """


inputs_argument = click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")


@main.command()
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

    INPUT is a .json file (one tender document), an .ndjson/.jsonl file (one per line), a folder of
    such files, or - for standard input (NDJSON).

    \b
    Examples:
      supplierscore validate examples/tenders.ndjson
      supplierscore validate examples/bad-bids.ndjson --out rejections.csv
      cat bids.ndjson | supplierscore validate - --format json
    """
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
            {"source": f.source, "read": f.read, "valid": f.valid, "rejected": f.rejected} for f in batch.files
        ],
        "counts": {"read": batch.read, "valid": batch.valid, "rejected": batch.rejected},
        "tenders": [{"tender_id": t.id, "source": t.source, "line": t.line, "bids": len(t.bids)} for t in batch.tenders],
        "rejections": [r.to_dict() for r in batch.rejections],
        "warnings": batch.warnings,
    }


def _print_validation(batch: Batch) -> None:
    for warning in batch.warnings:
        click.echo(f"warning: {warning}", err=True)
    width = max((len(f.source) for f in batch.files), default=4)
    click.echo(f"{'file':<{width}}  {'read':>7}  {'valid':>7}  {'rejected':>8}")
    for f in batch.files:
        click.echo(f"{f.source:<{width}}  {f.read:>7,}  {f.valid:>7,}  {f.rejected:>8,}")
    tenders = ", ".join(t.id for t in batch.tenders)
    click.echo(f"\n{len(batch.tenders)} tender(s) with valid bids: {tenders or 'none'}")
    _print_rejections(batch.rejections)
    click.echo(f"\nread {batch.read:,} · valid {batch.valid:,} · rejected {batch.rejected:,}")


def _print_rejections(rejections: Sequence[Rejection]) -> None:
    if not rejections:
        return
    click.echo(f"\nRejections ({len(rejections):,}):")
    for r in rejections[:MAX_LISTED]:
        where = f"{r.source}:{r.line}" if r.line is not None else r.source
        bid = f" bid {r.bid_id}" if r.bid_id else (f" bid #{r.index}" if r.index is not None else "")
        tender = f" tender {r.tender_id}" if r.tender_id else ""
        click.echo(f"  {where}{tender}{bid} at {r.path or '/'}: {r.reason}")
    if len(rejections) > MAX_LISTED:
        click.echo(f"  … and {len(rejections) - MAX_LISTED:,} more (save them all with --out)")


@main.command(name="score")
@inputs_argument
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, dir_okay=False),
    help="The ruleset (YAML or JSON). Default: the bundled rules/cities-of-migration.yaml.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The score sheet: .json, .csv, .xlsx or .parquet (the extension picks the format).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@reports_errors
def score_command(inputs: Sequence[str], rules_path: str | None, out: str, quiet: bool) -> None:
    """Validate, score and rank every bid in INPUT..., and write the score sheet to --out.

    \b
    Examples:
      supplierscore score examples/tenders.ndjson --out sheet.xlsx
      supplierscore score bids/ --rules rules/cities-of-migration.yaml --out sheet.json
      supplierscore score a.ndjson b.json --out sheet.csv   (also writes sheet.breakdown.csv, sheet.rejections.csv)
    """
    ruleset = load_ruleset(rules_path or default_ruleset_path())
    batch = read_bids(inputs)
    sheet = score(batch, ruleset, progress=_progress_bar(batch) if not quiet else None)
    written = sheet.write(out)
    if not quiet:
        for warning in batch.warnings:
            click.echo(f"warning: {warning}", err=True)
        _print_summary(sheet)
        _print_rejections(sheet.rejections)
        click.echo(f"\nwrote {', '.join(str(p) for p in written)}")
    sys.exit(EXIT_REJECTED if batch.rejected else EXIT_OK)


def _progress_bar(batch: Batch) -> Callable[[int], None] | None:
    """A progress bar on standard error for batches that take more than a moment, only on a terminal."""
    if not sys.stderr.isatty() or batch.valid < 20_000:
        return None
    bar = click.progressbar(length=batch.valid, label="scoring", file=sys.stderr, show_pos=True, show_eta=True)
    bar.__enter__()

    def advance(bids: int) -> None:
        bar.update(bids)
        if bar.pos >= bar.length:
            bar.__exit__(None, None, None)

    return advance


def _print_summary(sheet: ScoreSheet) -> None:
    rejected = Counter(r.tender_id for r in {(r.source, r.line, r.index): r for r in sheet.rejections}.values())
    by_tender: dict[str, list[Any]] = {}
    for row in sheet.rows:
        by_tender.setdefault(row.tender_id, []).append(row)
    for tender_id, rows in by_tender.items():
        ranked = [r for r in rows if r.rank is not None]
        counts = f"{len(ranked)} scored, {len(rows) - len(ranked)} ineligible, {rejected.get(tender_id, 0)} rejected"
        click.echo(f"{tender_id}: {counts}")
        if ranked:
            first = ranked[0]
            click.echo(f"  winner     {first.bid_id} {first.supplier_name} ({sheet.decimal(first.total)})")
        if len(ranked) > 1:
            second = ranked[1]
            margin = sheet.decimal(first.total - second.total)
            click.echo(f"  runner-up  {second.bid_id} {second.supplier_name} ({sheet.decimal(second.total)}), margin {margin}")
    c = sheet.metadata.counts
    click.echo(f"\nread {c.read:,} · scored {c.scored:,} · ineligible {c.ineligible:,} · rejected {c.rejected:,}")


@main.group()
def rules() -> None:
    """Check and summarise rulesets."""


@rules.command(name="check")
@click.argument("ruleset_path", metavar="RULESET", type=click.Path(exists=True, dir_okay=False))
@reports_errors
def rules_check(ruleset_path: str) -> None:
    """Check RULESET against every rule and print a one-screen summary (exit 0), or every problem (exit 2).

    \b
    Example:
      supplierscore rules check rules/cities-of-migration.yaml
    """
    click.echo(summarize(load_ruleset(ruleset_path)))
