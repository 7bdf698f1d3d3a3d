"""Reading input bytes within the limits, however the input is made.

A line (or a ``.json`` file) longer than :data:`~supplierscore.inputs.MAX_LINE_BYTES` is never held
whole: its first bytes are kept, enough to say it is too long, and the rest is read in blocks (each
still hashed, so a file's digest covers every byte) and dropped. A path that is not a regular file (a
device such as ``/dev/zero``, a pipe, a socket, or a link to one) is refused before reading, since it
may never end.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from supplierscore.inputs._batch import MAX_LINE_BYTES

_BLOCK = 1 << 20


def bounded_lines(stream: BinaryIO, digest: Any = None) -> Iterator[tuple[bytes, int]]:
    """Each line of ``stream`` with its line end, and its full length in bytes; a line over the limit
    comes as its first ``MAX_LINE_BYTES + 1`` bytes only. ``digest`` (a hashlib object) sees every byte."""
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if digest is not None:
            digest.update(line)
        length = len(line)
        if length > MAX_LINE_BYTES and not line.endswith(b"\n"):
            length += _skip_line(stream, digest)
        yield line, length


def _skip_line(stream: BinaryIO, digest: Any) -> int:
    """Read and drop the rest of a line, up to and including its line end; returns the bytes dropped."""
    dropped = 0
    while True:
        block = stream.readline(_BLOCK)
        if digest is not None:
            digest.update(block)
        dropped += len(block)
        if not block or block.endswith(b"\n"):
            return dropped


def read_bounded(stream: BinaryIO, digest: Any = None) -> tuple[bytes, int]:
    """The rest of ``stream`` (a ``.json`` file) and its length; only the first ``MAX_LINE_BYTES + 1``
    bytes of a longer one are kept, the others hashed into ``digest`` and dropped."""
    data = stream.read(MAX_LINE_BYTES + 1)
    if digest is not None:
        digest.update(data)
    length = len(data)
    while length > MAX_LINE_BYTES and (block := stream.read(_BLOCK)):
        if digest is not None:
            digest.update(block)
        length += len(block)
    return data, length


def too_long(length: int, what: str = "line") -> str:
    """The rejection reason for a line (or file) of ``length`` bytes over the limit."""
    return f"{what} is {length:,} bytes long, over the limit of {MAX_LINE_BYTES:,}"


def not_regular(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file (following links), or None for a regular file."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # missing or unreadable: the caller says which
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    return "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
