"""Subprocesses for the audit log's crash and concurrency tests (run by tests/test_audit.py, not by pytest).

``python tests/audit_worker.py append DIR COUNT TAG ACKS``
    Append COUNT small runs to the log in DIR; after each append returns, write ``seq hash`` to ACKS.

``python tests/audit_worker.py serve``
    A fork server, so that each crash trial costs a fork rather than a fresh interpreter: for every line
    ``DIR ACKS DELAY [KEY]`` read from standard input, fork a child that appends runs in a loop (each
    signed with KEY when given, acknowledged as above), SIGKILL it after DELAY seconds, and answer
    ``killed``. The test picks every delay
    from a seeded generator, so the trials are reproducible in what they ask for.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from supplierscore import audit
from supplierscore.engine import score
from supplierscore.inputs import InputBytes, read_bids
from supplierscore.ruleset import Ruleset, default_ruleset_path, load_ruleset

CREATED_AT = "2026-01-01T00:00:00Z"


def tender_line(tag: str, number: int) -> bytes:
    """A small tender document; each (tag, number) gives different bytes, so each run stores new objects."""
    bids = [
        {
            "id": f"B-{index}",
            "supplier": {"id": f"S-{index}", "name": f"Supplier {index}", "country": "CA", "size": "small"},
            "price": {"amount": f"{1000 + number * 7 + index * 13}.00", "currency": "CAD"},
            "ownership": {"immigrant": (number * 17 + index * 31) % 101},
            "workforce": {"employees": 10, "immigrants": (number + index) % 11},
        }
        for index in range(3)
    ]
    document = {"tender": {"id": f"T-{tag}-{number}", "currency": "CAD"}, "bids": bids}
    return json.dumps(document).encode() + b"\n"


def append_runs(
    directory: str,
    count: int | None,
    tag: str,
    acks: str,
    key_path: str | None = None,
    ready: Callable[[], object] | None = None,
) -> None:
    """Append runs (forever when count is None), acknowledging each one only after append_run returns."""
    key = audit.load_signing_key(key_path) if key_path else None
    ruleset = _ruleset()
    log = audit.AuditLog(directory)
    ack = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    if ready is not None:
        ready()
    number = 0
    while count is None or number < count:
        inputs = [InputBytes(f"{tag}-{number}.ndjson", tender_line(tag, number))]
        batch = read_bids(inputs)
        sheet = score(batch, ruleset, created_at=CREATED_AT)
        appended = log.append_run(
            batch, ruleset, sheet, inputs=inputs, options={"worker": tag}, signing_key=key
        )
        os.write(ack, f"{appended.seq} {appended.record_hash}\n".encode())
        number += 1
    os.close(ack)


@functools.cache
def _ruleset() -> Ruleset:
    return load_ruleset(default_ruleset_path())


def serve() -> None:
    """Answer one crash trial per input line (see the module docstring).

    Everything is loaded and warmed before the first fork, and the clock starts when the child says it
    is about to append, so the delays spread the kills over appends rather than over start-up.
    """
    score(read_bids([InputBytes("warm.ndjson", tender_line("warm", 0))]), _ruleset())
    for request in sys.stdin:
        directory, acks, delay, *rest = request.split()
        reader, writer = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(reader)
            try:
                ready = functools.partial(os.write, writer, b".")
                key = rest[0] if rest else None
                append_runs(directory, None, f"p{os.getpid()}", acks, key, ready=ready)
            finally:
                os._exit(1)
        os.close(writer)
        os.read(reader, 1)
        os.close(reader)
        time.sleep(float(delay))
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        print("killed", flush=True)


def main() -> None:
    if sys.argv[1] == "serve":
        serve()
    elif sys.argv[1] == "append":
        directory, count, tag, acks = sys.argv[2:6]
        append_runs(directory, int(count), tag, acks)
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")


if __name__ == "__main__":
    main()
