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
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from supplierscore import __version__, audit
from supplierscore.inputs import STDIN, Batch, InputBytes, Rejection, read_bids
from supplierscore.engine import score, source_date
from supplierscore.errors import AuditError, SupplierScoreError, UsageError
from supplierscore.ruleset import Ruleset, default_ruleset_path, load_ruleset, summarize
from supplierscore.sheet import STREAMABLE, Row, ScoreSheet, write_rejections
from supplierscore.engine._stream import DEFAULT_CHUNK_LINES, score_stream

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_AUDIT = 0, 1, 2, 3
MAX_LISTED = 200
PROGRESS_MIN_BIDS = 20_000
STREAM_MIN_BYTES = 64 * 2**20


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
    Examples:
      supplierscore score examples/tenders.ndjson --out sheet.xlsx
      supplierscore validate examples/bad-bids.ndjson
      supplierscore explain sheet.json B-01
      supplierscore rules check rules/cities-of-migration.yaml

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
        click.echo(f"warning: {warning}", err=True)
    width = max((len(f.source) for f in batch.files), default=4)
    click.echo(f"{'file':<{width}}  {'read':>7}  {'valid':>7}  {'rejected':>8}")
    for f in batch.files:
        click.echo(f"{f.source:<{width}}  {f.read:>7,}  {f.valid:>7,}  {f.rejected:>8,}")
    scored = [t.id for t in batch.tenders if t.bids]
    click.echo(f"\n{len(scored)} tender(s) with valid bids: {', '.join(scored) or 'none'}")
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

    A run with --audit-log keeps the whole sheet in memory (the log stores it); other large runs stream.
    """
    if signing_key and not audit_log:
        raise UsageError("--signing-key signs an audit log checkpoint: give --audit-log DIR too")
    if audit_log and chunk_lines:
        raise UsageError("--audit-log stores the whole sheet, so it cannot stream: drop --chunk-lines")
    key = audit.load_signing_key(signing_key) if signing_key else None
    ruleset = load_ruleset(rules_path or default_ruleset_path())
    if chunk_lines or (not audit_log and _large(inputs, out)):
        _score_streaming(inputs, ruleset, out, chunk_lines or DEFAULT_CHUNK_LINES, workers, quiet)
        return
    captured = [InputBytes("<stdin>", sys.stdin.buffer.read())] if audit_log and STDIN in inputs else []
    batch = read_bids([captured[0] if item == STDIN and captured else item for item in inputs])
    sheet = score(batch, ruleset, progress=None if quiet else _progress_bar(batch), created_at=source_date())
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
            click.echo(f"warning: {warning}", err=True)
        _print_summary(sheet)
        _print_rejections(sheet.rejections)
        click.echo(f"\nwrote {', '.join(str(p) for p in written)}")
        if appended is not None:
            signed = f", signed checkpoint seq {appended.head_seq}" if appended.checkpoint else ""
            click.echo(f"audit: run {appended.run_id} appended to {audit_log} as seq {appended.seq}{signed}")
            click.echo(f"audit: head {appended.head} (keep it for `verify --expect-head`)")
    sys.exit(EXIT_REJECTED if batch.rejected else EXIT_OK)


def _large(inputs: Sequence[str], out: str) -> bool:
    """Whether to stream by default: a streamable sheet from input files over STREAM_MIN_BYTES."""
    if Path(out).suffix.lower() not in STREAMABLE:
        return False
    paths = [Path(p) for p in inputs if p != STDIN]
    files = [f for p in paths for f in (p.iterdir() if p.is_dir() else [p]) if f.is_file()]
    return sum(f.stat().st_size for f in files) > STREAM_MIN_BYTES


def _score_streaming(
    inputs: Sequence[str], ruleset: Ruleset, out: str, chunk_lines: int, workers: int | None, quiet: bool
) -> None:
    """Score in chunks, in constant memory; print the counts (the per-tender summary is in the sheet)."""
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
            click.echo(f"warning: {warning}", err=True)
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


def _print_summary(sheet: ScoreSheet) -> None:
    """Per tender: counts, the winner and the runner-up with the margin between them."""
    rejected = Counter(
        r.tender_id for r in {(r.source, r.line, r.index): r for r in sheet.rejections}.values()
    )
    by_tender: dict[str, list[Row]] = {t: [] for t in sorted(t for t in rejected if t is not None)}
    for row in sheet.rows:
        by_tender.setdefault(row.tender_id, []).append(row)
    for tender_id in sorted(by_tender):
        rows = by_tender[tender_id]
        ranked = [r for r in rows if r.rank is not None and r.total is not None]
        ineligible = len(rows) - len(ranked)
        counts = f"{len(ranked)} scored, {ineligible} ineligible, {rejected.get(tender_id, 0)} rejected"
        click.echo(f"{tender_id}: {counts}")
        for label, row in zip(("winner   ", "runner-up"), ranked[:2], strict=False):
            assert row.total is not None
            margin = ""
            if row is not ranked[0] and ranked[0].total is not None:
                margin = f", margin {sheet.decimal(ranked[0].total - row.total)}"
            click.echo(f"  {label}  {row.bid_id} {row.supplier_name} ({sheet.decimal(row.total)}){margin}")
    c = sheet.metadata.counts
    click.echo(
        f"\nread {c.read:,} · scored {c.scored:,} · ineligible {c.ineligible:,} · rejected {c.rejected:,}"
    )


@main.group()
def rules() -> None:
    """Check and summarise rulesets.

    \b
    Examples:
      supplierscore rules check rules/cities-of-migration.yaml
      supplierscore rules check my-city.json
    """


@rules.command(name="check")
@click.argument("ruleset_path", metavar="RULESET", type=click.Path(exists=True, dir_okay=False))
@reports_errors
def rules_check(ruleset_path: str) -> None:
    """Check RULESET against every rule and print a one-screen summary (exit 0), or every problem (exit 2).

    \b
    Examples:
      supplierscore rules check rules/cities-of-migration.yaml
      supplierscore rules check examples/audit/cities-of-migration-1.1.yaml
    """
    click.echo(summarize(load_ruleset(ruleset_path)))


@main.command(name="explain")
@click.argument("sheet_path", metavar="SHEET", type=click.Path(dir_okay=False))
@click.argument("bid_id", metavar="BID")
@click.option("--tender", "tender_id", help="The tender, when the same bid id is used in several.")
@reports_errors
def explain_command(sheet_path: str, bid_id: str, tender_id: str | None) -> None:
    """Explain one bid's result from a JSON score sheet: rank, total, and for every criterion the input,
    fraction, evidence, factor, points and the reason, as a bidder's question needs them.

    \b
    Examples:
      supplierscore explain sheet.json B-01
      supplierscore explain sheet.json B-01 --tender TOR-2026-0147
    """
    sheet = audit.load_sheet(sheet_path)
    rows = [r for r in sheet["rows"] if r["bid_id"] == bid_id and tender_id in (None, r["tender_id"])]
    if not rows:
        rejected = [r for r in sheet.get("rejections", []) if r.get("bid_id") == bid_id]
        for r in rejected:
            click.echo(f"{r['source']}:{r['line']} {r['path'] or '/'}: {r['reason']}")
        what = "was rejected" if rejected else "is not in the sheet"
        raise UsageError(f"bid {bid_id} {what}" + (f" (tender {tender_id})" if tender_id else ""))
    if len(rows) > 1:
        tenders = ", ".join(r["tender_id"] for r in rows)
        raise UsageError(f"bid id {bid_id} is used in tenders {tenders}: give --tender")
    row = rows[0]
    click.echo(f"{row['tender_id']} · bid {row['bid_id']} · {row['supplier_name']} ({row['supplier_id']})")
    if not row["eligible"]:
        click.echo("not eligible: " + "; ".join(row["reasons"]))
        return
    click.echo(f"rank {row['rank']} · total {row['total']}")
    lines = [b for b in sheet["breakdown"] if b["bid_id"] == bid_id and b["tender_id"] == row["tender_id"]]
    width = max(len(b["criterion"]) for b in lines)
    for b in lines:
        click.echo(f"  {b['criterion']:<{width}}  {b['points']:>8}  {b['reason']}")
    groups = " · ".join(f"{name} {points}" for name, points in row["groups"].items())
    click.echo(f"groups: {groups}")


# ---------------------------------------------------------------------------------------------------
# Audit: verify, replay, diff, and the audit group (keygen, recover). Thin: the work is in audit.py.


@main.command(name="verify")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option(
    "--public-key",
    "public_key",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Check every checkpoint signature with this key, and that the log ends in a signed checkpoint.",
)
@click.option(
    "--expect-head",
    "expect_head",
    metavar="HASH",
    help="A head hash kept outside the log (printed by score and verify): the log must still hold it.",
)
@reports_errors
def verify_command(directory: str, public_key: str | None, expect_head: str | None) -> None:
    """Check the audit log in DIR: every record, the hash chain, every object, and signatures.

    Prints a one-line summary and exits 0 when all is well; otherwise names the first bad record (line,
    sequence number, what is wrong) and exits 3.

    \b
    Examples:
      supplierscore verify audit/
      supplierscore verify audit/ --public-key audit.key.pub
      supplierscore verify audit/ --public-key audit.key.pub --expect-head 5b0c2e9d41aa...
    """
    key = audit.load_public_key(public_key) if public_key else None
    result = audit.AuditLog.open(directory).verify(public_key=key, expect_head=expect_head)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if result.fault is not None:
        raise AuditError(result.summary(), line=result.fault.line, seq=result.fault.seq)
    click.echo(result.summary())


@main.command(name="replay")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.argument("run", metavar="[RUN]", required=False)
@reports_errors
def replay_command(directory: str, run: str | None) -> None:
    """Re-run recorded runs from the objects in DIR and compare each new sheet with the recorded one.

    RUN is a sequence number or a run id (or its prefix); without it, every run is replayed. Identical
    runs share a run id, so a run id may replay several records. Exits 0 when every sheet is
    byte-identical, 3 when any differs (the first differing row and field is named).

    \b
    Examples:
      supplierscore replay audit/
      supplierscore replay audit/ 3
      supplierscore replay audit/ 5f1c09
    """
    results = audit.AuditLog.open(directory).replay(run)
    for result in results:
        if result.warning:
            click.echo(f"warning: {result.warning}", err=True)
        click.echo(result.summary())
    differing = sum(1 for result in results if not result.identical)
    if differing:
        raise AuditError(f"{differing} of {len(results)} replayed run(s) differ from the record")
    click.echo(f"{len(results)} run(s) replayed: all identical")


@main.command(name="diff")
@click.argument("args", nargs=-1, required=True, metavar="SHEET_A SHEET_B | DIR RUN_A RUN_B")
@reports_errors
def diff_command(args: Sequence[str]) -> None:
    """Which bids changed rank or points between two sheets or two logged runs, per criterion, and why.

    Give two JSON score sheets, or an audit log folder and two runs in it (sequence numbers or run
    ids). The cause (ruleset change, input change, engine change) comes first, then each changed bid.

    \b
    Examples:
      supplierscore diff sheet-2025.json sheet-2025-corrected.json
      supplierscore diff audit/ 1 3
    """
    if len(args) == 2:
        result = audit.diff_sheets(audit.load_sheet(args[0]), audit.load_sheet(args[1]))
        result.labels = (args[0], args[1])
    elif len(args) == 3:
        result = audit.AuditLog.open(args[0]).diff(args[1], args[2])
    else:
        raise UsageError("diff takes SHEET_A SHEET_B, or DIR RUN_A RUN_B")
    click.echo(audit.format_diff(result))


@main.group(name="audit")
def audit_group() -> None:
    """Signing keys for audit logs, and recovery after an interrupted append.

    \b
    Examples:
      supplierscore audit keygen keys/city-audit.key
      supplierscore audit recover audit/ --signing-key keys/city-audit.key
    """


@audit_group.command(name="keygen")
@click.argument("private_key", metavar="KEYFILE", type=click.Path(dir_okay=False))
@reports_errors
def audit_keygen(private_key: str) -> None:
    """Write a new Ed25519 key pair: KEYFILE (private, mode 0600) and KEYFILE.pub (public).

    Keep the private key away from the log (whoever holds it can sign); give auditors the .pub file.

    \b
    Examples:
      supplierscore audit keygen ~/keys/audit.key
      supplierscore audit keygen keys/city-audit.key   (then give auditors keys/city-audit.key.pub)
    """
    files = audit.keygen(private_key)
    click.echo(f"wrote private key {files.private} (mode 0600) and public key {files.public}")
    click.echo(f"key id {files.key_id}")


@audit_group.command(name="recover")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option(
    "--signing-key",
    "signing_key",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Seal the recovered log with a signed checkpoint (for logs verified with --public-key).",
)
@reports_errors
def audit_recover(directory: str, signing_key: str | None) -> None:
    """Repair a torn last line left by an interrupted append, openly: the torn bytes go to a dated side
    file in DIR and a recovery record saying so is appended. Nothing else is ever changed.

    \b
    Examples:
      supplierscore audit recover audit/
      supplierscore audit recover audit/ --signing-key audit.key
    """
    key = audit.load_signing_key(signing_key) if signing_key else None
    click.echo(audit.AuditLog.open(directory).recover(signing_key=key).summary())
