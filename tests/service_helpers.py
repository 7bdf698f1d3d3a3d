"""What the service tests share: a key file with a score key and an admin key, and a client factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from supplierscore.service import KeyStore, ServiceConfig, add_key, create_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "tenders.ndjson"
BAD = ROOT / "examples" / "bad-bids.ndjson"
NDJSON = {"Content-Type": "application/x-ndjson"}
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Keys:
    path: Path
    score: str
    admin: str

    def bearer(self, role: str = "score") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.score if role == 'score' else self.admin}"}


def make_keys(folder: Path) -> Keys:
    path = folder / "keys.json"
    return Keys(path, add_key(path, "portal", "score"), add_key(path, "ops", "admin"))


@contextmanager
def client(keys: Keys, **options: Any) -> Iterator[TestClient]:
    """A TestClient on a fresh app; server errors come back as responses, never raised into the test."""
    app = create_app(ServiceConfig(KeyStore.load(keys.path), keys_file=keys.path, **options))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def first_document() -> bytes:
    """The first tender document of the examples, as one JSON body."""
    return EXAMPLES.read_bytes().splitlines()[0]


@contextmanager
def running_server(keys: Keys, **options: Any) -> Iterator[tuple[str, int]]:
    """A real uvicorn server on 127.0.0.1 and a free port, in a thread; yields (host, port)."""
    import socket
    import threading

    import uvicorn

    app = create_app(ServiceConfig(KeyStore.load(keys.path), keys_file=keys.path, **options))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            thread.join(0.01)
        assert server.started, "the server did not start"
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
