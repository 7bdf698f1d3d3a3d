"""supplierscore's performance benchmarks: every stage of a run, its baselines and targets, in one command.

``python benchmarks/run.py --bids 1000000`` generates (or reuses) a seeded batch with
``benchmarks/generate.py`` (tenders of 2–60 bids, the examples' profile mix, about 2 % invalid bids) in
``benchmarks/out/``, then measures, each in a FRESH subprocess so that its peak RSS is its own:

- **pipeline**: ``read_bids`` → ``score`` → ``ScoreSheet.write(.parquet)`` → ``ScoreSheet.write(.json)``,
  each stage timed (wall and CPU seconds) with the process's peak RSS after it. ``read_bids`` is split
  into *read + parse* and *validate* inside the same run by timing the reader's parsing functions
  (``bids.plan_reading``, the first pass that reads, hashes and orjson-parses every line for tender ids, and
  ``bids._parse_line``, the Decimal-exact parse of each line); *validate* is the rest of ``read_bids``
  (schema validation with formats on, cross-field rules, rejections). There is no "build frame" stage:
  validated bids go straight to the exact integer-ratio scorer. *End to end* is read + score + Parquet
  of this process, its peak RSS taken before the JSON stage starts;
- **streamed**: ``stream.score_stream(file, ruleset, .parquet)``, the constant-memory run, end to end;
- **baselines** on the same file: the *parse floor* (``orjson.loads`` of every line, each result
  dropped),
  *bare* ``jsonschema_rs`` ``is_valid`` with formats on for every bid (parsing untimed), the
  *naive* per-bid ``decimal`` script (``benchmarks/naive_decimal.py``), and ``bids.parse_json`` of every
  line as a cross-check of the parse split;
- **embedding latency**: one 50-bid tender through ``read_documents`` + ``score`` (validate, score,
  rank, sheet object), 1,000 calls after 50 warm-up calls, the ruleset loaded and compiled once;
- with ``--scaling``: end to end, in memory and streamed, at 10k, 100k and 1M bids (10M with
  ``--scaling-max 10000000``; a size projected to pass the RSS cap is skipped and says so).

The naive script's totals and ranks are compared with the engine's for every eligible bid of the batch;
the speed ratio against it is printed only when all agree. Every target is printed MET or MISSED with its
figure. A watchdog stops any subprocess whose RSS passes ``--rss-cap-gib`` (the machine is shared):
the stages it finished are kept, and the ratios become bounds. The report is written as JSON to
``benchmarks/out/report-<bids>.json``. Figures are measurements, never assertions: the exit code is 0
unless something broke (or the naive script disagrees with the engine).

``--profile`` adds a cProfile of the slowest pipeline stage (top functions by own time).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
if (ROOT / "src" / "supplierscore").is_dir() and str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))  # run from a checkout without `pip install -e .`

GIB = 1024**3
MIB = 1024**2
TARGET_BIDS = 1_000_000
NO_FRAME = "n/a (no frame: bids are scored from validated values)"

Event = dict[str, Any]


# ---------------------------------------------------------------------------------------------------
# Inside a child process: each mode prints one JSON object per line (an "event") on stdout, flushed as
# soon as a stage ends, so that a child stopped by the watchdog still leaves the stages it finished.


def _peak_mib() -> float:
    """This process's own peak RSS: VmHWM, which starts afresh at exec (``ru_maxrss`` on Linux keeps the
    peak of the process that forked us, here the parent with its comparison tables)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its finished children (worker processes)."""
    children = os.times()  # in clock ticks (1/100 s): fine for workers, too coarse for ourselves
    return time.process_time() + children.children_user + children.children_system


def _emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


@contextlib.contextmanager
def _timed(event: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Time the block (wall and CPU seconds of the whole process, all threads) and emit it with the
    process's peak RSS so far; the block may add fields to the yielded dict."""
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


def child_parse(path: Path) -> None:
    """``bids.parse_json`` of every line (Decimal numbers, duplicate-key check), documents dropped as in
    the floor."""
    from supplierscore.inputs import parse_json

    with _timed("parse_json") as extra:
        extra["bids"] = sum(len(parse_json(line)["bids"]) for line in _lines(path))


def child_bare(path: Path) -> None:
    """Bare ``jsonschema_rs`` ``is_valid`` (formats on) on every bid; only the calls are timed."""
    import jsonschema_rs
    import orjson

    from supplierscore.resources import load_schema

    validator = jsonschema_rs.validator_for(load_schema("bid.schema.json"), validate_formats=True)
    bids = [bid for line in _lines(path) for bid in orjson.loads(line)["bids"]]
    with _timed("bare", bids=len(bids)) as extra:
        extra["valid"] = sum(1 for bid in bids if validator.is_valid(bid))


def child_naive(path: Path, check: Path) -> None:
    """The naive script on the file, timed; its totals and ranks then go to ``check`` (untimed)."""
    from naive_decimal import naive_scores

    with _timed("naive") as extra:
        scores = naive_scores(path)
        extra["eligible"] = len(scores)
    with check.open("w", encoding="utf-8") as out:
        for (tender_id, bid_id), (total, rank) in scores.items():
            out.write(f"{tender_id}\t{bid_id}\t{total}\t{rank}\n")


class _SplitTimer:
    """Wall and CPU seconds spent inside some functions of a module, counting only the outermost call
    (``plan_reading`` may call ``_parse_line`` for a line orjson refuses)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu = 0.0
        self.depth = 0
        self.wrapped: list[str] = []

    def wrap(self, module: Any, name: str) -> None:
        original = getattr(module, name, None)
        if original is None:
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.depth:
                return original(*args, **kwargs)
            self.depth += 1
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - wall
                self.cpu += time.process_time() - cpu
                self.depth -= 1

        setattr(module, name, timed)
        self.wrapped.append(name)


def child_pipeline(path: Path, work: Path, check: Path) -> None:
    """read_bids → score → (check file, untimed) → Parquet → JSON, one event per stage."""
    from supplierscore import default_ruleset_path, load_ruleset, read_bids, score
    from supplierscore import inputs as bids_module

    ruleset = load_ruleset(default_ruleset_path())
    split = _SplitTimer()
    for name in ("plan_reading", "_parse_line"):
        split.wrap(bids_module, name)
    _emit("start", peak_mib=_peak_mib())
    with _timed("read_bids") as extra:
        batch = read_bids([path])
    extra.update(read=batch.read, valid=batch.valid, rejected=batch.rejected)
    _emit(
        "split",
        parse_seconds=split.seconds,
        parse_cpu=split.cpu,
        wrapped=split.wrapped,
        read=batch.read,
        valid=batch.valid,
        rejected=batch.rejected,
        tenders=len(batch.tenders),
        reconciles=batch.reconciles,
    )
    with _timed("score") as extra:
        sheet = score(batch, ruleset)
        extra["rows"] = len(sheet.rows)
        extra["breakdown"] = len(sheet.breakdown)
    with check.open("w", encoding="utf-8") as out:
        for row in sheet.rows:
            if row.eligible:
                out.write(f"{row.tender_id}\t{row.bid_id}\t{sheet.decimal(row.total or 0)}\t{row.rank}\n")
    with _timed("parquet") as extra:
        written = sheet.write(work / "sheet.parquet")
        extra["bytes"] = sum(p.stat().st_size for p in written)
    with _timed("json") as extra:
        written = sheet.write(work / "sheet.json")
        extra["bytes"] = sum(p.stat().st_size for p in written)


def child_e2e(path: Path, work: Path) -> None:
    """End to end alone: read_bids + score + write Parquet, nothing else in the process."""
    from supplierscore import default_ruleset_path, load_ruleset, read_bids, score

    ruleset = load_ruleset(default_ruleset_path())
    with _timed("e2e") as extra:
        batch = read_bids([path])
        score(batch, ruleset).write(work / "sheet.parquet")
        extra["read"] = batch.read


def child_stream(path: Path, work: Path) -> None:
    """The streamed run (constant memory): ``score_stream(file, ruleset, .parquet)``."""
    from supplierscore import default_ruleset_path, load_ruleset

    try:
        from supplierscore.engine import score_stream
    except ImportError:
        _emit("unavailable", reason="supplierscore.engine.score_stream not found")
        return
    ruleset = load_ruleset(default_ruleset_path())
    with _timed("stream") as extra:
        outcome = score_stream([path], ruleset, work / "stream.parquet")
        extra["read"] = outcome.metadata.counts.read


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
    "parse_json": lambda a: child_parse(a.file),
    "bare": lambda a: child_bare(a.file),
    "naive": lambda a: child_naive(a.file, a.check),
    "pipeline": lambda a: child_pipeline(a.file, a.work, a.check),
    "e2e": lambda a: child_e2e(a.file, a.work),
    "stream": lambda a: child_stream(a.file, a.work),
    "latency": lambda a: child_latency(a.calls, a.warmup),
    "profile": lambda a: child_profile(a.file, a.work, a.stage, a.top),
}


# ---------------------------------------------------------------------------------------------------
# The parent: runs the children one at a time, each watched, and builds the report.


def _log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _rss_of(pid: int) -> int | None:
    """Resident set size of a process in bytes, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _tree(pid: int) -> list[int]:
    """A process and all its descendants (worker processes), parents first."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found = [pid]
    for current in found:
        found += children.get(current, [])
    return found


def _tree_rss(pid: int) -> int | None:
    """RSS of a process plus all its descendants, in bytes."""
    sizes = [rss for member in _tree(pid) if (rss := _rss_of(member)) is not None]
    return sum(sizes) if sizes else None


def _available_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


@dataclass
class ChildResult:
    mode: str
    events: dict[str, Event] = field(default_factory=dict)
    killed: str | None = None  # why the watchdog stopped it
    returncode: int = 0
    seconds: float = 0.0
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    sampled_peak_mib: float = 0.0

    def get(self, event: str) -> Event | None:
        return self.events.get(event)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "events": self.events,
            "killed": self.killed,
            "returncode": self.returncode,
            "wall_seconds": self.seconds,
            "load_before": self.load_before,
            "load_after": self.load_after,
            "sampled_peak_mib": self.sampled_peak_mib,
        }


def run_child(mode: str, cap_bytes: int, **options: Any) -> ChildResult:
    """Run one measurement in a fresh interpreter, stopping it if its RSS passes ``cap_bytes``."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    result = ChildResult(mode, load_before=os.getloadavg())
    _log(f"{mode}: started")
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.2):
            rss = _tree_rss(process.pid)
            if rss is None:
                continue
            result.sampled_peak_mib = max(result.sampled_peak_mib, rss / MIB)
            if rss > cap_bytes and process.poll() is None:
                result.killed = f"RSS over the {cap_bytes / GIB:.1f} GiB cap"
                for pid in reversed(_tree(process.pid)):  # our own child and its workers
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert process.stdout is not None
    for line in process.stdout:
        event = json.loads(line)
        # Peak RSS of the whole process tree (worker processes included), as sampled so far.
        event["peak_mib"] = max(event.get("peak_mib", 0.0), result.sampled_peak_mib)
        result.events[event["event"]] = event
        if "seconds" in event:
            _log(
                f"{mode}: {event['event']} {event['seconds']:.2f} s, peak {event.get('peak_mib', 0):,.0f} MiB"
            )
    result.returncode = process.wait()
    stop.set()
    watcher.join()
    result.seconds = time.perf_counter() - start
    result.load_after = os.getloadavg()
    if result.killed:
        _log(f"{mode}: stopped by the watchdog: {result.killed}")
    elif result.returncode:
        raise SystemExit(f"benchmark child {mode!r} failed with exit code {result.returncode}")
    return result


def _batch_file(bids: int, seed: int, invalid: float) -> Path:
    """The seeded batch, generated once and reused while generate.py is unchanged (its digest is in
    the name)."""
    from generate import write_batch

    version = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:8]
    path = OUT / f"batch-{bids}-seed{seed}-invalid{invalid:g}-{version}.ndjson"
    if not path.exists():
        _log(f"generating {bids:,} bids into {path.name}")
        partial = path.with_suffix(".partial")
        write_batch(partial, bids, seed, invalid)
        partial.rename(path)
    return path


def _read_check(path: Path) -> dict[tuple[str, str], tuple[str, int]]:
    found: dict[tuple[str, str], tuple[str, int]] = {}
    with path.open(encoding="utf-8") as source:
        for line in source:
            tender_id, bid_id, total, rank = line.rstrip("\n").split("\t")
            found[(tender_id, bid_id)] = (total, int(rank))
    return found


def compare(engine_file: Path, naive_file: Path) -> dict[str, Any]:
    """Every eligible bid's total and rank, engine against the naive script."""
    engine, naive = _read_check(engine_file), _read_check(naive_file)
    mismatches = []
    for key in sorted(engine.keys() | naive.keys()):
        if engine.get(key) != naive.get(key):
            mismatches.append(
                {"tender": key[0], "bid": key[1], "engine": engine.get(key), "naive": naive.get(key)}
            )
    return {
        "engine_eligible": len(engine),
        "naive_eligible": len(naive),
        "mismatches": len(mismatches),
        "examples": mismatches[:10],
        "same": not mismatches,
    }


# --- Report ----------------------------------------------------------------------------------------


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


def _fmt(value: float | None, spec: str, missing: str = "–") -> str:
    return missing if value is None else format(value, spec)


def _row_text(figure: Figure) -> str:
    if figure.seconds is None:
        return f"  {figure.label:<44} {figure.note}"
    bound = "≥" if figure.partial else " "
    rate = figure.bids / figure.seconds
    return (
        f"  {figure.label:<44} {bound}{figure.seconds:>8.2f} {_fmt(figure.cpu, '>8.2f')} "
        f"{'≤' if figure.partial else ' '}{rate:>10,.0f} {bound}{figure.seconds / figure.bids * 1e6:>8.1f} "
        f"{_fmt(figure.peak_mib, '>9,.0f')}{('  ' + figure.note) if figure.note else ''}"
    )


@dataclass
class Target:
    name: str
    verdict: str  # MET, MISSED or UNKNOWN
    figure: str

    def text(self) -> str:
        return f"  [{self.verdict:^7}] {self.name}: {self.figure}"


def _at_most(name: str, value: float | None, limit: float, unit: str, lower_bound: bool = False) -> Target:
    """A target ``value ≤ limit``; a lower bound can only prove it missed."""
    if value is None:
        return Target(name, "UNKNOWN", "not measured")
    shown = f"{'≥ ' if lower_bound else ''}{value:,.2f}{unit} (target ≤ {limit:g}{unit})"
    if value <= limit:
        return Target(name, "UNKNOWN" if lower_bound else "MET", shown)
    return Target(name, "MISSED", shown)


def _at_least(name: str, value: float | None, limit: float, unit: str, upper_bound: bool = False) -> Target:
    """A target ``value ≥ limit``; an upper bound can only prove it missed."""
    if value is None:
        return Target(name, "UNKNOWN", "not measured")
    shown = f"{'≤ ' if upper_bound else ''}{value:,.2f}{unit} (target ≥ {limit:g}{unit})"
    if value >= limit:
        return Target(name, "UNKNOWN" if upper_bound else "MET", shown)
    return Target(name, "MISSED", shown)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("supplierscore", "polars", "orjson", "jsonschema-rs"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed (source tree)" if name == "supplierscore" else "missing"
    return found


def _git_commit() -> str | None:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + (" (src modified)" if dirty else "")


SCALING_SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
BASE_MIB = 150.0
"""About the RSS of an interpreter with supplierscore and polars loaded, before any bid."""


def _scaling(
    args: argparse.Namespace, cap: int, known: dict[tuple[str, int], Figure]
) -> list[dict[str, Any]]:
    """End to end at 10k, 100k, 1M (10M when asked) bids, in memory (read_bids + score + Parquet) and
    streamed (score_stream → Parquet), each in a fresh process; figures of the main run are reused. A
    size whose peak RSS, projected linearly from the largest finished size, is over the cap is skipped."""
    points: list[dict[str, Any]] = []
    for mode in ("e2e", "stream"):
        per_bid: float | None = None  # MiB per bid above the interpreter's own
        for size in (n for n in SCALING_SIZES if n <= args.scaling_max):
            point: dict[str, Any] = {"path": "in memory" if mode == "e2e" else "streamed", "bids": size}
            points.append(point)
            figure = known.get((mode, size))
            if figure is None and per_bid is not None and BASE_MIB + per_bid * size > cap / MIB:
                projected = (BASE_MIB + per_bid * size) / 1024
                point["skipped"] = f"not run: projected peak RSS {projected:,.0f} GiB is over the cap"
                _log(f"scaling {mode} {size:,}: skipped, projected {projected:,.0f} GiB")
                continue
            if figure is None:
                work = _workdir(size)
                child = run_child(mode, cap, file=_batch_file(size, args.seed, args.invalid), work=work)
                event = child.get(mode)
                _clean(work, args)
                if event is None:
                    point["skipped"] = f"stopped: {child.killed}"
                    continue
                figure = Figure(mode, event["seconds"], event["cpu"], event["peak_mib"], size)
            if figure.partial or figure.seconds is None:
                point["skipped"] = figure.note
                continue
            if figure.peak_mib is not None:
                per_bid = max(figure.peak_mib - BASE_MIB, 0.0) / size
            point.update(figure.to_dict())
    return points


def _workdir(bids: int) -> Path:
    """An empty folder for one size's sheets and check files (left-overs of a stopped run removed)."""
    work = OUT / f"work-{bids}"
    work.mkdir(parents=True, exist_ok=True)
    for path in work.iterdir():
        path.unlink()
    return work


def _clean(work: Path, args: argparse.Namespace) -> None:
    if not args.keep_outputs:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()


def main_run(args: argparse.Namespace) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    available = _available_bytes()
    cap = int(args.rss_cap_gib * GIB)
    if available is not None:
        cap = min(cap, available - 2 * GIB)
    load_start = os.getloadavg()
    _log(f"RSS cap for each subprocess: {cap / GIB:.1f} GiB; load average {load_start[0]:.2f}")
    path = _batch_file(args.bids, args.seed, args.invalid)
    work = _workdir(args.bids)
    engine_check, naive_check = work / "engine-rows.tsv", work / "naive-rows.tsv"
    n = args.bids
    started = datetime.now(UTC)
    commit = _git_commit()

    children: dict[str, ChildResult] = {}
    for mode in ("floor", "parse_json", "bare", "naive", "pipeline", "stream"):
        children[mode] = run_child(
            mode, cap, file=path, work=work, check=naive_check if mode == "naive" else engine_check
        )
    children["latency"] = run_child("latency", cap, calls=args.calls, warmup=args.warmup)

    pipe = children["pipeline"]
    read, split, scored = pipe.get("read_bids"), pipe.get("split"), pipe.get("score")
    parquet, json_stage = pipe.get("parquet"), pipe.get("json")
    stopped = f"stopped: {pipe.killed}" if pipe.killed else "not run"

    def stage(label: str, event: Event | None, note: str = "") -> Figure:
        if event is None:
            return Figure(label, None, None, None, n, note or stopped)
        return Figure(label, event["seconds"], event["cpu"], event["peak_mib"], n, note)

    stages: list[Figure] = []
    if read is not None and split is not None:
        stages.append(
            Figure(
                "read + parse",
                split["parse_seconds"],
                split["parse_cpu"],
                read["peak_mib"],
                n,
                "1",
            )
        )
        stages.append(
            Figure(
                "validate",
                read["seconds"] - split["parse_seconds"],
                read["cpu"] - split["parse_cpu"],
                read["peak_mib"],
                n,
                "2",
            )
        )
    else:
        stages += [stage("read + parse", None), stage("validate", None)]
    stages.append(Figure("build frame", None, None, None, n, NO_FRAME))
    stages.append(stage("score + rank", scored))
    stages.append(stage("write sheet: Parquet", parquet))
    stages.append(stage("write sheet: JSON", json_stage))

    finished = [e for e in (read, scored, parquet) if e is not None]
    e2e = Figure(
        "end to end: read_bids + score + Parquet",
        sum(e["seconds"] for e in finished) if finished else None,
        sum(e["cpu"] for e in finished) if finished else None,
        finished[-1]["peak_mib"] if finished else None,
        n,
        "3" if parquet is not None else stopped,
        partial=parquet is None,
    )
    if pipe.killed and parquet is None:
        e2e.peak_mib = cap / MIB
    stream_event = children["stream"].get("stream")
    stream = Figure(
        "end to end, streamed: score_stream → Parquet",
        stream_event["seconds"] if stream_event else None,
        stream_event["cpu"] if stream_event else None,
        stream_event["peak_mib"] if stream_event else None,
        n,
        "" if stream_event else (children["stream"].killed or "unavailable in this version"),
    )

    def baseline(label: str, mode: str, note: str = "") -> Figure:
        event = children[mode].get(mode)
        if event is None:
            return Figure(label, None, None, None, n, children[mode].killed or "not run")
        return Figure(label, event["seconds"], event["cpu"], event["peak_mib"], n, note)

    floor = baseline("parse floor: orjson.loads of every line", "floor")
    bare = baseline("bare jsonschema_rs is_valid (formats on)", "bare", "4")
    naive = baseline("naive decimal script (naive_decimal.py)", "naive", "5")
    parse_check = baseline("cross-check: bids.parse_json of every line", "parse_json")
    check = compare(engine_check, naive_check) if engine_check.exists() and naive_check.exists() else None
    latency = children["latency"].get("latency")

    # Ratios and targets (wall-clock, as the targets are stated; CPU-second ratios in the JSON report).
    def ratio(a: Figure, b: Figure, attr: str = "seconds") -> float | None:
        x, y = getattr(a, attr), getattr(b, attr)
        return x / y if x and y else None

    validate = stages[1]
    targets = [
        _at_most("end to end ≤ 3× the parse floor", ratio(e2e, floor), 3, "×", e2e.partial),
        _at_most("streamed end to end ≤ 3× the parse floor", ratio(stream, floor), 3, "×"),
    ]
    if check is not None and check["same"]:
        targets += [
            _at_least(
                "end to end ≥ 2.5× faster than the naive script", ratio(naive, e2e), 2.5, "×", e2e.partial
            ),
            _at_least(
                "streamed end to end ≥ 2.5× faster than the naive script", ratio(naive, stream), 2.5, "×"
            ),
        ]
    else:
        why = (
            "refused: the naive script and the engine disagree" if check else "no comparison (a run stopped)"
        )
        targets.append(Target("end to end ≥ 2.5× faster than the naive script", "UNKNOWN", why))
    targets += [
        _at_most("validation ≤ 1.5× bare jsonschema_rs is_valid", ratio(validate, bare), 1.5, "×"),
        _at_most(
            "peak RSS end to end ≤ 2 GiB",
            e2e.peak_mib / 1024 if e2e.peak_mib else None,
            2,
            " GiB",
            e2e.partial,
        ),
        _at_most("peak RSS streamed ≤ 2 GiB", stream.peak_mib / 1024 if stream.peak_mib else None, 2, " GiB"),
        _at_most("embedding latency, median ≤ 1 ms", latency["median_ms"] if latency else None, 1, " ms"),
        _at_most("embedding latency, p99 ≤ 3 ms", latency["p99_ms"] if latency else None, 3, " ms"),
    ]

    scaling: list[dict[str, Any]] = []
    if args.scaling:
        scaling = _scaling(args, cap, {("e2e", n): e2e, ("stream", n): stream})
    profile = None
    if args.profile:
        measured = {"read_bids": read, "score": scored, "parquet": parquet, "json": json_stage}
        slowest = max(measured, key=lambda key: (measured[key] or {}).get("seconds", 0.0))
        profile = run_child("profile", cap, file=path, work=work, stage=slowest, top=args.top).get("profile")

    load_end = os.getloadavg()
    lines = _render(
        args,
        path,
        pipe,
        split,
        stages,
        e2e,
        stream,
        floor,
        bare,
        naive,
        parse_check,
        check,
        targets,
        latency,
        scaling,
        profile,
        load_start,
        load_end,
    )
    print("\n".join(lines))
    report = {
        "bids": n,
        "seed": args.seed,
        "invalid": args.invalid,
        "batch_file": str(path),
        "batch_bytes": path.stat().st_size,
        "started": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_start": load_start,
            "load_average_end": load_end,
            "rss_cap_gib": cap / GIB,
        },
        "versions": _versions(),
        "commit_at_start": commit,
        "commit_at_end": _git_commit(),
        "counts": {k: split[k] for k in ("read", "valid", "rejected", "tenders", "reconciles")}
        if split
        else None,
        "stages": [s.to_dict() for s in stages],
        "end_to_end": e2e.to_dict(),
        "end_to_end_streamed": stream.to_dict(),
        "baselines": {
            "parse_floor": floor.to_dict(),
            "bare_is_valid": bare.to_dict(),
            "naive_decimal": naive.to_dict(),
            "parse_json_cross_check": parse_check.to_dict(),
        },
        "ratios_wall": {
            "end_to_end_over_parse_floor": ratio(e2e, floor),
            "streamed_over_parse_floor": ratio(stream, floor),
            "naive_over_end_to_end": ratio(naive, e2e) if check and check["same"] else None,
            "naive_over_streamed": ratio(naive, stream) if check and check["same"] else None,
            "validate_over_bare": ratio(validate, bare),
        },
        "ratios_cpu": {
            "end_to_end_over_parse_floor": ratio(e2e, floor, "cpu"),
            "streamed_over_parse_floor": ratio(stream, floor, "cpu"),
            "naive_over_end_to_end": ratio(naive, e2e, "cpu") if check and check["same"] else None,
            "naive_over_streamed": ratio(naive, stream, "cpu") if check and check["same"] else None,
            "validate_over_bare": ratio(validate, bare, "cpu"),
        },
        "naive_check": check,
        "targets": [{"name": t.name, "verdict": t.verdict, "figure": t.figure} for t in targets],
        "embedding_latency": latency,
        "scaling": scaling,
        "profile": profile,
        "children": {mode: child.to_dict() for mode, child in children.items()},
        "printed": lines,
    }
    report_path = OUT / f"report-{n}.json"
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nreport: {report_path.relative_to(ROOT) if report_path.is_relative_to(ROOT) else report_path}")
    _clean(work, args)
    return 0 if check is None or check["same"] else 1


def _render(
    args: argparse.Namespace,
    path: Path,
    pipe: ChildResult,
    split: Event | None,
    stages: list[Figure],
    e2e: Figure,
    stream: Figure,
    floor: Figure,
    bare: Figure,
    naive: Figure,
    parse_check: Figure,
    check: dict[str, Any] | None,
    targets: list[Target],
    latency: Event | None,
    scaling: list[dict[str, Any]],
    profile: Event | None,
    load_start: tuple[float, ...],
    load_end: tuple[float, ...],
) -> list[str]:
    n = args.bids
    counts = (
        f"{split['tenders']:,} tenders, {split['valid']:,} valid, {split['rejected']:,} rejected"
        if split
        else "counts unknown"
    )
    header = f"  {'stage':<44} {'seconds':>9} {'CPU s':>8} {'bids/s':>11} {'µs/bid':>9} {'peak MiB':>9}"
    lines = [
        f"supplierscore benchmarks: {n:,} bids ({counts}), seed {args.seed}, "
        f"{path.stat().st_size / MIB:,.0f} MiB NDJSON",
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"{load_start[0]:.2f} at start, {load_end[0]:.2f} at end (1-min)",
        "",
        header,
        *(_row_text(s) for s in stages),
        _row_text(e2e),
        _row_text(stream),
        "",
        "  baselines, same file, same run",
        *(_row_text(b) for b in (floor, bare, naive, parse_check)),
        "",
        "  1 time inside bids.plan_reading (first pass: read, SHA-256, orjson for tender ids) and",
        "    bids._parse_line (Decimal-exact JSON) during read_bids; peak RSS: read_bids' own (one pass)",
        "  2 the rest of read_bids: schema validation (formats on), cross-field rules, rejections",
        "  3 the pipeline process's read + score + Parquet; peak RSS taken before its JSON stage",
        "  4 is_valid calls only, on orjson-parsed bids",
        "  5 read + orjson + is_valid + cross-field rules + decimal scoring + ranking, no output",
        "  peak MiB: the process's own peak RSS when the stage ended (VmHWM, cumulative within a process),",
        "    or its process tree's sampled every 0.2 s, whichever is larger (score_stream runs workers)",
        "  CPU s: of the process and its worker processes; wall and CPU differ under load or in parallel",
    ]
    if check is not None:
        verdict = (
            f"same totals and ranks for all {check['engine_eligible']:,} eligible bids"
            if check["same"]
            else f"{check['mismatches']:,} DIFFERENCES (e.g. {check['examples'][:3]}): ratio refused"
        )
        lines += ["", f"naive script check: {verdict}"]

    def ratio_text(label: str, a: Figure, b: Figure) -> str:
        if not (a.seconds and b.seconds):
            return f"  {label}: –"
        cpu = f", CPU {a.cpu / b.cpu:,.2f}×" if a.cpu and b.cpu else ""
        return f"  {label}: {a.seconds / b.seconds:,.2f}×{cpu}"

    lines += [
        "",
        "ratios (wall-clock; CPU seconds beside)",
        ratio_text("end to end / parse floor", e2e, floor),
        ratio_text("streamed / parse floor", stream, floor),
        ratio_text("validate / bare is_valid", stages[1], bare),
    ]
    if check is not None and check["same"]:
        lines += [
            ratio_text("naive script / end to end (speed-up)", naive, e2e),
            ratio_text("naive script / streamed (speed-up)", naive, stream),
        ]
    if latency:
        lines += [
            "",
            f"embedding latency: one {latency['bids']}-bid tender, read_documents + score, "
            f"{latency['calls']:,} calls after {latency['warmup']} warm-up: "
            f"median {latency['median_ms']:.3f} ms, "
            f"p99 {latency['p99_ms']:.3f} ms (min {latency['min_ms']:.3f}, max {latency['max_ms']:.3f})",
        ]
    size_note = "" if n == TARGET_BIDS else f" (stated for {TARGET_BIDS:,} bids; this run has {n:,})"
    lines += ["", f"targets{size_note}", *(t.text() for t in targets)]
    if scaling:
        lines += ["", "scaling: end to end, fresh process each", header.replace("stage", "size ", 1)]
        for point in scaling:
            label = f"{point['path']}, {point['bids']:,} bids"
            if "skipped" in point:
                lines.append(f"  {label:<44} {point['skipped']}")
            else:
                lines.append(
                    f"  {label:<44}  {point['seconds']:>8.2f} {point['cpu_seconds']:>8.2f}  "
                    f"{point['bids_per_s']:>10,.0f}  {point['us_per_bid']:>8.1f} "
                    f"{point['peak_rss_mib']:>9,.0f}"
                )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=TARGET_BIDS, help="bids in the batch (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--invalid", type=float, default=0.02, help="share of invalid bids (default 0.02)")
    parser.add_argument("--scaling", action="store_true", help="end to end at 10k, 100k, 1M bids too")
    parser.add_argument(
        "--scaling-max", type=int, default=TARGET_BIDS, help="largest scaling point (10000000)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the slowest pipeline stage")
    parser.add_argument("--top", type=int, default=10, help="functions listed by --profile")
    parser.add_argument("--calls", type=int, default=1000, help="embedding latency calls")
    parser.add_argument("--warmup", type=int, default=50, help="embedding latency warm-up calls")
    parser.add_argument("--rss-cap-gib", type=float, default=16.0, help="stop a subprocess above this RSS")
    parser.add_argument("--keep-outputs", action="store_true", help="keep the sheets written")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--check", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        CHILDREN[args.child](args)
        return
    sys.exit(main_run(args))


if __name__ == "__main__":
    main()
