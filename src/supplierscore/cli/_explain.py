"""``supplierscore explain``: one bid's rank, total and every criterion, read back from a JSON sheet."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click

from supplierscore.cli._analysis import bid_lines
from supplierscore.cli._common import reports_errors
from supplierscore.errors import UsageError
from supplierscore.limits import printable as _p


@click.command(name="explain")
@click.argument("sheet_path", metavar="SHEET", type=click.Path(dir_okay=False))
@click.argument("bid_id", metavar="BID")
@click.option(
    "--tender", "tender_id", help="The tender, when the same bid id is used in several (rejections too)."
)
@reports_errors
def explain_command(sheet_path: str, bid_id: str, tender_id: str | None) -> None:
    """Explain one bid's result from a JSON score sheet: rank, total, and for every criterion the points,
    the winner's points and the gap between them, and the reason, as a bidder's question needs them.

    \b
    Examples:
      supplierscore explain sheet.json B-01
      supplierscore explain sheet.json B-01 --tender TOR-2026-0147

    A sheet written with `score --analysis` also says what would make the bid first, or eligible.
    """
    from supplierscore.sheet import load_sheet

    sheet = load_sheet(sheet_path)
    rows = [r for r in sheet["rows"] if r["bid_id"] == bid_id and tender_id in (None, r["tender_id"])]
    if not rows:
        rejected = [
            r
            for r in sheet.get("rejections", [])
            if r.get("bid_id") == bid_id and tender_id in (None, r.get("tender_id"))
        ]
        for r in rejected:
            tender = f" tender {_p(r['tender_id'])}" if r.get("tender_id") else ""
            click.echo(f"{_p(r['source'])}:{r['line']}{tender} {_p(r['path']) or '/'}: {_p(r['reason'])}")
        what = "was rejected" if rejected else "is not in the sheet"
        raise UsageError(f"bid {bid_id} {what}" + (f" (tender {tender_id})" if tender_id else ""))
    if len(rows) > 1:
        tenders = ", ".join(_p(r["tender_id"]) for r in rows)
        raise UsageError(f"bid id {bid_id} is used in tenders {tenders}: give --tender")
    row = rows[0]
    click.echo(
        f"{_p(row['tender_id'])} · bid {_p(row['bid_id'])} · {_p(row['supplier_name'])} "
        f"({_p(row['supplier_id'])})"
    )
    if not row["eligible"]:
        click.echo("not eligible: " + "; ".join(_p(reason) for reason in row["reasons"]))
        if sheet.get("analysis") is not None:
            click.echo(_p_lines(bid_lines(sheet["analysis"], row["tender_id"], bid_id)))
        return
    ranked = [r for r in sheet["rows"] if r["tender_id"] == row["tender_id"] and r["rank"] is not None]
    winner = min(ranked, key=lambda r: r["rank"])
    line = f"rank {row['rank']} of {len(ranked)} · total {row['total']}"
    if winner is not row:
        gap = Decimal(winner["total"]) - Decimal(row["total"])
        line += f" · winner {_p(winner['bid_id'])} {winner['total']} ({_fixed(gap, row['total'])} ahead)"
    click.echo(line)
    lines = _lines(sheet, row)
    width = max(len(_p(b["criterion"])) for b in lines)
    if winner is row:
        for b in lines:
            click.echo(f"  {_p(b['criterion']):<{width}}  {b['points']:>8}  {_p(b['reason'])}")
    else:
        best = {b["criterion"]: b["points"] for b in _lines(sheet, winner)}
        click.echo(f"  {'criterion':<{width}}  {'points':>8}  {'winner':>8}  {'gap':>8}  reason")
        for b in lines:
            theirs = best.get(b["criterion"], b["points"])
            gap = Decimal(b["points"]) - Decimal(theirs)
            shown = ("+" if gap > 0 else "") + _fixed(gap, b["points"])
            figures = f"{b['points']:>8}  {theirs:>8}  {shown:>8}"
            click.echo(f"  {_p(b['criterion']):<{width}}  {figures}  {_p(b['reason'])}")
    groups = " · ".join(f"{_p(name)} {points}" for name, points in row["groups"].items())
    click.echo(f"groups: {groups}")
    if sheet.get("analysis") is not None:
        click.echo(_p_lines(bid_lines(sheet["analysis"], row["tender_id"], bid_id)))


def _lines(sheet: dict[str, Any], row: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        b for b in sheet["breakdown"] if b["bid_id"] == row["bid_id"] and b["tender_id"] == row["tender_id"]
    ]


def _fixed(value: Decimal, like: str) -> str:
    """``value`` with as many decimals as ``like`` (the sheet's precision)."""
    places = len(like.partition(".")[2])
    return f"{value:.{places}f}"


def _p_lines(lines: list[str]) -> str:
    """Lines of the analysis, each with its control characters escaped (they name suppliers and ids)."""
    return "\n".join(_p(line) for line in lines)
