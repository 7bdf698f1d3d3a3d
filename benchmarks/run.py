"""supplierscore's performance benchmarks: issue 17's target table, every row MET, MISSED or UNKNOWN.

``python benchmarks/run.py --bids 1000000 --scaling --stream-point 10000000 --startup-before REF``
generates (or reuses) seeded batches with ``benchmarks/generate.py`` (tenders of 2–60 bids, the
examples' profile mix, about 2 % invalid bids) in ``benchmarks/out/``, measures each figure in a
process of its own, watched (wall and CPU seconds; peak RSS of the whole process tree, workers
included, sampled every 0.2 s; a run whose tree passes ``--rss-cap-gib`` is stopped and its figures
become bounds), and prints the table of ``benchmarks/targets.py``. The rows, exactly:

1. **End to end**: ``python -m supplierscore score FILE --out x.parquet`` (default ruleset and
   options: the CLI streams inputs over 64 MiB, one worker per core) as a whole process, start-up
   included, against ``python benchmarks/naive_decimal.py FILE`` as a whole process in the same run.
   The naive script's total and rank must equal the engine's (read from the Parquet the CLI wrote)
   for every eligible bid, else the ratio is refused. Must: faster; target: ≥ 2.5× faster. Stretch:
   the CLI's seconds ≤ 3× the *parse floor* (``orjson.loads`` of every line, in one process, each
   document dropped).
2. **Embedding latency**: one 50-bid tender through ``score(read_documents([doc]), ruleset)``,
   ``--calls`` calls after ``--warmup`` warm-up calls, ruleset loaded once; p50 and p99.
3. **Peak RSS** at ``--bids``: *in memory* is the pipeline process (``read_bids`` → ``score`` →
   Parquet, one process; its peak before its JSON stage); *streamed* is row 1's process tree when
   the input is over 64 MiB (the CLI streamed), otherwise a second CLI run with ``--chunk-lines``
   forced (the table says which).
4. **Large streamed point** (``--stream-point N``, or the 10 M point of ``--scaling --scaling-max
   10000000``): the same CLI command with ``--chunk-lines`` forced (identical to the default for inputs
   over 64 MiB), against row 3's streamed run: peak RSS within ± 20 % and *linear time*, defined as
   seconds per bid within ± 20 % of the smaller run's.
5. **Read + validate**: ``read_bids`` (the pipeline's first stage: read, exact parse, schema and
   cross-field validation, rejections) against the sum of the parse floor and *bare*
   ``jsonschema_rs`` ``is_valid`` (formats on) of every bid (calls only, on orjson-parsed bids).
6. **Start-up**: ``python -m supplierscore --help`` and ``… score examples/tenders.ndjson --out
   TMP.json``, whole processes, median of ``--startup-runs``. Must: measured before and after
   (``--startup-before REF`` extracts ``src/`` of a git ref with ``git archive`` into a temporary
   folder and times it with ``PYTHONPATH`` set to it, interleaved with this tree). Target: no command
   imports what it does not use, from ``-X importtime`` of the same commands: ``--help`` loads none of
   polars, jsonschema_rs, ocdsmerge, pycountry, python_calamine, fastapi, uvicorn, cryptography,
   babel; the JSON score none of ocdsmerge, pycountry, python_calamine, fastapi, cryptography, babel.

Also printed, not judged: the pipeline's stages (``read_bids``, ``score``, Parquet, JSON; wall and CPU
seconds, peak RSS), the baselines, and with ``--scaling`` both paths at 10k, 100k and 1M bids (10M with
``--scaling-max 10000000``; an in-memory size projected over the RSS cap is skipped and says so).
``--profile`` adds a cProfile of the slowest pipeline stage; ``--markdown`` prints the table ready for
the README's Performance section. The report, with the machine (cores, RAM, CPU model, load average at
start and end), versions and commit, goes to ``benchmarks/out/report-<bids>.json``. Figures are
measurements, never assertions: the exit code is 0 unless something broke or the naive script
disagrees with the engine.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
if (ROOT / "src" / "supplierscore").is_dir() and str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without `pip install -e .`

import processes  # noqa: E402  (benchmarks/, put on the path above)
import targets  # noqa: E402
from processes import GIB, MIB, Watched, log  # noqa: E402

TARGET_BIDS = 1_000_000
BIG_BIDS = 10_000_000
STREAM_MIN_BYTES = 64 * MIB  # the CLI's default: stream inputs over this size (cli._common)


# ---------------------------------------------------------------------------------------------------
# Inside a child process: each mode prints one JSON object per line (an "event") on stdout, flushed as
# soon as a stage ends, so that a child stopped by the watchdog still leaves the stages it finished.


def _peak_mib() -> float:
    """This process's own peak RSS: VmHWM, which starts afresh at exec (``ru_maxrss`` on Linux keeps the
    peak of the process that forked us)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its finished children (worker processes)."""
    children = os.times()
    return time.process_time() + children.children_user + children.children_system


def _emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


@contextlib.contextmanager
def _timed(event: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Time the block (wall and CPU seconds) and emit it with the process's peak RSS so far; the block
    may add fields to the yielded dict."""
    extra: dict[str, Any] = {}
    wall, cpu = time.perf_counter(), _cpu()
    yield extra
    seconds, cpu_seconds = time.perf_counter() - wall, _cpu() - cpu
    _emit(event, seconds=seconds, cpu=cpu_seconds, peak_mib=_peak_mib(), **fields, **extra)


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        for line in source:
            if line.strip():
                yield line


def child_floor(path: Path) -> None:
    """The parse floor: read the file and ``orjson.loads`` every line, each document dropped once counted.

    Dropped, not kept: keeping a million bids' dicts makes Python's cyclic garbage collector walk them
    again and again, which costs several times the parsing itself; that cost belongs to whoever keeps
    them, and the floor is the least any reader must do.
    """
    import orjson

    with _timed("floor") as extra:
        extra["bids"] = sum(len(orjson.loads(line)["bids"]) for line in _lines(path))


def child_bare(path: Path) -> None:
    """Bare ``jsonschema_rs`` ``is_valid`` (formats on) on every bid; only the calls are timed."""
    import jsonschema_rs
    import orjson

    from supplierscore.resources import load_schema

    validator = jsonschema_rs.validator_for(load_schema("bid.schema.json"), validate_formats=True)
    bids = [bid for line in _lines(path) for bid in orjson.loads(line)["bids"]]
    with _timed("bare", bids=len(bids)) as extra:
        extra["valid"] = sum(1 for bid in bids if validator.is_valid(bid))


def child_pipeline(path: Path, work: Path) -> None:
    """read_bids → score → Parquet → JSON in one process, one event per stage."""
    from supplierscore import default_ruleset_path, load_ruleset, read_bids, score

    ruleset = load_ruleset(default_ruleset_path())
    _emit("start", peak_mib=_peak_mib())
    with _timed("read_bids") as extra:
        batch = read_bids([path])
        extra.update(read=batch.read, valid=batch.valid, rejected=batch.rejected, tenders=len(batch.tenders))
    with _timed("score") as extra:
        sheet = score(batch, ruleset)
        extra["rows"] = len(sheet.rows)
    with _timed("parquet") as extra:
        written = sheet.write(work / "sheet.parquet")
        extra["bytes"] = sum(p.stat().st_size for p in written)
    with _timed("json") as extra:
        written = sheet.write(work / "sheet.json")
        extra["bytes"] = sum(p.stat().st_size for p in written)


def child_e2e(path: Path, work: Path) -> None:
    """In memory, alone: read_bids + score + write Parquet, nothing else in the process."""
    from supplierscore import default_ruleset_path, load_ruleset, read_bids, score

    ruleset = load_ruleset(default_ruleset_path())
    with _timed("e2e") as extra:
        batch = read_bids([path])
        score(batch, ruleset).write(work / "sheet.parquet")
        extra["read"] = batch.read


def child_compare(naive_csv: Path, parquet: Path) -> None:
    """Every eligible bid's total and rank: the CLI's Parquet sheet against the naive script's lines
    (``tender_id,rank,bid_id,total``; the generated ids hold no comma). Totals compare as decimals."""
    import polars as pl

    engine: dict[tuple[str, str], tuple[Decimal, int]] = {}
    table = pl.read_parquet(parquet, columns=["tender_id", "bid_id", "eligible", "total", "rank"])
    for tender_id, bid_id, eligible, total, rank in table.iter_rows():
        if eligible:
            engine[(tender_id, bid_id)] = (Decimal(total), rank)
    del table
    naive: dict[tuple[str, str], tuple[Decimal, int]] = {}
    with naive_csv.open(encoding="utf-8") as lines:
        next(lines)  # the header
        for line in lines:
            tender_id, rank, rest = line.rstrip("\n").split(",", 2)
            bid_id, total = rest.rsplit(",", 1)
            naive[(tender_id, bid_id)] = (Decimal(total), int(rank))
    mismatches = [
        {"tender": key[0], "bid": key[1], "engine": _shown(engine.get(key)), "naive": _shown(naive.get(key))}
        for key in sorted(engine.keys() | naive.keys())
        if engine.get(key) != naive.get(key)
    ]
    _emit(
        "compare",
        engine_eligible=len(engine),
        naive_eligible=len(naive),
        mismatches=len(mismatches),
        examples=mismatches[:10],
        same=not mismatches,
    )


def _shown(value: tuple[Decimal, int] | None) -> list[Any] | None:
    return None if value is None else [str(value[0]), value[1]]


def _latency_tender(bids: int = 50) -> dict[str, Any]:
    """One valid tender document of ``bids`` bids from the generator; numbers are int or decimal text."""
    import random

    from generate import make_bid

    rng = random.Random(2026)
    closing, budget = "2026-06-30", 400_000
    header = {
        "id": "T-LATENCY",
        "title": "One tender",
        "closing_date": closing,
        "budget": {"amount": f"{budget}.00", "currency": "CAD"},
        "currency": "CAD",
        "buyer": "City of Example",
    }
    return {"tender": header, "bids": [make_bid(rng, i, closing, budget) for i in range(bids)]}


def child_latency(calls: int, warmup: int) -> None:
    """Embedding: validate + score + rank + sheet object for one 50-bid tender, per call."""
    from supplierscore import default_ruleset_path, load_ruleset, read_documents, score

    ruleset = load_ruleset(default_ruleset_path())
    document = _latency_tender()

    def once() -> int:
        return len(score(read_documents([document]), ruleset).rows)

    rows = 0
    for _ in range(warmup):
        rows = once()
    samples = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        once()
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    ms = [s / 1e6 for s in samples]
    _emit(
        "latency",
        calls=calls,
        warmup=warmup,
        bids=len(document["bids"]),
        rows=rows,
        median_ms=statistics.median(ms),
        p99_ms=ms[math.ceil(0.99 * len(ms)) - 1],
        mean_ms=statistics.fmean(ms),
        min_ms=ms[0],
        max_ms=ms[-1],
        peak_mib=_peak_mib(),
    )


def child_profile(path: Path, work: Path, stage: str, top: int) -> None:
    """cProfile of one pipeline stage (the stages before it run unprofiled)."""
    import cProfile
    import io
    import pstats

    from supplierscore import default_ruleset_path, load_ruleset, read_bids, score

    ruleset = load_ruleset(default_ruleset_path())
    profiler = cProfile.Profile()
    if stage == "read_bids":
        profiler.runcall(read_bids, [path])
    elif stage == "score":
        batch = read_bids([path])
        profiler.runcall(score, batch, ruleset)
    else:
        sheet = score(read_bids([path]), ruleset)
        profiler.runcall(sheet.write, work / f"profile.{stage}")
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    rows = []
    for (file, line, function), (_, calls, tottime, cumtime, _) in sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: -item[1][2],
    )[:top]:
        where = f"{_short(file)}:{line}({function})" if line else function
        rows.append({"function": where, "calls": calls, "tottime": tottime, "cumtime": cumtime})
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    _emit("profile", stage=stage, total_tottime=total, top=rows)


def _short(file: str) -> str:
    marker = f"{os.sep}supplierscore{os.sep}"
    return "supplierscore/" + file.split(marker, 1)[1] if marker in file else Path(file).name


CHILDREN: dict[str, Callable[[argparse.Namespace], None]] = {
    "floor": lambda a: child_floor(a.file),
    "bare": lambda a: child_bare(a.file),
    "pipeline": lambda a: child_pipeline(a.file, a.work),
    "e2e": lambda a: child_e2e(a.file, a.work),
    "compare": lambda a: child_compare(a.file, a.work / "cli.parquet"),
    "latency": lambda a: child_latency(a.calls, a.warmup),
    "profile": lambda a: child_profile(a.file, a.work, a.stage, a.top),
}


# ---------------------------------------------------------------------------------------------------
# The parent: runs the measurements one at a time, each watched, and builds the report.


def _batch_file(bids: int, seed: int, invalid: float) -> Path:
    """The seeded batch, generated once and reused while generate.py is unchanged (its digest is in
    the name)."""
    from generate import write_batch

    version = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:8]
    path = OUT / f"batch-{bids}-seed{seed}-invalid{invalid:g}-{version}.ndjson"
    if not path.exists():
        log(f"generating {bids:,} bids into {path.name}")
        partial = path.with_suffix(".partial")
        write_batch(partial, bids, seed, invalid)
        partial.rename(path)
    return path


def _workdir(bids: int) -> Path:
    """An empty folder for one size's sheets and the naive script's output (left-overs removed)."""
    work = OUT / f"work-{bids}"
    work.mkdir(parents=True, exist_ok=True)
    for path in work.iterdir():
        path.unlink()
    return work


def _clean(work: Path, args: argparse.Namespace) -> None:
    if not args.keep_outputs and work.exists():
        for path in work.iterdir():
            path.unlink()
        work.rmdir()


def _chunk_lines() -> int:
    """The CLI's default chunk size, forced with ``--chunk-lines`` where a run must stream."""
    try:
        from supplierscore.engine import DEFAULT_CHUNK_LINES
    except ImportError:
        return 1000
    return int(DEFAULT_CHUNK_LINES)


def run_cli(mode: str, path: Path, out: Path, cap: int, *, stream: bool = False) -> Watched:
    """``python -m supplierscore score FILE --out OUT`` as a whole process (``--chunk-lines`` forced with
    ``stream``); its messages (standard output and error) go to OUT.log. Exit code 1 means "some bids
    rejected", as the batch has."""
    command = [sys.executable, "-m", "supplierscore", "score", str(path), "--out", str(out)]
    if stream:
        command += ["--chunk-lines", str(_chunk_lines())]
    with out.with_suffix(".log").open("w", encoding="utf-8") as messages:
        return processes.run_watched(mode, command, cap, stdout=messages, stderr=messages, ok_codes=(0, 1))


@dataclass
class Figure:
    """One measured row: seconds over ``bids`` bids; ``partial`` means a lower bound (stopped early)."""

    label: str
    seconds: float | None
    cpu: float | None
    peak_mib: float | None
    bids: int
    note: str = ""
    partial: bool = False

    def to_dict(self) -> dict[str, Any]:
        rate = self.bids / self.seconds if self.seconds else None
        return {
            "label": self.label,
            "seconds": self.seconds,
            "cpu_seconds": self.cpu,
            "bids_per_s": rate,
            "us_per_bid": self.seconds / self.bids * 1e6 if self.seconds is not None else None,
            "peak_rss_mib": self.peak_mib,
            "partial": self.partial,
            "note": self.note,
        }

    @property
    def bound(self) -> targets.Bound:
        return "lower" if self.partial else "exact"


def _process_figure(label: str, run: Watched, bids: int, note: str = "") -> Figure:
    """A whole process's figure; stopped by the watchdog, its seconds and RSS are lower bounds."""
    if run.killed:
        return Figure(label, run.seconds, run.cpu, run.peak_mib, bids, f"stopped: {run.killed}", partial=True)
    pss = f"PSS {run.peak_pss_mib:,.0f} MiB"
    return Figure(label, run.seconds, run.cpu, run.peak_mib, bids, f"{note}; {pss}" if note else pss)


def _event_figure(label: str, run: Watched, event: str, bids: int, note: str = "") -> Figure:
    found = run.get(event)
    if found is None:
        return Figure(label, None, None, None, bids, f"stopped: {run.killed}" if run.killed else "not run")
    return Figure(label, found["seconds"], found["cpu"], found["peak_mib"], bids, note)


def _fmt(value: float | None, spec: str, missing: str = "–") -> str:
    return missing if value is None else format(value, spec)


def _row_text(figure: Figure) -> str:
    if figure.seconds is None:
        return f"  {figure.label:<46} {figure.note}"
    bound = "≥" if figure.partial else " "
    rate = figure.bids / figure.seconds
    return (
        f"  {figure.label:<46} {bound}{figure.seconds:>8.2f} {_fmt(figure.cpu, '>8.2f')} "
        f"{'≤' if figure.partial else ' '}{rate:>10,.0f} {bound}{figure.seconds / figure.bids * 1e6:>8.1f} "
        f"{_fmt(figure.peak_mib, '>9,.0f')}{('  ' + figure.note) if figure.note else ''}"
    )


SCALING_SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
BASE_MIB = 150.0
"""About the RSS of an interpreter with supplierscore and polars loaded, before any bid."""


def _measure_size(mode: str, size: int, args: argparse.Namespace, cap: int) -> Figure:
    """One size on one path in a fresh process: ``e2e`` in memory, ``streamed`` the CLI, chunks forced."""
    work = _workdir(size)
    path = _batch_file(size, args.seed, args.invalid)
    try:
        if mode == "e2e":
            return _event_figure(
                "in memory", processes.run_child("e2e", cap, file=path, work=work), "e2e", size
            )
        run = run_cli(f"streamed {size:,}", path, work / "stream.parquet", cap, stream=True)
        return _process_figure("streamed", run, size)
    finally:
        _clean(work, args)


def _scaling(
    args: argparse.Namespace, cap: int, known: dict[tuple[str, int], Figure]
) -> list[dict[str, Any]]:
    """Both paths at 10k, 100k, 1M (10M when asked) bids, each in a fresh process; figures measured
    already are reused (and measured ones added to ``known``). An in-memory size whose peak RSS,
    projected linearly from the largest finished size, is over the cap is skipped."""
    points: list[dict[str, Any]] = []
    for mode in ("e2e", "streamed"):
        per_bid: float | None = None  # MiB per bid above the interpreter's own
        for size in (n for n in SCALING_SIZES if n <= args.scaling_max):
            point: dict[str, Any] = {"path": "in memory" if mode == "e2e" else "streamed (CLI)", "bids": size}
            points.append(point)
            figure = known.get((mode, size))
            projected = BASE_MIB + (per_bid or 0) * size
            if figure is None and mode == "e2e" and per_bid is not None and projected > cap / MIB:
                point["skipped"] = f"not run: projected peak RSS {projected / 1024:,.0f} GiB is over the cap"
                log(f"scaling {mode} {size:,}: skipped, projected {projected / 1024:,.0f} GiB")
                continue
            if figure is None:
                figure = known[(mode, size)] = _measure_size(mode, size, args, cap)
            if figure.partial or figure.seconds is None:
                point["skipped"] = figure.note
                continue
            if figure.peak_mib is not None:
                per_bid = max(figure.peak_mib - BASE_MIB, 0.0) / size
            point.update(figure.to_dict())
    return points


def _startup(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Row 6: start-up medians (this tree, and ``--startup-before`` when given) and the imports check."""
    after_src = ROOT / "src"
    found: dict[str, Any] = {"before_ref": args.startup_before}
    commands = processes.startup_commands(work)
    checks = {"--help": targets.HELP_MUST_NOT_LOAD, "score examples → JSON": targets.SCORE_JSON_MUST_NOT_LOAD}
    with contextlib.ExitStack() as stack:
        trees = {"after": after_src}
        if args.startup_before:
            try:
                trees["before"] = stack.enter_context(processes.source_tree(args.startup_before))
            except Exception as error:  # a bad ref: the row says why, the rest of the run stands
                found["before_error"] = f"git archive {args.startup_before!r} failed: {error}"
        log(f"start-up: {args.startup_runs} runs of {len(commands)} commands under {', '.join(trees)}")
        found["timings"] = processes.time_commands(trees, args.startup_runs, work)
        found["imports"] = {}
        for tree, src in trees.items():
            per_command = {}
            for name, command_args in commands.items():
                modules = processes.imported_modules(src, command_args)
                per_command[name] = {
                    "modules": len(modules),
                    "forbidden_loaded": targets.forbidden_loaded(modules, checks[name]),
                    "third_party_top_level": _third_party(modules),
                }
            found["imports"][tree] = per_command
    return found


def _third_party(modules: list[str]) -> list[str]:
    """The top-level packages loaded from outside the standard library and supplierscore (interpreter
    start-up hooks such as ``sitecustomize`` and private extension modules left out)."""
    top = {name.split(".", 1)[0] for name in modules}
    return sorted(t for t in top - set(sys.stdlib_module_names) if not t.startswith("_") and t not in _OWN)


_OWN = {"supplierscore", "sitecustomize", "usercustomize"}


def _figures(
    args: argparse.Namespace,
    cli: Figure,
    naive: Figure,
    compare: dict[str, Any] | None,
    floor: Figure,
    bare: Figure,
    read: Figure,
    memory: Figure,
    streamed: Figure,
    streamed_source: str,
    big: Figure | None,
    latency: dict[str, Any] | None,
    startup: dict[str, Any] | None,
) -> targets.Figures:
    """The measured figures, in the shape ``targets.rows`` judges, with why each missing one is missing."""
    f = targets.Figures(bids=args.bids)
    f.cli_seconds, f.cli_bound = cli.seconds, cli.bound
    f.naive_seconds = None if naive.partial else naive.seconds
    f.naive_agrees = None if compare is None else bool(compare["same"])
    f.floor_seconds, f.bare_seconds, f.read_seconds = floor.seconds, bare.seconds, read.seconds
    for name, figure in (("naive_seconds", naive), ("floor_seconds", floor), ("bare_seconds", bare)):
        f.why[name] = figure.note or "not run"
    f.why["read_seconds"] = read.note or "not run"
    if latency:
        f.p50_ms, f.p99_ms = latency["median_ms"], latency["p99_ms"]
    f.rss_memory_gib = None if memory.peak_mib is None else memory.peak_mib / 1024
    f.rss_memory_bound = memory.bound
    f.why["rss_memory_gib"] = memory.note or "not run"
    f.rss_streamed_gib = None if streamed.peak_mib is None else streamed.peak_mib / 1024
    f.rss_streamed_bound, f.streamed_seconds = streamed.bound, None if streamed.partial else streamed.seconds
    f.why["rss_streamed_gib"] = f.why["streamed_seconds"] = streamed.note or "not run"
    f.streamed_source = streamed_source
    if big is None:
        f.why["big_bids"] = (
            "no large streamed point: pass --stream-point 10000000 (or --scaling-max 10000000)"
        )
    else:
        f.big_bids = big.bids
        f.big_seconds = None if big.partial else big.seconds
        f.big_rss_gib = None if big.partial or big.peak_mib is None else big.peak_mib / 1024
        f.why["big_seconds"] = f.why["big_rss_gib"] = big.note
    if startup is None:
        f.why["startup_after"] = f.why["unused_imports"] = "skipped (--no-startup)"
    else:
        _startup_figures(f, startup)
    f.why = {name: why for name, why in f.why.items() if getattr(f, name) is None}  # only the missing
    return f


def _startup_figures(f: targets.Figures, startup: dict[str, Any]) -> None:
    """Row 6's figures; a command that failed (an exit code other than 0) makes its timings unusable."""
    timings = startup["timings"]
    failed = {
        f"{tree}: {name} exited {t['exit_code']}"
        for tree, per_command in timings.items()
        for name, t in per_command.items()
        if t["exit_code"] != 0
    }
    f.why["startup_after"] = f.why["startup_before"] = "; ".join(sorted(failed))
    if not any(reason.startswith("after") for reason in failed):
        f.startup_after = {name: t["median_s"] for name, t in timings["after"].items()}
    if "before" in timings and not failed:
        f.startup_before = {name: t["median_s"] for name, t in timings["before"].items()}
    if not f.why["startup_before"]:
        f.why["startup_before"] = startup.get("before_error", "pass --startup-before REF (a git ref)")
    f.unused_imports = {name: c["forbidden_loaded"] for name, c in startup["imports"]["after"].items()}


def main_run(args: argparse.Namespace) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    available = processes.available_bytes()
    cap = int(args.rss_cap_gib * GIB)
    if available is not None:
        cap = min(cap, available - 2 * GIB)
    load_start = os.getloadavg()
    started = datetime.now(UTC)
    commit = processes.git_commit()
    log(f"RSS cap for each process tree: {cap / GIB:.1f} GiB; load average {load_start[0]:.2f}")
    n = args.bids
    path = _batch_file(n, args.seed, args.invalid)
    work = _workdir(n)
    runs: dict[str, Watched] = {}

    # Row 1 (and 3, streamed, when the input is large enough for the CLI to stream by default).
    runs["cli"] = run_cli("cli", path, work / "cli.parquet", cap)
    cli = _process_figure("supplierscore score → Parquet (whole process)", runs["cli"], n)
    with (work / "naive.csv").open("w", encoding="utf-8") as naive_out:
        command = [sys.executable, str(HERE / "naive_decimal.py"), str(path)]
        runs["naive"] = processes.run_watched("naive", command, cap, stdout=naive_out, stderr=sys.stderr)
    naive = _process_figure("naive_decimal.py (whole process)", runs["naive"], n)
    compare = None
    if not (cli.partial or naive.partial):
        runs["compare"] = processes.run_child("compare", cap, file=work / "naive.csv", work=work)
        compare = runs["compare"].get("compare")
    if path.stat().st_size > STREAM_MIN_BYTES:
        streamed_source = "row 1's run: the CLI streamed by default, the input being over 64 MiB"
        streamed = Figure(
            "streamed: row 1's run", cli.seconds, cli.cpu, cli.peak_mib, n, cli.note, cli.partial
        )
    else:
        streamed_source = (
            f"a CLI run with --chunk-lines {_chunk_lines()} forced, the input being under 64 MiB"
        )
        runs["streamed"] = run_cli("streamed", path, work / "stream.parquet", cap, stream=True)
        streamed = _process_figure("streamed: --chunk-lines forced (whole process)", runs["streamed"], n)

    # Rows 2, 3 (in memory) and 5, and the stages.
    for mode in ("floor", "bare", "pipeline"):
        runs[mode] = processes.run_child(mode, cap, file=path, work=work)
    runs["latency"] = processes.run_child("latency", cap, calls=args.calls, warmup=args.warmup)
    pipe = runs["pipeline"]
    stages = [
        _event_figure("read_bids (read, parse, validate)", pipe, "read_bids", n),
        _event_figure("score + rank", pipe, "score", n),
        _event_figure("write sheet: Parquet", pipe, "parquet", n),
        _event_figure("write sheet: JSON", pipe, "json", n),
    ]
    done = [s for s in stages[:3] if s.seconds is not None]
    memory = Figure(
        "in memory: read_bids + score + Parquet",
        sum(s.seconds or 0 for s in done) if done else None,
        sum(s.cpu or 0 for s in done) if done else None,
        done[-1].peak_mib if done else None,
        n,
        "" if len(done) == 3 else f"stopped: {pipe.killed}" if pipe.killed else "not run",
        partial=len(done) < 3,
    )
    if pipe.killed and len(done) < 3:
        memory.peak_mib = max(memory.peak_mib or 0, pipe.peak_mib)
    floor = _event_figure("parse floor: orjson.loads of every line", runs["floor"], "floor", n)
    bare = _event_figure("bare jsonschema_rs is_valid (formats on)", runs["bare"], "bare", n)
    latency = runs["latency"].get("latency")

    # Row 4 and the scaling points.
    known = {("e2e", n): memory, ("streamed", n): streamed}
    scaling = _scaling(args, cap, known) if args.scaling else []
    big_bids = args.stream_point or (BIG_BIDS if args.scaling and args.scaling_max >= BIG_BIDS else None)
    big = None
    if big_bids:
        big = known.get(("streamed", big_bids)) or _measure_size("streamed", big_bids, args, cap)

    startup = None if args.no_startup else _startup(args, work)
    profile = None
    if args.profile:
        measured = {"read_bids": stages[0], "score": stages[1], "parquet": stages[2], "json": stages[3]}
        slowest = max(measured, key=lambda key: measured[key].seconds or 0.0)
        runs["profile"] = processes.run_child(
            "profile", cap, file=path, work=work, stage=slowest, top=args.top
        )
        profile = runs["profile"].get("profile")

    figures = _figures(
        args,
        cli,
        naive,
        compare,
        floor,
        bare,
        stages[0],
        memory,
        streamed,
        streamed_source,
        big,
        latency,
        startup,
    )
    table = targets.rows(figures)
    load_end = os.getloadavg()
    context = {
        "bids": n,
        "batch": path.name,
        "batch_mib": path.stat().st_size / MIB,
        "counts": {
            k: v
            for k, v in (pipe.get("read_bids") or {}).items()
            if k in ("read", "valid", "rejected", "tenders")
        },
        "machine": {**processes.machine(), "load_average_start": load_start, "load_average_end": load_end},
        "versions": processes.versions(),
        "commit_at_start": commit,
        "commit_at_end": processes.git_commit(),
        "started": started.isoformat(timespec="seconds"),
        "rss_cap_gib": cap / GIB,
    }
    lines = _render(context, table, stages, memory, [cli, streamed, naive, floor, bare], compare, latency)
    lines += _render_extras(scaling, big, startup, profile)
    print("\n".join(lines))
    if args.markdown:
        print("\n" + "\n".join(markdown(context, table)))
    report = {
        **context,
        "seed": args.seed,
        "invalid": args.invalid,
        "table": [asdict(row) for row in table],
        "figures": asdict(figures),
        "stages": [s.to_dict() for s in stages],
        "in_memory": memory.to_dict(),
        "whole_process": {"cli": cli.to_dict(), "streamed": streamed.to_dict(), "naive": naive.to_dict()},
        "baselines": {"parse_floor": floor.to_dict(), "bare_is_valid": bare.to_dict()},
        "naive_check": compare,
        "embedding_latency": latency,
        "large_streamed_point": big.to_dict() if big else None,
        "scaling": scaling,
        "startup": startup,
        "profile": profile,
        "runs": {mode: run.to_dict() for mode, run in runs.items()},
        "printed": lines,
        "markdown": markdown(context, table),
    }
    report_path = OUT / f"report-{n}.json"
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nreport: {report_path.relative_to(ROOT) if report_path.is_relative_to(ROOT) else report_path}")
    _clean(work, args)
    return 0 if compare is None or compare["same"] else 1


def _machine_line(context: dict[str, Any]) -> str:
    m, v = context["machine"], context["versions"]
    return (
        f"machine: {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['cpu_model']}; load average "
        f"{m['load_average_start'][0]:.2f} at start, {m['load_average_end'][0]:.2f} at end (1-min); "
        f"Python {v['python']}, polars {v['polars']}, orjson {v['orjson']}; "
        f"commit {context['commit_at_start']}"
        + ("" if context["commit_at_end"] == context["commit_at_start"] else f" → {context['commit_at_end']}")
    )


def _render(
    context: dict[str, Any],
    table: list[targets.Row],
    stages: list[Figure],
    memory: Figure,
    whole: list[Figure],
    compare: dict[str, Any] | None,
    latency: dict[str, Any] | None,
) -> list[str]:
    n = context["bids"]
    counts = context["counts"]
    counted = (
        f"{counts['tenders']:,} tenders, {counts['valid']:,} valid, {counts['rejected']:,} rejected"
        if counts
        else "counts unknown"
    )
    size_note = "" if n == TARGET_BIDS else f"; the issue states them for {TARGET_BIDS:,} bids"
    lines = [
        f"supplierscore benchmarks: {n:,} bids ({counted}), {context['batch_mib']:,.0f} MiB NDJSON",
        _machine_line(context),
        "",
        f"issue 17's targets{size_note}",
    ]
    for row in table:
        lines += [
            f"  {row.number:>2}. {row.figure}",
            f"       measured  {row.measured}",
            f"       must      {row.must:<60} {row.must_verdict}",
            f"       target    {row.target:<60} {row.target_verdict}",
        ]
    header = f"  {'stage':<46} {'seconds':>9} {'CPU s':>8} {'bids/s':>11} {'µs/bid':>9} {'peak MiB':>9}"
    lines += ["", "pipeline, one process (the in-memory path)", header, *(_row_text(s) for s in stages)]
    lines += [_row_text(memory), "", "whole processes and baselines, same file, same run", header]
    lines += [_row_text(figure) for figure in whole]
    lines += [
        "  peak MiB: of the whole process tree (summed RSS, sampled every 0.2 s: pages forked workers",
        "    share count once per process) or the process's own VmHWM, whichever is larger; PSS: the",
        "    tree's summed proportional set size at its sampled peak (shared pages counted once), not judged",
        "  CPU s: of the process and its worker processes; wall and CPU differ under load or in parallel",
    ]
    if compare is not None:
        verdict = (
            f"same totals and ranks for all {compare['engine_eligible']:,} eligible bids"
            if compare["same"]
            else f"{compare['mismatches']:,} DIFFERENCES (e.g. {compare['examples'][:3]}): ratio refused"
        )
        lines += ["", f"naive script check: {verdict}"]
    if latency:
        lines += [
            "",
            f"embedding latency: one {latency['bids']}-bid tender, {latency['calls']:,} calls after "
            f"{latency['warmup']} warm-up: median {latency['median_ms']:.3f} ms, "
            f"p99 {latency['p99_ms']:.3f} ms (min {latency['min_ms']:.3f}, max {latency['max_ms']:.3f})",
        ]
    return lines


def _render_extras(
    scaling: list[dict[str, Any]],
    big: Figure | None,
    startup: dict[str, Any] | None,
    profile: dict[str, Any] | None,
) -> list[str]:
    lines: list[str] = []
    if scaling:
        lines += ["", "scaling: fresh process each", f"  {'path, size':<46} {'seconds':>9} {'CPU s':>8} "
                  f"{'bids/s':>11} {'µs/bid':>9} {'peak MiB':>9}"]  # fmt: skip
        for point in scaling:
            label = f"{point['path']}, {point['bids']:,} bids"
            if "skipped" in point:
                lines.append(f"  {label:<46} {point['skipped']}")
            else:
                lines.append(
                    f"  {label:<46}  {point['seconds']:>8.2f} {point['cpu_seconds']:>8.2f}  "
                    f"{point['bids_per_s']:>10,.0f}  {point['us_per_bid']:>8.2f} "
                    f"{point['peak_rss_mib']:>9,.0f}"
                )
    if big is not None:
        lines += ["", f"large streamed point ({big.bids:,} bids, --chunk-lines forced)", _row_text(big)]
    if startup:
        lines += ["", "start-up, whole process, median of the runs (min–max)"]
        for tree, per_command in startup["timings"].items():
            name = f"{tree} ({startup['before_ref']})" if tree == "before" else "after (this tree)"
            for command, t in per_command.items():
                imports = startup["imports"][tree][command]
                lines.append(
                    f"  {name:<24} {command:<22} {t['median_s'] * 1000:>7,.0f} ms ({t['min_s'] * 1000:,.0f}–"
                    f"{t['max_s'] * 1000:,.0f}), exit {t['exit_code']}, {imports['modules']} modules; "
                    f"third-party: {', '.join(imports['third_party_top_level']) or 'none'}"
                )
        if "before_error" in startup:
            lines.append(f"  before: {startup['before_error']}")
    if profile:
        lines += [
            "",
            f"cProfile of the slowest stage ({profile['stage']}), top {len(profile['top'])} by own time:",
        ]
        lines.append(f"  {'own s':>8} {'cum s':>8} {'calls':>10}  function")
        for row in profile["top"]:
            lines.append(
                f"  {row['tottime']:>8.3f} {row['cumtime']:>8.3f} {row['calls']:>10,}  {row['function']}"
            )
    return lines


def markdown(context: dict[str, Any], table: list[targets.Row]) -> list[str]:
    """The target table as Markdown, with the run, machine and commit it comes from."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        f"`python benchmarks/run.py` on {context['bids']:,} bids ({context['started']}); "
        f"{_machine_line(context)}.",
        "",
        "| # | figure | measured | must | | target | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in table:
        lines.append(
            f"| {row.number} | {cell(row.figure)} | {cell(row.measured)} "
            f"| {cell(row.must)} | **{row.must_verdict}** | {cell(row.target)} | **{row.target_verdict}** |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=TARGET_BIDS, help="bids in the batch (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--invalid", type=float, default=0.02, help="share of invalid bids (default 0.02)")
    parser.add_argument("--scaling", action="store_true", help="both paths at 10k, 100k, 1M bids too")
    parser.add_argument(
        "--scaling-max",
        type=int,
        default=TARGET_BIDS,
        help="largest scaling point (10000000 adds row 4's point)",
    )
    parser.add_argument(
        "--stream-point",
        type=int,
        help="row 4: a streamed CLI run at this many bids (10000000 for the issue)",
    )
    parser.add_argument(
        "--startup-before", metavar="REF", help="row 6: time the start-up of this git ref too"
    )
    parser.add_argument("--startup-runs", type=int, default=10, help="runs of each start-up command (median)")
    parser.add_argument("--no-startup", action="store_true", help="skip row 6")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    parser.add_argument("--profile", action="store_true", help="cProfile the slowest pipeline stage")
    parser.add_argument("--top", type=int, default=10, help="functions listed by --profile")
    parser.add_argument("--calls", type=int, default=1000, help="embedding latency calls")
    parser.add_argument("--warmup", type=int, default=50, help="embedding latency warm-up calls")
    parser.add_argument("--rss-cap-gib", type=float, default=16.0, help="stop a process tree above this RSS")
    parser.add_argument("--keep-outputs", action="store_true", help="keep the sheets written")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        CHILDREN[args.child](args)
        return
    sys.exit(main_run(args))


if __name__ == "__main__":
    main()
