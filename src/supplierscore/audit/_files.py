"""Durable file writes, locks and reads of the log file, and the torn-line side files next to it."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from supplierscore.audit._records import _SIDE_FILE, _TMP_PREFIX, _Bad, _parse_line, _split_lines
from supplierscore.errors import AuditError

# ---------------------------------------------------------------------------------------------------
# Files: durable writes, locks


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is written (a regular file may take fewer bytes per call)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable: the folder entry lives in the folder."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_create(folder: Path, name: str, data: bytes, mode: int = 0o444, *, replace: bool = True) -> None:
    """Write ``data`` to a temporary name, fsync it, then give it its name: never a half-written file.

    ``replace=False`` links instead of renaming, so that of two processes creating the same file at
    once, the first wins and the second leaves it alone (``rename`` would silently replace it).
    """
    tmp = folder / f"{_TMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(fd, data)
            os.fsync(fd)
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
        if replace:
            os.rename(tmp, folder / name)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, folder / name)
            tmp.unlink()
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _os_error(action: str, where: Path, error: OSError) -> AuditError:
    """A clear, one-line error for a failed write; the log is left as it was."""
    reason = error.strerror or str(error)
    hint = ""
    if error.errno == errno.ENOSPC:
        hint = " (the disk is full)"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = " (the folder is read-only or not writable)"
    return AuditError(
        f"cannot {action} {where}: {reason}{hint}; the log is unchanged and still verifiable",
        path=str(where),
        errno=error.errno,
    )


@contextlib.contextmanager
def _locked(path: Path, *, exclusive: bool) -> Iterator[int]:
    """Open the log and hold a ``flock`` on it: exclusive to append, shared to read a consistent copy."""
    flags = os.O_RDWR | os.O_APPEND if exclusive else os.O_RDONLY
    fd = os.open(path, flags, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _read_from(fd: int, offset: int) -> bytes:
    """The bytes of the open file from ``offset`` to its end."""
    size = os.fstat(fd).st_size
    return os.pread(fd, max(size - offset, 0), offset) if size > offset else b""


def _last_line_start(fd: int, end: int) -> int:
    """The offset where the line ending at ``end`` begins, reading backwards in blocks."""
    block = 1 << 16
    position = end - 1  # skip the line's own newline
    while position > 0:
        start = max(position - block, 0)
        chunk = os.pread(fd, position - start, start)
        found = chunk.rfind(b"\n")
        if found >= 0:
            return start + found + 1
        position = start
    return 0


# ---------------------------------------------------------------------------------------------------
# Side files: torn bytes an explicit recover cut from the log


def _side_files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir() if _SIDE_FILE.match(p.name)} if directory.is_dir() else set()


def _side_offset(name: str) -> int:
    return int(name.rsplit("-at-", 1)[1].removesuffix(".bin"))


def _recorded_side_files(data: bytes) -> set[str]:
    """Side files named by the recovery records in ``data`` (complete lines only)."""
    names = set()
    for line in _split_lines(data):
        with contextlib.suppress(_Bad):
            record = _parse_line(line.raw)
            if record.get("type") == "recovery" and isinstance(record.get("removed"), dict):
                names.add(str(record["removed"].get("file")))
    return names


def _needs_seal(data: bytes) -> bool:
    """Whether the log's last complete record is not a checkpoint (so a signing key should seal it)."""
    lines = _split_lines(data)
    if not lines:
        return False
    try:
        return _parse_line(lines[-1].raw).get("type") != "checkpoint"
    except _Bad:
        return False
