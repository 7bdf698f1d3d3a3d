"""The ``supplierscore`` command line: thin click commands over the Python API.

Exit codes (the same for every command):

====  ==========================================================================
0     everything read was scored (an ineligible bid is not a rejection); audit checks passed
1     some bids were rejected (the sheet or report is still written)
2     usage or ruleset error: a missing file, a bad option, a ruleset that breaks its rules
3     audit verification or replay failed
====  ==========================================================================

Each command group lives in its own module and imports the stages it uses; the audit log (and with it
``cryptography``) is imported only when an audit command, or ``score --audit-log``, runs.
"""

from __future__ import annotations

import click

from supplierscore import __version__
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supplierscore")
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
