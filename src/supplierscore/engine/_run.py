"""A whole run: every tender of a batch scored, and the sheet's metadata (run id, digests, counts)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from supplierscore import __version__
from supplierscore import ruleset as rs
from supplierscore.engine._participation import participation_keys
from supplierscore.engine._tender import score_tender
from supplierscore.errors import UsageError
from supplierscore.inputs import Batch, FileSummary, Rejection, Tender, paused_gc, read_documents
from supplierscore.sheet import Breakdown, Counts, Metadata, Row, ScoreSheet

# ---------------------------------------------------------------------------------------------------
# A run


def score(
    batch: Batch | Iterable[Tender] | Iterable[Mapping[str, Any]] | Mapping[str, Any],
    ruleset: rs.Ruleset,
    *,
    input_sha256: str | None = None,
    progress: Callable[[int], None] | None = None,
    created_at: str | None = None,
) -> ScoreSheet:
    """Score every valid bid in ``batch`` under ``ruleset`` and rank them within each tender.

    ``batch`` is what :func:`supplierscore.read_bids` returns (its rejections and counts go into the
    sheet), tender documents (a list of dicts, or one dict, validated by
    :func:`~supplierscore.inputs.read_documents` first), or any iterable of
    :class:`~supplierscore.inputs.Tender`. ``ruleset`` is a :class:`~supplierscore.ruleset.Ruleset` from
    :func:`~supplierscore.ruleset.load_ruleset`. Anything else raises
    :class:`~supplierscore.errors.UsageError` saying what was expected. ``input_sha256`` overrides the input
    digest (by default, derived from the input files' digests, in any order). ``progress``, when given,
    is called with the number of bids of each tender once it is scored. ``created_at`` is recorded as
    given: a sheet holds no wall-clock time of its own, so that a run can be replayed byte for byte
    (the CLI passes ``SOURCE_DATE_EPOCH`` when it is set, see :func:`source_date`).
    """
    batch = _as_batch(batch)
    _check_ruleset(ruleset)
    tenders = list(batch.tenders if isinstance(batch, Batch) else batch)
    rejections: list[Rejection] = list(batch.rejections) if isinstance(batch, Batch) else []
    rows: list[Row] = []
    breakdown = Breakdown()
    with paused_gc():
        for tender in sorted(tenders, key=lambda t: t.id):
            tender_rows, tender_breakdown = score_tender(tender, ruleset)
            rows += tender_rows
            breakdown.extend(tender_breakdown)
            if progress is not None:
                progress(len(tender.bids))
    scored = sum(1 for row in rows if row.eligible)
    rejected = batch.rejected if isinstance(batch, Batch) else 0
    counts = Counts(len(rows) + rejected, scored, len(rows) - scored, rejected)
    files = batch.files if isinstance(batch, Batch) else []
    return ScoreSheet(
        metadata=metadata_for(ruleset, files, counts, created_at, input_sha256=input_sha256, tenders=tenders),
        criteria=tuple(c.id for c in ruleset.criteria),
        groups=tuple(ruleset.groups),
        rows=rows,
        breakdown=breakdown,
        rejections=rejections,
        participation=participation_keys(ruleset),
        labels=labels_for(ruleset),
    )


def labels_for(ruleset: rs.Ruleset, language: str = "en") -> dict[str, str]:
    """Every criterion and group id → its label in ``language`` (the id itself when it has none)."""
    names = [c.id for c in ruleset.criteria] + list(ruleset.groups)
    return {name: ruleset.label(name, language) for name in names}


def _as_batch(given: object) -> Batch | list[Tender]:
    """A Batch, a list of Tenders, or tender documents read into a Batch; UsageError for anything else."""
    if isinstance(given, Batch):
        return given
    if isinstance(given, Mapping):
        return read_documents([given])
    if isinstance(given, Iterable) and not isinstance(given, str | bytes | os.PathLike):
        items = list(given)
        if all(isinstance(item, Tender) for item in items):
            return cast(list[Tender], items)
        if all(isinstance(item, Mapping) for item in items):
            return read_documents(items)
        kinds = sorted({type(item).__name__ for item in items})
        raise UsageError(
            f"score() expects tender documents (dicts) or Tenders, not a mix of {', '.join(kinds)}"
        )
    hint = (
        ": to read files, use score(read_bids([path]), ruleset)"
        if isinstance(given, str | os.PathLike)
        else ""
    )
    raise UsageError(
        f"score() expects a Batch (from read_bids or read_documents), tender documents (dicts) or "
        f"Tenders as its first argument, not {type(given).__name__}{hint}"
    )


def _check_ruleset(ruleset: object) -> None:
    if isinstance(ruleset, rs.Ruleset):
        return
    hint = (
        f": load it first, score(batch, load_ruleset({os.fspath(ruleset)!r}))"
        if isinstance(ruleset, str | os.PathLike)
        else ""
    )
    raise UsageError(
        f"score() expects a Ruleset (from load_ruleset) as its second argument, not "
        f"{type(ruleset).__name__}{hint}"
    )


def metadata_for(
    ruleset: rs.Ruleset,
    files: Sequence[FileSummary],
    counts: Counts,
    created_at: str | None,
    *,
    input_sha256: str | None = None,
    tenders: Sequence[Tender] = (),
) -> Metadata:
    """A run's metadata; the run id derives from the ruleset and input digests and the engine version."""
    digest = input_sha256 or _input_digest(files, tenders)
    run = hashlib.sha256(f"{ruleset.sha256}\n{digest}\n{__version__}".encode()).hexdigest()
    return Metadata(
        run_id=run[:16],
        created_at=created_at,
        engine_version=__version__,
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        input_sha256=digest,
        counts=counts,
        precision=ruleset.precision,
        rounding=ruleset.rounding,
    )


def source_date() -> str | None:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) as a UTC time, or None when unset."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or not epoch.strip().isdigit():
        return None
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _input_digest(files: Sequence[FileSummary], tenders: Sequence[Tender]) -> str:
    """SHA-256 over the sorted digests of the input files, so the order files are named in never matters;
    for documents given in memory (no files), over the tenders' content."""
    if files and all(f.sha256 for f in files):
        parts = sorted(f.sha256 for f in files)
    else:
        parts = sorted(hashlib.sha256(repr((t.header, t.bids)).encode()).hexdigest() for t in tenders)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
