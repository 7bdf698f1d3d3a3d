"""What /openapi.json says about each endpoint: bodies are read raw (never parsed by the framework), so
their media types, the responses and the problem details are described here by hand; the score sheet's
schema is ``schemas/scoresheet.schema.json`` itself."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from supplierscore.resources import load_schema
from supplierscore.service._problems import PROBLEM_SCHEMA, PROBLEM_TYPE


def json_ok(schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """A 200 answer of JSON in ``schema``."""
    return {200: {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Problem details answers for ``statuses``, each saying when it happens."""
    return {
        status: {"description": _PROBLEM_WHEN[status], "content": {PROBLEM_TYPE: {"schema": PROBLEM_SCHEMA}}}
        for status in statuses
    }


_PROBLEM_WHEN = {
    400: "A malformed request.",
    401: "No API key, or one that is not valid.",
    403: "The key's role may not do this.",
    404: "No such ruleset or run (or no audit log).",
    406: "Accept names no format the sheet comes in.",
    409: "The ruleset's id@version already names other rules.",
    413: "The body is over the limit.",
    415: "The body's Content-Type is not one this endpoint reads.",
    422: "Rejected bids, a ruleset's problems, an empty body or an invalid parameter.",
    429: "The key is over its rate limit (see Retry-After).",
    503: "The audit log cannot be appended to or read: nothing was recorded.",
}


def _scoresheet_schema() -> dict[str, Any]:
    """schemas/scoresheet.schema.json, its own references pointed at where it sits in /openapi.json."""
    text = json.dumps(
        {k: v for k, v in load_schema("scoresheet.schema.json").items() if k not in ("$schema", "$id")},
        default=str,
    )
    return dict(json.loads(text.replace('"#/$defs/', '"#/components/schemas/ScoreSheet/$defs/')))


def sheet_ok() -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": "The score sheet, in the format Accept asks for.",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ScoreSheet"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    }


DOCUMENTS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One tender document (schemas/tender-document.schema.json) as application/json, or "
        "many, one per line, as application/x-ndjson. Read by the engine's exact parser: numbers as "
        "decimals, duplicate keys refused.",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}
RULESET_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A ruleset file's content (rules/README.md is the format).",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
HEALTH = {
    "type": "object",
    "required": ["status", "engine_version"],
    "properties": {"status": {"const": "ok"}, "engine_version": {"type": "string"}},
}
REPORT = {
    "type": "object",
    "required": ["counts", "tenders", "rejections", "warnings"],
    "properties": {
        "counts": {
            "type": "object",
            "properties": {k: {"type": "integer"} for k in ("read", "valid", "rejected")},
        },
        "tenders": {"type": "array", "items": {"type": "object"}},
        "rejections": {"type": "array", "items": {"type": "object"}},
        "warnings": {"type": "array", "items": {"type": "string"}},
    },
}
_SUMMARY_REQUIRED = ["sha256", "id", "version", "title", "precision", "rounding", "criteria", "default"]
_SUMMARY_PROPERTIES: dict[str, Any] = {
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    "id": {"type": "string"},
    "version": {"type": "string"},
    "title": {"type": "string"},
    "precision": {"type": "integer"},
    "rounding": {"type": "string"},
    "criteria": {"type": "array", "items": {"type": "string"}},
    "default": {"type": "boolean"},
}
SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": _SUMMARY_REQUIRED,
    "properties": _SUMMARY_PROPERTIES,
}
LIST = {
    "type": "object",
    "required": ["rulesets"],
    "properties": {"rulesets": {"type": "array", "items": SUMMARY}},
}
DETAIL = {
    **SUMMARY,
    "required": [*_SUMMARY_REQUIRED, "canonical"],
    "properties": {**_SUMMARY_PROPERTIES, "canonical": {"type": "object"}},
}
RUNS = {
    "type": "object",
    "required": ["run_id", "records"],
    "properties": {"run_id": {"type": "string"}, "records": {"type": "array", "items": {"type": "object"}}},
}
REPLAYS = {
    "type": "object",
    "required": ["identical", "replays"],
    "properties": {
        "identical": {"type": "boolean"},
        "replays": {"type": "array", "items": {"type": "object"}},
    },
}


def openapi_components(app: FastAPI) -> None:
    """Add the score sheet's schema to /openapi.json's components."""
    schema = app.openapi()
    schema.setdefault("components", {}).setdefault("schemas", {})["ScoreSheet"] = _scoresheet_schema()
