"""Scoring a batch of any size in constant memory: read in chunks, score, merge, write piece by piece.

A tender is one NDJSON line, so reading ``chunk_lines`` lines at a time never splits one
(:func:`supplierscore.bids.iter_batches`). Each chunk's tenders are scored and stored, sorted by tender id,
in a run file of their own; the run files are then merged (a k-way merge, like an external sort) into
the sheet's order and written by a :class:`~supplierscore.sheet.SheetWriter`. The result is the sheet
:func:`supplierscore.score` would give for the whole batch at once, whatever the chunk size: the JSON
and CSV bytes are identical, Parquet holds the same rows.

Example:
    >>> from supplierscore import default_ruleset_path, load_ruleset
    >>> ruleset = load_ruleset(default_ruleset_path())
    >>> outcome = score_stream(["examples/tenders.ndjson"], ruleset, "sheet.parquet")  # doctest: +SKIP
"""

from __future__ import annotations

import heapq
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from supplierscore import ruleset as rs
from supplierscore.bids import Batch, FileSummary, InputBytes, add_shares, iter_batches
from supplierscore.engine import metadata_for, score_tender
from supplierscore.sheet import BreakdownRow, Counts, Metadata, Row, SheetWriter

DEFAULT_CHUNK_LINES = 1000
"""Lines (tenders) read and scored at a time: about 30,000 bids, a few hundred MiB at most."""


@dataclass(frozen=True, slots=True)
class StreamOutcome:
    """What a streamed run wrote, and its metadata (counts included)."""

    metadata: Metadata
    files: list[FileSummary]
    written: list[Path]


_Result = tuple[str, list[Row], list[BreakdownRow]]


def score_stream(
    inputs: Iterable[str | os.PathLike[str] | InputBytes],
    ruleset: rs.Ruleset,
    out: str | os.PathLike[str],
    *,
    chunk_lines: int = DEFAULT_CHUNK_LINES,
    created_at: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> StreamOutcome:
    """Read, validate, score and rank ``inputs`` in chunks of ``chunk_lines`` lines, writing the sheet to
    ``out`` (``.json``, ``.csv`` or ``.parquet``) without holding the batch in memory.

    ``progress``, when given, is called with the number of bids read after each chunk.
    """
    target = Path(out)
    groups = tuple(ruleset.groups)
    criteria = tuple(c.id for c in ruleset.criteria)
    with tempfile.TemporaryDirectory(prefix="supplierscore-") as folder:
        workdir = Path(folder)
        writer = SheetWriter(target, criteria, groups, ruleset.precision, workdir)
        runs: list[Path] = []
        files: dict[str, FileSummary] = {}
        totals = Counts(0, 0, 0, 0)
        for chunk in iter_batches(inputs, chunk_lines=chunk_lines):
            results = [(t.id, *score_tender(t, ruleset)) for t in sorted(chunk.tenders, key=lambda t: t.id)]
            if results:
                runs.append(_save_run(workdir / f"run-{len(runs):06d}.pickle", results))
            writer.add_rejections(chunk.rejections)
            totals = _add_counts(totals, chunk, results)
            add_shares(files, chunk.files)
            if progress is not None:
                progress(chunk.read)
        for _, rows, breakdown in heapq.merge(*(_load_run(run) for run in runs), key=lambda r: r[0]):
            writer.add(rows, breakdown)
        metadata = metadata_for(ruleset, list(files.values()), totals, created_at)
        written = writer.close(metadata)
    return StreamOutcome(metadata, list(files.values()), written)


def _save_run(path: Path, results: list[_Result]) -> Path:
    """A run file: one pickle per tender, in tender id order (pickle keeps Decimals exact, and fast)."""
    with path.open("wb") as out:
        for result in results:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _load_run(path: Path) -> Iterator[_Result]:
    """Read back a run file written by this process a moment ago (never a file from elsewhere)."""
    with path.open("rb") as source:
        while item := _next(source):
            yield item


def _next(source: IO[bytes]) -> Any:
    try:
        return pickle.load(source)
    except EOFError:
        return None


def _add_counts(totals: Counts, chunk: Batch, results: list[_Result]) -> Counts:
    scored = sum(1 for _, rows, _ in results for row in rows if row.eligible)
    ineligible = sum(1 for _, rows, _ in results for row in rows if not row.eligible)
    return Counts(
        totals.read + chunk.read,
        totals.scored + scored,
        totals.ineligible + ineligible,
        totals.rejected + chunk.rejected,
    )
