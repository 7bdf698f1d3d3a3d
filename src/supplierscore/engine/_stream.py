"""Scoring a batch of any size in constant memory: read in chunks, score, merge, write piece by piece.

A tender is one NDJSON line, so reading ``chunk_lines`` lines at a time never splits one
(:func:`supplierscore.inputs.plan_reading` finds where chunks start, and the tender ids used twice, in one
fast pass). Chunks are read, validated and scored in parallel, one process per core. For a Parquet sheet
each worker writes its chunk's rows and breakdown, sorted by tender id, as Parquet parts, which are joined
in order at the end (sorted again only if chunks interleave tender ids). For JSON and CSV each chunk's
tenders are stored in a run file of their own, and the run files are merged (a k-way merge, as in an
external sort) into the sheet's order and written by a :class:`~supplierscore.sheet.SheetWriter`.
The result is the sheet :func:`supplierscore.score` gives for the whole batch at once, whatever the
chunk size: the JSON and CSV bytes are identical, and Parquet holds the same rows.

Example:
    >>> from supplierscore import default_ruleset_path, load_ruleset
    >>> ruleset = load_ruleset(default_ruleset_path())
    >>> outcome = score_stream(["examples/tenders.ndjson"], ruleset, "sheet.parquet")  # doctest: +SKIP
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from supplierscore import ruleset as rs
from supplierscore.engine import DEFAULT_CHUNK_LINES  # defined there: `score --help` shows it
from supplierscore.engine._participation import participation_keys
from supplierscore.engine._run import metadata_for
from supplierscore.engine._tender import score_tender
from supplierscore.errors import OutputError
from supplierscore.inputs import (
    Chunk,
    FileSummary,
    InputBytes,
    Rejection,
    add_shares,
    paused_gc,
    plan_reading,
    read_chunk,
)
from supplierscore.sheet import (
    STREAMABLE,
    WRITE_ERRORS,
    Breakdown,
    BreakdownRow,
    Counts,
    Metadata,
    Row,
    SheetWriter,
    check_output,
    sheet_shape,
    write_parquet_piece,
)


@dataclass(frozen=True, slots=True)
class StreamOutcome:
    """What a streamed run wrote, and its metadata (counts included)."""

    metadata: Metadata
    files: list[FileSummary]
    written: list[Path]
    warnings: list[str]


_Result = tuple[str, list[Row], Sequence[BreakdownRow]]


def score_stream(
    inputs: Iterable[str | os.PathLike[str] | InputBytes],
    ruleset: rs.Ruleset,
    out: str | os.PathLike[str],
    *,
    chunk_lines: int = DEFAULT_CHUNK_LINES,
    workers: int | None = None,
    created_at: str | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> StreamOutcome:
    """Read, validate, score and rank ``inputs`` in chunks of ``chunk_lines`` lines, writing the sheet to
    ``out`` (``.json``, ``.csv`` or ``.parquet``) without holding the batch in memory.

    Chunks are read and scored by ``workers`` processes (default: one per core, at most
    :data:`MAX_WORKERS`); merging and writing stay in this one. For a Parquet sheet each worker writes its
    chunk's tables as Parquet parts itself, and this process only joins them (sorting by tender id only
    when the chunks' tender ids interleave). ``progress``, when given, is called after each chunk with the
    chunks done, the chunks in all, and the bids that chunk held.

    Workers come from a fork server, not forked from this process (much as on macOS and Windows, and on
    Linux from Python 3.14), so a script that calls this with more than one worker must do so under
    ``if __name__ == "__main__":``, the usual rule for :mod:`multiprocessing`; the command line does.
    """
    inputs = list(inputs)
    target = check_output(out, STREAMABLE, inputs, action="stream")
    groups = tuple(ruleset.groups)
    criteria = tuple(c.id for c in ruleset.criteria)
    try:
        with tempfile.TemporaryDirectory(prefix="supplierscore-") as folder:
            workdir = Path(folder)
            writer = SheetWriter(
                target,
                criteria,
                groups,
                ruleset.precision,
                workdir,
                participation=participation_keys(ruleset),
            )
            plan = plan_reading(inputs, chunk_lines=chunk_lines, spill=workdir)
            pieces = target.suffix.lower() == ".parquet"  # workers write Parquet parts themselves
            tasks = [
                (number, chunk, plan.duplicates, workdir, pieces) for number, chunk in enumerate(plan.chunks)
            ]
            runs: list[Path] = []
            last_tender = ""
            files: dict[str, FileSummary] = {}
            totals = Counts(0, 0, 0, 0)
            warnings: list[str] = []
            for number, done in enumerate(_run(tasks, ruleset, _worker_count(workers, len(tasks))), start=1):
                if done.parts:
                    writer.sort_parquet |= done.tenders[0] <= last_tender
                    last_tender = max(last_tender, done.tenders[1])
                    for title, part in done.parts.items():
                        writer.add_parquet_part(title, part)
                if done.run is not None:
                    runs.append(done.run)
                if len(runs) >= MAX_RUNS:
                    runs = [_merge_runs(runs, workdir / f"merged-{number:06d}.pickle")]
                writer.add_rejections(done.rejections)
                totals = _add(totals, done.counts)
                add_shares(files, done.files)
                warnings += done.warnings
                if progress is not None:
                    progress(number, len(tasks), done.counts.read)
            for _, rows, breakdown in heapq.merge(*(_load_run(run) for run in runs), key=lambda r: r[0]):
                writer.add(rows, breakdown)
            metadata = metadata_for(ruleset, list(files.values()), totals, created_at)
            written = writer.close(metadata)
    except WRITE_ERRORS as error:  # the temporary folder's disk is full, say
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise OutputError(
            f"cannot write {target}: its temporary files in {tempfile.gettempdir()}: {reason}",
            path=str(target),
        ) from error
    return StreamOutcome(metadata, list(files.values()), written, warnings)


MAX_WORKERS = 8

MAX_RUNS = 64
"""Run files kept apart at most; more are merged into one, so the temporary files (and the files open at
the final merge) stay few however many chunks a batch has."""


def _worker_count(asked: int | None, tasks: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(asked or min(cores, MAX_WORKERS), tasks))


@dataclass(frozen=True, slots=True)
class _ChunkDone:
    """What scoring one chunk left: its run file (None when it held no tender) or its Parquet parts with
    its first and last tender ids, its rejections and counts."""

    run: Path | None
    rejections: list[Rejection]
    counts: Counts
    files: list[FileSummary]
    warnings: list[str]
    parts: dict[str, Path]
    tenders: tuple[str, str]


_Task = tuple[int, Chunk, frozenset[str], Path, bool]
_WORKER_RULESET: list[rs.Ruleset] = []


def _run(tasks: list[_Task], ruleset: rs.Ruleset, workers: int) -> Iterator[_ChunkDone]:
    """Score the chunks, in order, here or in a pool of processes (each loads the ruleset once, from its
    canonical form, which gives the same digest)."""
    if workers == 1:
        for task in tasks:
            yield _score_chunk(task, ruleset)
        return
    with ProcessPoolExecutor(
        workers,
        mp_context=_worker_context(),
        initializer=_load_ruleset,
        initargs=(ruleset.canonical_json,),
    ) as pool:
        pending: deque[Future[_ChunkDone]] = deque()
        for task in tasks:  # a few chunks ahead at most, so that few run files wait to be merged
            pending.append(pool.submit(_score_in_worker, task))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers come from a fork server, not forked from this process: polars runs a thread pool, and a
    process forked from one that has used it can deadlock inside polars (workers write Parquet parts).
    The server starts once per process, with the engine imported, so each pool starts fast."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["supplierscore.engine"])
    return context


def _load_ruleset(canonical: bytes) -> None:
    _WORKER_RULESET.append(rs.ruleset_from_canonical(canonical))


def _score_in_worker(task: _Task) -> _ChunkDone:
    return _score_chunk(task, _WORKER_RULESET[0])


def _score_chunk(task: _Task, ruleset: rs.Ruleset) -> _ChunkDone:
    number, chunk, duplicates, workdir, pieces = task
    with paused_gc():
        batch = read_chunk(chunk, duplicates)
        results = [(t.id, *score_tender(t, ruleset)) for t in sorted(batch.tenders, key=lambda t: t.id)]
        scored = sum(1 for _, rows, _ in results for row in rows if row.eligible)
        ineligible = sum(len(rows) for _, rows, _ in results) - scored
        counts = Counts(batch.read, scored, ineligible, batch.rejected)
        run, parts, tenders = None, {}, ("", "")
        if results and pieces:
            rows = [row for _, tender_rows, _ in results for row in tender_rows]
            breakdown = Breakdown()
            for _, _, tender_breakdown in results:
                breakdown.extend(tender_breakdown)
            shape = sheet_shape(
                tuple(c.id for c in ruleset.criteria),
                tuple(ruleset.groups),
                ruleset.precision,
                participation_keys(ruleset),
            )
            parts = write_parquet_piece(rows, breakdown, shape, workdir, f"{number:06d}")
            tenders = (results[0][0], results[-1][0])
        elif results:
            run = _save_run(workdir / f"run-{number:06d}.pickle", results)
    return _ChunkDone(run, batch.rejections, counts, batch.files, batch.warnings, parts, tenders)


def _add(a: Counts, b: Counts) -> Counts:
    return Counts(a.read + b.read, a.scored + b.scored, a.ineligible + b.ineligible, a.rejected + b.rejected)


def _save_run(path: Path, results: Sequence[_Result]) -> Path:
    """A run file: one pickle per tender, in tender id order (pickle keeps Decimals exact, and fast)."""
    with path.open("wb") as out:
        for result in results:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _merge_runs(runs: list[Path], path: Path) -> Path:
    """Merge run files into one, in tender id order, and delete them (a pass of an external sort):
    however many chunks a batch has, at most :data:`MAX_RUNS` run files wait at once."""
    with path.open("wb") as out:
        for result in heapq.merge(*(_load_run(run) for run in runs), key=lambda r: r[0]):
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
    for run in runs:
        run.unlink()
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
