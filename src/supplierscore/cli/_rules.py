"""``supplierscore rules``: commands about rulesets (``check``)."""

from __future__ import annotations

import click

from supplierscore.cli._common import reports_errors, shown
from supplierscore.ruleset import load_ruleset, summarize


@click.group()
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
    click.echo(shown(summarize(load_ruleset(ruleset_path))))
