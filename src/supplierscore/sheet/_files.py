"""Putting files in place safely: every output is written under a temporary name and renamed.

A write that fails (a full disk, a read-only folder, a device error in a library) leaves the files that
were there before untouched, and no half-written sheet under the final name; a run refuses to write over
one of its own inputs. Every failure is one :class:`~supplierscore.errors.OutputError`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from supplierscore.errors import OutputError, UsageError

_TEMP_PREFIX = ".supplierscore-"

if TYPE_CHECKING:
    WRITE_ERRORS: tuple[type[BaseException], ...]
    """What a writer raises when the file system fails it: polars and xlsxwriter wrap some OS errors."""
else:

    def __getattr__(name: str) -> tuple[type[BaseException], ...]:
        """``WRITE_ERRORS``, made on first use: it names polars' and xlsxwriter's errors, so it imports
        them, which a JSON or CSV write never needs (see :func:`_write_errors`)."""
        if name != "WRITE_ERRORS":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import polars as pl
        import xlsxwriter.exceptions

        errors = (OSError, pl.exceptions.PolarsError, xlsxwriter.exceptions.XlsxWriterException)
        globals()[name] = errors
        return errors


def _write_errors() -> tuple[type[BaseException], ...]:
    """:data:`WRITE_ERRORS` among the libraries loaded, importing none: one never imported raised nothing.
    An ``except`` clause asks only once an error is on its way, so a JSON or CSV write loads neither
    polars nor xlsxwriter."""
    errors: list[type[BaseException]] = [OSError]
    if (polars := sys.modules.get("polars")) is not None:
        errors.append(polars.exceptions.PolarsError)
    if (xlsxwriter := sys.modules.get("xlsxwriter.exceptions")) is not None:
        errors.append(xlsxwriter.XlsxWriterException)
    return tuple(errors)


def companions(path: Path) -> list[Path]:
    """Every file a sheet written to ``path`` makes: the rows there, and for CSV and Parquet the breakdown
    and rejections beside it (``out.breakdown.csv``)."""
    if path.suffix.lower() not in (".csv", ".parquet"):
        return [path]
    return [
        path,
        *(path.with_name(f"{path.stem}.{part}{path.suffix}") for part in ("breakdown", "rejections")),
    ]


def check_output(
    path: str | os.PathLike[str],
    formats: Iterable[str],
    inputs: Sequence[object] = (),
    *,
    action: str = "write",
) -> Path:
    """Refuse, before any work, an output whose extension is not one of ``formats``, or whose files would
    replace one of ``inputs`` (files or folders of them; through a link or another spelling too)."""
    target = Path(path)
    known = sorted(formats)
    if target.suffix.lower() not in known:
        raise UsageError(
            f"cannot {action} {target.suffix or 'a file without extension'}: use {', '.join(known)}",
            path=str(target),
        )
    written = {_identity(p) for p in companions(target)} - {None}
    for item in inputs:
        if not isinstance(item, str | os.PathLike):
            continue
        source = Path(item)
        files = source.iterdir() if source.is_dir() else [source]
        for file in files:
            if _identity(file) in written:
                raise UsageError(
                    f"--out {target} would overwrite the input {file}: write the sheet somewhere else",
                    path=str(target),
                )
    return target


def _identity(path: Path) -> tuple[int, int] | None:
    """What names an existing file whatever the path to it: its device and inode; None if it is not there."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


@contextlib.contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target`` to write into; :func:`publish` moves files out of it. It is
    removed on the way out, whatever happened, so a failed write leaves nothing behind."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=target.parent))
    except OSError as error:
        raise _output_error(target, error) from error
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish(staged: Sequence[Path], target: Path) -> list[Path]:
    """Make the staged files durable and rename each to its name beside ``target``; returns the final
    paths. A rename is atomic: a reader sees the old file or the new one, never part of one."""
    final = []
    for file in staged:
        with file.open("rb") as handle:
            os.fsync(handle.fileno())
        destination = target.parent / file.name
        os.replace(file, destination)
        final.append(destination)
    return final


def write_atomically(target: Path, write: Callable[[Path], list[Path]]) -> list[Path]:
    """Run ``write`` on a path of the same name in a staging folder, then publish what it wrote; any
    failure to write is an :class:`OutputError` and leaves ``target`` (and its companions) as they were."""
    try:
        with staging(target) as folder:
            return publish(write(folder / target.name), target)
    except _write_errors() as error:
        raise _output_error(target, error) from error


def _output_error(target: Path, error: BaseException) -> OutputError:
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error).splitlines()[0]
    return OutputError(f"cannot write {target}: {reason}", path=str(target))
