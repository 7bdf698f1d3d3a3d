"""The audit log folder (:class:`AuditLog`) and what its append, replay and recover return."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from supplierscore import __version__
from supplierscore.audit._build import _checkpoint, _genesis, _input_bytes, _recovery, _run_record
from supplierscore.audit._diff import SheetDiff, _input_changes, diff_sheets, first_difference
from supplierscore.audit._files import (
    _atomic_create,
    _fsync_dir,
    _last_line_start,
    _locked,
    _needs_seal,
    _os_error,
    _read_from,
    _recorded_side_files,
    _side_files,
    _side_offset,
    _write_all,
)
from supplierscore.audit._objects import ObjectProblem, object_sha256, read_object_file
from supplierscore.audit._records import (
    _HEX64,
    _TMP_PREFIX,
    LOG_NAME,
    MIN_RUN_ID_PREFIX,
    OBJECTS_NAME,
    ZERO_HASH,
    JSONValue,
    Record,
    _Bad,
    _check_shape,
    _parse_line,
    _seal,
    _sha256,
    _split_lines,
    _Torn,
)
from supplierscore.audit._verify import Fault, Verification, _file_sha256, _tail_fault, _Walk
from supplierscore.engine import score
from supplierscore.errors import AuditError, RulesetError, UsageError
from supplierscore.inputs import Batch, InputBytes, read_bids
from supplierscore.ruleset import Ruleset, ruleset_from_canonical
from supplierscore.sheet import ScoreSheet, parse_sheet

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
        """Every record in order, each checked against its own hash and for the form its type has, as
        :meth:`verify` checks them (which also checks the chain, the objects and the signatures)."""
        for line in _split_lines(self.read_bytes()):
            if not line.complete:
                raise AuditError(f"{self.log_path}: line {line.number} is torn: run `supplierscore verify`")
            try:
                record = _parse_line(line.raw)
                _check_shape(record)
                yield Record(line.number, line.offset, record)
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
        """An object's bytes, checked against its digest (an altered object is never used); only a regular
        file under ``objects/``, of bounded size, is read."""
        path = self.objects_path / digest if _HEX64.match(digest) else self.objects_path
        try:
            data = read_object_file(self.objects_path, digest)
        except ObjectProblem as error:
            raise AuditError(f"object {path} {error}", object=digest) from None
        if _sha256(data) != digest:
            raise AuditError(f"object {path} does not match its digest: it was altered", object=digest)
        return data

    def object_problem(self, digest: str) -> str | None:
        """None when the object exists and matches its digest, else what is wrong with it."""
        try:
            actual = object_sha256(self.objects_path, digest)
        except ObjectProblem as error:
            return str(error)
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
        ruleset = self._ruleset(fields["ruleset"]["sha256"])
        inputs = [InputBytes(item["name"], self.read_object(item["sha256"])) for item in fields["inputs"]]
        sheet = score(read_bids(inputs), ruleset, created_at=fields["sheet_created_at"])
        replayed = sheet.to_json_bytes()
        recorded_digest = fields["sheet_sha256"]
        difference = None
        if _sha256(replayed) != recorded_digest:
            recorded = self._sheet_object(recorded_digest)
            difference = first_difference(recorded, json.loads(replayed))
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
        sheets = [self._sheet_object(r.fields["sheet_sha256"]) for r in (a, b)]
        rules = [json.loads(self._ruleset(r.fields["ruleset"]["sha256"]).canonical_json) for r in (a, b)]
        result = diff_sheets(sheets[0], sheets[1], rulesets=(rules[0], rules[1]))
        result.inputs = _input_changes(a.fields["inputs"], b.fields["inputs"])
        result.labels = (f"seq {a.seq} (run {a.run_id})", f"seq {b.seq} (run {b.run_id})")
        return result

    def _ruleset(self, digest: str) -> Ruleset:
        """A stored ruleset, loaded and checked from its canonical form."""
        try:
            return ruleset_from_canonical(self.read_object(digest))
        except RulesetError as error:
            raise AuditError(f"object {digest}: {error}", object=digest) from None

    def _sheet_object(self, digest: str) -> dict[str, Any]:
        """A stored score sheet, checked as any sheet read back is (its digest only says it is unchanged)."""
        try:
            return parse_sheet(self.read_object(digest), f"object {digest}")
        except UsageError as error:
            raise AuditError(error.message, object=digest) from None

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
