"""``supplierscore rules``: commands about rulesets (``check``, ``list``)."""

from __future__ import annotations

import click

from supplierscore.cli._common import reports_errors
from supplierscore.ruleset import list_presets, load_ruleset, summarize


@click.group()
def rules() -> None:
    """Check, list and compare rulesets.

    \b
    Examples:
      supplierscore rules check rules/cities-of-migration.yaml
      supplierscore rules check --jurisdiction US preset:cities-of-migration
      supplierscore rules list
    """


@rules.command(name="check")
@click.argument("ruleset_path", metavar="RULESET")
@reports_errors
def rules_check(ruleset_path: str) -> None:
    """Check RULESET (a file, or preset:NAME) against every rule and print a one-screen summary (exit 0),
    or every problem (exit 2).

    \b
    Examples:
      supplierscore rules check rules/cities-of-migration.yaml
      supplierscore rules check preset:uk-ppn002-social-value
    """
    click.echo(summarize(load_ruleset(ruleset_path)))


@rules.command(name="list")
@reports_errors
def rules_list() -> None:
    """List the bundled presets with their title, jurisdiction and sources; use one with --rules preset:NAME.

    \b
    Examples:
      supplierscore rules list
      supplierscore score examples/tenders.ndjson --rules preset:toronto-social-procurement --out sheet.json
    """
    for number, preset in enumerate(list_presets()):
        if number:
            click.echo("")
        click.echo(f"preset:{preset.name}  ({preset.ruleset_id} {preset.version})")
        click.echo(f"  {preset.title}")
        click.echo(f"  jurisdiction: {preset.jurisdiction or 'none given (check it with --jurisdiction)'}")
        if not preset.sources:
            click.echo("  sources: cited in the file's comments")
        for key, title, url in preset.sources:
            click.echo(f"  source {key}: {title}")
            click.echo(f"    {url}")
