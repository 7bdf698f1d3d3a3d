"""OCDS in and out: the import's mapping, its report, the register and marks, the export and the CLI.

Fixtures in ``tests/data/ocds/`` are written from the standard's documentation: a 1.1 release package
with lots and every bid status, a 1.0 package (organisations inside ``tenderers``, ``relatedLot``
strings), a record package (a compiled release, releases to compile, linked releases only), JSON Lines of
releases of one ocid, and a bare release and record.
"""

from __future__ import annotations

import json
import socket
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from supplierscore import load_ruleset, read_bids, score
from supplierscore.cli import main
from supplierscore.errors import UsageError
from supplierscore.inputs import (
    RELEASE_SCHEMA_URL,
    import_ocds,
    looks_like_ocds,
    parse_json,
    read_documents,
    release_package_schema,
    release_schema,
)
from supplierscore.ruleset import default_ruleset_path
from supplierscore.sheet._ocds import ocds_bytes, ocds_release_package, validate_release_package
from tests.strategies import batches

ROOT = Path(__file__).parent.parent
DATA = ROOT / "tests" / "data" / "ocds"
LOTS = DATA / "release-package-lots.json"
OLD = DATA / "release-package-1.0.json"
RECORDS = DATA / "record-package.json"
JSONL = DATA / "releases.jsonl"
EXAMPLE = ROOT / "examples" / "ocds"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def resolve(document: Any, pointer: str) -> Any:
    """The value a JSON Pointer names (KeyError/IndexError when it names nothing)."""
    node = document
    for step in pointer.split("/")[1:] if pointer else []:
        step = step.replace("~1", "/").replace("~0", "~")
        node = node[int(step)] if isinstance(node, list) else node[step]
    return node


def tenders_by_id(paths: list[Path]) -> dict[str, Any]:
    return {t.id: t for t in import_ocds(paths).batch.tenders}


def pure_python_check(package: dict[str, Any]) -> list[str]:
    """The export checked by the pure-Python validator too, the schemas found offline in a registry."""
    registry: Registry[Any] = Registry().with_resource(
        RELEASE_SCHEMA_URL, Resource.from_contents(release_schema(), default_specification=DRAFT4)
    )
    validator = jsonschema.Draft4Validator(
        release_package_schema(), registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    as_json = json.loads(ocds_bytes(package))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(as_json)]


# ---------------------------------------------------------------------------------------------------
# Reading


class TestMapping:
    def test_one_tender_document_per_lot(self) -> None:
        """A tender with lots gives one tender document per lot, its id ocid/lot-id, its title the lot's."""
        tenders = tenders_by_id([LOTS])
        assert set(tenders) == {"ocds-exmpl1-2026-0042/L1", "ocds-exmpl1-2026-0042/L2"}
        assert tenders["ocds-exmpl1-2026-0042/L1"].header["title"] == "School meals: east"
        assert [b["id"] for b in tenders["ocds-exmpl1-2026-0042/L1"].bids] == ["B-1", "B-2"]

    def test_closing_date_is_the_date_in_its_own_offset(self) -> None:
        """endDate 2026-03-01T00:30:00+02:00 closes on 2026-03-01, not on the UTC date 2026-02-28."""
        header = tenders_by_id([LOTS])["ocds-exmpl1-2026-0042/L1"].header
        assert header["closing_date"] == "2026-03-01"

    def test_amounts_keep_their_published_digits(self) -> None:
        """43788.9 stays 43788.9 and 250000.00 keeps its two decimals: numbers never pass through float."""
        tender = tenders_by_id([LOTS])["ocds-exmpl1-2026-0042/L1"]
        prices = {b["id"]: b["price"]["amount"] for b in tender.bids}
        assert str(prices["B-1"]) == "43788.9" and isinstance(prices["B-1"], Decimal)
        assert str(tender.header["budget"]["amount"]) == "250000.00"

    def test_placeholder_budget_is_absent_and_listed(self) -> None:
        """A lot budget of 0.01 is no budget (or a within-budget gate fails every bid) and is reported."""
        imported = import_ocds([LOTS])
        header = {t.id: t for t in imported.batch.tenders}["ocds-exmpl1-2026-0042/L2"].header
        assert "budget" not in header and header["currency"] == "CAD"
        [placeholder] = imported.report.placeholders
        assert (placeholder.path, placeholder.value) == ("/releases/0/tender/lots/1/value/amount", "0.01")

    def test_supplier_from_parties_with_numeric_id_and_translated_country(self) -> None:
        """Numeric party id 17 becomes "17"; countryName Україна is UA; scale sme leaves size out."""
        bids = {b["id"]: b for b in tenders_by_id([LOTS])["ocds-exmpl1-2026-0042/L1"].bids}
        assert bids["B-2"]["supplier"] == {"id": "17", "name": "Lviv Food Services", "country": "UA"}
        assert bids["B-1"]["supplier"]["size"] == "micro"

    def test_unrecognised_country_and_sme_are_counted(self) -> None:
        """A country name nobody knows is left out and counted; so is the size sme."""
        report = import_ocds([LOTS]).report
        assert report.countries_not_recognised["Atlantis"] >= 1
        assert report.sizes_left_out == {"sme": 1}

    def test_joint_bid_is_scored_under_its_lead_tenderer(self) -> None:
        """Several tenderers: the first is the supplier; the partners are listed in the report."""
        imported = import_ocds([LOTS])
        bid = {b["id"]: b for t in imported.batch.tenders for b in t.bids}["B-10"]
        assert bid["supplier"]["id"] == "S-1"
        assert imported.report.joint_bids[0]["tenderers"] == ["S-1", "S-4"]

    def test_ocds_1_0_organisations_inside_tenderers(self) -> None:
        """1.0: no parties; the tenderer's identifier gives the id UA-EDR-40133709; relatedLot strings
        and a tenderers object are read; a lot without a value has no budget (the tender's covers all
        lots)."""
        tenders = tenders_by_id([OLD])
        north = tenders["ocds-old001-2016-7/1"]
        assert north.bids[0]["supplier"] == {"id": "UA-EDR-40133709", "name": "TOV Shliakh", "country": "UA"}
        assert "budget" not in north.header
        assert [b["id"] for b in tenders["ocds-old001-2016-7/2"].bids] == ["a3"]

    @pytest.mark.parametrize(("bid_id", "amount"), [("a2", "1249999.999"), ("a4", "979999.123456")])
    def test_amounts_with_three_to_six_decimals_are_rejected_in_a_cents_currency(
        self, bid_id: str, amount: str
    ) -> None:
        """3 and 6 decimals in UAH: rejected as too many decimals, the reason quoting the exact digits."""
        [rejection] = [r for r in import_ocds([OLD]).batch.rejections if r.bid_id == bid_id]
        assert rejection.reason.startswith(f"{amount} has too many decimals")

    def test_unmapped_fields_are_counted(self) -> None:
        """A field the import does not use is named in the report."""
        assert import_ocds([LOTS]).report.unmapped["tender.procurementMethod"] == 1


class TestStatusesAndRejections:
    def test_invited_and_withdrawn_are_not_bids(self) -> None:
        """invited and withdrawn are listed as not bids: never scored, never rejected."""
        imported = import_ocds([LOTS])
        assert sorted((n.bid_id, n.status) for n in imported.report.not_bids) == [
            ("B-3", "invited"),
            ("B-4", "withdrawn"),
        ]
        assert {"B-3", "B-4"}.isdisjoint(r.bid_id for r in imported.batch.rejections)

    @pytest.mark.parametrize(("bid_id", "status"), [("B-5", "disqualified"), ("B-6", "not-qualified")])
    def test_disqualified_is_rejected_with_the_publishers_status(self, bid_id: str, status: str) -> None:
        """disqualified and variants are rejected, the reason quoting the publisher's status."""
        [rejection] = [r for r in import_ocds([LOTS]).batch.rejections if r.bid_id == bid_id]
        assert status in rejection.reason and rejection.path.endswith("/status")

    def test_unknown_status_is_scored_and_listed(self) -> None:
        """An unknown status (awarded) is scored and listed; Qualified is scored without a listing."""
        imported = import_ocds([LOTS])
        assert imported.report.unknown_statuses == {"awarded": 1}
        assert "B-10" in {b["id"] for t in imported.batch.tenders for b in t.bids}

    @pytest.mark.parametrize(
        ("bid_id", "path", "words"),
        [
            ("B-8", "/releases/0/bids/details/7/value/amount", "no price"),
            ("B-9", "/releases/0/bids/details/8/date", '"2026-02-28T16:00:00"'),
            ("B-11", "/releases/0/bids/details/10/value/amount", "out of bounds"),
            ("B-12", "/releases/0/bids/details/11/value", '"currency"'),
            ("B-7", "/releases/0/bids/details/6/value/amount", "0.01"),
            ("B-13", "/releases/0/bids/details/12/relatedLots", "several lots"),
        ],
    )
    def test_rejection_points_into_the_ocds_file(self, bid_id: str, path: str, words: str) -> None:
        """Null amount, a date without offset, 1e9999, a missing currency, 3 decimals in CAD and a bid for
        two lots are each rejected at a JSON Pointer into the OCDS file, the reason naming the value."""
        [rejection] = [r for r in import_ocds([LOTS]).batch.rejections if r.bid_id == bid_id]
        assert (rejection.path, rejection.source) == (path, str(LOTS))
        assert words in rejection.reason

    @pytest.mark.parametrize("path", sorted(DATA.iterdir()), ids=lambda p: p.name)
    def test_every_pointer_names_something_in_the_file(self, path: Path) -> None:
        """Every rejection's and not-bid's JSON Pointer resolves in the file it names."""
        imported = import_ocds([path])
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for item in [*imported.batch.rejections, *imported.report.not_bids]:
            document = json.loads(lines[item.line - 1] if item.line is not None else text)
            resolve(document, item.path)

    @pytest.mark.parametrize("path", sorted(DATA.iterdir()), ids=lambda p: p.name)
    def test_every_bid_is_imported_not_a_bid_or_rejected(self, path: Path) -> None:
        """Per file: bids = imported + not bids + rejected, and the batch reconciles."""
        imported = import_ocds([path])
        [file] = imported.report.files
        assert file.bids == file.imported + file.not_bids + file.rejected
        assert imported.batch.reconciles
        assert imported.batch.valid == file.imported and imported.batch.rejected == file.rejected


class TestShapes:
    def test_record_package(self) -> None:
        """A record's compiledRelease is read; releases without one are compiled; linked-only is noted."""
        imported = import_ocds([RECORDS])
        tenders = {t.id: t for t in imported.batch.tenders}
        assert set(tenders) == {"ocds-exmpl1-2026-0050", "ocds-exmpl1-2026-0051"}
        compiled = tenders["ocds-exmpl1-2026-0051"]
        assert compiled.header["closing_date"] == "2026-03-18"
        assert compiled.bids[0]["submitted_at"] == "2026-03-17T09:00:00Z"
        assert compiled.bids[0]["price"]["amount"] == 29000
        assert any("only linked releases" in note for note in imported.report.notes)
        assert imported.report.files[0].shape == "record package"

    def test_json_lines_of_releases_compiled_offline(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Two releases of one ocid on two lines compile into one tender, with no network at all."""

        def no_network(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("the network was used")

        monkeypatch.setattr(socket.socket, "connect", no_network)
        imported = import_ocds([JSONL])
        tender = {t.id: t for t in imported.batch.tenders}["ocds-exmpl1-2026-0060"]
        assert [(b["id"], str(b["price"]["amount"])) for b in tender.bids] == [
            ("b1", "4100.5"),
            ("b2", "4300"),
        ]
        assert tender.header["closing_date"] == "2026-05-09"
        assert imported.report.files[0].shape == "JSON Lines of releases"
        assert imported.report.compiled == {str(JSONL): 1}
        [rejection] = imported.batch.rejections  # b0 is only in the first release, on line 1
        assert (rejection.bid_id, rejection.line, rejection.path) == ("b0", 1, "/bids/details/1/value/amount")

    @pytest.mark.parametrize(("name", "shape"), [("release.json", "release"), ("record.json", "record")])
    def test_bare_release_and_record(self, name: str, shape: str) -> None:
        """A lone release or record is read as a tender."""
        imported = import_ocds([DATA / name])
        assert imported.report.files[0].shape == shape
        assert imported.batch.valid == 1

    def test_package_version_is_reported(self) -> None:
        """A package without version is OCDS 1.0, as the standard says."""
        assert import_ocds([OLD]).report.files[0].ocds_version == "1.0 (no version field)"
        assert import_ocds([LOTS]).report.files[0].ocds_version == "1.1"

    def test_detection(self) -> None:
        """OCDS is told from tender documents by its top-level keys."""
        assert all(looks_like_ocds(p) for p in DATA.iterdir())
        assert not looks_like_ocds(ROOT / "examples" / "tenders.ndjson")

    def test_bad_ocid_rejects_every_bid_at_the_ocid(self, tmp_path: Path) -> None:
        """An ocid that cannot be a tender id (a space in it) rejects the tender's bids, pointing at it."""
        release = json.loads((DATA / "release.json").read_text())
        release["ocid"] = "ocds-exmpl1 2026"
        path = tmp_path / "release.json"
        path.write_text(json.dumps(release))
        [rejection] = import_ocds([path]).batch.rejections
        assert rejection.path == "/ocid" and rejection.reason.startswith("tender header:")

    def test_not_ocds_is_a_usage_error(self) -> None:
        """A tender document read as OCDS is refused in one line."""
        with pytest.raises(UsageError, match="not OCDS"):
            import_ocds([ROOT / "examples" / "tenders.ndjson"])


# ---------------------------------------------------------------------------------------------------
# Register and marks


class TestRegisterAndMarks:
    def test_register_csv_supplies_supplier_data(self) -> None:
        """Ownership, workforce, languages, size and one certification per row reach every bid of the
        supplier, matched by party id or by the identifier's id alone."""
        imported = import_ocds([EXAMPLE / "package.json"], suppliers=EXAMPLE / "register.csv")
        bids = {b["id"]: b for t in imported.batch.tenders for b in t.bids}
        k01 = bids["K-01"]
        assert k01["ownership"]["immigrant"] == Decimal(100)
        assert k01["workforce"]["living_wage"] is True and k01["workforce"]["employees"] == 4
        assert [c["issuer"] for c in k01["certifications"]] == ["CAMSC", "Ontario Living Wage Network"]
        assert k01["languages"] == ["en", "hi", "pa"]
        assert bids["K-02"]["supplier"]["size"] == "small"
        assert bids["K-04"]["ownership"]["social_enterprise"] is True
        assert imported.report.register is not None
        assert imported.report.register["bids_without_entry"] == {"ocds-ham001-2026-0240": 1}

    def test_register_json_and_marks(self, tmp_path: Path) -> None:
        """A JSON register by supplier id and a JSON marks list; bids without marks counted by tender."""
        register = tmp_path / "register.json"
        register.write_text(json.dumps({"S-1": {"ownership": {"immigrant": 60}, "languages": ["en"]}}))
        marks = tmp_path / "marks.json"
        marks.write_text(
            json.dumps([{"tender_id": "ocds-exmpl1-2026-0042/L1", "bid_id": "B-1", "technical": 70}])
        )
        imported = import_ocds([LOTS], suppliers=register, marks=marks)
        bids = {b["id"]: b for t in imported.batch.tenders for b in t.bids}
        assert bids["B-1"]["ownership"] == {"immigrant": 60} and bids["B-1"]["quality"] == {"technical": 70}
        assert imported.report.marks is not None
        assert imported.report.marks["bids_without_entry"]["ocds-exmpl1-2026-0042/L1"] == 1

    def test_register_value_breaking_the_schema_rejects_the_bid_saying_so(self, tmp_path: Path) -> None:
        """150 % immigrant ownership rejects the bid, the reason naming the register as its source."""
        register = tmp_path / "register.csv"
        register.write_text("supplier_id,ownership.immigrant\nS-1,150\n")
        imported = import_ocds([LOTS], suppliers=register)
        [rejection] = [r for r in imported.batch.rejections if r.bid_id == "B-1"]
        assert rejection.reason.startswith("supplier register entry, ownership/immigrant")
        assert rejection.path == "/releases/0/bids/details/0"

    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ("supplier_id,workforce.employees\nS-1,many\n", "row 2, column workforce.employees"),
            ("supplier_id,ownership.immigrnt\nS-1,5\n", 'did you mean "immigrant"'),
            ("supplier_id,workforce.living_wage\nS-1,maybe\n", "not true or false"),
            ("name\nS-1\n", "no supplier_id"),
        ],
    )
    def test_bad_register_is_a_usage_error(self, tmp_path: Path, text: str, words: str) -> None:
        """A register that cannot be read as one is refused, naming the row and column."""
        register = tmp_path / "register.csv"
        register.write_text(text)
        with pytest.raises(UsageError, match=words):
            import_ocds([LOTS], suppliers=register)


# ---------------------------------------------------------------------------------------------------
# Writing


RULESET = load_ruleset(default_ruleset_path())


def _consistent_names(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One name per supplier id within a tender, as OCDS has one party per id."""
    for document in documents:
        names: dict[str, str] = {}
        for bid in document["bids"]:
            bid["supplier"]["name"] = names.setdefault(bid["supplier"]["id"], bid["supplier"]["name"])
    return documents


class TestExport:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(batches(max_tenders=3, max_bids=5))
    def test_import_of_the_export_gives_back_tenders_bids_and_prices(self, documents: list[Any]) -> None:
        """Export → import: the same tenders, the same eligible bids with the same prices (same digits),
        suppliers and dates; an ineligible bid comes back rejected as disqualified. Every export validates."""
        batch = read_documents(_consistent_names(documents))
        sheet = score(batch, RULESET)
        package = ocds_release_package(sheet.to_dict(), batch.tenders)
        assert validate_release_package(package) == []
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "scored.json"
            path.write_bytes(ocds_bytes(package))
            back = import_ocds([path]).batch
        eligible = {(r.tender_id, r.bid_id) for r in sheet.rows if r.eligible}
        assert {t.id for t in back.tenders} == {t.id for t in batch.tenders}
        originals = {t.id: t for t in batch.tenders}
        for tender in back.tenders:
            before = originals[tender.id]
            for key in ("closing_date", "currency"):
                assert tender.header.get(key) == before.header.get(key)
            if "budget" in before.header:
                assert str(tender.header["budget"]["amount"]) == str(
                    Decimal(str(before.header["budget"]["amount"]))
                )
            old = {b["id"]: b for b in before.bids}
            assert {b["id"] for b in tender.bids} == {b for t, b in eligible if t == tender.id}
            for bid in tender.bids:
                assert str(bid["price"]["amount"]) == str(Decimal(str(old[bid["id"]]["price"]["amount"])))
                assert bid["supplier"]["id"] == old[bid["id"]]["supplier"]["id"]
                assert bid["supplier"]["name"] == old[bid["id"]]["supplier"]["name"]
                assert bid.get("submitted_at") == old[bid["id"]].get("submitted_at")
        ineligible = {(r.tender_id, r.bid_id) for r in sheet.rows if not r.eligible}
        assert {(r.tender_id, r.bid_id) for r in back.rejections} == ineligible

    def test_export_validates_with_the_pure_python_validator_too(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The example batch's export passes the published schema in both validators, with no network."""

        def no_network(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("the network was used")

        monkeypatch.setattr(socket.socket, "connect", no_network)
        batch = read_bids([ROOT / "examples" / "tenders.ndjson"])
        package = ocds_release_package(score(batch, RULESET).to_dict(), batch.tenders)
        assert validate_release_package(package) == []
        assert pure_python_check(package) == []

    def test_export_says_rank_status_points_and_ruleset(self) -> None:
        """Each bid has status, hasRank, rank and its points; the tender names the ruleset and digest."""
        batch = read_bids([ROOT / "examples" / "tenders.ndjson"])
        sheet = score(batch, RULESET)
        package = ocds_release_package(sheet.to_dict(), batch.tenders)
        assert package["extensions"] and package["version"] == "1.1"
        row = next(r for r in sheet.rows if not r.eligible)
        release = next(r for r in package["releases"] if r["ocid"] == row.tender_id)
        assert RULESET.sha256 in release["tender"]["awardCriteriaDetails"]
        bid = next(b for b in release["bids"]["details"] if b["id"] == row.bid_id)
        assert (bid["status"], bid["hasRank"]) == ("disqualified", False)
        assert bid["supplierscore"]["reasons"] == list(row.reasons)
        winner = next(b for b in release["bids"]["details"] if b.get("rank") == 1)
        assert winner["status"] == "valid" and winner["supplierscore"]["total"] is not None

    def test_schema_check_catches_a_bad_export(self) -> None:
        """A status outside the bids extension's codelist fails the check: it is not a rubber stamp."""
        batch = read_bids([ROOT / "examples" / "tenders.ndjson"])
        package = ocds_release_package(score(batch, RULESET).to_dict(), batch.tenders)
        package["releases"][0]["bids"]["details"][0]["status"] = "winner"
        assert validate_release_package(package) and pure_python_check(package)


# ---------------------------------------------------------------------------------------------------
# The command line


class TestCommandLine:
    def test_score_the_readme_example(self, tmp_path: Path) -> None:
        """score PACKAGE.json --from ocds --suppliers register.csv --out sheet.xlsx works; the report
        accounts for every bid; exit 1 since two bids are rejected."""
        report = tmp_path / "import.json"
        result = invoke(
            "score", EXAMPLE / "package.json", "--from", "ocds", "--suppliers", EXAMPLE / "register.csv",
            "--marks", EXAMPLE / "marks.csv", "--report", report, "--out", tmp_path / "sheet.xlsx",
        )  # fmt: skip
        assert result.exit_code == 1, result.output
        assert (tmp_path / "sheet.xlsx").stat().st_size > 0
        saved = json.loads(report.read_text())
        totals = saved["totals"]
        assert totals["bids"] == totals["imported"] + totals["not_bids"] + totals["rejected"] == 13
        assert len({(r["line"], r["index"]) for r in saved["rejections"]}) == totals["rejected"]
        assert "OCDS import:" in result.output and "not bids" in result.output

    def test_ocds_is_detected_without_from(self, tmp_path: Path) -> None:
        """A release package is scored as OCDS without --from."""
        result = invoke("score", EXAMPLE / "package.json", "--out", tmp_path / "s.json")
        assert result.exit_code == 1 and "OCDS import:" in result.output

    def test_mixing_ocds_and_documents_is_refused(self, tmp_path: Path) -> None:
        """OCDS and tender documents in one run: a usage error, exit 2."""
        result = invoke("score", LOTS, ROOT / "examples" / "tenders.ndjson", "--out", tmp_path / "s.json")
        assert result.exit_code == 2 and "some inputs are OCDS" in result.output

    def test_suppliers_without_ocds_is_refused(self, tmp_path: Path) -> None:
        """--suppliers means nothing for tender documents: exit 2."""
        result = invoke(
            "score", ROOT / "examples" / "tenders.ndjson", "--suppliers", EXAMPLE / "register.csv",
            "--out", tmp_path / "s.json",
        )  # fmt: skip
        assert result.exit_code == 2 and "--suppliers is for OCDS input" in result.output

    def test_convert_from_ocds_scores_the_same(self, tmp_path: Path) -> None:
        """convert --from ocds writes documents that score to the same totals as score --from ocds."""
        docs = tmp_path / "docs.ndjson"
        args = ["--suppliers", EXAMPLE / "register.csv", "--marks", EXAMPLE / "marks.csv"]
        assert (
            invoke("convert", EXAMPLE / "package.json", "--from", "ocds", *args, "--out", docs).exit_code == 1
        )
        assert invoke("score", EXAMPLE / "package.json", *args, "--out", tmp_path / "a.json").exit_code == 1
        assert invoke("score", docs, "--out", tmp_path / "b.json").exit_code == 0
        rows = [
            [(r["bid_id"], r["total"], r["rank"]) for r in json.loads((tmp_path / n).read_text())["rows"]]
            for n in ("a.json", "b.json")
        ]
        assert rows[0] == rows[1] and rows[0]

    def test_convert_to_ocds_round_trip(self, tmp_path: Path) -> None:
        """convert SHEET.json INPUT --to ocds writes a valid package; converting it back gives the eligible
        bids with the same prices, and the ineligible ones rejected as disqualified."""
        tenders = ROOT / "examples" / "tenders.ndjson"
        sheet = tmp_path / "sheet.json"
        assert invoke("score", tenders, "--out", sheet).exit_code == 0
        out = tmp_path / "scored.json"
        result = invoke("convert", sheet, tenders, "--to", "ocds", "--out", out)
        assert result.exit_code == 0, result.output
        assert pure_python_check(json.loads(out.read_text())) == []
        docs = tmp_path / "docs.ndjson"
        assert invoke("convert", out, "--from", "ocds", "--out", docs).exit_code == 1
        rows = json.loads(sheet.read_text())["rows"]
        original = {
            (d["tender"]["id"], b["id"]): str(b["price"]["amount"])
            for d in map(parse_json, tenders.read_text().splitlines())
            for b in d["bids"]
        }
        back = {
            (d["tender"]["id"], b["id"]): str(b["price"]["amount"])
            for d in map(parse_json, docs.read_text().splitlines())
            for b in d["bids"]
        }
        eligible = {(r["tender_id"], r["bid_id"]) for r in rows if r["eligible"]}
        assert back == {key: price for key, price in original.items() if key in eligible}

    def test_convert_to_ocds_is_byte_identical(self, tmp_path: Path) -> None:
        """The same sheet gives the same OCDS bytes."""
        sheet = tmp_path / "sheet.json"
        invoke("score", ROOT / "examples" / "tenders.ndjson", "--out", sheet)
        for name in ("a.json", "b.json"):
            invoke(
                "convert",
                sheet,
                ROOT / "examples" / "tenders.ndjson",
                "--to",
                "ocds",
                "--out",
                tmp_path / name,
            )
        assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()

    def test_convert_finds_ocds_without_from_and_refuses_both_directions(self, tmp_path: Path) -> None:
        """An OCDS package converts without --from (found by its content, as --from ocds would); --from
        with --to ocds is refused in one line (exit 2)."""
        found = invoke("convert", LOTS, "--out", tmp_path / "found.ndjson")
        named = invoke("convert", LOTS, "--from", "ocds", "--out", tmp_path / "named.ndjson")
        assert found.exit_code == named.exit_code and found.exit_code in (0, 1)
        assert (tmp_path / "found.ndjson").read_bytes() == (tmp_path / "named.ndjson").read_bytes()
        both = invoke("convert", LOTS, "--from", "ocds", "--to", "ocds", "--out", tmp_path / "x.json")
        assert both.exit_code == 2 and "drop --from" in both.output

    def test_convert_to_ocds_with_inputs_that_do_not_match(self, tmp_path: Path) -> None:
        """Inputs that are not the ones scored are refused rather than giving bids without prices."""
        sheet = tmp_path / "sheet.json"
        invoke("score", ROOT / "examples" / "tenders.ndjson", "--out", sheet)
        result = invoke(
            "convert", sheet, EXAMPLE / "package.json", "--to", "ocds", "--out", tmp_path / "x.json"
        )
        assert result.exit_code == 2 and "not in the inputs given" in result.output
