"""What every command shares: exit codes, the error wrapper, the INPUT... argument, rejection lists."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from supplierscore.errors import SupplierScoreError
from supplierscore.inputs import Rejection

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_AUDIT = 0, 1, 2, 3

inputs_argument = click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
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
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)

    return wrapper  # type: ignore[return-value]


def print_rejections(rejections: Sequence[Rejection]) -> None:
    if not rejections:
        return
    click.echo(f"\nRejections ({len(rejections):,}):")
    for r in rejections[:MAX_LISTED]:
        where = f"{r.source}:{r.line}" if r.line is not None and " › " not in r.source else r.source
        bid = f" bid {r.bid_id}" if r.bid_id else (f" bid #{r.index}" if r.index is not None else "")
        tender = f" tender {r.tender_id}" if r.tender_id else ""
        click.echo(f"  {where}{tender}{bid} at {r.path or '/'}: {r.reason}")
    if len(rejections) > MAX_LISTED:
        click.echo(f"  … and {len(rejections) - MAX_LISTED:,} more (save them all with --out)")
