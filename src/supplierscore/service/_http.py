"""What every endpoint shares: the caller's key and rate limit, the bounded body, content negotiation."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from fastapi import Request

from supplierscore.service._keys import ApiKey, KeyStore
from supplierscore.service._problems import Problem

DOCUMENT_TYPES = {"application/json": ".json"}
NDJSON_TYPES = {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}

SHEET_TYPES = {
    "application/json": ".json",
    "text/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


@dataclass
class TokenBuckets:
    """A token bucket per key: ``burst`` requests at once, refilled at ``rate`` a second."""

    rate: float
    burst: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, name: str) -> float:
        """Take one token for ``name``: 0 when allowed, else the seconds until a token is there."""
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(name, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[name] = (tokens - 1, now)
                return 0.0
            self._buckets[name] = (tokens, now)
            return (1 - tokens) / self.rate


def authenticate(request: Request, keys: KeyStore, buckets: TokenBuckets) -> ApiKey:
    """The caller's key from ``Authorization: Bearer KEY``: 401 without a valid one, 429 over its rate."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="supplierscore"'}
    if scheme.lower() != "bearer" or not token.strip():
        raise _with_headers(
            Problem(401, "send an API key as Authorization: Bearer KEY", kind="unauthorized"), challenge
        )
    key = keys.check(token.strip())
    if key is None:
        raise _with_headers(Problem(401, "the API key is not valid", kind="unauthorized"), challenge)
    wait = buckets.take(key.name)
    if wait:
        problem = Problem(
            429,
            f"key {key.name!r} is over its rate limit of {buckets.rate:g} requests a second "
            f"(bursts of {buckets.burst}): retry after {math.ceil(wait)} s",
            kind="rate-limited",
        )
        raise _with_headers(problem, {"Retry-After": str(math.ceil(wait))})
    return key


def require_admin(key: ApiKey, action: str) -> None:
    """403 unless ``key`` has the admin role."""
    if key.role != "admin":
        raise Problem(
            403, f"key {key.name!r} has role {key.role!r}; {action} needs an admin key", kind="forbidden"
        )


def _with_headers(problem: Problem, headers: dict[str, str]) -> Problem:
    problem.headers.update(headers)
    return problem


def media_type(request: Request) -> str:
    """The request's media type, lower case, without parameters ("" when none is sent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def input_name(request: Request) -> str:
    """The name the body is read under: ``request.json`` (one document) or ``request.ndjson`` (many)."""
    kind = media_type(request)
    if kind in DOCUMENT_TYPES:
        return "request.json"
    if kind in NDJSON_TYPES:
        return "request.ndjson"
    sent = kind or "no Content-Type"
    raise Problem(
        415,
        f"send one tender document as application/json or many as application/x-ndjson, not {sent}",
        kind="unsupported-media-type",
    )


def sheet_suffix(request: Request) -> str:
    """The sheet format the ``Accept`` header asks for (JSON by default); 406 when none can be given."""
    header = request.headers.get("accept", "").strip()
    if not header:
        return ".json"
    offered: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        kind, *params = (item.strip().lower() for item in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            offered.append((-quality, position, kind))
    for _, _, kind in sorted(offered):
        if kind in SHEET_TYPES:
            return SHEET_TYPES[kind]
        if kind in ("*/*", "application/*"):
            return ".json"
        if kind == "text/*":
            return ".csv"
    raise Problem(
        406,
        f"the score sheet comes as {', '.join(SHEET_TYPES)}; Accept asked for {header}",
        kind="not-acceptable",
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it is known to pass ``limit`` bytes: from
    ``Content-Length`` before anything is read, else while it streams in."""
    declared = request.headers.get("content-length")
    too_large = Problem(413, f"the body is over the limit of {limit:,} bytes", kind="body-too-large")
    if declared is not None:
        if not declared.strip().isdigit():
            raise Problem(400, "Content-Length is not a number", kind="bad-request")
        if int(declared) > limit:
            raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
