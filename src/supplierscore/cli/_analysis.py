"""``supplierscore analyse``, and the plain words that ``score --analysis`` and ``explain`` print."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import click

from supplierscore.cli._common import reports_errors, rules_option
from supplierscore.errors import AuditError, UsageError
from supplierscore.limits import printable


@click.command(name="analyse")
@click.argument("sheet_path", metavar="SHEET", type=click.Path(dir_okay=False))
@click.argument("inputs", nargs=-1, metavar="[INPUT...]")
@rules_option("The ruleset SHEET was scored under (checked against its digest). ")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    help="Write the sheet again with its analysis (JSON keeps the analysis; needs INPUT...).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for programs (the analysis member itself).",
)
@reports_errors
def analyse_command(
    sheet_path: str, inputs: Sequence[str], rules_path: str | None, out: str | None, output_format: str
) -> None:
    """What would change each tender's outcome: integrity flags and the winner's robustness (margin,
    the smallest weight transfer that changes the winner, the winner with each criterion left out).

    A sheet written by `score --analysis` holds its analysis: SHEET alone prints it. Otherwise give the
    INPUT files it was scored from (and --rules): they are checked against the sheet's input and ruleset
    digests, then analysed. Given both, the stored analysis is checked against a fresh one (exit 3 if
    they differ).

    \b
    Examples:
      supplierscore score examples/tenders.ndjson --out sheet.json --analysis
      supplierscore analyse sheet.json
      supplierscore analyse sheet.json examples/tenders.ndjson --out sheet-analysed.json
      supplierscore analyse sheet.json examples/tenders.ndjson --format json
    """
    from supplierscore.sheet import load_sheet

    sheet = load_sheet(sheet_path)
    stored = sheet.get("analysis")
    if not inputs:
        if out:
            raise UsageError("--out writes the sheet again: give the INPUT files it was scored from")
        if stored is None:
            raise UsageError(
                f"{sheet_path} has no analysis: give the INPUT files it was scored from (and --rules), "
                "or score with --analysis"
            )
        analysis = stored
    else:
        analysis = _fresh(sheet, sheet_path, inputs, rules_path, out)
        if stored is not None and stored != analysis:
            raise AuditError(f"{sheet_path}: its analysis differs from one made again from the inputs")
    if output_format == "json":
        click.echo(json.dumps(analysis, indent=2, ensure_ascii=False))
        return
    for tender in analysis["tenders"]:
        click.echo(printable(tender["tender_id"]))
        for line in tender_lines(tender):
            click.echo(f"  {printable(line)}")
    if stored is not None and inputs:
        click.echo("\nthe sheet's analysis matches one made again from the inputs")


def _fresh(
    sheet: Mapping[str, Any], sheet_path: str, inputs: Sequence[str], rules_path: str | None, out: str | None
) -> dict[str, Any]:
    """The analysis made again from the inputs, after checking they are the ones the sheet names."""
    from supplierscore.engine import score, with_analysis
    from supplierscore.inputs import read_bids
    from supplierscore.ruleset import default_ruleset_path, load_ruleset

    meta = sheet["metadata"]
    ruleset = load_ruleset(rules_path or default_ruleset_path())
    if ruleset.sha256 != meta["ruleset"]["sha256"]:
        raise UsageError(
            f"{sheet_path} was scored under ruleset {meta['ruleset']['id']} {meta['ruleset']['version']} "
            f"({meta['ruleset']['sha256'][:12]}), not {ruleset.id} {ruleset.version} "
            f"({ruleset.sha256[:12]}): "
            "give the ruleset it was scored under with --rules"
        )
    batch = read_bids(inputs)
    scored = score(batch, ruleset, created_at=meta.get("created_at"))
    if scored.metadata.input_sha256 != meta["input_sha256"]:
        raise UsageError(f"these inputs are not the ones {sheet_path} was scored from (input digest differs)")
    analysed = with_analysis(scored, batch, ruleset)
    if out:
        analysed.write(out)
    assert analysed.analysis is not None
    return analysed.analysis


# ---------------------------------------------------------------------------------------------------
# Plain words


def print_analysis(analysis: Mapping[str, Any]) -> None:
    """The analysis under ``score``'s summary: per tender, its flags and its winner's robustness."""
    click.echo("\nWhat would change the outcome (supplierscore explain SHEET BID for one bid):")
    for tender in analysis["tenders"]:
        click.echo(printable(tender["tender_id"]))
        for line in tender_lines(tender):
            click.echo(f"  {printable(line)}")


def tender_lines(tender: Mapping[str, Any]) -> list[str]:
    """A tender's flags and its winner's robustness, one line each."""
    lines = [f"flag {f['flag']}: {', '.join(f['bid_ids'])}: {f['detail']}" for f in tender["flags"]]
    robust = tender["robustness"]
    if robust["winner"] is None:
        return [*lines, "no eligible bid"]
    if robust["runner_up"] is None:
        return [*lines, f"winner {robust['winner']}, the only eligible bid"]
    lines.append(f"winner {robust['winner']}, margin {robust['margin']} points over {robust['runner_up']}")
    transfer = robust["transfer"]
    if transfer is not None:
        checked = "confirmed by scoring again" if transfer["confirmed"] else "NOT confirmed by scoring again"
        lines.append(
            f"smallest weight change that changes the winner: {transfer['points']} points from "
            f"{transfer['from']} to {transfer['to']} makes {transfer['winner']} the winner ({checked})"
        )
    elif robust["transfer_search_complete"]:
        lines.append("no transfer of weight between two criteria within the policy bounds changes the winner")
    else:
        lines.append("the weight-transfer search stopped at its step limit without a result")
    changed = [w for w in robust["without"] if w["winner"] != robust["winner"]]
    if changed:
        lines.append(
            "left out, these criteria change the winner: "
            + ", ".join(f"{w['criterion']} → {w['winner']}" for w in changed)
        )
    else:
        lines.append("leaving out any one criterion keeps the winner")
    return lines


def change_words(item: Mapping[str, Any], found: Mapping[str, Any]) -> str:
    """One counterfactual change in plain words: 'lower the price from 171250.00 to 148778.69 (-22471.31)'."""
    change, lever = found["change"], item["lever"]
    if lever == "evidence":
        cert = change["add"][0]
        valid = f", valid on the closing date {cert['valid_from']}" if "valid_from" in cert else ""
        return f"show a certificate from {cert['issuer']} covering {', '.join(cert['covers'])}{valid}"
    if lever == "count":
        return f"add {len(change['add'])} more {item['path']} (now {item['current']})"
    if lever == "boolean":
        return f"make {item['path']} true"
    what = "the price" if lever == "price" else item["path"]
    verb = "lower" if found["delta"].startswith("-") else "raise"
    before = "not given" if item["current"] is None else item["current"]
    return f"{verb} {what} from {before} to {change['value']} ({found['delta']})"


def bid_lines(analysis: Mapping[str, Any], tender_id: str, bid_id: str) -> list[str]:
    """What would change one bid's outcome, in plain words, for ``explain``."""
    tender = next((t for t in analysis["tenders"] if t["tender_id"] == tender_id), None)
    entry = None if tender is None else next((b for b in tender["bids"] if b["bid_id"] == bid_id), None)
    if tender is None or entry is None:
        return []
    if entry["rank"] is None:
        return _gate_lines(entry)
    if entry["rank"] == 1:
        return ["This bid is first. How robust that is:", *(f"  {line}" for line in tender_lines(tender))]
    lines = []
    firsts = [(c, c["first"]) for c in entry["counterfactuals"] if c["first"] is not None]
    ups = [
        (c, c["up_one"]) for c in entry["counterfactuals"] if c["up_one"] is not None and c["first"] is None
    ]
    if firsts:
        lines.append("To be first, any one of these changes alone would do (the other bids as they are):")
        lines += [f"  {c['criterion']}: {change_words(c, f)}" for c, f in firsts]
    else:
        lines.append("No change of any one input alone can make this bid first.")
    if ups:
        lines.append(f"To move up from rank {entry['rank']}, but not to first:")
        lines += [f"  {c['criterion']}: {change_words(c, f)} → rank {f['rank']}" for c, f in ups]
    none = sorted(
        {c["criterion"] for c in entry["counterfactuals"] if c["up_one"] is None}
        - {c["criterion"] for c in entry["counterfactuals"] if c["up_one"] is not None}
    )
    if none:
        lines.append("No change of these inputs alone can move it up: " + ", ".join(none))
    return lines


def _gate_lines(entry: Mapping[str, Any]) -> list[str]:
    lines = []
    for fix in entry["gates"]:
        change = fix["change"]
        if change is None:
            lines.append(f"gate {fix['gate']}: {fix['path']} must be {fix['op']} the gate's value to pass")
            continue
        before = "not given" if fix["current"] is None else fix["current"]
        outcome = (
            f"that alone makes it eligible, ranked {fix['rank']}"
            if fix["eligible_alone"]
            else "other gates still fail"
        )
        lines.append(
            f"gate {fix['gate']}: change {fix['path']} from {before} to {change['value']}: {outcome}"
        )
    return lines
