"""Running measurements in processes of their own, watched: wall and CPU seconds, and the peak RSS of the
whole process tree (a streamed run's workers included), with a cap that stops a run before it swaps.

Used by ``run.py``; nothing here imports supplierscore, so the parent stays small and measures nothing
of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GIB = 1024**3
MIB = 1024**2
SAMPLE_SECONDS = 0.2  # often enough for runs of seconds; each sample walks /proc, taking CPU from them

Event = dict[str, Any]


def log(message: str) -> None:
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


def _pss_of(pid: int) -> int | None:
    """Proportional set size in bytes: each shared page split among the processes sharing it."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _tree_pss(pid: int) -> int | None:
    """PSS of a process plus all its descendants, in bytes: what the tree holds, shared pages once."""
    sizes = [pss for member in _tree(pid) if (pss := _pss_of(member)) is not None]
    return sum(sizes) if sizes else None


def _tree_rss(pid: int) -> int | None:
    """RSS of a process plus all its descendants, in bytes. Pages that forked workers share with their
    parent count once per process, so this is an upper bound on the memory the tree really holds."""
    sizes = [rss for member in _tree(pid) if (rss := _rss_of(member)) is not None]
    return sum(sizes) if sizes else None


def available_bytes() -> int | None:
    return _meminfo("MemAvailable")


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith(f"{key}:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


@dataclass
class Watched:
    """One process run: wall and CPU seconds (its own and its workers'), sampled peak RSS of its tree,
    the JSON events it printed (children of run.py), and why the watchdog stopped it, if it did."""

    mode: str
    command: list[str] = field(default_factory=list)
    events: dict[str, Event] = field(default_factory=dict)
    killed: str | None = None
    returncode: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    peak_mib: float = 0.0
    peak_pss_mib: float = 0.0
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()

    def get(self, event: str) -> Event | None:
        return self.events.get(event)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "command": self.command,
            "events": self.events,
            "killed": self.killed,
            "returncode": self.returncode,
            "wall_seconds": self.seconds,
            "cpu_seconds": self.cpu,
            "sampled_peak_mib": self.peak_mib,
            "sampled_peak_pss_mib": self.peak_pss_mib,
            "load_before": self.load_before,
            "load_after": self.load_after,
        }


def child_env(src: Path = ROOT / "src") -> dict[str, str]:
    """The environment of a measured process: ``src`` first on the path, so this tree's code runs."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return env


def run_watched(
    mode: str,
    command: list[str],
    cap_bytes: int,
    *,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    ok_codes: tuple[int, ...] = (0,),
) -> Watched:
    """Run ``command`` and wait, sampling its tree's RSS every 0.2 s and killing the tree above the cap.

    With ``stdout`` None the process's standard output is read as JSON events (one object a line);
    otherwise it goes to ``stdout`` (a file), untouched. Standard error goes to ``stderr`` (a file: then
    the CLI, not on a terminal, draws no progress bar) or passes through. CPU seconds
    come from ``RUSAGE_CHILDREN`` (this process runs one measured child at a time; a child's reaped
    workers count in it). An exit code outside ``ok_codes`` stops the benchmark.
    """
    result = Watched(mode, command, load_before=os.getloadavg())
    log(f"{mode}: started")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE if stdout is None else stdout,
        stderr=stderr,
        text=True,
        env=child_env(),
    )
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(SAMPLE_SECONDS):
            rss = _tree_rss(process.pid)
            if rss is None:
                continue
            result.peak_mib = max(result.peak_mib, rss / MIB)
            pss = _tree_pss(process.pid)
            if pss is not None:
                result.peak_pss_mib = max(result.peak_pss_mib, pss / MIB)
            if rss > cap_bytes and process.poll() is None:
                result.killed = f"RSS over the {cap_bytes / GIB:.1f} GiB cap"
                for pid in reversed(_tree(process.pid)):  # our own child and its workers
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    if process.stdout is not None:
        for line in process.stdout:
            event = json.loads(line)
            # Peak RSS of the whole process tree (worker processes included), as sampled so far.
            event["peak_mib"] = max(event.get("peak_mib", 0.0), result.peak_mib)
            result.events[event["event"]] = event
            if "seconds" in event:
                log(f"{mode}: {event['event']} {event['seconds']:.2f} s, peak {event['peak_mib']:,.0f} MiB")
    result.returncode = process.wait()
    result.seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stop.set()
    watcher.join()
    result.cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    # The largest single process of the tree, as the kernel saw it: a floor under the sampled sum.
    result.peak_mib = max(result.peak_mib, after.ru_maxrss / 1024 if after.ru_maxrss > usage.ru_maxrss else 0)
    result.load_after = os.getloadavg()
    if result.killed:
        log(f"{mode}: stopped by the watchdog: {result.killed}")
    elif result.returncode not in ok_codes:
        where = f" (its output: {stdout.name})" if stdout is not None and hasattr(stdout, "name") else ""
        raise SystemExit(
            f"benchmark process {mode!r} failed with exit code {result.returncode}{where}: {command}"
        )
    else:
        log(
            f"{mode}: {result.seconds:.2f} s, peak {result.peak_mib:,.0f} MiB RSS, "
            f"{result.peak_pss_mib:,.0f} MiB PSS (process tree)"
        )
    return result


def run_child(mode: str, cap_bytes: int, **options: Any) -> Watched:
    """Run one of run.py's in-process measurements in a fresh interpreter."""
    command = [sys.executable, str(HERE / "run.py"), "--child", mode]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    return run_watched(mode, command, cap_bytes)


# --- Start-up ----------------------------------------------------------------------------------------


def startup_commands(out_dir: Path) -> dict[str, list[str]]:
    """The two whole-process commands of the start-up row, as ``python -m supplierscore`` runs them."""
    example = ROOT / "examples" / "tenders.ndjson"
    return {
        "--help": ["--help"],
        "score examples → JSON": ["score", str(example), "--out", str(out_dir / "startup.json")],
    }


@contextlib.contextmanager
def source_tree(ref: str) -> Any:
    """``src/`` of git ref ``ref`` in a temporary folder (``git archive``: the repository is not touched)."""
    with tempfile.TemporaryDirectory(prefix="supplierscore-before-") as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", ref, "src"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder) / "src"


def time_commands(trees: dict[str, Path], runs: int, out_dir: Path) -> dict[str, dict[str, Any]]:
    """Median wall seconds of each start-up command under each source tree, ``runs`` times each,
    interleaved (tree after tree, command after command) so that a change of load hits all alike."""
    commands = startup_commands(out_dir)
    samples: dict[str, dict[str, list[float]]] = {tree: {c: [] for c in commands} for tree in trees}
    codes: dict[str, dict[str, int]] = {tree: {} for tree in trees}
    for _ in range(runs):
        for tree, src in trees.items():
            env = child_env(src)
            env["PYTHONPATH"] = str(src)  # this tree's code only
            for name, args in commands.items():
                start = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "supplierscore", *args],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                samples[tree][name].append(time.perf_counter() - start)
                codes[tree][name] = done.returncode
    return {
        tree: {
            name: {
                "median_s": statistics.median(values),
                "min_s": min(values),
                "max_s": max(values),
                "runs": len(values),
                "exit_code": codes[tree][name],
            }
            for name, values in per_command.items()
        }
        for tree, per_command in samples.items()
    }


def imported_modules(src: Path, args: list[str]) -> list[str]:
    """Every module a whole ``python -m supplierscore ARGS`` process imports (``-X importtime``)."""
    env = child_env(src)
    env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "supplierscore", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return sorted(
        {
            line.rsplit("|", 1)[1].strip()
            for line in done.stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2 and "cumulative" not in line
        }
    )


# --- The machine and the code ------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = None
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    total = _meminfo("MemTotal")
    return {
        "cores": os.cpu_count(),
        "cpu_model": model or platform.processor() or "unknown",
        "ram_gib": round(total / GIB, 1) if total else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("supplierscore", "polars", "orjson", "jsonschema-rs"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed (source tree)" if name == "supplierscore" else "missing"
    return found


def git_commit() -> str | None:
    """The short commit of the tree measured, marked when ``src/`` differs from it."""
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
