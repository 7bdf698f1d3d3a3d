"""Reading + validation next to its floor, and the embedding path, each stage in a fresh process.

``python benchmarks/bench_read.py FILE.ndjson --runs 3`` (make the file with benchmarks/generate.py)
prints, per run, ``read_bids([FILE])`` (wall and CPU seconds), the floor (``orjson.loads`` of every line,
GC off) and bare jsonschema-rs ``is_valid`` (formats on) on every bid, then the medians and the ratio
``read_bids / (orjson + is_valid)``; and ``read_documents`` of one generated 50-bid tender, p50/p99
over 1,000 calls. Figures are measurements, never assertions.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def stage(name: str, path: Path) -> dict[str, float]:
    if name == "read":
        from supplierscore.inputs import read_bids

        cpu, wall = time.process_time(), time.perf_counter()
        batch = read_bids([path])
        result = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
        assert batch.reconciles
        return result
    import orjson

    gc.disable()
    lines = [line for line in path.read_bytes().splitlines() if line]
    if name == "floor":
        wall = time.perf_counter()
        for line in lines:
            orjson.loads(line)
        return {"wall": time.perf_counter() - wall}
    import jsonschema_rs

    from supplierscore.resources import load_schema

    validator = jsonschema_rs.validator_for(load_schema("bid.schema.json"), validate_formats=True)
    bids = [bid for line in lines for bid in orjson.loads(line)["bids"]]
    wall = time.perf_counter()
    for bid in bids:
        validator.is_valid(bid)
    return {"wall": time.perf_counter() - wall}


def embedding(calls: int = 1000) -> dict[str, float]:
    sys.path.insert(0, str(Path(__file__).parent))
    from generate import make_bid

    from supplierscore.inputs import read_documents

    rng = random.Random(2026)
    header = {"id": "T-LATENCY", "closing_date": "2026-06-30", "currency": "CAD"}
    header["budget"] = {"amount": "400000.00", "currency": "CAD"}
    document: dict[str, Any] = {
        "tender": header,
        "bids": [make_bid(rng, i, "2026-06-30", 400_000) for i in range(50)],
    }
    for _ in range(50):
        read_documents([document])
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        read_documents([document])
        samples.append(time.perf_counter() - start)
    samples.sort()
    return {"p50_ms": samples[calls // 2] * 1e3, "p99_ms": samples[calls * 99 // 100] * 1e3}


def _child(*args: str) -> dict[str, float]:
    output = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(output.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stage", choices=["read", "floor", "bare", "embedding"])
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(embedding() if args.stage == "embedding" else stage(args.stage, args.file)))
        return
    runs: dict[str, list[float]] = {"read": [], "read_cpu": [], "floor": [], "bare": []}
    for _ in range(args.runs):
        read = _child(str(args.file), "--stage", "read")
        runs["read"].append(read["wall"])
        runs["read_cpu"].append(read["cpu"])
        runs["floor"].append(_child(str(args.file), "--stage", "floor")["wall"])
        runs["bare"].append(_child(str(args.file), "--stage", "bare")["wall"])
        print(" ".join(f"{k} {v[-1]:.3f} s" for k, v in runs.items()))
    medians = {k: statistics.median(v) for k, v in runs.items()}
    ratio = medians["read"] / (medians["floor"] + medians["bare"])
    print("median " + " ".join(f"{k} {v:.3f} s" for k, v in medians.items()) + f"; ratio {ratio:.2f}x")
    latency = _child(str(args.file), "--stage", "embedding")
    print(
        f"read_documents, one 50-bid tender: p50 {latency['p50_ms']:.3f} ms, p99 {latency['p99_ms']:.3f} ms"
    )


if __name__ == "__main__":
    main()
