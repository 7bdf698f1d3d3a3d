"""The HTTP service under a bounded load on 127.0.0.1, next to the library call it wraps, in the same run.

``python benchmarks/bench_service.py`` makes one valid 50-bid tender document (benchmarks/generate.py),
then:

1. **library**: times, in this process, exactly the work the service does per request: ``read_bids`` of
   the body as ``InputBytes`` (exact parsing, validation), ``score`` and ``to_json_bytes`` (the sheet);
2. **service**: starts ``supplierscore serve`` in its own process (a temporary key file, a rate limit
   high enough not to interfere; ``--audit-log`` adds one appended run per request) and sends
   ``POST /v1/score`` with that document from 1, 8 and 32 concurrent clients, each on its own keep-alive
   connection, for ``--requests`` requests per level after a warm-up.

It prints requests/s, p50 and p99 per level, and the service's **overhead over the library call**, two
ways: per request, the client's latency minus the library time the service reports for that very request
in ``Server-Timing`` (``library`` and, with an audit log, ``audit``), whose p50 is the figure the target
is about; and, as a cross-check, p50 of a request from one client minus p50 of the library call timed in
this process. With more clients, requests also wait for each other on the cores: that is queueing, and it
shows in the per-request overhead at 8 and 32 clients. Figures are measurements, never assertions; the
JSON report goes to ``benchmarks/out/service.json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from generate import make_bid


def tender_body(bids: int = 50) -> bytes:
    """One valid tender document of ``bids`` bids, as JSON bytes."""
    rng = random.Random(2026)
    closing, budget = "2026-06-30", 400_000
    header = {
        "id": "T-LOAD",
        "title": "One tender",
        "closing_date": closing,
        "budget": {"amount": f"{budget}.00", "currency": "CAD"},
        "currency": "CAD",
        "buyer": "City of Example",
    }
    document = {"tender": header, "bids": [make_bid(rng, i, closing, budget) for i in range(bids)]}
    return json.dumps(document).encode()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure_library(body: bytes, calls: int) -> dict[str, float]:
    """The library work of one request, timed call by call (ms)."""
    from supplierscore import load_ruleset, score
    from supplierscore.inputs import InputBytes, read_bids

    ruleset = load_ruleset()

    def once() -> int:
        sheet = score(read_bids([InputBytes("request.json", body)]), ruleset)
        assert sheet.metadata.counts.rejected == 0
        return len(sheet.to_json_bytes())

    for _ in range(20):
        once()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        once()
        samples.append((time.perf_counter() - start) * 1000)
    return {"calls": calls, "p50_ms": statistics.median(samples), "p99_ms": percentile(samples, 0.99)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_service(folder: Path, audit_log: bool) -> tuple[subprocess.Popen[bytes], int, str]:
    """``supplierscore serve`` in its own process; returns it, its port and a score key."""
    from supplierscore.service import add_key

    key = add_key(folder / "keys.json", "bench", "score")
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "supplierscore",
        "serve",
        "--keys",
        str(folder / "keys.json"),
        "--port",
        str(port),
        "--rate-limit",
        "1000000",
        "--burst",
        "1000000",
    ]
    if audit_log:
        command += ["--audit-log", str(folder / "audit")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return process, port, key
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the service did not start")


def load(port: int, key: str, body: bytes, clients: int, requests: int) -> dict[str, float]:
    """``requests`` POST /v1/score spread over ``clients`` threads, each with its own connection."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    samples: list[float] = []
    overheads: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    share = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def client(count: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        mine: list[float] = []
        extra: list[float] = []
        bad: list[int] = []
        barrier.wait()
        for _ in range(count):
            start = time.perf_counter()
            connection.request("POST", "/v1/score", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            extra.append(mine[-1] - _server_ms(response.getheader("Server-Timing") or ""))
            if response.status != 200:
                bad.append(response.status)
        connection.close()
        with lock:
            samples.extend(mine)
            overheads.extend(extra)
            failures.extend(bad)

    threads = [threading.Thread(target=client, args=(n,)) for n in share]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    return {
        "clients": clients,
        "requests": len(samples),
        "failures": len(failures),
        "requests_per_s": len(samples) / seconds,
        "p50_ms": statistics.median(samples),
        "p99_ms": percentile(samples, 0.99),
        "overhead_p50_ms": statistics.median(overheads),
        "overhead_p99_ms": percentile(overheads, 0.99),
    }


def _server_ms(header: str) -> float:
    """The library (and audit) milliseconds a ``Server-Timing`` header reports."""
    total = 0.0
    for metric in header.split(","):
        name, _, rest = metric.strip().partition(";")
        if name in ("library", "audit") and rest.startswith("dur="):
            total += float(rest[4:])
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per concurrency level")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels, comma-separated")
    parser.add_argument("--bids", type=int, default=50, help="bids in the tender of each request")
    parser.add_argument("--audit-log", action="store_true", help="serve with --audit-log (one run a request)")
    args = parser.parse_args()
    body = tender_body(args.bids)
    library = measure_library(body, max(200, args.requests))
    levels = []
    with tempfile.TemporaryDirectory(prefix="bench-service-") as folder:
        process, port, key = start_service(Path(folder), args.audit_log)
        try:
            load(port, key, body, 4, 40)  # warm-up: imports, caches, connections
            for clients in (int(c) for c in args.clients.split(",")):
                levels.append(load(port, key, body, clients, args.requests))
        finally:
            process.terminate()
            process.wait(30)
    one = next((level for level in levels if level["clients"] == 1), None)
    cross_check = None if one is None else one["p50_ms"] - library["p50_ms"]
    report: dict[str, Any] = {
        "bids_per_request": args.bids,
        "body_bytes": len(body),
        "audit_log": args.audit_log,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "library": library,
        "service": levels,
        "overhead_p50_ms": None if one is None else one["overhead_p50_ms"],
        "overhead_cross_check_ms": cross_check,
    }
    mode = "on" if args.audit_log else "off"
    print(f"one {args.bids}-bid tender per request ({len(body):,} bytes), audit log {mode}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"library call (read_bids + score + JSON): p50 {library['p50_ms']:.2f} ms, "
        f"p99 {library['p99_ms']:.2f} ms"
    )
    print(
        f"{'clients':>7}  {'requests':>8}  {'req/s':>7}  {'p50 ms':>7}  {'p99 ms':>7}  "
        f"{'overhead p50':>12}  {'p99':>7}  {'failed':>6}"
    )
    for level in levels:
        print(
            f"{level['clients']:>7}  {level['requests']:>8}  {level['requests_per_s']:>7.1f}  "
            f"{level['p50_ms']:>7.2f}  {level['p99_ms']:>7.2f}  {level['overhead_p50_ms']:>12.2f}  "
            f"{level['overhead_p99_ms']:>7.2f}  {level['failures']:>6}"
        )
    if one is not None and cross_check is not None:
        verdict = "MET" if one["overhead_p50_ms"] <= 2 else "MISSED"
        print(
            f"service overhead at 1 client, p50 per request: {one['overhead_p50_ms']:.2f} ms "
            f"(target ≤ 2 ms: {verdict})"
        )
        print(f"cross-check: p50 request − p50 library call in this process: {cross_check:.2f} ms")
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "service.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
