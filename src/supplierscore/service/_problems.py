"""Errors as RFC 9457 problem details (``application/problem+json``), and nothing else.

Every error response has ``type``, ``title``, ``status`` and ``detail``; a problem about bids carries the
same rejection records as the CLI (``rejections``), one about a ruleset its ``problems`` (pointer, line,
message). Messages name no file on the server: the service's own folders are replaced by what they are
(``<audit log>``), and an unexpected failure is answered with a request id only, its traceback going to
the service's log.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from supplierscore.errors import AuditError, RulesetError, SupplierScoreError

PROBLEM_TYPE = "application/problem+json"
_BASE = "urn:supplierscore:problem:"
_LOG = logging.getLogger("supplierscore.service")

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details, with `rejections` (bids) or `problems` (a ruleset) when so.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {
            "type": "string",
            "description": "`about:blank` for a plain HTTP error, else a `urn:supplierscore:problem:` URN.",
        },
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "rejections": {
            "type": "array",
            "description": "Every rejection, as the CLI and the score sheet give them.",
            "items": {"type": "object"},
        },
        "problems": {
            "type": "array",
            "description": "Every problem of a ruleset: its JSON Pointer, line (when known) and message.",
            "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "line": {"type": ["integer", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


class Problem(Exception):
    """An error answer: its status, a short title, the detail, and any extension members."""

    def __init__(
        self, status: int, detail: str, *, kind: str | None = None, title: str | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.title = title or HTTPStatus(status).phrase
        self.extra = extra
        self.headers: dict[str, str] = {}


def problem_response(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem details response."""
    body = {
        "type": f"{_BASE}{kind}" if kind else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_TYPE, headers=dict(headers or {})
    )


class Scrubber:
    """Replaces the service's own folders and files in messages by what they are."""

    def __init__(self, places: Sequence[tuple[str, str]]) -> None:
        self.places = sorted(((p, label) for p, label in places if p), key=lambda item: -len(item[0]))

    def __call__(self, text: str) -> str:
        for path, label in self.places:
            text = text.replace(path, label)
        return text


def install_handlers(app: FastAPI, scrub: Scrubber) -> None:
    """Answer every error, expected or not, as problem details."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> Response:
        return problem_response(
            error.status,
            scrub(error.detail),
            kind=error.kind,
            title=error.title,
            headers=error.headers,
            **error.extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        return problem_response(error.status_code, detail, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        said = "; ".join(
            f"{'.'.join(str(step) for step in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
            for e in error.errors()
        )
        return problem_response(422, f"the request is not valid: {said}", kind="invalid-request")

    @app.exception_handler(SupplierScoreError)
    async def _ours(request: Request, error: SupplierScoreError) -> Response:
        return supplierscore_problem(error, scrub)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        reference = uuid.uuid4().hex[:12]
        _LOG.exception("unexpected error, reference %s", reference)
        return problem_response(500, f"unexpected error (reference {reference} in the service's log)")


def supplierscore_problem(error: SupplierScoreError, scrub: Scrubber) -> Response:
    """One of the library's errors as problem details: a ruleset's problems, or the error's message."""
    if isinstance(error, RulesetError):
        problems = [{"path": p.path, "line": p.line, "message": p.message} for p in error.problems]
        return problem_response(
            422,
            scrub(error.message),
            kind="ruleset-problems",
            title="The ruleset cannot be used",
            problems=problems,
        )
    if isinstance(error, AuditError):
        return problem_response(
            503, scrub(error.message), kind="audit-log", title="The audit log cannot be used"
        )
    return problem_response(400, scrub(error.message), kind="bad-request")
