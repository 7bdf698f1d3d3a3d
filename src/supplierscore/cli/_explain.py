"""``supplierscore explain``: one bid's rank, total and every criterion, read back from a JSON sheet."""

from __future__ import annotations

import click

from supplierscore.cli._analysis import bid_lines
from supplierscore.cli._common import reports_errors
from supplierscore.errors import UsageError
from supplierscore.sheet import load_sheet


@click.command(name="explain")
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

    A sheet written with `score --analysis` also says what would make the bid first, or eligible.
    """
    sheet = load_sheet(sheet_path)
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
        if sheet.get("analysis") is not None:
            click.echo("\n".join(bid_lines(sheet["analysis"], row["tender_id"], bid_id)))
        return
    click.echo(f"rank {row['rank']} · total {row['total']}")
    lines = [b for b in sheet["breakdown"] if b["bid_id"] == bid_id and b["tender_id"] == row["tender_id"]]
    width = max(len(b["criterion"]) for b in lines)
    for b in lines:
        click.echo(f"  {b['criterion']:<{width}}  {b['points']:>8}  {b['reason']}")
    groups = " · ".join(f"{name} {points}" for name, points in row["groups"].items())
    click.echo(f"groups: {groups}")
    if sheet.get("analysis") is not None:
        click.echo("\n".join(bid_lines(sheet["analysis"], row["tender_id"], bid_id)))
