"""The ``supplierscore`` command line: thin click commands over the Python API.

Exit codes (the same for every command):

====  ==========================================================================
0     everything read was scored (an ineligible bid is not a rejection); audit checks passed
1     some bids were rejected (the sheet or report is still written)
2     usage or ruleset error: a missing file, a bad option, a ruleset that breaks its rules
3     audit verification or replay failed
====  ==========================================================================

Each command group lives in its own module, which imports at its top only click and the light shared
modules; the stages a command uses (and polars, jsonschema_rs, the OCDS importer, the spreadsheet reader,
the audit log with ``cryptography``, FastAPI, Babel) are imported inside the command when it runs, so
``supplierscore --help`` and every command's help load none of them (tests/test_layout.py checks which
modules each command loads).
"""

from __future__ import annotations

import click

from supplierscore.cli._analysis import analyse_command
from supplierscore.cli._audit import audit_group, diff_command, replay_command, verify_command
from supplierscore.cli._convert import convert_command
from supplierscore.cli._explain import explain_command
from supplierscore.cli._report import debrief_command, report_command
from supplierscore.cli._rules import rules
from supplierscore.cli._score import score_command
from supplierscore.cli._serve import keys_group, serve_command
from supplierscore.cli._template import template_command
from supplierscore.cli._validate import validate


def _show_version(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    """``--version`` as :func:`click.version_option` prints it, with the version looked up only when asked
    (``supplierscore.__version__`` reads the installed metadata, which the other commands never need)."""
    if not value or ctx.resilient_parsing:
        return
    import supplierscore

    click.echo(f"supplierscore, version {supplierscore.__version__}", color=ctx.color)
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def main() -> None:
    """Validate bids, score them under a ruleset, rank them, and keep an auditable record.

    \b
    Examples:
      supplierscore score examples/tenders.ndjson --out sheet.xlsx
      supplierscore validate examples/bad-bids.ndjson
      supplierscore template bids.xlsx
      supplierscore explain sheet.json B-01
      supplierscore report sheet.json --out report.html --lang fr
      supplierscore debrief sheet.json --out letters/
      supplierscore rules check rules/cities-of-migration.yaml

    \b
    Exit codes: 0 all scored · 1 some bids rejected · 2 usage or ruleset error · 3 audit check failed.
    """


for _command in (
    validate,
    score_command,
    rules,
    explain_command,
    verify_command,
    replay_command,
    diff_command,
    audit_group,
    convert_command,
    report_command,
    debrief_command,
    template_command,
    serve_command,
    keys_group,
    analyse_command,
):
    main.add_command(_command)
