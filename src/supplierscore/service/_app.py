"""The HTTP application: routes over the library, each a thin call into it, run off the event loop."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations, which name local types.

import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from supplierscore import __version__
from supplierscore.engine import score, source_date
from supplierscore.errors import UsageError
from supplierscore.inputs import Batch, InputBytes, read_bids
from supplierscore.ruleset import Ruleset, load_ruleset, ruleset_from_bytes
from supplierscore.service._http import (
    SHEET_TYPES,
    YAML_TYPES,
    TokenBuckets,
    authenticate,
    input_name,
    media_type,
    read_body,
    require_admin,
    sheet_suffix,
)
from supplierscore.service._keys import ApiKey, KeyStore
from supplierscore.service._openapi import (
    DETAIL,
    DOCUMENTS_BODY,
    HEALTH,
    LIST,
    REPLAYS,
    REPORT,
    RULESET_BODY,
    RUNS,
    SUMMARY,
    json_ok,
    openapi_components,
    problems,
    sheet_ok,
)
from supplierscore.service._problems import Problem, Scrubber, install_handlers
from supplierscore.service._registry import SHA256, Conflict, Registry
from supplierscore.sheet import ScoreSheet

T = TypeVar("T")


@dataclass(frozen=True)
class ServiceConfig:
    """How a service runs: its keys, limits, and where it keeps rulesets and the audit log."""

    keys: KeyStore
    audit_log: Path | None = None
    rules_dir: Path | None = None
    max_body_bytes: int = 32 * 2**20
    rate: float = 50.0
    """Requests a second each key may make, sustained."""
    burst: int = 100
    """Requests each key may make at once."""
    keys_file: Path | None = None


def create_app(config: ServiceConfig) -> FastAPI:
    """The service as an ASGI application (``uvicorn`` runs it; ``TestClient`` tests it)."""
    registry = Registry(load_ruleset(), config.rules_dir)
    buckets = TokenBuckets(config.rate, config.burst)
    audit_lock = threading.Lock()
    log = None
    if config.audit_log is not None:
        from supplierscore import audit  # loads cryptography: only for a service that keeps a log

        log = audit.AuditLog(config.audit_log)
    scrub = Scrubber(
        [
            (str(config.audit_log or ""), "<audit log>"),
            (str(config.rules_dir or ""), "<rules folder>"),
            (str(config.keys_file or ""), "<key file>"),
        ]
    )
    app = FastAPI(
        title="supplierscore",
        version=__version__,
        description=(
            "Validate and score public-procurement bids under auditable rulesets. Every endpoint under /v1 "
            "needs `Authorization: Bearer KEY`; errors are RFC 9457 problem details. Numbers are read "
            "exactly (as decimals) and every figure in a response is a decimal string."
        ),
    )
    install_handlers(app, scrub)

    async def caller(request: Request) -> ApiKey:
        # async: a plain function would be run in a worker thread, a hop that costs more than the check
        return authenticate(request, config.keys, buckets)

    Caller = Annotated[ApiKey, Depends(caller)]

    async def off_loop(work: Callable[[], T]) -> T:
        return await run_in_threadpool(work)

    def find_ruleset(name: str | None) -> Ruleset:
        found = registry.find(name)
        if found is None:
            raise Problem(
                404,
                f"no registered ruleset is named {name!r} (by sha256 or id@version)",
                kind="unknown-ruleset",
            )
        return found

    @app.get("/healthz", tags=["service"], responses=json_ok(HEALTH))
    async def healthz() -> Response:
        """Whether the service is up (no key needed)."""
        return _json({"status": "ok", "engine_version": __version__})

    @app.post(
        "/v1/validate",
        tags=["bids"],
        openapi_extra=DOCUMENTS_BODY,
        responses={**json_ok(REPORT), **problems(400, 401, 413, 415, 422, 429)},
    )
    async def validate(request: Request, key: Caller) -> Response:
        """Validate bids without scoring them: 200 with a report when every bid is valid, 422 with every
        rejection (as the CLI lists them) when any is not."""
        name = input_name(request)
        body = await _nonempty(request, config.max_body_bytes)
        batch = await off_loop(lambda: read_bids([InputBytes(name, body)]))
        report = _validation_report(batch)
        if batch.rejected:
            raise Problem(
                422,
                f"{batch.rejected:,} of {batch.read:,} bid(s) rejected",
                kind="rejected-bids",
                title="Some bids were rejected",
                counts=report["counts"],
                tenders=report["tenders"],
                rejections=report["rejections"],
            )
        return _json(report)

    @app.post(
        "/v1/score",
        tags=["bids"],
        openapi_extra=DOCUMENTS_BODY,
        responses={**sheet_ok(), **problems(400, 401, 404, 406, 413, 415, 422, 429, 503)},
    )
    async def score_bids(
        request: Request,
        key: Caller,
        ruleset: Annotated[
            str | None,
            Query(
                max_length=200,
                description="A registered ruleset's sha256 or id@version; the bundled default when absent.",
            ),
        ] = None,
        table: Annotated[
            str,
            Query(
                pattern="^(rows|breakdown|rejections)$",
                description="For text/csv: which of the sheet's three tables.",
            ),
        ] = "rows",
    ) -> Response:
        """Validate, score and rank the bids under a ruleset, and answer with the score sheet: JSON (the
        same as `supplierscore score --out sheet.json`), CSV or XLSX as `Accept` asks. Rejected bids are
        listed in the sheet, as the CLI lists them; with an audit log, the run is appended to it.
        `Server-Timing` says how long the library call (and the append) took, in ms."""
        suffix = sheet_suffix(request)
        rules = find_ruleset(ruleset)
        name = input_name(request)
        body = await _nonempty(request, config.max_body_bytes)

        def work() -> tuple[bytes, dict[str, str]]:
            started = time.perf_counter()
            given = InputBytes(name, body)
            batch = read_bids([given])
            sheet = score(batch, rules, created_at=source_date())
            data = sheet.to_json_bytes()
            scored = time.perf_counter()
            timing = [f"library;dur={(scored - started) * 1000:.3f}"]
            headers = {"Supplierscore-Run-Id": sheet.metadata.run_id}
            if log is not None:
                options = {
                    "via": "http",
                    "key": key.name,
                    "ruleset": ruleset,
                    "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
                }
                with audit_lock:
                    appended = log.append_run(
                        batch, rules, sheet, inputs=[given], options=options, sheet_bytes=data
                    )
                headers["Supplierscore-Audit-Seq"] = str(appended.seq)
                timing.append(f"audit;dur={(time.perf_counter() - scored) * 1000:.3f}")
            headers["Server-Timing"] = ", ".join(timing)
            if suffix != ".json":
                data = _sheet_file(sheet, suffix, table)
            return data, headers

        data, headers = await off_loop(work)
        kind = next(k for k, s in SHEET_TYPES.items() if s == suffix)
        if suffix == ".xlsx":
            headers["Content-Disposition"] = 'attachment; filename="sheet.xlsx"'
        return Response(data, media_type=kind, headers=headers)

    @app.post(
        "/v1/rulesets",
        tags=["rulesets"],
        openapi_extra=RULESET_BODY,
        responses={
            200: {
                "description": "Already registered.",
                "content": {"application/json": {"schema": SUMMARY}},
            },
            201: {"description": "Registered.", "content": {"application/json": {"schema": SUMMARY}}},
            **problems(400, 401, 403, 409, 413, 415, 422, 429),
        },
        status_code=201,
    )
    async def register_ruleset(request: Request, key: Caller) -> Response:
        """Register a ruleset (YAML or JSON, as `rules check` reads it; admin keys only). Its problems come
        back as 422 with each one's JSON Pointer and line; an id@version already naming other rules is 409."""
        require_admin(key, "registering a ruleset")
        kind = media_type(request)
        if kind in YAML_TYPES:
            form = "yaml"
        elif kind == "application/json":
            form = "json"
        else:
            raise Problem(
                415,
                f"send a ruleset as application/yaml or application/json, not {kind or 'no Content-Type'}",
                kind="unsupported-media-type",
            )
        body = await _nonempty(request, config.max_body_bytes)
        ruleset = await off_loop(lambda: ruleset_from_bytes(body, source=f"request.{form}", kind=form))
        try:
            new = registry.add(ruleset)
        except Conflict as error:
            raise Problem(409, str(error), kind="ruleset-conflict", existing=error.existing) from None
        if new:
            await off_loop(lambda: registry.save(ruleset))
        return _json(
            _summary(ruleset, registry),
            status=201 if new else 200,
            headers={"Location": f"/v1/rulesets/{ruleset.sha256}"},
        )

    @app.get("/v1/rulesets", tags=["rulesets"], responses={**json_ok(LIST), **problems(401, 429)})
    async def list_rulesets(key: Caller) -> Response:
        """Every registered ruleset, the bundled default among them."""
        return _json({"rulesets": [_summary(r, registry) for r in registry.all()]})

    @app.get(
        "/v1/rulesets/{sha256}",
        tags=["rulesets"],
        responses={**json_ok(DETAIL), **problems(401, 404, 422, 429)},
    )
    async def get_ruleset(
        key: Caller,
        sha256: Annotated[str, PathParam(pattern="^[0-9a-f]{64}$", description="The ruleset's SHA-256.")],
    ) -> Response:
        """One ruleset: its summary and its canonical form (RFC 8785 JSON), whose SHA-256 it is."""
        found = registry.find(sha256)
        if found is None or not SHA256.fullmatch(sha256):
            raise Problem(404, f"no registered ruleset has sha256 {sha256}", kind="unknown-ruleset")
        summary = orjson.dumps(_summary(found, registry))
        return Response(
            summary[:-1] + b',"canonical":' + found.canonical_json + b"}", media_type="application/json"
        )

    def the_log() -> Any:
        if log is None:
            raise Problem(
                404, "this service keeps no audit log (start it with --audit-log DIR)", kind="no-audit-log"
            )
        return log

    RunId = Annotated[
        str,
        PathParam(pattern="^[0-9a-f]{6,64}$", description="A run id, or a prefix of 6 or more hex digits."),
    ]

    @app.get(
        "/v1/runs/{run_id}",
        tags=["audit"],
        responses={**json_ok(RUNS), **problems(401, 404, 422, 429, 503)},
    )
    async def get_run(key: Caller, run_id: RunId) -> Response:
        """The audit log's records of a run (identical runs share a run id, so there may be several)."""
        records = await off_loop(lambda: _runs(the_log(), run_id))
        return _json(
            {"run_id": run_id, "records": [{"seq": r.seq, "line": r.line, **r.fields} for r in records]}
        )

    @app.post(
        "/v1/runs/{run_id}/replay",
        tags=["audit"],
        responses={**json_ok(REPLAYS), **problems(401, 403, 404, 422, 429, 503)},
    )
    async def replay_run(key: Caller, run_id: RunId) -> Response:
        """Re-run a recorded run from its stored objects (admin keys only) and say whether each sheet is
        byte-identical to the recorded one, or where it first differs."""
        require_admin(key, "replaying a run")
        audit_log = the_log()
        records = await off_loop(lambda: _runs(audit_log, run_id))
        results = await off_loop(lambda: [audit_log.replay_record(r) for r in records])
        replays = [
            {
                "seq": r.seq,
                "run_id": r.run_id,
                "identical": r.identical,
                "recorded_sha256": r.recorded_sha256,
                "replayed_sha256": r.replayed_sha256,
                "difference": r.difference,
                "warning": r.warning,
            }
            for r in results
        ]
        return _json({"identical": all(r.identical for r in results), "replays": replays})

    openapi_components(app)
    return app


def _runs(log: Any, run_id: str) -> list[Any]:
    """The run records whose run id starts with ``run_id`` (never a sequence number); 404 when none."""
    unknown = Problem(404, f"no run in the audit log has run id {run_id}", kind="unknown-run")
    if not log.log_path.exists():  # nothing scored yet
        raise unknown
    try:
        found = [r for r in log.runs(run_id) if r.run_id and r.run_id.startswith(run_id)]
    except UsageError:
        raise unknown from None
    if not found:
        raise unknown
    return found


async def _nonempty(request: Request, limit: int) -> bytes:
    body = await read_body(request, limit)
    if not body.strip():
        raise Problem(422, "the body is empty: send tender documents", kind="empty-body")
    return body


def _sheet_file(sheet: ScoreSheet, suffix: str, table: str) -> bytes:
    """The sheet in a file format, written by the same writer as the CLI's, read back as bytes."""
    with tempfile.TemporaryDirectory(prefix="supplierscore-") as folder:
        written = sheet.write(Path(folder) / f"sheet{suffix}")
        if suffix == ".csv":
            wanted = {
                "rows": "sheet.csv",
                "breakdown": "sheet.breakdown.csv",
                "rejections": "sheet.rejections.csv",
            }[table]
            return next(p for p in written if p.name == wanted).read_bytes()
        return written[0].read_bytes()


def _validation_report(batch: Batch) -> dict[str, Any]:
    """What ``supplierscore validate --format json`` prints, but the per-file list (one body, one file)."""
    return {
        "counts": {"read": batch.read, "valid": batch.valid, "rejected": batch.rejected},
        "tenders": [{"tender_id": t.id, "line": t.line, "bids": len(t.bids)} for t in batch.tenders],
        "rejections": [r.to_dict() for r in batch.rejections],
        "warnings": batch.warnings,
    }


def _summary(ruleset: Ruleset, registry: Registry) -> dict[str, Any]:
    return {
        "sha256": ruleset.sha256,
        "id": ruleset.id,
        "version": ruleset.version,
        "title": ruleset.title,
        "precision": ruleset.precision,
        "rounding": str(ruleset.rounding),
        "criteria": [c.id for c in ruleset.criteria],
        "default": ruleset.sha256 == registry.default.sha256,
    }


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json", headers=headers)
