"""Building the records an append writes: genesis, run, checkpoint and recovery."""

from __future__ import annotations

import platform
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from supplierscore import __version__
from supplierscore.audit._keys import _signed_message, key_id
from supplierscore.audit._records import FORMAT, JSONValue, _now, _sha256
from supplierscore.errors import AuditError
from supplierscore.inputs import Batch, InputBytes
from supplierscore.ruleset import Ruleset
from supplierscore.sheet import ScoreSheet

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


def _polars_version() -> str | None:
    """Read from package metadata: importing polars only to learn its version would cost a second."""
    try:
        return version("polars")
    except PackageNotFoundError:
        return None
