"""``supplierscore rules``: commands about rulesets (``check``, ``list``)."""

from __future__ import annotations

import sys

import click

from supplierscore.cli._common import EXIT_REJECTED, reports_errors, shown
from supplierscore.errors import UsageError


@click.group()
def rules() -> None:
    """Check, list and compare rulesets.

    \b
    Examples:
      supplierscore rules check rules/cities-of-migration.yaml
      supplierscore rules check --jurisdiction US preset:cities-of-migration
      supplierscore rules list
      supplierscore rules diff preset:cities-of-migration preset:immigrant-employment-practices
    """


@rules.command(name="check")
@click.argument("ruleset_path", metavar="RULESET")
@click.option(
    "--jurisdiction",
    metavar="CODE",
    help="Check the legal guardrails of this jurisdiction (US, US-federal-aid, GB, EU, FR, CA-ON-Toronto, "
    "...) instead of the ruleset's own jurisdiction.",
)
@click.option("--strict", is_flag=True, help="Exit 2 when there is any guardrail warning.")
@reports_errors
def rules_check(ruleset_path: str, jurisdiction: str | None, strict: bool) -> None:
    """Check RULESET (a file, or preset:NAME) against every rule and print a one-screen summary, then the
    guardrail warnings for its jurisdiction, each with its source and a suggested change (exit 0; with
    --strict, exit 2 when there is any warning). A ruleset that breaks a rule: every problem (exit 2).

    \b
    Examples:
      supplierscore rules check rules/cities-of-migration.yaml
      supplierscore rules check --jurisdiction US rules/cities-of-migration.yaml
      supplierscore rules check --strict preset:uk-ppn002-social-value
    """
    from supplierscore.ruleset import format_lint, lint, load_ruleset, summarize

    ruleset = load_ruleset(ruleset_path)
    try:
        warnings = lint(ruleset, jurisdiction)
    except ValueError as error:
        raise UsageError(f"--jurisdiction: {error}") from None
    click.echo(shown(summarize(ruleset)))
    click.echo("")
    click.echo(shown(format_lint(warnings, jurisdiction or ruleset.jurisdiction)))
    if strict and warnings:
        count = f"{len(warnings)} guardrail warning{'s' if len(warnings) != 1 else ''}"
        raise UsageError(f"{count} and --strict: the ruleset is not accepted as it is")


@rules.command(name="list")
@reports_errors
def rules_list() -> None:
    """List the bundled presets with their title, jurisdiction and sources; use one with --rules preset:NAME.

    \b
    Examples:
      supplierscore rules list
      supplierscore score examples/tenders.ndjson --rules preset:toronto-social-procurement --out sheet.json
    """
    from supplierscore.ruleset import list_presets

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


@rules.command(name="diff")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="BATCH",
    help="Bids to score under both rulesets (a file, a folder or -, as `score` takes; repeatable): "
    "lists the bids that would change rank, and why.",
)
@reports_errors
def rules_diff(first: str, second: str, inputs: tuple[str, ...]) -> None:
    """What differs from ruleset A to ruleset B (files or preset:NAME): criteria, weights, methods,
    evidence, gates and policy; with --input, which bids would change rank (exit 1 if some input bids
    were rejected).

    \b
    Examples:
      supplierscore rules diff rules/cities-of-migration.yaml examples/audit/cities-of-migration-1.1.yaml
      supplierscore rules diff preset:cities-of-migration preset:immigrant-employment-practices \\
          --input examples/tenders.ndjson
    """
    from supplierscore.audit import compare_rulesets, format_comparison  # imports the audit stage
    from supplierscore.inputs import read_bids
    from supplierscore.ruleset import load_ruleset

    a, b = load_ruleset(first), load_ruleset(second)
    batch = read_bids(list(inputs)) if inputs else None
    result = compare_rulesets(a, b, batch)
    click.echo(format_comparison(result, (first, second)))
    if result.rejected:
        sys.exit(EXIT_REJECTED)
