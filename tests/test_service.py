"""The HTTP service, endpoint by endpoint and error by error, through FastAPI's TestClient.

The sheet the service answers with is compared byte for byte with what ``supplierscore score --out`` writes
for the same bytes, read from a file named as the service names the body (``request.ndjson``).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from supplierscore import UsageError, load_ruleset
from supplierscore.cli import main
from supplierscore.errors import AuditError
from supplierscore.service import KeyStore, add_key
from tests.service_helpers import BAD, EXAMPLES, JSON, NDJSON, Keys, client, first_document, make_keys

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RULESET_YAML = (load_ruleset().canonical_json.decode()).replace('"version":"1.0.0"', '"version":"9.9.9"')


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path)


@pytest.fixture(autouse=True)
def _no_source_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def assert_problem(response: Any, status: int, kind: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with ``status``; its body as data."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert body["type"] == (f"urn:supplierscore:problem:{kind}" if kind else "about:blank")
    assert (
        "Traceback" not in response.text
        and "/work/" not in response.text
        and "site-packages" not in response.text
    )
    return body


def cli_files(tmp_path: Path, body: bytes, out: str, *args: str) -> Path:
    """Run the CLI on ``body`` saved as ``request.ndjson`` in a fresh folder; the folder."""
    folder = tmp_path / f"cli-{out}"
    folder.mkdir()
    (folder / "request.ndjson").write_bytes(body)
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(main, [*args, "request.ndjson", "--out", out], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1), result.output
    return folder


class TestHealthAndDocs:
    """``/healthz``, ``/openapi.json`` and ``/docs`` need no key."""

    def test_healthz_needs_no_key(self, keys: Keys) -> None:
        """It answers ok and the engine version."""
        with client(keys) as c:
            response = c.get("/healthz")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"

    def test_openapi_lists_every_endpoint_and_the_sheet_schema(self, keys: Keys) -> None:
        """/openapi.json names every route, bodies read raw, and the score sheet's schema."""
        with client(keys) as c:
            spec = c.get("/openapi.json").json()
        assert set(spec["paths"]) == {
            "/healthz",
            "/v1/validate",
            "/v1/score",
            "/v1/rulesets",
            "/v1/rulesets/{sha256}",
            "/v1/runs/{run_id}",
            "/v1/runs/{run_id}/replay",
        }
        body = spec["paths"]["/v1/score"]["post"]["requestBody"]["content"]
        assert set(body) == {"application/json", "application/x-ndjson"}
        assert "rows" in spec["components"]["schemas"]["ScoreSheet"]["properties"]

    def test_docs_page_is_served_and_its_assets_come_from_a_cdn(self, keys: Keys) -> None:
        """/docs is Swagger UI's HTML; the browser loads its script from a CDN (the README says so)."""
        with client(keys) as c:
            response = c.get("/docs")
        assert response.status_code == 200
        assert "/openapi.json" in response.text and "cdn.jsdelivr.net" in response.text


class TestKeys:
    """``Authorization: Bearer KEY``: 401 without a valid key, 403 for a role that may not act."""

    @pytest.mark.parametrize(
        "header",
        [None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer ss_not-a-key", "bearer"],
    )
    def test_no_valid_key_is_401_with_a_challenge(self, keys: Keys, header: str | None) -> None:
        """A missing, malformed or unknown key is 401 with ``WWW-Authenticate: Bearer``."""
        headers = {"Authorization": header} if header is not None else {}
        with client(keys) as c:
            response = c.get("/v1/rulesets", headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")

    def test_scheme_is_case_insensitive(self, keys: Keys) -> None:
        """``bearer KEY`` works as ``Bearer KEY`` does (RFC 9110: schemes are case-insensitive)."""
        with client(keys) as c:
            assert c.get("/v1/rulesets", headers={"Authorization": f"bearer {keys.score}"}).status_code == 200

    def test_score_key_cannot_register_rulesets(self, keys: Keys) -> None:
        """Registering with a score key is 403, and nothing is registered."""
        with client(keys) as c:
            response = c.post("/v1/rulesets", content=RULESET_YAML, headers={**keys.bearer(), **JSON})
            assert_problem(response, 403, "forbidden")
            assert len(c.get("/v1/rulesets", headers=keys.bearer()).json()["rulesets"]) == 1

    def test_key_file_holds_only_hashes_with_mode_0600(self, keys: Keys) -> None:
        """The file never holds a key, only its SHA-256, and only its owner may read it."""
        text = keys.path.read_text()
        assert keys.score not in text and keys.admin not in text
        assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600
        assert [k.role for k in KeyStore.load(keys.path).keys] == ["score", "admin"]

    def test_each_key_is_new_and_long(self, keys: Keys) -> None:
        """Keys are ``ss_`` and 43 URL-safe characters (32 random bytes), never repeated."""
        assert keys.score != keys.admin
        assert keys.score.startswith("ss_") and len(keys.score) == 46

    def test_a_name_is_used_once(self, keys: Keys) -> None:
        """Adding a second key under a name already in the file is refused."""
        with pytest.raises(UsageError, match="already has a key named 'portal'"):
            add_key(keys.path, "portal")

    @pytest.mark.parametrize(("name", "role"), [("ok", "root"), ("bad name", "score"), ("", "score")])
    def test_bad_role_or_name_is_refused(self, tmp_path: Path, name: str, role: str) -> None:
        """An unknown role or a name with spaces is a UsageError, and no file is written."""
        with pytest.raises(UsageError):
            add_key(tmp_path / "k.json", name, role)
        assert not (tmp_path / "k.json").exists()

    def test_cli_prints_the_key_once(self, tmp_path: Path) -> None:
        """``keys add`` prints the key on standard output; the file has its hash."""
        result = CliRunner().invoke(
            main, ["keys", "add", str(tmp_path / "k.json"), "portal", "--role", "admin"]
        )
        assert result.exit_code == 0, result.output
        key = result.stdout.strip()
        assert KeyStore.load(tmp_path / "k.json").check(key) is not None
        assert key not in (tmp_path / "k.json").read_text()

    @pytest.mark.parametrize("content", ["", "not json", '{"keys": []}', '{"keys": [{"name": "x"}]}'])
    def test_serve_refuses_an_unusable_key_file(self, tmp_path: Path, content: str) -> None:
        """``serve`` with a missing, malformed or empty key file exits 2 with one line, no traceback."""
        path = tmp_path / "keys.json"
        if content:
            path.write_text(content)
        result = CliRunner().invoke(main, ["serve", "--keys", str(path)])
        assert result.exit_code == 2
        assert result.output.startswith("error: ") and "Traceback" not in result.output


class TestScore:
    """``POST /v1/score`` answers with the same sheet the CLI writes for the same bytes."""

    def test_ndjson_body_gives_the_cli_sheet_byte_for_byte(self, keys: Keys, tmp_path: Path) -> None:
        """Good and rejected bids: the JSON equals ``score request.ndjson --out sheet.json``."""
        body = EXAMPLES.read_bytes() + BAD.read_bytes()
        with client(keys) as c:
            response = c.post("/v1/score", content=body, headers={**keys.bearer(), **NDJSON})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        expected = (cli_files(tmp_path, body, "sheet.json", "score") / "sheet.json").read_bytes()
        assert response.content == expected
        sheet = json.loads(response.content)
        assert sheet["rejections"] and sheet["rows"]
        assert response.headers["supplierscore-run-id"] == sheet["metadata"]["run_id"]

    def test_one_json_document(self, keys: Keys) -> None:
        """``application/json`` is one tender document; rejections name ``request.json``."""
        with client(keys) as c:
            response = c.post("/v1/score", content=first_document(), headers={**keys.bearer(), **JSON})
        sheet = response.json()
        assert response.status_code == 200
        assert {row["tender_id"] for row in sheet["rows"]} == {"TOR-2026-0147"}

    @pytest.mark.parametrize(
        ("accept", "out", "name"),
        [
            ("text/csv", "sheet.csv", "sheet.csv"),
            ("text/csv", "sheet.csv", "sheet.breakdown.csv"),
            ("text/csv", "sheet.csv", "sheet.rejections.csv"),
            (XLSX, "sheet.xlsx", "sheet.xlsx"),
        ],
    )
    def test_csv_and_xlsx_by_accept(
        self, keys: Keys, tmp_path: Path, accept: str, out: str, name: str
    ) -> None:
        """Accept picks the format; the bytes are the CLI writer's (``?table=`` picks a CSV table)."""
        body = EXAMPLES.read_bytes() + BAD.read_bytes()
        table = {
            "sheet.csv": "rows",
            "sheet.breakdown.csv": "breakdown",
            "sheet.rejections.csv": "rejections",
        }
        params = {"table": table[name]} if name in table else {}
        with client(keys) as c:
            response = c.post(
                "/v1/score",
                content=body,
                params=params,
                headers={**keys.bearer(), **NDJSON, "Accept": accept},
            )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(accept)
        assert response.content == (cli_files(tmp_path, body, out, "score") / name).read_bytes()

    def test_accept_with_qualities_picks_the_preferred(self, keys: Keys) -> None:
        """``text/csv;q=0.5, application/json`` gives JSON; ``*/*`` gives JSON."""
        with client(keys) as c:
            for accept in ("text/csv;q=0.5, application/json", "*/*"):
                response = c.post(
                    "/v1/score", content=first_document(), headers={**keys.bearer(), **JSON, "Accept": accept}
                )
                assert response.headers["content-type"] == "application/json"

    def test_unknown_accept_is_406(self, keys: Keys) -> None:
        """A sheet cannot be XML."""
        with client(keys) as c:
            response = c.post(
                "/v1/score",
                content=first_document(),
                headers={**keys.bearer(), **JSON, "Accept": "application/xml"},
            )
        assert_problem(response, 406, "not-acceptable")

    def test_bad_table_is_422(self, keys: Keys) -> None:
        """``?table=`` takes rows, breakdown or rejections only."""
        with client(keys) as c:
            response = c.post(
                "/v1/score",
                content=first_document(),
                params={"table": "x"},
                headers={**keys.bearer(), **JSON},
            )
        assert_problem(response, 422, "invalid-request")

    @pytest.mark.parametrize("content_type", [None, "text/plain", "application/yaml", "multipart/form-data"])
    def test_other_content_types_are_415(self, keys: Keys, content_type: str | None) -> None:
        """Only JSON (one document) and NDJSON (many) are read."""
        headers = {**keys.bearer(), **({"Content-Type": content_type} if content_type else {})}
        with client(keys) as c:
            response = c.post("/v1/score", content=first_document(), headers=headers)
        assert_problem(response, 415, "unsupported-media-type")

    @pytest.mark.parametrize("path", ["/v1/score", "/v1/validate"])
    def test_empty_body_is_422(self, keys: Keys, path: str) -> None:
        """An empty (or blank) body holds no tender document."""
        with client(keys) as c:
            response = c.post(path, content=b" \n", headers={**keys.bearer(), **NDJSON})
        assert_problem(response, 422, "empty-body")

    def test_unknown_ruleset_is_404(self, keys: Keys) -> None:
        """A digest or id@version no ruleset has is 404, naming it."""
        with client(keys) as c:
            for name in ("0" * 64, "nope@1"):
                response = c.post(
                    "/v1/score",
                    content=first_document(),
                    params={"ruleset": name},
                    headers={**keys.bearer(), **JSON},
                )
                assert name in assert_problem(response, 404, "unknown-ruleset")["detail"]

    def test_default_ruleset_by_digest_and_by_name(self, keys: Keys) -> None:
        """The bundled ruleset answers to its sha256 and to ``cities-of-migration@1.0.0``."""
        digest = load_ruleset().sha256
        with client(keys) as c:
            sheets = [
                c.post(
                    "/v1/score", content=first_document(), params=params, headers={**keys.bearer(), **JSON}
                ).content
                for params in ({}, {"ruleset": digest}, {"ruleset": "cities-of-migration@1.0.0"})
            ]
        assert sheets[0] == sheets[1] == sheets[2]
        assert json.loads(sheets[0])["metadata"]["ruleset"]["sha256"] == digest


class TestExactNumbers:
    """Bodies are parsed by the engine's parser: decimals kept as written, duplicate keys refused."""

    def _document(self, amount: str) -> bytes:
        document = json.loads(first_document())
        document["bids"] = document["bids"][:1]
        text = json.dumps(document)
        return text.replace(json.dumps(document["bids"][0]["price"]["amount"]), amount, 1).encode()

    def test_a_number_keeps_its_digits(self, keys: Keys) -> None:
        """A price written ``96200.10`` (a float would say 96200.1) reaches the breakdown as written."""
        with client(keys) as c:
            response = c.post(
                "/v1/score", content=self._document("96200.10"), headers={**keys.bearer(), **JSON}
            )
        price = next(b for b in response.json()["breakdown"] if b["criterion"] == "price")
        assert price["input"] == "96200.10"

    def test_more_digits_than_a_float_holds(self, keys: Keys) -> None:
        """A price a double would round to ``96200.1`` (valid) keeps its digits, so it is rejected for
        having more decimals than the currency has."""
        digits = "96200.1000000000000000055511151231257827"
        with client(keys) as c:
            response = c.post(
                "/v1/validate", content=self._document(digits), headers={**keys.bearer(), **JSON}
            )
        [rejection] = assert_problem(response, 422, "rejected-bids")["rejections"]
        assert rejection["path"] == "/bids/0/price/amount"
        assert digits in rejection["reason"]

    def test_duplicate_keys_are_refused(self, keys: Keys) -> None:
        """A duplicate key is ambiguous: the document is rejected, as the CLI rejects it."""
        body = b'{"tender": {"id": "T-1", "id": "T-2"}, "bids": []}'
        with client(keys) as c:
            response = c.post("/v1/validate", content=body, headers={**keys.bearer(), **JSON})
        problem = assert_problem(response, 422, "rejected-bids")
        assert 'duplicate key "id"' in problem["rejections"][0]["reason"]


class TestValidate:
    """``POST /v1/validate``: 200 with a report when all is valid, 422 with every rejection otherwise."""

    def test_valid_bids_give_a_report(self, keys: Keys) -> None:
        """Counts and tenders of the examples, no rejection."""
        with client(keys) as c:
            response = c.post(
                "/v1/validate", content=EXAMPLES.read_bytes(), headers={**keys.bearer(), **NDJSON}
            )
        assert response.status_code == 200
        report = response.json()
        assert report["counts"]["rejected"] == 0 and report["counts"]["read"] == report["counts"]["valid"] > 0
        assert len(report["tenders"]) == 5

    def test_rejections_are_the_cli_records(self, keys: Keys, tmp_path: Path) -> None:
        """Every rejection of the CLI's ``validate --format json``, the same records, in a problem."""
        body = BAD.read_bytes()
        with client(keys) as c:
            response = c.post("/v1/validate", content=body, headers={**keys.bearer(), **NDJSON})
        problem = assert_problem(response, 422, "rejected-bids")
        folder = tmp_path / "cli"
        folder.mkdir()
        (folder / "request.ndjson").write_bytes(body)
        cwd = Path.cwd()
        os.chdir(folder)
        try:
            result = CliRunner().invoke(main, ["validate", "request.ndjson", "--format", "json"])
        finally:
            os.chdir(cwd)
        expected = json.loads(result.stdout)
        assert problem["rejections"] == expected["rejections"]
        assert problem["counts"] == expected["counts"]


class TestRulesets:
    """``/v1/rulesets``: register (admin), list, fetch by digest; problems and conflicts as problems."""

    def test_register_yaml_then_list_and_fetch(self, keys: Keys) -> None:
        """201 the first time, 200 after; listed; fetched with its canonical form; usable for scoring."""
        yaml_body = (Path(__file__).parents[1] / "rules" / "cities-of-migration.yaml").read_text()
        yaml_body = yaml_body.replace("version: 1.0.0", "version: 2.0.0")
        with client(keys) as c:
            first = c.post(
                "/v1/rulesets",
                content=yaml_body,
                headers={**keys.bearer("admin"), "Content-Type": "application/yaml"},
            )
            again = c.post(
                "/v1/rulesets",
                content=yaml_body,
                headers={**keys.bearer("admin"), "Content-Type": "application/yaml"},
            )
            assert (first.status_code, again.status_code) == (201, 200)
            digest = first.json()["sha256"]
            assert first.headers["location"] == f"/v1/rulesets/{digest}"
            listed = c.get("/v1/rulesets", headers=keys.bearer()).json()["rulesets"]
            assert {(r["version"], r["default"]) for r in listed} == {("1.0.0", True), ("2.0.0", False)}
            fetched = c.get(f"/v1/rulesets/{digest}", headers=keys.bearer())
            assert fetched.json()["canonical"]["version"] == "2.0.0"
            sheet = c.post(
                "/v1/score",
                content=first_document(),
                params={"ruleset": digest},
                headers={**keys.bearer(), **JSON},
            ).json()
        assert sheet["metadata"]["ruleset"] == {
            "id": "cities-of-migration",
            "version": "2.0.0",
            "sha256": digest,
        }

    def test_register_json(self, keys: Keys) -> None:
        """A JSON ruleset registers too, answering to id@version."""
        with client(keys) as c:
            response = c.post("/v1/rulesets", content=RULESET_YAML, headers={**keys.bearer("admin"), **JSON})
            assert response.status_code == 201
            by_name = c.post(
                "/v1/score",
                content=first_document(),
                params={"ruleset": "cities-of-migration@9.9.9"},
                headers={**keys.bearer(), **JSON},
            )
        assert by_name.json()["metadata"]["ruleset"]["version"] == "9.9.9"

    def test_problems_come_with_path_and_line(self, keys: Keys) -> None:
        """A broken ruleset is 422 listing every problem with its JSON Pointer and line."""
        body = (
            "ruleset: x\nversion: '1'\ntitle: t\nprecision: 2\nrounding: half_up\n"
            "criteria:\n  - id: a\n    weight: 90\n"
        )
        with client(keys) as c:
            response = c.post(
                "/v1/rulesets",
                content=body,
                headers={**keys.bearer("admin"), "Content-Type": "application/yaml"},
            )
        problem = assert_problem(response, 422, "ruleset-problems")
        assert problem["problems"] and all({"path", "line", "message"} <= set(p) for p in problem["problems"])
        assert any(p["line"] == 7 and p["path"].startswith("/criteria/0") for p in problem["problems"])

    def test_a_yaml_tag_never_runs(self, keys: Keys) -> None:
        """``!!python/object`` is a problem, not a call."""
        body = "ruleset: !!python/object/apply:os.system ['echo hi']\n"
        with client(keys) as c:
            response = c.post(
                "/v1/rulesets",
                content=body,
                headers={**keys.bearer("admin"), "Content-Type": "application/yaml"},
            )
        assert_problem(response, 422, "ruleset-problems")

    def test_same_id_and_version_other_rules_is_409(self, keys: Keys) -> None:
        """id@version names one ruleset: different content under the default's name is refused."""
        changed = load_ruleset().canonical_json.decode().replace('"precision":2', '"precision":3')
        with client(keys) as c:
            response = c.post("/v1/rulesets", content=changed, headers={**keys.bearer("admin"), **JSON})
        problem = assert_problem(response, 409, "ruleset-conflict")
        assert problem["existing"] == load_ruleset().sha256

    def test_other_content_type_is_415(self, keys: Keys) -> None:
        """A ruleset comes as YAML or JSON."""
        with client(keys) as c:
            response = c.post(
                "/v1/rulesets", content="x", headers={**keys.bearer("admin"), "Content-Type": "text/plain"}
            )
        assert_problem(response, 415, "unsupported-media-type")

    def test_unknown_and_malformed_digests(self, keys: Keys) -> None:
        """An unknown digest is 404; something that is not a digest is 422."""
        with client(keys) as c:
            assert_problem(c.get(f"/v1/rulesets/{'a' * 64}", headers=keys.bearer()), 404, "unknown-ruleset")
            assert_problem(c.get("/v1/rulesets/xyz", headers=keys.bearer()), 422, "invalid-request")

    def test_rules_dir_with_two_rulesets_under_one_name_stops_the_start(
        self, keys: Keys, tmp_path: Path
    ) -> None:
        """Two files in --rules-dir claiming one id@version with other rules: UsageError naming the file."""
        rules = tmp_path / "rules"
        rules.mkdir()
        changed = load_ruleset().canonical_json.decode().replace('"precision":2', '"precision":3')
        (rules / "other.json").write_text(changed)
        with (
            pytest.raises(UsageError, match=r"other.json: cities-of-migration@1.0.0 already names"),
            client(keys, rules_dir=rules),
        ):
            pass

    def test_rules_dir_keeps_registered_rulesets_across_restarts(self, keys: Keys, tmp_path: Path) -> None:
        """Registered with --rules-dir, a ruleset is saved as <sha256>.json and loaded by the next start."""
        rules = tmp_path / "rules"
        with client(keys, rules_dir=rules) as c:
            digest = c.post(
                "/v1/rulesets", content=RULESET_YAML, headers={**keys.bearer("admin"), **JSON}
            ).json()["sha256"]
        assert (rules / f"{digest}.json").is_file()
        with client(keys, rules_dir=rules) as c:
            assert c.get(f"/v1/rulesets/{digest}", headers=keys.bearer()).status_code == 200


class TestRuns:
    """``/v1/runs/{run_id}`` and its replay, with an audit log; 404 without one."""

    def test_without_an_audit_log_runs_are_404(self, keys: Keys) -> None:
        """The service says it keeps no log."""
        with client(keys) as c:
            assert_problem(c.get("/v1/runs/abcdef", headers=keys.bearer()), 404, "no-audit-log")
            assert_problem(
                c.post("/v1/runs/abcdef/replay", headers=keys.bearer("admin")), 404, "no-audit-log"
            )

    def test_a_scored_request_is_a_run_that_replays_identically(self, keys: Keys, tmp_path: Path) -> None:
        """Scoring appends a run; GET gives its record; replay (admin) is identical; the log verifies."""
        from supplierscore import audit

        with client(keys, audit_log=tmp_path / "audit") as c:
            scored = c.post("/v1/score", content=EXAMPLES.read_bytes(), headers={**keys.bearer(), **NDJSON})
            run_id = scored.headers["supplierscore-run-id"]
            assert scored.headers["supplierscore-audit-seq"] == "1"
            record = c.get(f"/v1/runs/{run_id}", headers=keys.bearer()).json()["records"][0]
            assert record["run_id"] == run_id and record["options"]["key"] == "portal"
            assert record["inputs"][0]["name"] == "request.ndjson"
            assert_problem(c.post(f"/v1/runs/{run_id}/replay", headers=keys.bearer()), 403, "forbidden")
            replay = c.post(f"/v1/runs/{run_id[:8]}/replay", headers=keys.bearer("admin")).json()
        assert replay["identical"] is True and replay["replays"][0]["seq"] == 1
        assert audit.AuditLog(tmp_path / "audit").verify().ok

    def test_unknown_run_is_404_and_bad_id_422(self, keys: Keys, tmp_path: Path) -> None:
        """A run id the log does not hold is 404, before any run and after; one that is not hex is 422."""
        with client(keys, audit_log=tmp_path / "audit") as c:
            assert_problem(c.get("/v1/runs/abcdef0123", headers=keys.bearer()), 404, "unknown-run")
            c.post("/v1/score", content=first_document(), headers={**keys.bearer(), **JSON})
            assert_problem(c.get("/v1/runs/abcdef0123", headers=keys.bearer()), 404, "unknown-run")
            assert_problem(c.get("/v1/runs/not-a-run", headers=keys.bearer()), 422, "invalid-request")


def _chunks(size: int) -> Iterator[bytes]:
    for _ in range(size // 1024):
        yield b" " * 1024


class TestLimits:
    """Bodies over the limit are 413 before they are read whole; each key has a rate limit."""

    def test_declared_length_over_the_limit_is_413(self, keys: Keys) -> None:
        """Content-Length over the limit is refused without reading the body."""
        with client(keys, max_body_bytes=1000) as c:
            response = c.post("/v1/score", content=b" " * 2000, headers={**keys.bearer(), **NDJSON})
        assert_problem(response, 413, "body-too-large")

    def test_streamed_body_over_the_limit_is_413(self, keys: Keys) -> None:
        """A chunked body (no Content-Length) is counted as it arrives and refused past the limit."""
        with client(keys, max_body_bytes=4096) as c:
            response = c.post("/v1/validate", content=_chunks(64 * 1024), headers={**keys.bearer(), **NDJSON})
        assert_problem(response, 413, "body-too-large")

    def test_a_content_length_that_is_not_a_number_is_400(self, keys: Keys) -> None:
        """``Content-Length: abc`` (sent straight to the application, as no client sends it) is 400."""
        import asyncio

        from supplierscore.service import KeyStore, ServiceConfig, create_app

        app = create_app(ServiceConfig(KeyStore.load(keys.path)))
        headers = [
            (b"authorization", f"Bearer {keys.score}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", b"abc"),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/v1/score",
            "raw_path": b"/v1/score",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 8000),
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"{}", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        asyncio.run(app(scope, receive, send))
        assert sent[0]["status"] == 400
        problem = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
        assert problem["detail"] == "Content-Length is not a number"

    def test_a_body_at_the_limit_is_read(self, keys: Keys) -> None:
        """Exactly the limit is allowed."""
        body = first_document()
        with client(keys, max_body_bytes=len(body)) as c:
            response = c.post("/v1/score", content=body, headers={**keys.bearer(), **JSON})
        assert response.status_code == 200

    def test_over_the_rate_limit_is_429_per_key(self, keys: Keys) -> None:
        """With bursts of 2 and a slow refill, a key's third request is 429 with Retry-After; another key
        is not affected."""
        with client(keys, rate=0.01, burst=2) as c:
            statuses = [c.get("/v1/rulesets", headers=keys.bearer()).status_code for _ in range(3)]
            limited = c.get("/v1/rulesets", headers=keys.bearer())
            other = c.get("/v1/rulesets", headers=keys.bearer("admin"))
        assert statuses == [200, 200, 429]
        assert_problem(limited, 429, "rate-limited")
        assert int(limited.headers["retry-after"]) >= 1
        assert other.status_code == 200


class TestNoInternalsLeak:
    """Errors say what went wrong, never a traceback or a path on the server."""

    def test_unexpected_error_is_500_with_a_reference_only(
        self, keys: Keys, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A bug answers a reference to the service's log, not its message or traceback."""
        from supplierscore.service import _app

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("secret detail at /srv/internal/path.py")

        monkeypatch.setattr(_app, "score", broken)
        with client(keys) as c:
            response = c.post("/v1/score", content=first_document(), headers={**keys.bearer(), **JSON})
        problem = assert_problem(response, 500)
        assert "secret" not in response.text and "/srv/" not in response.text
        assert "reference" in problem["detail"]

    def test_audit_errors_name_no_folder(
        self, keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An audit log that cannot be appended is 503, its folder named only as <audit log>."""
        from supplierscore import audit

        folder = tmp_path / "audit"

        def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
            raise AuditError(f"cannot write {folder}/log.jsonl: No space left on device")

        monkeypatch.setattr(audit.AuditLog, "append_run", failing)
        with client(keys, audit_log=folder) as c:
            response = c.post("/v1/score", content=first_document(), headers={**keys.bearer(), **JSON})
        problem = assert_problem(response, 503, "audit-log")
        assert str(tmp_path) not in response.text
        assert problem["detail"] == "cannot write <audit log>/log.jsonl: No space left on device"

    def test_unknown_route_and_method_are_problems(self, keys: Keys) -> None:
        """404 and 405 from the router are problem details too."""
        with client(keys) as c:
            assert_problem(c.get("/v1/nothing", headers=keys.bearer()), 404)
            assert_problem(c.get("/v1/score", headers=keys.bearer()), 405)


def test_decimal_strings_in_responses(keys: Keys) -> None:
    """Every figure in a sheet is a string (never a JSON number a client would read as a float)."""
    with client(keys) as c:
        sheet = c.post("/v1/score", content=first_document(), headers={**keys.bearer(), **JSON}).json()
    row = next(r for r in sheet["rows"] if r["eligible"])
    assert isinstance(row["total"], str) and Decimal(row["total"]) > 0
    assert all(isinstance(v, str) for v in row["points"].values())


def test_serve_binds_loopback_by_default() -> None:
    """``serve`` listens on 127.0.0.1:8000 unless told otherwise, and documents the reverse proxy for TLS."""
    from supplierscore.cli._serve import serve_command

    defaults = {param.name: param.default for param in serve_command.params}
    assert (defaults["host"], defaults["port"], defaults["max_body_mb"]) == ("127.0.0.1", 8000, 32)
    assert "reverse proxy with TLS" in (serve_command.help or "")
