"""Verifying a log: its verdict, and the walk that checks it line by line."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from supplierscore.audit._keys import _signed_message, key_id
from supplierscore.audit._records import (
    _SIDE_FILE,
    OBJECTS_NAME,
    ZERO_HASH,
    _Bad,
    _check_shape,
    _digests,
    _Line,
    _parse_line,
    _Torn,
)
from supplierscore.errors import UsageError

if TYPE_CHECKING:
    from supplierscore.audit._log import AuditLog


# ---------------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True, slots=True)
class Fault:
    """The first thing wrong with a log: which line (from 1) and sequence number, and what."""

    line: int | None
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict of :meth:`AuditLog.verify`: ``fault`` is None when every check passed."""

    directory: Path
    records: int
    runs: int
    checkpoints: int
    signatures_checked: bool
    head: str | None
    size: int
    fault: Fault | None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return self.fault is None

    def summary(self) -> str:
        """One line: the verdict, counts and head hash (keep the head: it proves the tail later)."""
        if self.fault is not None:
            return f"{self.directory}: {self.fault}"
        signed = "signatures verified" if self.signatures_checked else "signatures not checked"
        return (
            f"ok: {_count(self.records, 'record')}, {_count(self.runs, 'run')}, "
            f"{_count(self.checkpoints, 'checkpoint')} ({signed}), head {self.head}"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _lines(first: int, last: int) -> str:
    return f"line {first} is" if first == last else f"lines {first}–{last} are"


@dataclass(slots=True)
class _Walk:
    """The state of a verification as it reads the log line by line."""

    log: AuditLog
    public_key: Ed25519PublicKey | None
    prev: str = ZERO_HASH
    seq: int = 0
    size: int = 0
    runs: int = 0
    checkpoints: int = 0
    signed_through: int = 0  # the last line a valid checkpoint covers
    last_type: str = ""  # the type of the last good record: with a key, it must be a checkpoint
    objects: dict[str, str | None] = field(default_factory=dict)
    side_files: set[str] = field(default_factory=set)
    heads: dict[str, int] = field(default_factory=dict)

    def check(self, line: _Line) -> None:
        """Check one line against everything known so far; raise :class:`_Bad` with the first problem."""
        if not line.complete:
            raise _Torn(
                f"torn last line: {len(line.raw)} byte(s) at offset {line.offset} with no line end "
                f"(an append was interrupted); run `supplierscore audit recover {self.log.directory}`"
            )
        record = _parse_line(line.raw)
        self._check_position(record, line)
        _check_shape(record)
        self._check_content(record, line)
        self.prev, self.seq, self.size = record["hash"], self.seq + 1, self.size + len(line.raw) + 1
        self.heads[record["hash"]] = line.number

    def _check_position(self, record: Mapping[str, Any], line: _Line) -> None:
        if record.get("seq") != self.seq:
            raise _Bad(
                f"has sequence number {record.get('seq')!r} where {self.seq} was expected: "
                "a record is missing, duplicated or out of order"
            )
        if record.get("prev") != self.prev:
            if line.number == 1:
                raise _Bad("is the first record but its prev is not the genesis value (64 zeros)")
            raise _Bad(
                f"does not chain: its prev is not the hash of line {line.number - 1}, "
                f"so line {line.number - 1} was altered or a record was removed or inserted"
            )
        if (record.get("type") == "genesis") != (line.number == 1):
            raise _Bad(
                "is a genesis record after the first line" if line.number > 1 else "is not a genesis record"
            )

    def _check_content(self, record: Mapping[str, Any], line: _Line) -> None:
        kind = record["type"]
        if kind == "run":
            self.runs += 1
            for digest, what in _digests(record):
                self._check_object(digest, what)
        elif kind == "recovery":
            self._check_recovery(record)
        if kind == "checkpoint":
            self._check_checkpoint(record, line)
        self.last_type = kind

    def _check_object(self, digest: str, what: str) -> None:
        if digest not in self.objects:
            self.objects[digest] = self.log.object_problem(digest)
        problem = self.objects[digest]
        if problem is not None:
            raise _Bad(f"names {what}, object {OBJECTS_NAME}/{digest}, which {problem}")

    def _check_recovery(self, record: Mapping[str, Any]) -> None:
        removed = record["removed"]
        if removed is None:
            return
        name, digest = removed.get("file"), removed.get("sha256")
        if not isinstance(name, str) or not _SIDE_FILE.match(name) or not isinstance(digest, str):
            raise _Bad("(recovery) names its side file in a malformed way")
        self.side_files.add(name)
        path = self.log.directory / name
        if not path.is_file():
            raise _Bad(f"names the side file {name}, which is missing")
        if _file_sha256(path) != digest:
            raise _Bad(f"names the side file {name}, whose content does not match the recorded digest")

    def _check_checkpoint(self, record: Mapping[str, Any], line: _Line) -> None:
        if record["head_seq"] != self.seq - 1 or record["size"] != self.size:
            raise _Bad(
                f"(checkpoint) claims head seq {record['head_seq']} and size {record['size']}, "
                f"but the log before it has head seq {self.seq - 1} and size {self.size}"
            )
        self.checkpoints += 1
        if self.public_key is not None:
            self._check_signature(record, line)
        self.signed_through = line.number

    def _check_signature(self, record: Mapping[str, Any], line: _Line) -> None:
        assert self.public_key is not None
        expected = key_id(self.public_key)
        if record["key_id"] != expected:
            raise _Bad(
                f"(checkpoint) is signed by another key (key id {record['key_id']}, expected {expected})"
            )
        try:
            self.public_key.verify(bytes.fromhex(record["signature"]), _signed_message(record))
        except (InvalidSignature, ValueError):
            changed = _lines(self.signed_through + 1, line.number)
            raise _Bad(
                f"(checkpoint) has a signature that does not verify: {changed} not as they were signed "
                "(changed, inserted or removed)"
            ) from None


def _file_sha256(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _tail_fault(walk: _Walk, public_key: Ed25519PublicKey | None, expect_head: str | None) -> Fault | None:
    """Faults only the end of the log shows: an unsigned tail, a head the log no longer holds."""
    if public_key is not None and walk.seq and walk.last_type != "checkpoint":
        return Fault(
            walk.seq,
            walk.seq - 1,
            f"the log ends in a {walk.last_type} record with no signed checkpoint after it: the log was "
            "cut off here, or an append was interrupted (`supplierscore audit recover --signing-key` "
            f"seals it); {_lines(walk.signed_through + 1, walk.seq)} not covered by a signature",
        )
    if expect_head is not None:
        wanted = expect_head.strip().lower()
        if len(wanted) < 12 or not all(c in "0123456789abcdef" for c in wanted):
            raise UsageError("an expected head is a record hash: at least 12 hex digits")
        if not any(h.startswith(wanted) for h in walk.heads):
            return Fault(
                walk.seq + 1 if walk.seq else None,
                walk.seq,
                f"the expected head {wanted} is not in the log, which ends at seq {walk.seq - 1} "
                f"(head {walk.prev}): records were cut off or the log was replaced",
            )
    return None
