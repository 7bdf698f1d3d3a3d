"""The audit log: every run kept so that an auditor can prove each score later, and replay it.

A log is a folder::

    DIR/log.jsonl                 one record per line, hash-chained (below)
    DIR/objects/<sha256>          the exact input bytes, canonical ruleset and JSON sheet of every run
    DIR/torn-<time>-at-<offset>.bin   bytes an explicit ``recover`` cut from a torn last line

**Records.** Each line is the RFC 8785 canonical JSON of one record, and nothing else: a record's
``hash`` is the SHA-256 of the canonical form of the record without its ``hash``, and its ``prev`` is the
previous record's hash (``0`` × 64 for the first, the *genesis* record). Because the line must *be* the
canonical form, a change that leaves the parsed record the same (a space, an escape, a key order) is
still a change that :meth:`AuditLog.verify` reports: any byte changed anywhere is found. Records hold
only strings, integers, booleans, null, lists and objects; money and points are decimal strings.

Record types: ``genesis`` (starts a log), ``run`` (one scoring run: versions, options, ruleset, inputs,
sheet, counts), ``checkpoint`` (an Ed25519 signature over the record itself, which names the head it
covers: its ``prev``, the head's ``head_seq`` and the log's ``size`` in bytes up to the head), and
``recovery`` (what an explicit :meth:`AuditLog.recover` removed, and where the bytes were moved).

**Why a chain and signatures.** The chain makes any change to a record visible at the next record; it
cannot stop someone who rewrites every record after the change. A checkpoint signed with a private key
kept elsewhere can: rewritten records no longer match a signature. A log whose tail was cut off exactly
after a checkpoint is still a valid, shorter log; only a head kept outside the log (``expect_head``,
printed by every append and by ``verify``) proves that nothing came after it.

**Why appends are safe.** An append stores its objects first (temporary name, ``fsync``, rename,
``fsync`` of the folder), then takes an exclusive ``flock`` on ``log.jsonl``, reads the tail, writes the
new line(s) with one ``write`` and ``fsync``\\ s. A record therefore never names a missing object, and
concurrent appends never interleave. A crash can leave at worst a *torn* last line (no line end), which
``verify`` reports and only :meth:`AuditLog.recover` repairs, with a record saying what it removed.

Example:
    >>> log = AuditLog("audit")                                    # doctest: +SKIP
    >>> log.append_run(batch, ruleset, sheet)                      # doctest: +SKIP
    >>> log.verify().summary()                                     # doctest: +SKIP
    'ok: 2 records, 1 run, 0 checkpoints (signatures not checked), head 5b0c…'
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import platform
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from supplierscore import __version__
from supplierscore.inputs import Batch, InputBytes, read_bids
from supplierscore.engine import score
from supplierscore.errors import AuditError, UsageError
from supplierscore.ruleset import Ruleset, ruleset_from_canonical
from supplierscore.sheet import ScoreSheet

__all__ = [
    "FORMAT",
    "Appended",
    "AuditLog",
    "BidChange",
    "CriterionChange",
    "Fault",
    "KeyFiles",
    "Record",
    "Recovery",
    "Replay",
    "SheetDiff",
    "Verification",
    "canonical",
    "diff_sheets",
    "first_difference",
    "format_diff",
    "key_id",
    "keygen",
    "load_public_key",
    "load_sheet",
    "load_signing_key",
    "record_hash",
]

FORMAT = "supplierscore-audit-log/1"
"""The log format named in every genesis record."""

ZERO_HASH = "0" * 64
"""The ``prev`` of a genesis record."""

LOG_NAME = "log.jsonl"
OBJECTS_NAME = "objects"
SIGNATURE_CONTEXT = b"supplierscore-audit-checkpoint/1\n"
"""Prefixed to every signed message, so a checkpoint signature can never be mistaken for another one."""

MIN_RUN_ID_PREFIX = 4
"""A run id prefix this short or longer selects runs; shorter digits are a sequence number."""

_TMP_PREFIX = ".tmp-"
_SIDE_FILE = re.compile(r"\Atorn-\d{8}T\d{12}Z-at-\d+\.bin\Z")
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")

JSONValue = str | int | bool | None | list[Any] | dict[str, Any]


# ---------------------------------------------------------------------------------------------------
# Canonical records


def canonical(value: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON: one byte sequence per value, so that a hash over it is well defined."""
    data: bytes = rfc8785.dumps(value)
    return data


def record_hash(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record's canonical form without its ``hash`` field."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def _seal(record: dict[str, Any]) -> bytes:
    """The record with its hash added, as the exact line the log holds."""
    record["hash"] = record_hash(record)
    return canonical(record) + b"\n"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _polars_version() -> str | None:
    """Read from package metadata: importing polars only to learn its version would cost a second."""
    try:
        return version("polars")
    except PackageNotFoundError:
        return None


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a log, as read: its line number (from 1), byte offset and fields."""

    line: int
    offset: int
    fields: Mapping[str, Any]

    @property
    def seq(self) -> int:
        """The sequence number: 0 for the genesis record, then one more per record."""
        return int(self.fields["seq"])

    @property
    def type(self) -> str:
        """``genesis``, ``run``, ``checkpoint`` or ``recovery``."""
        return str(self.fields["type"])

    @property
    def hash(self) -> str:
        """The record's own hash, which the next record's ``prev`` repeats."""
        return str(self.fields["hash"])

    @property
    def run_id(self) -> str | None:
        """The run id of a run record (shared by identical runs), else None."""
        value = self.fields.get("run_id")
        return None if value is None else str(value)


# ---------------------------------------------------------------------------------------------------
# Keys


@dataclass(frozen=True, slots=True)
class KeyFiles:
    """Where :func:`keygen` wrote a key pair, and the public key's id."""

    private: Path
    public: Path
    key_id: str


def key_id(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key: what a checkpoint names its signer by."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _sha256(raw)


def keygen(private_path: str | os.PathLike[str]) -> KeyFiles:
    """Write a new Ed25519 key pair: ``private_path`` (PEM, mode 0600) and ``private_path.pub`` (PEM).

    Refuses to overwrite either file: losing a signing key would make old checkpoints unverifiable.
    """
    private = Path(private_path)
    public = private.with_name(private.name + ".pub")
    for path in (private, public):
        if path.exists():
            raise UsageError(f"{path} already exists: refusing to overwrite a key", path=str(path))
    key = Ed25519PrivateKey.generate()
    secret = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    shown = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        private.parent.mkdir(parents=True, exist_ok=True)
        _create_file(private, secret, 0o600)
        _create_file(public, shown, 0o644)
    except OSError as error:
        raise UsageError(
            f"cannot write the key pair {private}: {error.strerror or error}", path=str(private)
        ) from error
    return KeyFiles(private, public, key_id(key.public_key()))


def _create_file(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the start (never briefly readable by others), then fsync."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def load_signing_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Read an Ed25519 private key (PEM) written by :func:`keygen`."""
    key = _load_key(path, serialization.load_pem_private_key, "private")
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path} is not an Ed25519 private key", path=str(path))
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """Read an Ed25519 public key (PEM) written by :func:`keygen`."""
    key = _load_key(path, serialization.load_pem_public_key, "public")
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{path} is not an Ed25519 public key", path=str(path))
    return key


def _load_key(path: str | os.PathLike[str], loader: Callable[..., Any], kind: str) -> Any:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UsageError(
            f"cannot read {kind} key {path}: {error.strerror or error}", path=str(path)
        ) from error
    try:
        if kind == "private":
            return loader(data, password=None)
        return loader(data)
    except (ValueError, TypeError) as error:
        raise UsageError(f"{path} is not a PEM {kind} key: {error}", path=str(path)) from error


def _signed_message(record: Mapping[str, Any]) -> bytes:
    """What a checkpoint's signature covers: every field but the signature and the hash."""
    body = {k: v for k, v in record.items() if k not in ("signature", "hash")}
    return SIGNATURE_CONTEXT + canonical(body)


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
# Parsing and checking one line


class _Bad(Exception):
    """One thing wrong with a record; the message says what, in plain language."""


class _Torn(_Bad):
    """A last line without its line end: the trace of an interrupted append."""


def _parse_line(raw: bytes) -> dict[str, Any]:
    """Parse one log line (without its newline) and check that it is canonical and hashes to ``hash``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Bad(f"is not UTF-8 (byte 0x{raw[error.start]:02x} at column {error.start + 1})") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise _Bad(f"is not valid JSON (column {error.colno}: {error.msg})") from None
    if not isinstance(record, dict):
        raise _Bad("is not a JSON object")
    try:
        canonical_form = canonical(record)
    except rfc8785.CanonicalizationError as error:
        raise _Bad(f"holds a value RFC 8785 cannot represent ({error})") from None
    if canonical_form != raw:
        raise _Bad("is not in RFC 8785 canonical form: the line was edited")
    if not isinstance(record.get("hash"), str):
        raise _Bad('has no "hash"')
    if record_hash(record) != record["hash"]:
        raise _Bad("does not match its own hash: the record was altered")
    return record


_COMMON = {"type": str, "seq": int, "prev": str, "hash": str, "created_at": str}
_FIELDS: dict[str, dict[str, Any]] = {
    "genesis": {"format": str, "engine_version": str},
    "run": {
        "run_id": str,
        "engine_version": str,
        "python_version": str,
        "polars_version": (str, type(None)),
        "options": dict,
        "sheet_created_at": (str, type(None)),
        "ruleset": dict,
        "inputs": list,
        "sheet_sha256": str,
        "counts": dict,
    },
    "checkpoint": {"head_seq": int, "size": int, "key_id": str, "signature": str},
    "recovery": {"engine_version": str, "reason": str, "removed": (dict, type(None))},
}


def _check_shape(record: Mapping[str, Any]) -> None:
    """Every field a record type needs is there with the right JSON type, and no other."""
    kind = record.get("type")
    if kind not in _FIELDS:
        raise _Bad(f"has an unknown type {kind!r}")
    wanted = {**_COMMON, **_FIELDS[kind]}
    for name, types in wanted.items():
        if name not in record:
            raise _Bad(f'({kind}) has no "{name}"')
        value = record[name]
        if not isinstance(value, types) or (types is int and isinstance(value, bool)):
            raise _Bad(f'({kind}) has a "{name}" of the wrong type')
    extra = sorted(set(record) - set(wanted))
    if extra:
        raise _Bad(f"({kind}) has unexpected field(s) {', '.join(extra)}")
    if kind == "run":
        _check_run_shape(record)


def _check_run_shape(record: Mapping[str, Any]) -> None:
    """The nested parts of a run record, which replay relies on, have the shape it expects."""
    ruleset, inputs, counts = record["ruleset"], record["inputs"], record["counts"]
    if not all(isinstance(ruleset.get(key), str) for key in ("id", "version", "sha256")):
        raise _Bad("(run) has a malformed ruleset")
    if not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in inputs):
        raise _Bad("(run) has a malformed inputs list")
    if not all(type(counts.get(key)) is int for key in ("read", "scored", "ineligible", "rejected")):
        raise _Bad("(run) has malformed counts")
    for digest, what in _digests(record):
        if not isinstance(digest, str) or not _HEX64.match(digest):
            raise _Bad(f"(run) names {what} by a malformed digest")


def _digests(record: Mapping[str, Any]) -> list[tuple[Any, str]]:
    """The objects a run record names, as (digest, what it is), in the order an auditor reads them."""
    if record.get("type") != "run":
        return []
    try:
        names = [(record["ruleset"]["sha256"], "the ruleset")]
        names += [(item["sha256"], f"input {item['name']}") for item in record["inputs"]]
    except (KeyError, TypeError):
        raise _Bad("(run) has a malformed ruleset or inputs list") from None
    return [*names, (record["sheet_sha256"], "the score sheet")]


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
class _Line:
    number: int
    offset: int
    raw: bytes
    complete: bool


def _split_lines(data: bytes) -> list[_Line]:
    """Every line with its offset; the last one is incomplete when the file does not end in a newline."""
    lines: list[_Line] = []
    offset = 0
    while offset < len(data):
        end = data.find(b"\n", offset)
        complete = end >= 0
        stop = end if complete else len(data)
        lines.append(_Line(len(lines) + 1, offset, data[offset:stop], complete))
        offset = stop + 1
    return lines


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


# ---------------------------------------------------------------------------------------------------
# Replay and diff results


@dataclass(frozen=True, slots=True)
class Replay:
    """The outcome of replaying one recorded run: identical, or the first difference found."""

    seq: int
    run_id: str
    recorded_sha256: str
    replayed_sha256: str
    difference: str | None
    warning: str | None

    @property
    def identical(self) -> bool:
        """Whether the replayed sheet is byte-identical to the recorded one."""
        return self.recorded_sha256 == self.replayed_sha256

    def summary(self) -> str:
        """One line: which run, and identical or where it differs."""
        verdict = "identical" if self.identical else f"DIFFERS: {self.difference}"
        return f"seq {self.seq} run {self.run_id}: {verdict}"


@dataclass(frozen=True, slots=True)
class Appended:
    """What :meth:`AuditLog.append_run` added: the run's sequence number and the new head."""

    seq: int
    run_id: str
    record_hash: str
    head: str
    head_seq: int
    checkpoint: bool


@dataclass(frozen=True, slots=True)
class Recovery:
    """What :meth:`AuditLog.recover` did: the bytes it moved aside, and the records it appended."""

    removed_bytes: int
    side_files: tuple[str, ...]
    appended: tuple[int, ...]
    head: str | None

    def summary(self) -> str:
        """One line for the command line."""
        if not self.appended:
            return "nothing to recover: the log ends in a complete record"
        moved = ", ".join(self.side_files) or "nothing"
        return (
            f"recovered: moved {self.removed_bytes} torn byte(s) to {moved}; appended seq "
            f"{', '.join(map(str, self.appended))}; head {self.head}"
        )


# ---------------------------------------------------------------------------------------------------
# The log


class AuditLog:
    """An audit log folder: append runs to it, read its records, verify, replay, diff and recover it.

    Creating the object touches nothing; the folder and its genesis record are made by the first
    append. Every method is safe to call from several processes at once.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.log_path = self.directory / LOG_NAME
        self.objects_path = self.directory / OBJECTS_NAME

    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> AuditLog:
        """An existing log; :class:`~supplierscore.errors.UsageError` when ``directory`` holds none."""
        log = cls(directory)
        if not log.directory.is_dir():
            raise UsageError(f"no audit log folder {log.directory}", path=str(log.directory))
        return log

    def __repr__(self) -> str:
        return f"AuditLog({str(self.directory)!r})"

    # -- appending ----------------------------------------------------------------------------------

    def append_run(
        self,
        batch: Batch,
        ruleset: Ruleset,
        sheet: ScoreSheet,
        *,
        inputs: Iterable[InputBytes] = (),
        options: Mapping[str, JSONValue] | None = None,
        signing_key: Ed25519PrivateKey | None = None,
        sheet_bytes: bytes | None = None,
    ) -> Appended:
        """Store the run's inputs, ruleset and sheet as objects and append its record (and a checkpoint).

        ``batch`` must come from :func:`~supplierscore.inputs.read_bids`: its files' digests say which bytes
        were scored. Files are read again from their paths and must still have those digests; inputs
        held in memory (standard input) are passed in ``inputs`` under the name the batch gives them.
        ``options`` are the command-line options that affect scoring, recorded as given. ``sheet_bytes``
        is ``sheet.to_json_bytes()`` when the caller already has it: a large sheet's JSON takes longer
        to make than to store, so it should be made once.
        """
        if ruleset.sha256 != _sha256(ruleset.canonical_json):
            raise AuditError(
                "the ruleset's digest is not the SHA-256 of its canonical form", ruleset=ruleset.id
            )
        named = _input_bytes(batch, inputs)
        sheet_bytes = sheet.to_json_bytes() if sheet_bytes is None else sheet_bytes
        self._ensure_log()
        sheet_sha256 = _sha256(sheet_bytes)
        blobs = [(ruleset.sha256, ruleset.canonical_json), (sheet_sha256, sheet_bytes)]
        self._store_objects(blobs + [(digest, data) for _, digest, data in named])
        inputs_named = [{"name": name, "sha256": digest} for name, digest, _ in named]
        body = _run_record(ruleset, sheet, sheet_sha256, inputs_named, options or {})
        records = self._append([body], signing_key)
        run = records[0]
        return Appended(
            run["seq"], body["run_id"], run["hash"], records[-1]["hash"], records[-1]["seq"], len(records) > 1
        )

    def _ensure_log(self) -> None:
        """Create the folder, objects/ and a log holding its genesis record, unless they exist.

        The log file appears complete, genesis record and all (written aside, then linked), so a log
        never exists empty or with a torn genesis, and an empty ``log.jsonl`` can only mean tampering.
        """
        if self.log_path.exists():
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.objects_path.mkdir(exist_ok=True)
            genesis = _seal({**_genesis(), "seq": 0, "prev": ZERO_HASH})
            _atomic_create(self.directory, LOG_NAME, genesis, 0o644, replace=False)
            _fsync_dir(self.directory)
            with contextlib.suppress(OSError):
                _fsync_dir(self.directory.parent)
        except OSError as error:
            raise _os_error("create the audit log", self.directory, error) from error

    def _store_objects(self, blobs: Sequence[tuple[str, bytes]]) -> None:
        """Store each (digest, blob) unless present; fsync the folder once after the renames.

        Digests come from the caller, who computed each once: hashing a sheet of 500 MB takes a second.
        """
        try:
            renamed = False
            for digest, data in blobs:
                if not (self.objects_path / digest).exists():
                    _atomic_create(self.objects_path, digest, data)
                    renamed = True
            if renamed:
                _fsync_dir(self.objects_path)
        except OSError as error:
            raise _os_error("store objects in", self.objects_path, error) from error

    def _append(
        self, bodies: Sequence[dict[str, Any]], signing_key: Ed25519PrivateKey | None
    ) -> list[dict[str, Any]]:
        """Append records under an exclusive lock: read the tail, chain, write once, fsync.

        A signed checkpoint comes last when a key is given. On any write error the file is cut back to
        its old size, so the log stays verifiable.
        """
        try:
            with _locked(self.log_path, exclusive=True) as fd:
                return self._append_locked(fd, bodies, signing_key)
        except OSError as error:
            raise _os_error("append to", self.log_path, error) from error

    def _append_locked(
        self, fd: int, bodies: Sequence[dict[str, Any]], signing_key: Ed25519PrivateKey | None
    ) -> list[dict[str, Any]]:
        size = os.fstat(fd).st_size
        seq, prev = self._tail(fd, size)
        records = [dict(body) for body in bodies]
        lines: list[bytes] = []
        for record in records:
            seq += 1
            record.update(seq=seq, prev=prev)
            lines.append(_seal(record))
            prev = record["hash"]
        if signing_key is not None:
            records.append(_checkpoint(seq, prev, size + sum(map(len, lines)), signing_key))
            lines.append(_seal(records[-1]))
        try:
            _write_all(fd, b"".join(lines))
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)
            os.fsync(fd)
            raise
        return records

    def _tail(self, fd: int, size: int) -> tuple[int, str]:
        """The last record's sequence number and hash; refuses an empty log or a torn or damaged tail."""
        if size == 0:
            raise AuditError(
                f"{self.log_path} is empty (a log starts with its genesis record): it was truncated; "
                "nothing is appended to it",
                path=str(self.log_path),
            )
        if os.pread(fd, 1, size - 1) != b"\n":
            raise AuditError(
                f"{self.log_path} ends in a torn line (an append was interrupted): nothing is appended "
                f"until `supplierscore audit recover {self.directory}` moves it aside",
                path=str(self.log_path),
            )
        start = _last_line_start(fd, size)
        try:
            record = _parse_line(os.pread(fd, size - 1 - start, start))
            return int(record["seq"]), str(record["hash"])
        except (_Bad, KeyError, TypeError, ValueError) as error:
            raise AuditError(
                f"the last record of {self.log_path} is damaged ({error}): run `supplierscore verify "
                f"{self.directory}`; nothing is appended to a damaged log",
                path=str(self.log_path),
            ) from None

    # -- reading ------------------------------------------------------------------------------------

    def read_bytes(self) -> bytes:
        """A consistent copy of ``log.jsonl``, read under a shared lock (no append is half-seen)."""
        try:
            with _locked(self.log_path, exclusive=False) as fd:
                return _read_from(fd, 0)
        except FileNotFoundError:
            raise AuditError(
                f"{self.log_path} does not exist: not an audit log, or its log was removed"
            ) from None
        except OSError as error:
            raise AuditError(f"cannot read {self.log_path}: {error.strerror or error}") from error

    def records(self) -> Iterator[Record]:
        """Every record in order, each checked against its own hash (use :meth:`verify` for the rest)."""
        for line in _split_lines(self.read_bytes()):
            if not line.complete:
                raise AuditError(f"{self.log_path}: line {line.number} is torn: run `supplierscore verify`")
            try:
                yield Record(line.number, line.offset, _parse_line(line.raw))
            except _Bad as error:
                raise AuditError(f"{self.log_path}: line {line.number} {error}", line=line.number) from None

    def runs(self, selector: str | int | None = None) -> list[Record]:
        """The run records a selector names: a sequence number, a run id or its prefix, or None for all.

        Identical runs share a run id, so a run id can name several records; all of them are returned.
        """
        records = list(self.records())
        runs = [r for r in records if r.type == "run"]
        if selector is None:
            return runs
        text = str(selector).strip().lower()
        if text.isdigit() and len(text) < MIN_RUN_ID_PREFIX:
            found = [r for r in records if r.seq == int(text)]
            if not found:
                raise UsageError(f"{self.directory} has no record with sequence number {text}", run=text)
            if found[0].type != "run":
                raise UsageError(f"seq {text} in {self.directory} is a {found[0].type} record, not a run")
        else:
            by_seq = [r for r in runs if text.isdigit() and r.seq == int(text)]
            found = by_seq or [r for r in runs if (r.run_id or "").startswith(text)]
        if not found:
            raise UsageError(
                f"no run in {self.directory} has sequence number or run id {text!r} "
                f"(a run id prefix needs at least {MIN_RUN_ID_PREFIX} characters)",
                run=text,
            )
        return found

    def read_object(self, digest: str) -> bytes:
        """An object's bytes, checked against its digest (an altered object is never used)."""
        path = self.objects_path / digest
        try:
            data = path.read_bytes()
        except OSError as error:
            raise AuditError(
                f"cannot read object {path}: {error.strerror or error}", object=digest
            ) from error
        if _sha256(data) != digest:
            raise AuditError(f"object {path} does not match its digest: it was altered", object=digest)
        return data

    def object_problem(self, digest: str) -> str | None:
        """None when the object exists and matches its digest, else what is wrong with it."""
        path = self.objects_path / digest
        try:
            actual = _file_sha256(path)
        except FileNotFoundError:
            return "is missing"
        except OSError as error:
            return f"cannot be read ({error.strerror or error})"
        return None if actual == digest else "does not match its digest (its content was changed or replaced)"

    # -- verifying ----------------------------------------------------------------------------------

    def verify(
        self, *, public_key: Ed25519PublicKey | None = None, expect_head: str | None = None
    ) -> Verification:
        """Check every record's form and hash, the chain, sequence numbers, every object, and signatures.

        With ``public_key``, every checkpoint must be signed by it and the log must end in one (so a
        rewritten or cut-off log is found). With ``expect_head`` (a record hash kept outside the log,
        or a prefix of at least 12 hex digits), the log must still hold that record. Stops at the first
        fault, naming its line and sequence number; notes list harmless leftovers of interrupted appends.
        """
        if not self.directory.is_dir():
            raise UsageError(f"no audit log folder {self.directory}", path=str(self.directory))
        walk = _Walk(self, public_key)
        walked = self._walk(walk)
        fault = walked or _tail_fault(walk, public_key, expect_head) or self._folder_fault(walk)
        return Verification(
            directory=self.directory,
            records=walk.seq,
            runs=walk.runs,
            checkpoints=walk.checkpoints,
            signatures_checked=public_key is not None,
            head=walk.prev if walk.seq else None,
            size=walk.size,
            fault=fault,
            notes=() if walked else tuple(self._notes(walk)),
        )

    def _walk(self, walk: _Walk) -> Fault | None:
        try:
            data = self.read_bytes()
        except AuditError as error:
            return Fault(None, None, error.message)
        if not data:
            return Fault(None, None, f"{self.log_path} is empty: it has no genesis record")
        for line in _split_lines(data):
            try:
                walk.check(line)
            except _Torn as error:
                return Fault(line.number, walk.seq, str(error))
            except _Bad as error:
                return Fault(line.number, walk.seq, f"the record {error}")
        return None

    def _folder_fault(self, walk: _Walk) -> Fault | None:
        """Objects no record names must still match their names; torn-line side files need a record."""
        for path in sorted(self.objects_path.iterdir()) if self.objects_path.is_dir() else []:
            if path.name.startswith(_TMP_PREFIX) or path.name in walk.objects:
                continue
            if not _HEX64.match(path.name):
                return Fault(None, None, f"{OBJECTS_NAME}/{path.name} is not named by a SHA-256 digest")
            problem = self.object_problem(path.name)
            if problem is not None:
                return Fault(None, None, f"{OBJECTS_NAME}/{path.name} (named by no record) {problem}")
        for name in sorted(_side_files(self.directory) - walk.side_files):
            return Fault(
                None,
                None,
                f"{name} holds bytes cut from the log but no recovery record names it (a recovery was "
                f"interrupted): run `supplierscore audit recover {self.directory}`",
            )
        return None

    def _notes(self, walk: _Walk) -> Iterator[str]:
        if not self.objects_path.is_dir():
            return
        names = [p.name for p in self.objects_path.iterdir()]
        temporary = sum(1 for n in names if n.startswith(_TMP_PREFIX))
        unnamed = sum(1 for n in names if _HEX64.match(n) and n not in walk.objects)
        if temporary:
            yield f"{temporary} temporary file(s) in {OBJECTS_NAME}/ left by interrupted appends (harmless)"
        if unnamed:
            yield (
                f"{unnamed} object(s) named by no record: left by an interrupted append, "
                "or by records removed from the end of the log"
            )

    # -- replaying ----------------------------------------------------------------------------------

    def replay(self, selector: str | int | None = None) -> list[Replay]:
        """Re-run recorded runs from their stored objects and compare the new sheets with the recorded ones.

        ``selector`` is a sequence number, a run id or prefix, or None for every run.
        """
        return [self.replay_record(record) for record in self.runs(selector)]

    def replay_record(self, record: Record) -> Replay:
        """Replay one run record: same input bytes under the same names, same ruleset, same created_at."""
        fields = record.fields
        ruleset = ruleset_from_canonical(self.read_object(fields["ruleset"]["sha256"]))
        inputs = [InputBytes(item["name"], self.read_object(item["sha256"])) for item in fields["inputs"]]
        sheet = score(read_bids(inputs), ruleset, created_at=fields["sheet_created_at"])
        replayed = sheet.to_json_bytes()
        recorded_digest = fields["sheet_sha256"]
        difference = None
        if _sha256(replayed) != recorded_digest:
            difference = first_difference(json.loads(self.read_object(recorded_digest)), json.loads(replayed))
        warning = None
        if fields["engine_version"] != __version__:
            warning = (
                f"seq {record.seq} was recorded by engine {fields['engine_version']} and replayed with "
                f"{__version__}: differences may come from the engine, not the data"
            )
        return Replay(
            record.seq, str(fields["run_id"]), recorded_digest, _sha256(replayed), difference, warning
        )

    # -- diffing ------------------------------------------------------------------------------------

    def diff(self, run_a: str | int, run_b: str | int) -> SheetDiff:
        """Compare the sheets of two recorded runs, naming the input files whose bytes changed."""
        a, b = (self._one_run(selector) for selector in (run_a, run_b))
        sheets = [json.loads(self.read_object(r.fields["sheet_sha256"])) for r in (a, b)]
        rules = [json.loads(self.read_object(r.fields["ruleset"]["sha256"])) for r in (a, b)]
        result = diff_sheets(sheets[0], sheets[1], rulesets=(rules[0], rules[1]))
        result.inputs = _input_changes(a.fields["inputs"], b.fields["inputs"])
        result.labels = (f"seq {a.seq} (run {a.run_id})", f"seq {b.seq} (run {b.run_id})")
        return result

    def _one_run(self, selector: str | int) -> Record:
        found = self.runs(selector)
        if len(found) > 1:
            seqs = ", ".join(str(r.seq) for r in found)
            raise UsageError(f"{selector!r} names several runs (seq {seqs}): name one by its sequence number")
        return found[0]

    # -- recovering ---------------------------------------------------------------------------------

    def recover(self, *, signing_key: Ed25519PrivateKey | None = None) -> Recovery:
        """Move a torn last line to a dated side file and append a recovery record that says so.

        Also finishes a recovery that was itself interrupted (a side file no record names yet). With a
        signing key, the log is then sealed with a checkpoint, so that the run whose checkpoint was torn
        off is covered again. Never deletes a byte: what is cut from the log is kept in the side file.
        """
        if not self.log_path.exists():
            raise UsageError(f"{self.log_path} does not exist: nothing to recover", path=str(self.log_path))
        try:
            with _locked(self.log_path, exclusive=True) as fd:
                return self._recover_locked(fd, signing_key)
        except OSError as error:
            raise _os_error("recover", self.log_path, error) from error

    def _recover_locked(self, fd: int, signing_key: Ed25519PrivateKey | None) -> Recovery:
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0)
        cut = data.rfind(b"\n") + 1
        torn = data[cut:]
        removed = []
        if torn:
            self._tail(fd, cut)  # the record before the torn bytes must be sound to chain to
            removed.append(self._move_aside(torn, cut))
            os.ftruncate(fd, cut)
            os.fsync(fd)
        recorded = _recorded_side_files(data[:cut])
        for name in sorted(_side_files(self.directory) - recorded - {r["file"] for r in removed}):
            side = self.directory / name
            removed.append({"file": name, "offset": _side_offset(name), "bytes": side.stat().st_size,
                            "sha256": _file_sha256(side)})  # fmt: skip
        bodies = [_recovery(item) for item in removed]
        if not bodies and not (signing_key is not None and _needs_seal(data[:cut])):
            return Recovery(0, (), (), None)
        records = self._append_locked(fd, bodies, signing_key)
        return Recovery(
            len(torn),
            tuple(item["file"] for item in removed),
            tuple(r["seq"] for r in records),
            records[-1]["hash"],
        )

    def _move_aside(self, torn: bytes, offset: int) -> dict[str, Any]:
        """Keep the torn bytes in a dated side file (durably, before the log is cut)."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"torn-{stamp}-at-{offset}.bin"
        _atomic_create(self.directory, name, torn)
        _fsync_dir(self.directory)
        return {"file": name, "offset": offset, "bytes": len(torn), "sha256": _sha256(torn)}


# ---------------------------------------------------------------------------------------------------
# Building records


def _genesis() -> dict[str, Any]:
    return {"type": "genesis", "format": FORMAT, "created_at": _now(), "engine_version": __version__}


def _run_record(
    ruleset: Ruleset,
    sheet: ScoreSheet,
    sheet_sha256: str,
    inputs: list[dict[str, str]],
    options: Mapping[str, JSONValue],
) -> dict[str, Any]:
    meta = sheet.metadata
    counts = meta.counts
    return {
        "type": "run",
        "run_id": meta.run_id,
        "created_at": _now(),
        "engine_version": meta.engine_version,
        "python_version": platform.python_version(),
        "polars_version": _polars_version(),
        "options": dict(options),
        "sheet_created_at": meta.created_at,
        "ruleset": {"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256},
        "inputs": inputs,
        "sheet_sha256": sheet_sha256,
        "counts": {
            "read": counts.read,
            "scored": counts.scored,
            "ineligible": counts.ineligible,
            "rejected": counts.rejected,
        },
    }


def _checkpoint(head_seq: int, head: str, size: int, key: Ed25519PrivateKey) -> dict[str, Any]:
    """A checkpoint after ``head``; its signature covers every field but itself and the hash."""
    record: dict[str, Any] = {
        "type": "checkpoint",
        "seq": head_seq + 1,
        "prev": head,
        "created_at": _now(),
        "head_seq": head_seq,
        "size": size,
        "key_id": key_id(key.public_key()),
    }
    record["signature"] = key.sign(_signed_message(record)).hex()
    return record


def _recovery(removed: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "recovery",
        "created_at": _now(),
        "engine_version": __version__,
        "reason": "torn last line: an append was interrupted; its bytes were moved to the side file",
        "removed": dict(removed),
    }


def _input_bytes(batch: Batch, supplied: Iterable[InputBytes]) -> list[tuple[str, str, bytes]]:
    """(name, digest, bytes) of every input the batch read, checked against the digest it was read with."""
    given = {item.name: item.data for item in supplied}
    named = []
    for summary in batch.files:
        data = given.get(summary.source)
        if data is None:
            try:
                data = Path(summary.source).read_bytes()
            except OSError as error:
                raise AuditError(
                    f"cannot read input {summary.source} again to store it: {error.strerror or error} "
                    "(standard input and in-memory inputs must be passed as InputBytes)",
                    path=summary.source,
                ) from error
        if _sha256(data) != summary.sha256:
            raise AuditError(
                f"input {summary.source} is not the bytes that were scored (it changed while the run "
                "was scored, or the batch was not read by read_bids): nothing was recorded",
                path=summary.source,
            )
        named.append((summary.source, summary.sha256, data))
    return named


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


# ---------------------------------------------------------------------------------------------------
# Comparing sheets


def first_difference(recorded: Mapping[str, Any], replayed: Mapping[str, Any]) -> str:
    """The first row and field where two JSON sheets differ, in plain words (rows, then the rest)."""
    for section in ("rows", "breakdown", "rejections"):
        old, new = recorded.get(section, []), replayed.get(section, [])
        for index, (a, b) in enumerate(zip(old, new, strict=False)):
            if a != b:
                where, x, y = _first_field(a, b)
                return f"{section[:-1]} {index + 1} ({_who(a)}) {where}: recorded {x}, replayed {y}"
        if len(old) != len(new):
            return f"{section}: recorded {len(old)}, replayed {len(new)}"
    where, x, y = _first_field(recorded.get("metadata"), replayed.get("metadata"))
    if where:
        return f"every score identical, but metadata {where}: recorded {x}, replayed {y}"
    return "the bytes differ but the content is the same (formatting only)"


def _first_field(a: Any, b: Any, path: str = "") -> tuple[str, str, str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if a.get(key, _ABSENT) != b.get(key, _ABSENT):
                return _first_field(
                    a.get(key, _ABSENT), b.get(key, _ABSENT), f"{path}.{key}" if path else key
                )
    if a == b:
        return "", "", ""
    return path or "(value)", _shown(a), _shown(b)


_ABSENT = object()


def _shown(value: Any) -> str:
    return "(absent)" if value is _ABSENT else json.dumps(value, ensure_ascii=False)


def _who(row: Mapping[str, Any]) -> str:
    parts = [f"{k} {row[k]}" for k in ("tender_id", "bid_id", "criterion", "source", "line") if row.get(k)]
    return ", ".join(parts) or "no id"


@dataclass(frozen=True, slots=True)
class CriterionChange:
    """One criterion's points for one bid in both sheets, and why they changed."""

    criterion: str
    before: str | None
    after: str | None
    why: str


@dataclass(frozen=True, slots=True)
class BidChange:
    """A bid whose rank, total or eligibility changed, with its per-criterion changes."""

    tender_id: str
    bid_id: str
    rank: tuple[int | None, int | None]
    total: tuple[str | None, str | None]
    criteria: tuple[CriterionChange, ...]
    note: str = ""


@dataclass(slots=True)
class SheetDiff:
    """What changed between two sheets: the cause (ruleset, inputs, engine) and every changed bid."""

    cause: str
    ruleset_changed: bool
    input_changed: bool
    engine_changed: bool
    changes: list[BidChange]
    added: list[tuple[str, str]]
    removed: list[tuple[str, str]]
    inputs: list[str] = field(default_factory=list)
    labels: tuple[str, str] = ("A", "B")
    rules: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """Whether no bid changed rank, points or eligibility and none was added or removed."""
        return not (self.changes or self.added or self.removed)


def load_sheet(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A JSON score sheet (as ``score --out x.json`` writes it), for :func:`diff_sheets`."""
    try:
        data: dict[str, Any] = json.loads(Path(path).read_bytes())
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}", path=str(path)) from error
    except ValueError as error:
        raise UsageError(f"{path} is not a JSON score sheet: {error}", path=str(path)) from error
    if not isinstance(data, dict) or not {"metadata", "rows"} <= set(data):
        raise UsageError(f"{path} is not a JSON score sheet (write one with --out NAME.json)", path=str(path))
    return data


def diff_sheets(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    rulesets: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None,
) -> SheetDiff:
    """Which bids changed rank or points between sheets ``a`` and ``b``, per criterion, and why.

    ``rulesets`` (the two rulesets as parsed canonical JSON, which an audit log keeps) lets the reasons
    name exactly what changed in a criterion (``weight 40 → 45``); a sheet alone only shows its effect.
    """
    rules = _rule_changes(*rulesets) if rulesets else {}
    meta_a, meta_b = a["metadata"], b["metadata"]
    ruleset_changed = meta_a["ruleset"]["sha256"] != meta_b["ruleset"]["sha256"]
    input_changed = meta_a["input_sha256"] != meta_b["input_sha256"]
    engine_changed = meta_a["engine_version"] != meta_b["engine_version"]
    rows_a, rows_b = _by_bid(a["rows"]), _by_bid(b["rows"])
    details_a, details_b = _breakdown(a), _breakdown(b)
    changes = []
    for key in (k for k in rows_a if k in rows_b):
        change = _bid_change(rows_a[key], rows_b[key], details_a, details_b, ruleset_changed, rules)
        if change is not None:
            changes.append(change)
    return SheetDiff(
        cause=_cause(meta_a, meta_b, ruleset_changed, input_changed, engine_changed),
        ruleset_changed=ruleset_changed,
        input_changed=input_changed,
        engine_changed=engine_changed,
        changes=changes,
        added=[k for k in rows_b if k not in rows_a],
        removed=[k for k in rows_a if k not in rows_b],
        rules=[f"{name}: {change}" for name, change in rules.items()],
    )


_RULE_KEYS = ("weight", "group", "field", "method", "evidence")
_RULESET_KEYS = ("precision", "rounding", "gates", "ranking")


def _rule_changes(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, str]:
    """What changed between two rulesets: per criterion id (weight, method, …) and in the whole set."""
    old = {c["id"]: c for c in a.get("criteria", [])}
    new = {c["id"]: c for c in b.get("criteria", [])}
    changes = {}
    for name in [*old, *(n for n in new if n not in old)]:
        if name not in old or name not in new:
            changes[name] = "added" if name not in old else "removed"
            continue
        parts = [_change(key, old[name].get(key), new[name].get(key)) for key in _RULE_KEYS]
        if any(parts):
            changes[name] = ", ".join(p for p in parts if p)
    for key in _RULESET_KEYS:
        change = _change(key, a.get(key), b.get(key))
        if change:
            changes[f"(ruleset {key})"] = change
    return changes


def _change(key: str, before: Any, after: Any) -> str:
    if before == after:
        return ""
    shown = [json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in (before, after)]
    return f"{key} {shown[0]} → {shown[1]}"


def _by_bid(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(row["tender_id"], row["bid_id"]): row for row in rows}


def _breakdown(sheet: Mapping[str, Any]) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    return {(r["tender_id"], r["bid_id"], r["criterion"]): r for r in sheet.get("breakdown", [])}


def _cause(a: Mapping[str, Any], b: Mapping[str, Any], ruleset: bool, inputs: bool, engine: bool) -> str:
    """Why the sheets may differ, from their metadata: the ruleset, the inputs, the engine, or nothing."""
    parts = []
    if ruleset:
        ra, rb = a["ruleset"], b["ruleset"]
        parts.append(
            f"ruleset changed: {ra['id']} {ra['version']} ({ra['sha256'][:12]}) → "
            f"{rb['id']} {rb['version']} ({rb['sha256'][:12]})"
        )
    if inputs:
        parts.append(f"inputs changed: {a['input_sha256'][:12]} → {b['input_sha256'][:12]}")
    if engine:
        parts.append(f"engine changed: {a['engine_version']} → {b['engine_version']}")
    return "; ".join(parts) or "same ruleset, inputs and engine"


def _bid_change(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    details_a: Mapping[tuple[str, str, str], Mapping[str, Any]],
    details_b: Mapping[tuple[str, str, str], Mapping[str, Any]],
    ruleset_changed: bool,
    rules: Mapping[str, str],
) -> BidChange | None:
    points_a, points_b = a.get("points", {}), b.get("points", {})
    criteria = []
    for criterion in [*points_a, *(c for c in points_b if c not in points_a)]:
        before, after = points_a.get(criterion), points_b.get(criterion)
        if before != after:
            key = (a["tender_id"], a["bid_id"], criterion)
            why = _why(details_a.get(key), details_b.get(key), ruleset_changed, rules.get(criterion))
            criteria.append(CriterionChange(criterion, before, after, why))
    note = ""
    if a.get("eligible") != b.get("eligible"):
        note = (
            "became eligible"
            if b.get("eligible")
            else f"became ineligible: {'; '.join(b.get('reasons', []))}"
        )
    elif not criteria and a.get("rank") != b.get("rank"):
        note = "same points; other bids in the tender changed"
    if not criteria and not note and a.get("total") == b.get("total"):
        return None
    return BidChange(
        a["tender_id"], a["bid_id"], (a.get("rank"), b.get("rank")), (a.get("total"), b.get("total")),
        tuple(criteria), note,
    )  # fmt: skip


def _why(
    a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, ruleset_changed: bool, rule: str | None
) -> str:
    """Why one criterion's points changed, from the two breakdown rows: input, evidence, or ruleset."""
    if a is None or b is None:
        return "criterion added by the ruleset" if a is None else "criterion removed by the ruleset"
    if a.get("input") != b.get("input"):
        return f"input changed: {a.get('input')} → {b.get('input')}"
    if a.get("evidence") != b.get("evidence"):
        return f"evidence changed: {a.get('evidence')} → {b.get('evidence')}"
    if rule:
        return f"ruleset: {rule}"
    if ruleset_changed and a.get("factor") != b.get("factor"):
        return f"ruleset: evidence factor {a.get('factor')} → {b.get('factor')}"
    if a.get("fraction") != b.get("fraction"):
        if ruleset_changed:
            return f"ruleset: same input, fraction {a.get('fraction')} → {b.get('fraction')} (method changed)"
        return (
            f"other bids changed (fraction {a.get('fraction')} → {b.get('fraction')}, e.g. the lowest price)"
        )
    if ruleset_changed:
        return "ruleset: same input and fraction, so the weight changed"
    return "same input, fraction and factor (engine change?)"


def _input_changes(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> list[str]:
    """Per input file name: added, removed, or changed bytes between two recorded runs."""
    old = {item["name"]: item["sha256"] for item in a}
    new = {item["name"]: item["sha256"] for item in b}
    lines = [f"{name}: changed" for name in old if name in new and old[name] != new[name]]
    gone, came = [n for n in old if n not in new], [n for n in new if n not in old]
    if len(gone) == len(came) == 1:  # one file replaced by another: the common re-tender case
        same = "same bytes" if old[gone[0]] == new[came[0]] else "changed"
        return [*lines, f"{gone[0]} → {came[0]}: {same}"]
    return [*lines, *(f"{name}: removed" for name in gone), *(f"{name}: added" for name in came)]


def format_diff(result: SheetDiff) -> str:
    """The diff as text for people: the cause first, then each changed bid with its criteria."""
    lines = [f"{result.labels[0]} → {result.labels[1]}", f"why: {result.cause}"]
    lines += [f"  input {line}" for line in result.inputs]
    lines += [f"  rule {line}" for line in result.rules]
    lines += _overview(result)
    tender = None
    for change in result.changes:
        if change.tender_id != tender:
            tender = change.tender_id
            lines.append(f"tender {tender}")
        lines.append(f"  {change.bid_id}: {_pair('rank', change.rank)}, {_pair('total', change.total)}")
        lines += [f"    {c.criterion} {c.before} → {c.after}: {c.why}" for c in change.criteria]
        if change.note:
            lines.append(f"    {change.note}")
    lines += [f"added: tender {t} bid {b}" for t, b in result.added]
    lines += [f"removed: tender {t} bid {b}" for t, b in result.removed]
    return "\n".join(lines)


def _overview(result: SheetDiff) -> list[str]:
    """What an officer reads first: how many bids changed, and every change of rank."""
    if result.same:
        return ["no bid changed rank, points or eligibility"]
    moved = [c for c in result.changes if c.rank[0] != c.rank[1]]
    lines = [f"{len(result.changes)} bid(s) changed, {len(moved)} of them in rank" + (":" if moved else "")]
    lines += [f"  {c.tender_id} {c.bid_id}: {_pair('rank', c.rank)}" for c in moved]
    return lines


def _pair(label: str, values: tuple[Any, Any]) -> str:
    before, after = ("–" if v is None else v for v in values)
    return f"{label} {before}" if before == after else f"{label} {before} → {after}"
