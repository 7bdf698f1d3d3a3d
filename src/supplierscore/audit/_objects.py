"""Opening a stored object safely: only a regular file directly under ``objects/``, of bounded size.

A record names its objects by digest, and a log can be edited by whoever can write its folder, so what a
record names is checked before anything is opened: a name that is not 64 hex digits (``../../etc/shadow``)
is never turned into a path, a link (to ``/dev/zero``, or anywhere outside the folder) is never followed,
and a device, pipe or socket is never read, since it may never end.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from supplierscore.audit._records import _HEX64

MAX_OBJECT_BYTES = 4 * 2**30
"""The largest object read into memory (a run's input, ruleset or sheet); a larger one is refused."""


class ObjectProblem(Exception):
    """Why an object cannot be used: missing, not a regular file, too large, or named wrongly."""


@contextlib.contextmanager
def _opened(folder: Path, digest: str) -> Iterator[tuple[int, int]]:
    """The open object (descriptor, size in bytes); raises :class:`ObjectProblem`."""
    if not isinstance(digest, str) or not _HEX64.match(digest):
        raise ObjectProblem("is not named by a SHA-256 digest")
    try:
        fd = os.open(folder / digest, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ObjectProblem("is missing") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ObjectProblem("is a link, not a stored file (a link is never followed)") from None
        raise ObjectProblem(f"cannot be read ({error.strerror or error})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ObjectProblem("is not a regular file (a device, pipe or folder is never read)")
        yield fd, info.st_size
    finally:
        os.close(fd)


def read_object_file(folder: Path, digest: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_OBJECT_BYTES` named ``digest`` in ``folder``."""
    with _opened(folder, digest) as (fd, size):
        if size > MAX_OBJECT_BYTES:
            raise ObjectProblem(f"is {size:,} bytes, over the limit of {MAX_OBJECT_BYTES:,}")
        chunks = []
        while data := os.read(fd, min(1 << 24, MAX_OBJECT_BYTES + 1)):
            chunks.append(data)
            size -= len(data)
            if size < 0:
                raise ObjectProblem("grew while it was read")
        return b"".join(chunks)


def object_sha256(folder: Path, digest: str) -> str:
    """The SHA-256 of the object named ``digest`` in ``folder``, read in blocks (any size)."""
    with _opened(folder, digest) as (fd, _), os.fdopen(os.dup(fd), "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()
