"""What ``score`` and ``convert`` share for OCDS input: the options, detection, and the import report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from supplierscore.errors import UsageError
from supplierscore.inputs import STDIN  # from a module of constants and records: light

if TYPE_CHECKING:
    from supplierscore.inputs import OcdsImport

F = TypeVar("F", bound=Callable[..., Any])
_SUFFIXES = (".json", ".jsonl", ".ndjson")


FROM_OCDS = click.option(
    "--from",
    "from_format",
    type=click.Choice(["ocds"]),
    help="Read INPUT as OCDS (release or record packages, releases, records, JSON Lines). "
    "`score` detects it without --from: a .json/.jsonl file with releases, records or an ocid.",
)


def ocds_source_options(command: F) -> F:
    """``--suppliers``, ``--marks`` and ``--report``: the data OCDS lacks, and the import report."""
    for option in reversed(
        (
            click.option(
                "--suppliers",
                type=click.Path(exists=True, dir_okay=False),
                metavar="REGISTER",
                help="OCDS: a supplier register (.csv or .json, keyed by supplier_id) giving ownership, "
                "workforce, certifications, languages and size to every bid of a supplier.",
            ),
            click.option(
                "--marks",
                type=click.Path(exists=True, dir_okay=False),
                metavar="FILE",
                help="OCDS: evaluation panel marks (.csv or .json, keyed by tender_id and bid_id).",
            ),
            click.option(
                "--report",
                "report_path",
                type=click.Path(dir_okay=False),
                metavar="FILE.json",
                help="OCDS: save the import report (every bid imported, not a bid, or rejected) as JSON.",
            ),
        )
    ):
        command = option(command)
    return command


def ocds_options(command: F) -> F:
    """``--from ocds`` and the OCDS source options, as ``score`` takes them."""
    return FROM_OCDS(ocds_source_options(command))


def is_ocds(inputs: Sequence[str], from_format: str | None) -> bool:
    """Whether to read the inputs as OCDS: asked for, or every input file looks like OCDS."""
    from supplierscore.inputs import looks_like_ocds  # a light module: not the OCDS importer

    if from_format == "ocds":
        if STDIN in inputs:
            raise UsageError("OCDS is read from files: save standard input to a .json or .jsonl file first")
        return True
    files = _files(inputs)
    found = [looks_like_ocds(p) for p in files]
    if STDIN in inputs and any(found):
        raise UsageError("standard input is read as tender documents and cannot join OCDS files: score apart")
    if any(found) and not all(found):
        ocds = ", ".join(str(p) for p, is_it in zip(files, found, strict=True) if is_it)
        raise UsageError(
            f"some inputs are OCDS ({ocds}) and some are tender documents: score them apart, or convert "
            "the OCDS first with `supplierscore convert ... --from ocds --out docs.ndjson`"
        )
    return bool(found) and all(found)


def _files(inputs: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for item in inputs:
        if item == STDIN:
            continue
        path = Path(item)
        if path.is_dir():
            files += sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in (".json", ".jsonl", ".ndjson")
            )
        elif path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
            files.append(path)
    return files


def refuse_ocds_options(suppliers: str | None, marks: str | None, report_path: str | None) -> None:
    """--suppliers, --marks and --report only mean something for OCDS input."""
    for name, given in (("--suppliers", suppliers), ("--marks", marks), ("--report", report_path)):
        if given:
            raise UsageError(f"{name} is for OCDS input: give --from ocds (the inputs are tender documents)")


def run_import(
    inputs: Sequence[str],
    suppliers: str | None,
    marks: str | None,
    report_path: str | None,
    *,
    quiet: bool,
) -> OcdsImport:
    """Import OCDS, print the report (unless quiet) and save it with ``--report``."""
    from supplierscore.inputs import import_ocds
    from supplierscore.sheet._model import _json_bytes

    imported = import_ocds(inputs, suppliers=suppliers, marks=marks)
    if report_path:
        target = Path(report_path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_json_bytes(imported.report.to_dict()))
        except OSError as error:
            raise UsageError(f"cannot write {target}: {error.strerror or error}", path=str(target)) from error
    if not quiet:
        click.echo("OCDS import:")
        for line in imported.report.lines():
            click.echo(f"  {line}")
        if report_path:
            click.echo(f"  import report written to {report_path}")
        click.echo("")
    return imported
