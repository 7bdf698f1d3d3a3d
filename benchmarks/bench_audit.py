"""What ``--audit-log`` costs: on the example batch and on 100,000 bids (benchmarks/generate.py, seeded).

``python benchmarks/bench_audit.py [--bids 100000] [--replay] [--runs 5]``

Measured, each as the median of ``--runs`` repetitions where it is cheap enough:

- **examples, command line**: ``supplierscore score examples/tenders.ndjson --out sheet.json``, without
  and with ``--audit-log`` (a fresh log each time) and with ``--signing-key``: wall time of the whole
  process, as a user sees it;
- **examples, in process**: read + score + write the JSON sheet, then the append alone (into a fresh log:
  new objects; and again into the same log: deduplicated objects);
- **large batch, in process** (once: scoring it takes a while): read + score + write the JSON sheet, then
  the append (read the input again and check its digest, hash and store the objects with fsync, append
  the record); then ``verify`` on the log, and with ``--replay`` a full replay.

The append reuses the JSON sheet the run wrote (as the command line does), so the overhead is the
audit's own work. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).parent))

from generate import write_batch  # noqa: E402

from supplierscore import audit  # noqa: E402
from supplierscore.engine import score  # noqa: E402
from supplierscore.inputs import read_bids  # noqa: E402
from supplierscore.ruleset import Ruleset, default_ruleset_path, load_ruleset  # noqa: E402

EXAMPLES = ROOT / "examples" / "tenders.ndjson"


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def cli_seconds(folder: Path, variants: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """Median wall time and CPU time (user + system) of ``supplierscore score`` on the examples per
    variant, in a fresh process each time. The variants take turns, so that a busy machine slows them all
    alike; CPU time is the steadier figure on a shared machine, wall time includes the fsyncs."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [
        sys.executable,
        "-m",
        "supplierscore",
        "score",
        str(EXAMPLES),
        "--out",
        str(folder / "s.json"),
        "-q",
    ]
    for index in range(runs):
        for name, extra in variants.items():
            args = [a.replace("{n}", str(index)) for a in extra]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([*command, *args], check=True, env=env)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            samples[name].append((wall, cpu))
    return {name: (_median([w for w, _ in v]), _median([c for _, c in v])) for name, v in samples.items()}


def run_once(path: Path, ruleset: Ruleset, out: Path) -> tuple[Any, Any, float]:
    """Read, score and write the JSON sheet, as ``score`` does; returns the batch, sheet and seconds."""
    start = time.perf_counter()
    batch = read_bids([str(path)])
    sheet = score(batch, ruleset)
    sheet.write(out)
    return batch, sheet, time.perf_counter() - start


def append_seconds(log: audit.AuditLog, batch: Any, ruleset: Ruleset, sheet: Any, out: Path) -> float:
    """The audit's own work in ``score --audit-log``: read the JSON sheet back and append the run."""
    start = time.perf_counter()
    log.append_run(batch, ruleset, sheet, sheet_bytes=out.read_bytes())
    return time.perf_counter() - start


def examples_in_process(folder: Path, ruleset: Ruleset, runs: int) -> dict[str, float]:
    runs_s, fresh, repeat = [], [], []
    for index in range(runs):
        batch, sheet, seconds = run_once(EXAMPLES, ruleset, folder / "s.json")
        runs_s.append(seconds)
        log = audit.AuditLog(folder / f"log-{index}")
        fresh.append(append_seconds(log, batch, ruleset, sheet, folder / "s.json"))
        repeat.append(append_seconds(log, batch, ruleset, sheet, folder / "s.json"))
    return {"run": _median(runs_s), "append new": _median(fresh), "append dedup": _median(repeat)}


def large_in_process(folder: Path, ruleset: Ruleset, bids: int, replay: bool) -> dict[str, float]:
    path = write_batch(folder / "batch.ndjson", bids)
    batch, sheet, seconds = run_once(path, ruleset, folder / "sheet.json")
    log = audit.AuditLog(folder / "log")
    figures = {"run": seconds, "input MB": path.stat().st_size / 1e6}
    figures["sheet MB"] = (folder / "sheet.json").stat().st_size / 1e6
    figures["append"] = append_seconds(log, batch, ruleset, sheet, folder / "sheet.json")
    figures["verify"], result = _timed(log.verify)
    assert result.ok, result.summary()
    if replay:
        figures["replay"], _ = _timed(lambda: log.replay(1))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--replay", action="store_true", help="also time a full replay of the large run")
    args = parser.parse_args()
    ruleset = load_ruleset(default_ruleset_path())
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        keys = audit.keygen(folder / "k")
        cli = cli_seconds(
            folder,
            {
                "plain": [],
                "logged": ["--audit-log", str(folder / "cli-{n}")],
                "signed": ["--audit-log", str(folder / "signed-{n}"), "--signing-key", str(keys.private)],
            },
            args.runs,
        )
        small = examples_in_process(folder, ruleset, args.runs)
        large = large_in_process(folder, ruleset, args.bids, args.replay)
    print(f"examples/tenders.ndjson, command line (median of {args.runs}, whole process):")
    plain_wall, plain_cpu = cli["plain"]
    print(f"  {'':31} {'wall':>8}  {'CPU':>8}")
    print(f"  {'score':31} {plain_wall * 1000:5.0f} ms  {plain_cpu * 1000:5.0f} ms")
    for name, label in (("logged", "--audit-log"), ("signed", "--audit-log --signing-key")):
        wall, cpu = cli[name]
        extra = f"({(wall - plain_wall) * 1000:+.0f} ms wall, {(cpu - plain_cpu) * 1000:+.0f} ms CPU)"
        print(f"  score {label:<25} {wall * 1000:5.0f} ms  {cpu * 1000:5.0f} ms   {extra}")
    print(f"examples/tenders.ndjson, in process (median of {args.runs}):")
    print(f"  read + score + write JSON    {small['run'] * 1000:8.1f} ms")
    share = small["append new"] / small["run"] * 100
    print(f"  append, new objects          {small['append new'] * 1000:8.1f} ms   ({share:.0f} % of the run)")
    print(f"  append, deduplicated         {small['append dedup'] * 1000:8.1f} ms")
    sizes = f"input {large['input MB']:.0f} MB, JSON sheet {large['sheet MB']:.0f} MB"
    print(f"{args.bids:,} bids ({sizes}), in process:")
    print(f"  read + score + write JSON    {large['run']:8.1f} s")
    share = large["append"] / large["run"] * 100
    print(f"  append                       {large['append']:8.1f} s   ({share:.1f} % of the run)")
    print(f"  verify (hashes every object) {large['verify']:8.1f} s")
    if "replay" in large:
        print(f"  replay                       {large['replay']:8.1f} s")


if __name__ == "__main__":
    main()
