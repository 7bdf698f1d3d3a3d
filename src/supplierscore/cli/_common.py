"""What every command shares: exit codes, the error wrapper, the INPUT... argument, rejection lists."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from supplierscore.errors import SupplierScoreError
from supplierscore.limits import printable

if TYPE_CHECKING:
    from supplierscore.inputs import Rejection

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_AUDIT = 0, 1, 2, 3

inputs_argument = click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")


def rules_option(purpose: str) -> Callable[[F], F]:
    """``--rules RULESET`` as every command takes it: a file or ``preset:NAME``, which ``load_ruleset``
    resolves (and names in one line when it is missing), so no command checks for a file of its own."""
    return click.option(
        "--rules",
        "rules_path",
        metavar="RULESET",
        help=f"{purpose}A YAML or JSON file, or preset:NAME (see `rules list`). "
        "Default: the bundled rules/cities-of-migration.yaml.",
    )


MAX_LISTED = 200
PROGRESS_MIN_BIDS = 20_000
STREAM_MIN_BYTES = 64 * 2**20


def reports_errors(command: F) -> F:
    """Turn a :class:`SupplierScoreError` into a one-line message and its exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SupplierScoreError as error:
            click.echo(f"error: {shown(str(error))}", err=True)
            sys.exit(error.exit_code)

    return wrapper  # type: ignore[return-value]


def shown(text: str) -> str:
    """A message safe for a terminal, its own line breaks kept: every line through :func:`printable`,
    which escapes the control characters input text may carry (a carriage return, an escape sequence)."""
    return "\n".join(printable(line) for line in text.split("\n"))


def print_rejections(rejections: Sequence[Rejection]) -> None:
    if not rejections:
        return
    click.echo(f"\nRejections ({len(rejections):,}):")
    for r in rejections[:MAX_LISTED]:
        source = printable(r.source)
        where = f"{source}:{r.line}" if r.line is not None and " › " not in r.source else source
        bid = (
            f" bid {printable(r.bid_id)}" if r.bid_id else (f" bid #{r.index}" if r.index is not None else "")
        )
        tender = f" tender {printable(r.tender_id)}" if r.tender_id else ""
        click.echo(f"  {where}{tender}{bid} at {printable(r.path) or '/'}: {printable(r.reason)}")
    if len(rejections) > MAX_LISTED:
        click.echo(f"  … and {len(rejections) - MAX_LISTED:,} more (save them all with --out)")
