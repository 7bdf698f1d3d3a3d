"""Reading bids from .xlsx and .csv next to the same bids as NDJSON, in the same run.

``python benchmarks/bench_spreadsheets.py --bids 100000`` generates a seeded batch of valid bids
(benchmarks/generate.py, no invalid ones, so every format holds the same bids), converts it to a
workbook and to CSV tables with the writers ``supplierscore convert`` uses, then measures ``read_bids``
(open, read every cell, build tender documents, validate) on each, each in a fresh process so peak
memory is its own. With ``--readers`` it also times opening the workbook's Bids sheet alone with
python-calamine and (when installed) openpyxl in read-only mode: the measurement the reader was chosen on.

Figures are measurements, never assertions; the table is also written as JSON beside the batch.
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


def measure_read(path: Path) -> dict[str, float]:
    from supplierscore.inputs import read_bids

    start = time.perf_counter()
    batch = read_bids([path])
    seconds = time.perf_counter() - start
    assert batch.reconciles and not batch.rejections, batch.rejections[:3]
    return {"seconds": seconds, "bids": batch.read, "peak_mib": _peak_mib()}


def measure_calamine(path: Path) -> dict[str, float]:
    import python_calamine

    start = time.perf_counter()
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Bids").to_python()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "bids": len(rows) - 2, "peak_mib": _peak_mib()}


def measure_openpyxl(path: Path) -> dict[str, float]:
    import openpyxl  # not a dependency: installed only to repeat the measurement

    start = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for _ in book["Bids"].iter_rows(values_only=True))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "bids": rows - 2, "peak_mib": _peak_mib()}


STAGES = {
    "read": measure_read,
    "calamine": measure_calamine,
    "openpyxl": measure_openpyxl,
}


def _run_stage(stage: str, path: Path) -> dict[str, float] | None:
    done = subprocess.run(
        [sys.executable, __file__, "--stage", stage, "--file", str(path)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"{stage} on {path.name} failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    result: dict[str, float] = json.loads(done.stdout)
    return result


def _convert(source: Path, folder: Path) -> tuple[Path, Path]:
    from supplierscore.inputs import document_tables, parse_json, write_csv_tables, write_workbook

    documents = [parse_json(line) for line in source.read_bytes().splitlines() if line.strip()]
    tables = document_tables(documents)
    workbook = folder / "batch.xlsx"
    write_workbook(tables, workbook, blank_rows=0)
    write_csv_tables(tables, folder / "batch.csv")
    return workbook, folder / "batch.bids.csv"


def _convert_in_child(source: Path) -> tuple[Path, Path]:
    """Convert in a child process: a parent holding the documents would pass its peak RSS on to every
    measuring process it starts (Linux keeps ``ru_maxrss`` across fork and exec)."""
    subprocess.run([sys.executable, __file__, "--convert", str(source)], check=True)
    return source.with_suffix(".xlsx"), source.with_name("batch.bids.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=100_000)
    parser.add_argument("--readers", action="store_true", help="also time calamine and openpyxl alone")
    parser.add_argument("--stage", choices=list(STAGES))
    parser.add_argument("--file", type=Path)
    parser.add_argument("--convert", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.convert:
        _convert(args.convert, args.convert.parent)
        return
    if args.stage:
        print(json.dumps(STAGES[args.stage](args.file)))
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-spreadsheets-"))
    ndjson = write_batch(folder / "batch.ndjson", args.bids, invalid=0.0)
    workbook, csv = _convert_in_child(ndjson)
    runs = [
        ("read_bids: NDJSON", "read", ndjson),
        ("read_bids: XLSX", "read", workbook),
        ("read_bids: CSV tables", "read", csv),
    ]
    if args.readers:
        runs += [
            ("open Bids sheet: python-calamine", "calamine", workbook),
            ("open Bids sheet: openpyxl read-only", "openpyxl", workbook),
        ]
    sizes = {p.name: p.stat().st_size for p in (ndjson, workbook, csv)}
    print(f"{args.bids:,} bids; files: " + ", ".join(f"{n} {s / 2**20:.1f} MiB" for n, s in sizes.items()))
    print(f"{'stage':<38} {'seconds':>8} {'bids/s':>10} {'µs/bid':>8} {'peak MiB':>9}")
    results = {}
    for label, stage, path in runs:
        result = _run_stage(stage, path)
        results[label] = result
        if result is None:
            print(f"{label:<38} {'n/a':>8}")
            continue
        print(
            f"{label:<38} {result['seconds']:>8.2f} {result['bids'] / result['seconds']:>10,.0f} "
            f"{result['seconds'] / result['bids'] * 1e6:>8.1f} {result['peak_mib']:>9.0f}"
        )
    report = folder / "bench_spreadsheets.json"
    report.write_text(json.dumps({"bids": args.bids, "sizes": sizes, "stages": results}, indent=2))
    print(f"report: {report}")


if __name__ == "__main__":
    main()
