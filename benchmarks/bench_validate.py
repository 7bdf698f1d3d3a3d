"""Reading + validating bids, next to bare jsonschema-rs ``is_valid`` on the same bids, in the same run.

``python benchmarks/bench_validate.py --bids 100000`` generates a seeded batch (benchmarks/generate.py),
then measures, each in a fresh process so peak memory is its own:

- ``supplierscore``: ``read_bids`` on the file: parse (Decimal numbers, duplicate-key check), schema
  validation with formats on, cross-field rules, rejections;
- ``bare``: ``orjson.loads`` of every line, then ``jsonschema_rs`` ``is_valid`` (formats on) on every
  bid; only the ``is_valid`` calls are timed, as the floor of validation itself.

It prints a table (seconds, bids/s, µs per bid, peak RSS) and the ratio of the two, and writes it as JSON
beside the batch. Figures are measurements, never assertions.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import write_batch


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_ours(path: Path) -> dict[str, float]:
    from supplierscore.inputs import read_bids

    start = time.perf_counter()
    batch = read_bids([path])
    seconds = time.perf_counter() - start
    assert batch.reconciles
    return {"seconds": seconds, "bids": batch.read, "peak_mib": _peak_mib()}


def measure_bare(path: Path) -> dict[str, float]:
    import jsonschema_rs
    import orjson

    from supplierscore.resources import load_schema

    validator = jsonschema_rs.validator_for(load_schema("bid.schema.json"), validate_formats=True)
    bids = [bid for line in path.read_bytes().splitlines() if line for bid in orjson.loads(line)["bids"]]
    start = time.perf_counter()
    for bid in bids:
        validator.is_valid(bid)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "bids": len(bids), "peak_mib": _peak_mib()}


def _run_stage(stage: str, path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=100_000)
    parser.add_argument("--stage", choices=["ours", "bare"])
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps((measure_ours if args.stage == "ours" else measure_bare)(args.file)))
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-validate-"))
    path = write_batch(folder / "batch.ndjson", args.bids)
    results = {stage: _run_stage(stage, path) for stage in ("ours", "bare")}
    print(f"{'stage':<32} {'seconds':>8} {'bids/s':>10} {'µs/bid':>8} {'peak MiB':>9}")
    for stage, label in (("ours", "supplierscore read_bids"), ("bare", "bare jsonschema_rs is_valid")):
        r = results[stage]
        print(
            f"{label:<32} {r['seconds']:>8.2f} {r['bids'] / r['seconds']:>10,.0f} "
            f"{r['seconds'] / r['bids'] * 1e6:>8.1f} {r['peak_mib']:>9.0f}"
        )
    ratio = results["ours"]["seconds"] / results["bare"]["seconds"]
    print(f"\nratio supplierscore / bare is_valid: {ratio:.1f}× (target ≤ 2×)")
    report = {"bids": args.bids, "stages": results, "ratio": ratio}
    (folder / "bench_validate.json").write_text(json.dumps(report, indent=2))
    print(f"report: {folder / 'bench_validate.json'}")


if __name__ == "__main__":
    main()
