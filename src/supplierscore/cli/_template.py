"""``supplierscore template``: an empty workbook (or CSV files) for an officer to fill in with bids."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from supplierscore.cli._common import reports_errors, rules_option
from supplierscore.errors import UsageError

if TYPE_CHECKING:
    from supplierscore.ruleset import Ruleset

_EVIDENCE_FIELDS = (
    "certifications.issuer",
    "certifications.covers",
    "certifications.valid_from",
    "certifications.valid_until",
)


@click.command(name="template")
@click.argument("out", type=click.Path(dir_okay=False), metavar="OUT")
@rules_option("Say which columns this ruleset scores, and add its quality-mark columns. ")
@click.option(
    "--lang",
    "language",
    type=click.Choice(["en", "fr"]),
    default="en",
    show_default=True,
    help="The language of the column titles and instructions.",
)
@reports_errors
def template_command(out: str, rules_path: str | None, language: str) -> None:
    """Write OUT, a workbook to fill in with tenders and bids, ready for `supplierscore score`.

    OUT.xlsx has the sheets Tenders, Bids, Certifications, Subcontracts (linked by tender id and bid
    id) and Instructions (every column's meaning, and which columns the ruleset scores). Row 1 holds
    titles, row 2 the field paths the reader keys on: reorder or retitle columns freely, but keep row 2.
    OUT.csv writes the same tables as OUT.tenders.csv, OUT.bids.csv, OUT.certifications.csv and
    OUT.subcontracts.csv (read back together by giving OUT.bids.csv).

    \b
    Examples:
      supplierscore template bids.xlsx
      supplierscore template soumissions.xlsx --lang fr --rules rules/cities-of-migration.yaml
      supplierscore score bids.xlsx --out sheet.xlsx
    """
    from supplierscore.inputs import document_tables, write_csv_tables, write_workbook
    from supplierscore.ruleset import default_ruleset_path, load_ruleset

    ruleset = load_ruleset(rules_path or default_ruleset_path())
    scored: dict[str, list[str]] = {}
    for path, user in _uses(ruleset):
        scored.setdefault(path, [])
        if user not in scored[path]:
            scored[path].append(user)
    marks = [p.removeprefix("quality.") for p in scored if p.startswith("quality.")]
    tables = document_tables([], marks)
    target = Path(out)
    suffix = target.suffix.lower()
    if suffix == ".xlsx":
        write_workbook(tables, target, language=language, scored=scored)
        written = [target]
    elif suffix == ".csv":
        written = write_csv_tables(tables, target, language)
    else:
        raise UsageError(f"template writes .xlsx or .csv, not {suffix or 'a file without extension'}: {out}")
    click.echo(f"wrote {', '.join(str(p) for p in written)}")


def _uses(ruleset: Ruleset) -> Iterator[tuple[str, str]]:
    """(field path, criterion or gate id) for every field the ruleset reads."""
    from supplierscore.ruleset import PRICE_FIELD, PRICE_METHODS

    for criterion in ruleset.criteria:
        field = criterion.field
        if field is None:
            paths = [PRICE_FIELD] if criterion.method.name in PRICE_METHODS else []
        else:
            paths = [*(field.share or ()), field.path or ""]
        count = getattr(criterion.method, "of", None)
        if isinstance(count, str):
            paths.append("certifications.issuer" if count == "certifications" else count)
        for path in paths:
            if path:
                yield path, criterion.id
        if criterion.evidence is not None:
            for path in _EVIDENCE_FIELDS:
                yield path, criterion.id
    for gate in ruleset.gates:
        for used in (gate.field, gate.ref):
            if used:
                yield used, f"gate {gate.id}"
    for breaker in ruleset.ranking.tie_breakers:
        if breaker.field:
            yield breaker.field, "tie-breaker"
