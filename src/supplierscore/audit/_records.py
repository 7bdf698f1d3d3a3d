"""The record format: canonical JSON, record hashes, and parsing and checking one log line."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

from supplierscore.limits import clip, parse_integer

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
        record = json.loads(text, parse_int=parse_integer)
    except json.JSONDecodeError as error:
        raise _Bad(f"is not valid JSON (column {error.colno}: {error.msg})") from None
    except RecursionError:
        raise _Bad("is nested too deeply to be a record") from None
    if not isinstance(record, dict):
        raise _Bad("is not a JSON object")
    try:
        canonical_form = canonical(record)
    except rfc8785.CanonicalizationError as error:
        raise _Bad(f"holds a value RFC 8785 cannot represent ({clip(str(error))})") from None
    except RecursionError:
        raise _Bad("is nested too deeply to be a record") from None
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
# Splitting a log into lines


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
