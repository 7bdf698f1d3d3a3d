"""OCDS import speed: a release package of N bids next to the same bids as NDJSON tender documents.

``python benchmarks/bench_ocds.py --bids 100000`` generates a seeded batch (benchmarks/generate.py, no
invalid bids), keeps of each bid what OCDS can carry (id, date, price, supplier id, name and country),
and writes it twice: as tender documents (NDJSON) and as one OCDS 1.1 release package (one release per
tender, ``parties`` and ``bids.details``). Then, each in a fresh process so its peak memory is its own:

- ``ocds``: :func:`supplierscore.inputs.import_ocds` on the package: parse (Decimal numbers), map to
  tender documents, validate them (the same :func:`read_documents` as every input), the report;
- ``ocds+register``: the same with a supplier register CSV (one row per supplier) merged in;
- ``ndjson``: :func:`supplierscore.read_bids` on the NDJSON file (parse, validate);
- ``parse``: :func:`supplierscore.inputs.parse_json` of the package alone, the floor of the OCDS path.

It prints seconds, bids/s, µs a bid and peak RSS, and writes them as JSON beside the files. Figures are
measurements, never assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from generate import documents

STAGES = {
    "ocds": "import_ocds (release package)",
    "ocds+register": "import_ocds + register CSV",
    "ndjson": "read_bids (same bids, NDJSON)",
    "parse": "parse_json of the package",
}


def _peak_mib() -> float:
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_files(folder: Path, bids: int, seed: int) -> dict[str, Path]:
    """The same bids as a release package, as NDJSON tender documents, and a register of their suppliers."""
    releases: list[dict[str, Any]] = []
    suppliers: dict[str, dict[str, Any]] = {}
    ndjson = folder / f"bids-{bids}.ndjson"
    with ndjson.open("w", encoding="utf-8") as out:
        for document in documents(bids, seed, invalid=0.0):
            header = document["tender"]
            kept = []
            parties: dict[str, dict[str, Any]] = {}
            for bid in document["bids"]:
                supplier = {k: bid["supplier"][k] for k in ("id", "name", "country") if k in bid["supplier"]}
                kept.append({"id": bid["id"], "price": bid["price"], "supplier": supplier})
                if "submitted_at" in bid:
                    kept[-1]["submitted_at"] = bid["submitted_at"]
                party: dict[str, Any] = {"id": supplier["id"], "name": supplier["name"]}
                party["roles"] = ["tenderer"]
                if "country" in supplier:
                    party["address"] = {"country": supplier["country"]}
                parties[supplier["id"]] = party
                suppliers.setdefault(supplier["id"], bid.get("ownership", {}))
            out.write(json.dumps({"tender": header, "bids": kept}, separators=(",", ":")) + "\n")
            tender: dict[str, Any] = {"id": header["id"], "title": header["title"]}
            if "budget" in header:
                tender["value"] = header["budget"]
            if "closing_date" in header:
                tender["tenderPeriod"] = {"endDate": f"{header['closing_date']}T17:00:00-05:00"}
            details = [
                {
                    "id": b["id"],
                    "status": "valid",
                    "tenderers": [{"id": b["supplier"]["id"], "name": b["supplier"]["name"]}],
                    "value": b["price"],
                    **({"date": b["submitted_at"]} if "submitted_at" in b else {}),
                }
                for b in kept
            ]
            releases.append(
                {
                    "ocid": header["id"],
                    "id": f"{header['id']}-1",
                    "date": "2026-01-01T00:00:00Z",
                    "tag": ["tender"],
                    "initiationType": "tender",
                    "parties": list(parties.values()),
                    "tender": tender,
                    "bids": {"details": details},
                }
            )
    package = folder / f"package-{bids}.json"
    package.write_text(
        json.dumps(
            {
                "uri": "https://example.org/bench.json",
                "version": "1.1",
                "publishedDate": "2026-01-01T00:00:00Z",
                "publisher": {"name": "benchmark"},
                "releases": releases,
            },
            separators=(",", ":"),
        )
    )
    register = folder / f"register-{bids}.csv"
    with register.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["supplier_id", "ownership.immigrant", "ownership.women"])
        for supplier_id, ownership in suppliers.items():
            writer.writerow([supplier_id, ownership.get("immigrant", ""), ownership.get("women", "")])
    return {"package": package, "ndjson": ndjson, "register": register}


def measure(stage: str, files: dict[str, Path]) -> dict[str, float]:
    from supplierscore.inputs import import_ocds, parse_json, read_bids

    start = time.perf_counter()
    if stage == "parse":
        package = parse_json(files["package"].read_bytes())
        bids = sum(len(r["bids"]["details"]) for r in package["releases"])
    elif stage == "ndjson":
        batch = read_bids([files["ndjson"]])
        assert batch.reconciles
        bids = batch.read
    else:
        register = files["register"] if stage == "ocds+register" else None
        imported = import_ocds([files["package"]], suppliers=register)
        assert imported.report.reconciles and imported.batch.reconciles
        bids = imported.report.files[0].bids
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "bids": bids, "peak_mib": _peak_mib()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stage", choices=list(STAGES))
    parser.add_argument("--files", type=str)
    args = parser.parse_args()
    if args.stage:
        files = {k: Path(v) for k, v in json.loads(args.files).items()}
        print(json.dumps(measure(args.stage, files)))
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-ocds-"))
    files = write_files(folder, args.bids, args.seed)
    given = json.dumps({k: str(v) for k, v in files.items()})
    results = {}
    for stage in STAGES:
        output = subprocess.run(
            [sys.executable, __file__, "--stage", stage, "--files", given],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[stage] = json.loads(output)
    size, lines = (files[name].stat().st_size / 2**20 for name in ("package", "ndjson"))
    print(f"{args.bids:,} bids; package {size:,.1f} MiB, NDJSON {lines:,.1f} MiB")
    print(f"{'stage':<34} {'seconds':>8} {'bids/s':>10} {'µs/bid':>8} {'peak MiB':>9}")
    for stage, label in STAGES.items():
        r = results[stage]
        print(
            f"{label:<34} {r['seconds']:>8.2f} {r['bids'] / r['seconds']:>10,.0f} "
            f"{r['seconds'] / r['bids'] * 1e6:>8.1f} {r['peak_mib']:>9.0f}"
        )
    ratio = results["ocds"]["seconds"] / results["ndjson"]["seconds"]
    print(f"\nOCDS import / NDJSON read: {ratio:.2f}× the time")
    (folder / "bench_ocds.json").write_text(json.dumps({"bids": args.bids, "stages": results}, indent=2))
    print(f"report: {folder / 'bench_ocds.json'}")


if __name__ == "__main__":
    main()
