"""``supplierscore report`` and ``supplierscore debrief``: reports people read, from a JSON score sheet."""

from __future__ import annotations

from pathlib import Path

import click

from supplierscore.cli._common import reports_errors, rules_option
from supplierscore.errors import OutputError, UsageError

_rules_option = rules_option("The ruleset the sheet was scored under (its digest must match the sheet's). ")


def _view(sheet_path: str, rules_path: str | None) -> object:
    from supplierscore.report import sheet_view
    from supplierscore.ruleset import default_ruleset_path, load_ruleset
    from supplierscore.sheet import load_sheet

    sheet = load_sheet(sheet_path)
    rules = rules_path or str(default_ruleset_path())
    return sheet_view(sheet, load_ruleset(rules), rules_path or "the bundled default ruleset")


@click.command(name="report")
@click.argument("sheet_path", metavar="SHEET", type=click.Path(dir_okay=False))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@click.option("--lang", "language", default="en", show_default=True, help="The report's language (en, fr).")
@_rules_option
@reports_errors
def report_command(sheet_path: str, out: str, language: str, rules_path: str | None) -> None:
    """Write one self-contained HTML report of a run from its JSON score sheet: per tender the ranking,
    a chart of points by group, ineligible and rejected bids; then the targets, the ruleset and the run.
    It needs no network and no script: it opens from a USB stick and prints on A4.

    \b
    Examples:
      supplierscore score examples/tenders.ndjson --out sheet.json
      supplierscore report sheet.json --out report.html
      supplierscore report sheet.json --out rapport.html --lang fr --rules rules/cities-of-migration.yaml
    """
    from supplierscore.report import SheetView, messages, write_report

    m = messages(language)
    view = _view(sheet_path, rules_path)
    assert isinstance(view, SheetView)
    target = Path(out)
    try:
        write_report(view, m, target)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}", path=str(target)) from error
    click.echo(f"wrote {target}: {len(view.tenders)} tender(s)")


@click.command(name="debrief")
@click.argument("sheet_path", metavar="SHEET", type=click.Path(dir_okay=False))
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False), help="The folder for the letters."
)
@click.option("--tender", "tender_id", help="Only this tender's bidders.")
@click.option("--bid", "bid_id", help="Only this bid's letter.")
@click.option(
    "--lang",
    "language",
    help="The letters' language (en, fr). Default: every language the ruleset lists that has messages.",
)
@_rules_option
@reports_errors
def debrief_command(
    sheet_path: str,
    out: str,
    tender_id: str | None,
    bid_id: str | None,
    language: str | None,
    rules_path: str | None,
) -> None:
    """Write a debrief letter to every bidder (HTML and Markdown): rank and total, each criterion's points
    beside the highest-scoring bid's, what valid certificates would have added, and how to ask for a
    review. Letters go to OUT/<tender>/<bid>.<lang>.html and .md.

    \b
    Examples:
      supplierscore debrief sheet.json --out letters/
      supplierscore debrief sheet.json --out letters/ --tender MIS-2026-0101 --lang fr
      supplierscore debrief sheet.json --out letters/ --tender MIS-2026-0101 --bid W-04
    """
    from supplierscore.report import SheetView, available_languages, letters_for, messages, write_letters

    view = _view(sheet_path, rules_path)
    assert isinstance(view, SheetView)
    if language is not None:
        languages = [language]
    else:
        languages = [lang for lang in view.ruleset.languages if lang in available_languages()] or ["en"]
    catalogs = [messages(lang) for lang in languages]
    written: list[Path] = []
    for m in catalogs:
        letters = letters_for(view, m, tender_id, bid_id)
        if not letters:
            where = f" in tender {tender_id}" if tender_id else ""
            raise UsageError(f"bid {bid_id} is not in the sheet{where}: no letter written")
        try:
            written += write_letters(letters, m, Path(out))
        except OSError as error:
            raise OutputError(
                f"cannot write letters to {out}: {error.strerror or error}", path=out
            ) from error
    click.echo(f"wrote {len(written) // 2} letter(s) in {', '.join(languages)} to {out} (HTML and Markdown)")
