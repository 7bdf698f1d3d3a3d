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

from typing import TYPE_CHECKING

from supplierscore import _lazy

if TYPE_CHECKING:
    from supplierscore.audit._compare import RulesetComparison, compare_rulesets, format_comparison

    # The ``X as X`` imports keep names importable from here as before without adding them to __all__:
    # the log's constants, and _signed_message, which the tests use.
    from supplierscore.audit._diff import (
        BidChange,
        CriterionChange,
        SheetDiff,
        diff_sheets,
        first_difference,
        format_diff,
    )
    from supplierscore.audit._keys import KeyFiles, key_id, keygen, load_public_key, load_signing_key
    from supplierscore.audit._keys import _signed_message as _signed_message
    from supplierscore.audit._log import Appended, AuditLog, Recovery, Replay
    from supplierscore.audit._records import FORMAT, Record, canonical, record_hash
    from supplierscore.audit._records import LOG_NAME as LOG_NAME
    from supplierscore.audit._records import MIN_RUN_ID_PREFIX as MIN_RUN_ID_PREFIX
    from supplierscore.audit._records import OBJECTS_NAME as OBJECTS_NAME
    from supplierscore.audit._records import SIGNATURE_CONTEXT as SIGNATURE_CONTEXT
    from supplierscore.audit._records import ZERO_HASH as ZERO_HASH
    from supplierscore.audit._records import JSONValue as JSONValue
    from supplierscore.audit._verify import Fault, Verification

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
    "RulesetComparison",
    "SheetDiff",
    "Verification",
    "canonical",
    "compare_rulesets",
    "diff_sheets",
    "first_difference",
    "format_comparison",
    "format_diff",
    "key_id",
    "keygen",
    "load_public_key",
    "load_signing_key",
    "record_hash",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = _lazy(
        __name__,
        {
            "supplierscore.audit._compare": (
                "RulesetComparison",
                "compare_rulesets",
                "format_comparison",
            ),
            "supplierscore.audit._diff": (
                "BidChange",
                "CriterionChange",
                "SheetDiff",
                "diff_sheets",
                "first_difference",
                "format_diff",
            ),
            "supplierscore.audit._keys": (
                "KeyFiles",
                "key_id",
                "keygen",
                "load_public_key",
                "load_signing_key",
                "_signed_message",
            ),
            "supplierscore.audit._log": (
                "Appended",
                "AuditLog",
                "Recovery",
                "Replay",
            ),
            "supplierscore.audit._records": (
                "FORMAT",
                "Record",
                "canonical",
                "record_hash",
                "LOG_NAME",
                "MIN_RUN_ID_PREFIX",
                "OBJECTS_NAME",
                "SIGNATURE_CONTEXT",
                "ZERO_HASH",
                "JSONValue",
            ),
            "supplierscore.audit._verify": (
                "Fault",
                "Verification",
            ),
        },
    )
