"""Concurrent requests on a real server: each scoring request appends exactly one run, and the audit log
verifies afterwards."""

from __future__ import annotations

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from supplierscore import audit
from tests.service_helpers import EXAMPLES, make_keys, running_server

CLIENTS = 8
REQUESTS = 25


def _client(host: str, port: int, key: str, bodies: list[bytes]) -> list[tuple[int, str, str]]:
    """One client on one keep-alive connection: (status, run id, audit seq) per request."""
    connection = http.client.HTTPConnection(host, port, timeout=120)
    answers = []
    try:
        for body in bodies:
            connection.request(
                "POST",
                "/v1/score",
                body=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            data = response.read()
            run_id = json.loads(data)["metadata"]["run_id"] if response.status == 200 else ""
            answers.append((response.status, run_id, response.getheader("Supplierscore-Audit-Seq") or ""))
    finally:
        connection.close()
    return answers


def test_concurrent_requests_each_append_one_run_and_the_log_verifies(tmp_path: Path) -> None:
    """8 clients × 25 requests at once: all 200, 200 distinct sequence numbers, 200 run records in the
    log, each naming the run its response reported, and ``verify`` passes."""
    keys = make_keys(tmp_path)
    documents = EXAMPLES.read_bytes().splitlines()
    assert len(documents) == 5
    log_dir = tmp_path / "audit"
    server = running_server(keys, audit_log=log_dir, rate=1e6, burst=10**6)
    with server as (host, port), ThreadPoolExecutor(CLIENTS) as pool:
        futures = [
            pool.submit(_client, host, port, keys.score, [documents[(c + r) % 5] for r in range(REQUESTS)])
            for c in range(CLIENTS)
        ]
        answers = [answer for future in futures for answer in future.result()]
    assert [status for status, _, _ in answers] == [200] * CLIENTS * REQUESTS
    seqs = sorted(int(seq) for _, _, seq in answers)
    assert seqs == list(range(1, CLIENTS * REQUESTS + 1))
    log = audit.AuditLog(log_dir)
    runs = log.runs()
    assert len(runs) == CLIENTS * REQUESTS
    recorded = {run.seq: run.run_id for run in runs}
    assert all(recorded[int(seq)] == run_id for _, run_id, seq in answers)
    result = log.verify()
    assert result.ok, result.summary()
    assert result.runs == CLIENTS * REQUESTS


def test_scoring_runs_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a scoring request is held inside the library, the server still answers /healthz: the
    library call runs in a worker thread, not on the event loop."""
    from supplierscore.service import _app

    entered, release = threading.Event(), threading.Event()
    real_score = _app.score

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return real_score(*args, **kwargs)

    monkeypatch.setattr(_app, "score", held)
    keys = make_keys(tmp_path)
    with running_server(keys) as (host, port), ThreadPoolExecutor(1) as pool:
        slow = pool.submit(_client, host, port, keys.score, [EXAMPLES.read_bytes().splitlines()[0]])
        assert entered.wait(30)
        health = http.client.HTTPConnection(host, port, timeout=5)
        try:
            health.request("GET", "/healthz")
            answered = health.getresponse().status
            still_held = not slow.done()
        finally:
            health.close()
            release.set()
        assert answered == 200 and still_held
        assert slow.result()[0][0] == 200
