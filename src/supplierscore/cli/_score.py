"""``supplierscore score``: validate, score, rank and write the sheet, streaming large inputs."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from supplierscore.cli._analysis import print_analysis
from supplierscore.cli._common import (
    EXIT_OK,
    EXIT_REJECTED,
    PROGRESS_MIN_BIDS,
    STREAM_MIN_BYTES,
    inputs_argument,
    print_rejections,
    reports_errors,
    rules_option,
)
from supplierscore.cli._ocds import is_ocds, ocds_options, refuse_ocds_options, run_import
from supplierscore.engine import DEFAULT_CHUNK_LINES
from supplierscore.errors import UsageError
from supplierscore.inputs import STDIN
from supplierscore.limits import printable

if TYPE_CHECKING:
    from supplierscore.inputs import Batch, Rejection
    from supplierscore.ruleset import Ruleset
    from supplierscore.sheet import Row, ScoreSheet


@click.command(name="score")
@inputs_argument
@rules_option("The ruleset to score under. ")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The score sheet: .json, .csv, .xlsx or .parquet (the extension picks the format).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option(
    "--analysis",
    is_flag=True,
    help="Add what would change the outcome: counterfactuals per bid, the winner's robustness to the "
    "weights, integrity flags (in the JSON sheet, and the summary). Scores in memory.",
)
@click.option(
    "--chunk-lines",
    type=click.IntRange(min=1),
    help="Stream: score N lines (tenders) at a time in constant memory, on every core, for a .json, .csv "
    f"or .parquet sheet. Default: streams inputs over {STREAM_MIN_BYTES // 2**20} MiB, "
    f"{DEFAULT_CHUNK_LINES} lines at a time.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes that score chunks when streaming (default: one per core).",
)
@click.option(
    "--audit-log",
    "audit_log",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Append this run (inputs, ruleset, sheet) to the audit log in DIR, created when missing.",
)
@click.option(
    "--signing-key",
    "signing_key",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="End the run with a checkpoint signed by this key (from `supplierscore audit keygen`).",
)
@ocds_options
@reports_errors
def score_command(
    inputs: Sequence[str],
    rules_path: str | None,
    out: str,
    quiet: bool,
    chunk_lines: int | None,
    workers: int | None,
    audit_log: str | None,
    signing_key: str | None,
    from_format: str | None,
    suppliers: str | None,
    marks: str | None,
    report_path: str | None,
    analysis: bool,
) -> None:
    """Validate, score and rank every bid in INPUT..., and write the score sheet to --out.

    \b
    Examples:
      supplierscore score examples/tenders.ndjson --out sheet.xlsx
      supplierscore score bids/ --rules rules/cities-of-migration.yaml --out sheet.json
      supplierscore score a.ndjson b.json --out sheet.csv
        (also writes sheet.breakdown.csv and sheet.rejections.csv)
      supplierscore score examples/tenders.ndjson --out sheet.json --audit-log audit/
      supplierscore score bids.ndjson --out sheet.json --audit-log audit/ --signing-key audit.key
      supplierscore score year-2026.ndjson --out sheet.parquet --chunk-lines 2000
      supplierscore score package.json --from ocds --suppliers register.csv --marks marks.csv \\
        --report import.json --out sheet.xlsx
      supplierscore score examples/tenders.ndjson --out sheet.json --analysis

    A run with --audit-log keeps the whole sheet in memory (the log stores it); other large runs stream.
    """
    from supplierscore.engine import score, source_date
    from supplierscore.inputs import InputBytes, read_bids
    from supplierscore.ruleset import default_ruleset_path, load_ruleset
    from supplierscore.sheet import WRITERS, check_output

    if signing_key and not audit_log:
        raise UsageError("--signing-key signs an audit log checkpoint: give --audit-log DIR too")
    if analysis and chunk_lines:
        raise UsageError(
            "--analysis needs every tender's bids at once, so it cannot stream: drop --chunk-lines"
        )
    if analysis and audit_log:
        raise UsageError(
            "--audit-log records and replays scoring only: score with --audit-log, then add the analysis "
            "with `supplierscore analyse SHEET.json INPUT... --out ANALYSED.json`"
        )
    if audit_log and chunk_lines:
        raise UsageError("--audit-log stores the whole sheet, so it cannot stream: drop --chunk-lines")
    check_output(out, WRITERS, inputs)  # before any work: a bad extension, or --out onto an input
    _clean_up_on_signals()
    if audit_log:
        from supplierscore import audit  # only with --audit-log: it loads cryptography
    key = audit.load_signing_key(signing_key) if signing_key else None
    ocds = is_ocds(inputs, from_format)
    if not ocds:
        refuse_ocds_options(suppliers, marks, report_path)
    elif audit_log or chunk_lines:
        raise UsageError(
            "OCDS input is imported in memory, so --chunk-lines and --audit-log do not apply to it: "
            "convert it with `supplierscore convert ... --from ocds --out docs.ndjson` and score that"
        )
    ruleset = load_ruleset(rules_path or default_ruleset_path())
    if ocds:
        batch = run_import(inputs, suppliers, marks, report_path, quiet=quiet).batch
    elif chunk_lines or (not audit_log and not analysis and _large(inputs, out)):
        _score_streaming(inputs, ruleset, out, chunk_lines or DEFAULT_CHUNK_LINES, workers, quiet)
        return
    captured = [InputBytes("<stdin>", sys.stdin.buffer.read())] if audit_log and STDIN in inputs else []
    if not ocds:
        batch = read_bids([captured[0] if item == STDIN and captured else item for item in inputs])
    sheet = score(batch, ruleset, progress=None if quiet else _progress_bar(batch), created_at=source_date())
    if analysis:
        from supplierscore.engine import with_analysis

        sheet = with_analysis(sheet, batch, ruleset)
        if Path(out).suffix.lower() != ".json" and not quiet:
            click.echo("note: only a JSON sheet keeps the analysis; it is printed below", err=True)
    written = sheet.write(out)
    appended = None
    if audit_log:
        options = {"rules": rules_path, "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH")}
        log = audit.AuditLog(audit_log)
        made = Path(out).read_bytes() if Path(out).suffix.lower() == ".json" else None  # made once, not twice
        appended = log.append_run(
            batch, ruleset, sheet, inputs=captured, options=options, signing_key=key, sheet_bytes=made
        )
    if not quiet:
        for warning in batch.warnings:
            click.echo(f"warning: {printable(warning)}", err=True)
        _print_summary(sheet)
        if sheet.analysis is not None:
            print_analysis(sheet.analysis)
        print_rejections(sheet.rejections)
        click.echo(f"\nwrote {printable(', '.join(str(p) for p in written))}")
        if appended is not None:
            signed = f", signed checkpoint seq {appended.head_seq}" if appended.checkpoint else ""
            click.echo(f"audit: run {appended.run_id} appended to {audit_log} as seq {appended.seq}{signed}")
            click.echo(f"audit: head {appended.head} (keep it for `verify --expect-head`)")
    sys.exit(EXIT_REJECTED if batch.rejected else EXIT_OK)


def _clean_up_on_signals() -> None:
    """End the run as an exception would on SIGTERM and SIGHUP, so that temporary files are removed and
    no half-written sheet is left (Python's default for them ends the process at once)."""

    def stop(signum: int, _: Any) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def _large(inputs: Sequence[str], out: str) -> bool:
    """Whether to stream by default: a streamable sheet from input files over STREAM_MIN_BYTES (the size
    asked first: knowing what streams loads the streaming writer, which a small run never needs)."""
    paths = [Path(p) for p in inputs if p != STDIN]
    files = [f for p in paths for f in (p.rglob("*") if p.is_dir() else [p]) if f.is_file()]
    if sum(f.stat().st_size for f in files) <= STREAM_MIN_BYTES:
        return False
    from supplierscore.sheet import STREAMABLE

    return Path(out).suffix.lower() in STREAMABLE


def _score_streaming(
    inputs: Sequence[str], ruleset: Ruleset, out: str, chunk_lines: int, workers: int | None, quiet: bool
) -> None:
    """Score in chunks, in constant memory; print the counts (the per-tender summary is in the sheet)."""
    from supplierscore.engine import score_stream, source_date

    outcome = score_stream(
        inputs,
        ruleset,
        out,
        chunk_lines=chunk_lines,
        workers=workers,
        created_at=source_date(),
        progress=None if quiet or not sys.stderr.isatty() else _chunk_progress(chunk_lines),
    )
    counts = outcome.metadata.counts
    if not quiet:
        for warning in outcome.warnings:
            click.echo(f"warning: {printable(warning)}", err=True)
        click.echo(
            f"read {counts.read:,} · scored {counts.scored:,} · ineligible {counts.ineligible:,} · "
            f"rejected {counts.rejected:,} (rejections are listed in the sheet)"
        )
        click.echo(f"wrote {', '.join(str(p) for p in outcome.written)}")
    sys.exit(EXIT_REJECTED if counts.rejected else EXIT_OK)


def _chunk_progress(chunk_lines: int) -> Callable[[int, int, int], None]:
    """A bar on standard error over the chunks, counting tenders and bids, with a rate and an ETA."""
    started = time.monotonic()
    bids = 0
    bar: Any = None

    def advance(done: int, total: int, chunk_bids: int) -> None:
        nonlocal bar, bids
        if bar is None:
            bar = click.progressbar(length=total, label="scoring", file=sys.stderr, show_eta=True)
        bids += chunk_bids
        rate = bids / max(time.monotonic() - started, 1e-9)
        bar.label = f"scoring: ~{done * chunk_lines:,} tenders, {bids:,} bids, {rate:,.0f} bids/s"
        bar.update(1)
        if done == total:
            bar.render_finish()

    return advance


def _progress_bar(batch: Batch) -> Callable[[int], None] | None:
    """A progress bar on standard error for batches that take more than a moment, only on a terminal."""
    if not sys.stderr.isatty() or batch.valid < PROGRESS_MIN_BIDS:
        return None
    total = batch.valid
    bar = click.progressbar(length=total, label="scoring bids", file=sys.stderr, show_pos=True, show_eta=True)
    done = 0

    def advance(bids: int) -> None:
        nonlocal done
        done += bids
        bar.update(bids)
        if done >= total:
            bar.render_finish()

    return advance


def _bid_key(rejection: Rejection) -> tuple[str, int | None, int | None, str | None]:
    """One key per rejected bid: a spreadsheet bid's rejections name different cells (and rows) of one
    file, so there the file, tender and index identify the bid."""
    file, _, cell = rejection.source.partition(" › ")
    if cell and rejection.index is not None:
        return file, None, rejection.index, rejection.tender_id
    return rejection.source, rejection.line, rejection.index, None


def _print_summary(sheet: ScoreSheet) -> None:
    """The ruleset used; per tender: counts, the winner and the runner-up with the margin between them,
    each ineligible bid with why, and a warning when bids of a tender with a winner were rejected."""
    meta = sheet.metadata
    click.echo(f"ruleset {meta.ruleset_id} {meta.ruleset_version} (sha256 {meta.ruleset_sha256[:12]})")
    rejected = Counter(r.tender_id for r in {_bid_key(r): r for r in sheet.rejections}.values())
    by_tender: dict[str, list[Row]] = {t: [] for t in sorted(t for t in rejected if t is not None)}
    for row in sheet.rows:
        by_tender.setdefault(row.tender_id, []).append(row)
    for tender_id in sorted(by_tender):
        rows = by_tender[tender_id]
        ranked = [r for r in rows if r.rank is not None and r.total is not None]
        ineligible = [r for r in rows if not r.eligible]
        refused = rejected.get(tender_id, 0)
        counts = f"{len(ranked)} scored, {len(ineligible)} ineligible, {refused} rejected"
        click.echo(f"{printable(tender_id)}: {counts}")
        for label, row in zip(("winner   ", "runner-up"), ranked[:2], strict=False):
            assert row.total is not None
            margin = ""
            if row is not ranked[0] and ranked[0].total is not None:
                margin = f", margin {sheet.decimal(ranked[0].total - row.total)}"
            who = f"{printable(row.bid_id)} {printable(row.supplier_name)}"
            click.echo(f"  {label}  {who} ({sheet.decimal(row.total)}){margin}")
        for row in ineligible:
            who = f"{printable(row.bid_id)} {printable(row.supplier_name)}"
            click.echo(f"  ineligible {who}: {'; '.join(printable(reason) for reason in row.reasons)}")
        if ranked and refused:
            click.echo(
                f"  warning: {refused} bid(s) of this tender were rejected when read, so the winner was "
                "decided without them: check the rejections below before any award"
            )
    c = sheet.metadata.counts
    click.echo(
        f"\nread {c.read:,} · scored {c.scored:,} · ineligible {c.ineligible:,} · rejected {c.rejected:,}"
    )
