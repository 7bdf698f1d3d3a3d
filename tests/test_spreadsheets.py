"""Bids from spreadsheets: every cell read exactly or rejected at its cell, and nothing lost on the way."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplierscore.errors import UsageError
from supplierscore.inputs import (
    Batch,
    document_tables,
    parse_json,
    read_bids,
    write_csv_tables,
    write_workbook,
)
from tests.strategies import tender_documents

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

BID_PATHS = ["tender.id", "id", "supplier.id", "supplier.name", "price.amount", "price.currency"]


def workbook(path: Path, sheets: dict[str, list[list[Any]]], *, merge: str | None = None) -> Path:
    """A workbook whose sheets hold ``rows`` from A1 (row 1 titles, row 2 field paths)."""
    book = xlsxwriter.Workbook(str(path))
    dated = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, tuple) and value[0] == "formula":
                    sheet.write_formula(r, c, value[1], None, value[2])
                elif isinstance(value, datetime.date):
                    sheet.write_datetime(r, c, value, dated)
                elif value is not None:
                    sheet.write(r, c, value)
        if merge and name == "Bids":
            sheet.merge_range(merge, "merged")
    book.close()
    return path


def bids_sheet(*rows: list[Any], extra: list[str] = ()) -> list[list[Any]]:  # type: ignore[assignment]
    paths = [*BID_PATHS, *extra]
    return [[p.upper() for p in paths], paths, *rows]


def bid(tender: str = "T-1", bid_id: str = "B-1", amount: Any = 100, *extra: Any) -> list[Any]:
    return [tender, bid_id, f"S-{bid_id}", f"Supplier {bid_id}", amount, "CAD", *extra]


def only(batch: Batch) -> tuple[str, int | None, str]:
    assert len(batch.rejections) == 1, batch.rejections
    rejection = batch.rejections[0]
    return rejection.source, rejection.line, rejection.reason


class TestBadCells:
    """Each kind of unreadable cell rejects its bid, naming file, sheet, cell, field path and reason."""

    @pytest.mark.parametrize(
        ("amount", "reason"),
        [
            ("412,750.00", '"412,750.00" uses "," to separate thousands: write 412750.00 (no separators)'),
            (
                "1 234,50",
                '"1 234,50" uses a space to separate thousands and "," as the decimal mark: write 1234.50 '
                "(no separators, a point before decimals)",
            ),
            ("1234,50", '"1234,50" uses "," as the decimal mark: write 1234.50 (a point before decimals)'),
            ("$100", '"$100" is not a number: write digits only, with a point before decimals'),
        ],
    )
    def test_number_text_with_separators_gets_one_reason(
        self, tmp_path: Path, amount: str, reason: str
    ) -> None:
        """Number text with a thousands separator or a decimal comma gets one reason, no second one."""
        path = workbook(
            tmp_path / "bids.xlsx", {"Bids": bids_sheet(bid("T-1", "B-1", 5), bid("T-1", "B-2", amount))}
        )
        batch = read_bids([path])
        assert only(batch) == (f"{path} › Bids!E4 (price.amount)", 4, reason)
        assert batch.rejections[0].path == "/bids/1/price/amount"
        assert batch.rejections[0].bid_id == "B-2"
        assert (batch.read, batch.valid, batch.rejected) == (2, 1, 1)

    def test_a_number_cell_with_more_decimals_than_the_currency_is_rejected(self, tmp_path: Path) -> None:
        """A double is read as the spreadsheet shows it, then the currency's decimals are checked."""
        path = workbook(tmp_path / "bids.xlsx", {"Bids": bids_sheet(bid("T-1", "B-1", 100.123))})
        source, line, reason = only(read_bids([path]))
        assert (source, line) == (f"{path} › Bids!E3 (price.amount)", 3)
        assert reason == "100.123 has too many decimals: must be a multiple of 0.01"

    def test_a_double_reads_as_its_shortest_decimal(self, tmp_path: Path) -> None:
        """0.1 + 0.2 is shown 0.3 by a spreadsheet, and read as exactly 0.3."""
        path = workbook(tmp_path / "bids.xlsx", {"Bids": bids_sheet(bid("T-1", "B-1", 0.1 + 0.2))})
        batch = read_bids([path])
        assert batch.tenders[0].bids[0]["price"]["amount"] == Decimal("0.3")

    def test_an_unknown_column_names_the_nearest_known_path(self, tmp_path: Path) -> None:
        """A value under a misspelt field path rejects the bid, suggesting the path meant."""
        rows = bids_sheet(bid("T-1", "B-1", 5, 12), extra=["ownership.imigrant"])
        path = workbook(tmp_path / "bids.xlsx", {"Bids": rows})
        assert only(read_bids([path])) == (
            f"{path} › Bids!G3 (ownership.imigrant)",
            3,
            'unknown column "ownership.imigrant"; did you mean "ownership.immigrant"?',
        )

    def test_a_formula_error_is_rejected_not_read_as_empty(self, tmp_path: Path) -> None:
        """A cell showing #DIV/0! is rejected at that cell (calamine alone would read it as empty)."""
        rows = bids_sheet(bid("T-1", "B-1", 5, ("formula", "=1/0", "#DIV/0!")), extra=["ownership.immigrant"])
        path = workbook(tmp_path / "bids.xlsx", {"Bids": rows})
        assert only(read_bids([path])) == (
            f"{path} › Bids!G3 (ownership.immigrant)",
            3,
            "the cell shows #DIV/0!, an error of its formula: fix the formula or type the value",
        )

    def test_a_formula_is_read_by_its_cached_value(self, tmp_path: Path) -> None:
        """A formula cell gives the value the spreadsheet last calculated."""
        rows = bids_sheet(bid("T-1", "B-1", ("formula", "=40+2", 42)))
        batch = read_bids([workbook(tmp_path / "bids.xlsx", {"Bids": rows})])
        assert batch.tenders[0].bids[0]["price"]["amount"] == 42

    def test_merged_cells_are_rejected(self, tmp_path: Path) -> None:
        """A merged range over a bid's row is refused: which cell holds the value would be a guess."""
        path = workbook(tmp_path / "bids.xlsx", {"Bids": bids_sheet(bid(), bid("T-1", "B-2"))}, merge="C4:D4")
        source, line, reason = only(read_bids([path]))
        assert (source, line) == (f"{path} › Bids!C4 (supplier.id)", 4)
        assert reason == "cells C4:D4 are merged: unmerge them and fill in every cell"

    def test_a_date_time_without_offset_is_refused(self, tmp_path: Path) -> None:
        """A spreadsheet date-time has no offset, so its instant is unknown: refused with the fix."""
        rows = bids_sheet(bid("T-1", "B-1", 5, datetime.datetime(2026, 3, 2, 14, 5)), extra=["submitted_at"])
        path = workbook(tmp_path / "bids.xlsx", {"Bids": rows})
        source, line, reason = only(read_bids([path]))
        assert (source, line) == (f"{path} › Bids!G3 (submitted_at)", 3)
        assert reason.startswith("2026-03-02 14:05:00 has no time-zone offset")
        assert "2026-03-02T14:05:00-05:00" in reason

    def test_a_date_cell_becomes_an_iso_date(self, tmp_path: Path) -> None:
        """A date cell reads as YYYY-MM-DD."""
        tenders = [
            ["ID", "CLOSES"],
            ["tender.id", "tender.closing_date"],
            ["T-1", datetime.date(2026, 3, 31)],
        ]
        path = workbook(tmp_path / "bids.xlsx", {"Tenders": tenders, "Bids": bids_sheet(bid())})
        assert read_bids([path]).tenders[0].header["closing_date"] == "2026-03-31"

    def test_a_yes_no_cell_that_is_neither_is_rejected(self, tmp_path: Path) -> None:
        """A yes/no column takes yes, no, oui, non, true, false or a TRUE/FALSE cell."""
        rows = bids_sheet(
            bid("T-1", "B-1", 5, "maybe"), bid("T-1", "B-2", 5, "oui"), extra=["workforce.living_wage"]
        )
        batch = read_bids([workbook(tmp_path / "bids.xlsx", {"Bids": rows})])
        assert only(batch)[1:] == (3, '"maybe" is not yes or no: write yes or no (or TRUE or FALSE)')
        assert batch.tenders[0].bids[0]["workforce"]["living_wage"] is True

    def test_a_certification_of_no_bid_is_rejected(self, tmp_path: Path) -> None:
        """A Certifications row whose bid is not on the Bids sheet is one rejection, not dropped."""
        certs = [
            ["T", "B", "I", "C"],
            ["tender.id", "bid.id", "certifications.issuer", "certifications.covers"],
            ["T-1", "B-1", "CAMSC", "immigrant"],
            ["T-1", "B-9", "CAMSC", "immigrant"],
        ]
        path = workbook(tmp_path / "bids.xlsx", {"Bids": bids_sheet(bid()), "Certifications": certs})
        batch = read_bids([path])
        assert only(batch) == (
            f"{path} › Certifications!B4 (bid.id)",
            4,
            'no bid "B-9" of tender "T-1" on the Bids sheet',
        )
        assert batch.tenders[0].bids[0]["certifications"] == [{"issuer": "CAMSC", "covers": ["immigrant"]}]

    def test_a_schema_error_in_a_certification_names_its_cell(self, tmp_path: Path) -> None:
        """Validation errors inside a list item land on the item's row of its own sheet."""
        certs = [
            ["T", "B", "I", "C"],
            ["tender.id", "bid.id", "certifications.issuer", "certifications.covers"],
            ["T-1", "B-1", "CAMSC", "immigrants"],
        ]
        path = workbook(tmp_path / "bids.xlsx", {"Bids": bids_sheet(bid()), "Certifications": certs})
        source, line, reason = only(read_bids([path]))
        assert (source, line) == (f"{path} › Certifications!D3 (certifications.covers)", 3)
        assert reason.startswith('"immigrants" is not an allowed value')

    def test_conflicting_tender_values_in_a_flat_csv_reject_the_bid(self, tmp_path: Path) -> None:
        """A flat table repeats the tender's columns; a value that differs rejects that row's bid."""
        path = tmp_path / "flat.csv"
        path.write_text(
            "tender.id,tender.title,id,supplier.id,supplier.name,price.amount,price.currency\n"
            "T-1,Snow,B-1,S-1,One,10,CAD\nT-1,Rain,B-2,S-2,Two,10,CAD\n",
            encoding="utf-8",
        )
        batch = read_bids([path])
        assert only(batch) == (
            f"{path} › B3 (tender.title)",
            3,
            'tender.title is "Rain" here but "Snow" in B2 for the same tender',
        )
        assert batch.tenders[0].header == {"id": "T-1", "title": "Snow"}


class TestLayout:
    """How rows, sheets and whole files are read, and what stops a run."""

    def test_empty_rows_are_skipped_and_hidden_rows_read(self, tmp_path: Path) -> None:
        """An empty row is not a bid; a hidden row is (hiding is not deleting)."""
        book = xlsxwriter.Workbook(str(tmp_path / "bids.xlsx"))
        sheet = book.add_worksheet("Bids")
        for r, row in enumerate(bids_sheet(bid(), [], [], bid("T-1", "B-2"))):
            sheet.write_row(r, 0, row)
        sheet.set_row(5, None, None, {"hidden": True})
        book.close()
        batch = read_bids([tmp_path / "bids.xlsx"])
        assert (batch.read, batch.valid, batch.rejected) == (2, 2, 0)

    def test_columns_may_be_reordered_and_retitled(self, tmp_path: Path) -> None:
        """Row 2's field paths are what is read: titles and order do not matter."""
        rows = [["a", "b", "c", "d", "e", "f"], list(reversed(BID_PATHS)), list(reversed(bid()))]
        batch = read_bids([workbook(tmp_path / "bids.xlsx", {"Bids": rows})])
        assert batch.tenders[0].bids[0]["supplier"] == {"id": "S-B-1", "name": "Supplier B-1"}

    def test_a_missing_required_column_is_a_usage_error_naming_it(self, tmp_path: Path) -> None:
        """Without price.amount no bid could be read: the run stops, naming the column."""
        rows = [[*BID_PATHS[:4], "price.currency"], [*BID_PATHS[:4], "price.currency"]]
        path = workbook(tmp_path / "bids.xlsx", {"Bids": [["t"] * 5, *rows[1:]]})
        with pytest.raises(
            UsageError, match=r"bids\.xlsx › Bids: missing required column price\.amount in row 2"
        ):
            read_bids([path])

    def test_a_missing_bids_sheet_is_a_usage_error(self, tmp_path: Path) -> None:
        """A workbook without a Bids (or Tenders) sheet is not a bids workbook."""
        path = workbook(tmp_path / "bids.xlsx", {"Sheet1": [["x"]]})
        with pytest.raises(UsageError, match=r"no sheet named Bids .*found none of them"):
            read_bids([path])

    def test_a_corrupt_workbook_is_one_rejection(self, tmp_path: Path) -> None:
        """A file that is not a workbook is one rejected line, and other inputs are still read."""
        bad = tmp_path / "bad.xlsx"
        bad.write_bytes(b"PK\x03\x04 not really a zip")
        good = workbook(tmp_path / "good.xlsx", {"Bids": bids_sheet(bid())})
        batch = read_bids([bad, good])
        source, line, reason = only(batch)
        assert (source, line) == (str(bad), None)
        assert reason.startswith("not a readable workbook (corrupt or not a spreadsheet)")
        assert (batch.read, batch.valid, batch.rejected) == (2, 1, 1)

    def test_an_encrypted_workbook_says_to_remove_the_password(self, tmp_path: Path) -> None:
        """Excel saves a password-protected .xlsx as an encrypted OLE file: refused with the fix."""
        path = tmp_path / "locked.xlsx"
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
        assert "password" in only(read_bids([path]))[2]

    @pytest.mark.parametrize(
        ("encoding", "bom", "warned"),
        [
            ("utf-8", b"", False),
            ("utf-8", b"\xef\xbb\xbf", False),
            ("utf-16", b"", False),
            ("cp1252", b"", True),
        ],
    )
    def test_csv_encodings(self, tmp_path: Path, encoding: str, bom: bytes, warned: bool) -> None:
        """UTF-8 with or without BOM and UTF-16 are read as they are; Windows-1252 with a warning."""
        text = ",".join(BID_PATHS) + "\r\nT-1,B-1,S-1,Café Crème,10.50,CAD\r\n"
        path = tmp_path / "bids.csv"
        path.write_bytes(bom + text.encode(encoding))
        batch = read_bids([path])
        assert batch.tenders[0].bids[0]["supplier"]["name"] == "Café Crème"
        assert batch.tenders[0].bids[0]["price"]["amount"] == "10.50"
        assert bool(batch.warnings) is warned

    def test_semicolon_csv_takes_decimal_commas(self, tmp_path: Path) -> None:
        """A semicolon-separated file writes decimals with a comma; thousands separators stay refused."""
        path = tmp_path / "bids.csv"
        path.write_text(
            ";".join([*BID_PATHS, "ownership.immigrant"]) + "\nT-1;B-1;S-1;One;1234,50;CAD;25,5\n"
            "T-1;B-2;S-2;Two;1.234,50;CAD;\n",
            encoding="utf-8",
        )
        batch = read_bids([path])
        first = batch.tenders[0].bids[0]
        assert (first["price"]["amount"], first["ownership"]["immigrant"]) == ("1234.50", Decimal("25.5"))
        assert only(batch)[0] == f"{path} › E3 (price.amount)"


def _without_empty(value: Any) -> Any:
    """A document without its empty objects and lists, which a table cannot tell from absent ones."""
    if isinstance(value, dict):
        kept = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def _amounts(value: Any) -> Any:
    """``value`` with every money amount and wage as a Decimal, whether it was a number or text."""
    if isinstance(value, dict):
        return {
            k: Decimal(v) if k in ("amount", "lowest_hourly_wage") else _amounts(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_amounts(v) for v in value]
    return value


def _round_trip(documents: list[dict[str, Any]], folder: Path) -> list[dict[str, Any]]:
    path = folder / "round.xlsx"
    write_workbook(document_tables(documents), path)
    batch = read_bids([path])
    assert not batch.rejections
    return [{"tender": t.header, "bids": t.bids} for t in batch.tenders]


class TestRoundTrip:
    """NDJSON → XLSX → NDJSON keeps every valid document."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        st.lists(tender_documents(max_bids=4), min_size=1, max_size=3, unique_by=lambda d: d["tender"]["id"])
    )
    def test_generated_documents_survive_a_workbook(
        self, tmp_path: Path, documents: list[dict[str, Any]]
    ) -> None:
        """What is written as a workbook is read back equal (empty lists and objects aside)."""
        expected = [
            {"tender": d["tender"], "bids": [_without_empty(b) for b in d["bids"]]} for d in documents
        ]
        assert _round_trip(documents, tmp_path) == expected

    def test_the_examples_survive_a_workbook_and_csv(self, tmp_path: Path) -> None:
        """The example batch comes back equal from a workbook and from CSV tables."""
        lines = (EXAMPLES / "tenders.ndjson").read_bytes().splitlines()
        documents = [parse_json(line) for line in lines if line.strip()]
        assert _round_trip(documents, tmp_path) == documents
        write_csv_tables(document_tables(documents), tmp_path / "x.csv")
        batch = read_bids([tmp_path / "x.bids.csv"])
        assert (batch.read, batch.rejected) == (sum(len(d["bids"]) for d in documents), 0)
        # CSV is text, and number text is read exactly: amounts come back as the decimal strings written
        assert [_amounts(t.header) for t in batch.tenders] == [_amounts(d["tender"]) for d in documents]
        assert [_amounts(b) for t in batch.tenders for b in t.bids] == [
            _amounts(b) for d in documents for b in d["bids"]
        ]

    def test_examples_tenders_xlsx_holds_the_ndjson(self) -> None:
        """examples/tenders.xlsx is examples/tenders.ndjson converted (regenerate with `convert`)."""
        from_xlsx = read_bids([EXAMPLES / "tenders.xlsx"])
        from_ndjson = read_bids([EXAMPLES / "tenders.ndjson"])
        assert [(t.header, t.bids) for t in from_xlsx.tenders] == [
            (t.header, t.bids) for t in from_ndjson.tenders
        ]
        assert from_xlsx.read == from_ndjson.read and not from_xlsx.rejections


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supplierscore", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


class TestCommands:
    """template, convert and score on spreadsheets, end to end."""

    def test_a_converted_workbook_scores_to_the_same_rows(self, tmp_path: Path) -> None:
        """convert NDJSON → XLSX, then score both: the rows are the same."""
        source = EXAMPLES / "tenders.ndjson"
        assert run("convert", str(source), "--out", "t.xlsx", cwd=tmp_path).returncode == 0
        assert run("score", "t.xlsx", "--out", "a.json", cwd=tmp_path).returncode == 0
        assert run("score", str(source), "--out", "b.json", cwd=tmp_path).returncode == 0
        a, b = (json.loads((tmp_path / n).read_text()) for n in ("a.json", "b.json"))
        assert a["rows"] == b["rows"] and a["rows"]

    def test_convert_back_to_ndjson_lists_rejections_and_exits_1(self, tmp_path: Path) -> None:
        """Converting a workbook with a bad cell writes the good bids and lists the bad one."""
        workbook(tmp_path / "b.xlsx", {"Bids": bids_sheet(bid(), bid("T-1", "B-2", "1,000.00"))})
        done = run("convert", "b.xlsx", "--out", "b.ndjson", cwd=tmp_path)
        assert done.returncode == 1
        assert "b.xlsx › Bids!E4 (price.amount)" in done.stdout
        lines = (tmp_path / "b.ndjson").read_text().splitlines()
        assert [b["id"] for b in json.loads(lines[0])["bids"]] == ["B-1"]

    def test_template_writes_every_sheet_with_paths_and_drop_downs(self, tmp_path: Path) -> None:
        """The template has the data sheets, titles in the language asked, and field paths in row 2."""
        import python_calamine

        assert run("template", "t.xlsx", "--lang", "fr", cwd=tmp_path).returncode == 0
        book = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "t.xlsx"))
        assert book.sheet_names == [
            "Tenders",
            "Bids",
            "Certifications",
            "Subcontracts",
            "Instructions",
            "Lists",
        ]
        bids = book.get_sheet_by_name("Bids").to_python()
        assert bids[0][:2] == ["N° de l'appel d'offres", "N° de soumission"]
        assert bids[1][:5] == ["tender.id", "id", "submitted_at", "supplier.id", "supplier.name"]
        instructions = book.get_sheet_by_name("Instructions").to_python()
        price = next(r for r in instructions if r[2] == "price.amount")
        assert price[6] == "price, gate within-budget, tie-breaker"
        assert price[7].startswith("A money amount")
        languages = next(r for r in instructions if r[2] == "languages")
        assert languages[6] == "languages-served"
        import zipfile

        with zipfile.ZipFile(tmp_path / "t.xlsx") as archive:
            assert b"<dataValidation" in archive.read("xl/worksheets/sheet2.xml")

    def test_template_csv_writes_one_file_per_sheet(self, tmp_path: Path) -> None:
        """template OUT.csv writes the four tables; filled in, OUT.bids.csv scores."""
        assert run("template", "t.csv", cwd=tmp_path).returncode == 0
        bids = tmp_path / "t.bids.csv"
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "t.bids.csv",
            "t.certifications.csv",
            "t.subcontracts.csv",
            "t.tenders.csv",
        ]
        with bids.open("a", encoding="utf-8", newline="") as out:
            columns = bids.read_text(encoding="utf-8-sig").splitlines()[1].split(",")
            row = dict(zip(BID_PATHS, bid(), strict=True))
            out.write(",".join(str(row.get(c, "")) for c in columns) + "\r\n")
        done = run("score", "t.bids.csv", "--out", "s.json", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert json.loads((tmp_path / "s.json").read_text())["metadata"]["counts"]["scored"] == 1


CELLS = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["412,750.00", "1 234,50", "yes", "CAD", "T-1", "B-1", "=1+1", "-5", "0.1"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(2100, 1, 1)),
)
ANY_PATHS = [
    *BID_PATHS,
    "ownership.immigrant",
    "workforce.employees",
    "languages",
    "submitted_at",
    "tender.title",
]


class TestAnyCells:
    """Whatever the cells hold, every non-empty row is one bid read, scored or rejected: never a crash."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.lists(CELLS, min_size=len(ANY_PATHS), max_size=len(ANY_PATHS)), max_size=6))
    def test_any_workbook_cells(self, tmp_path: Path, rows: list[list[Any]]) -> None:
        """Each row with a value is counted once, and read = valid + rejected."""
        path = workbook(tmp_path / "any.xlsx", {"Bids": [ANY_PATHS, ANY_PATHS, *rows]})
        filled = [
            r for r in rows if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in r)
        ]
        if not filled:
            with pytest.raises(UsageError, match="no tenders in the input"):
                read_bids([path])
            return
        batch = read_bids([path])
        assert batch.reconciles
        assert batch.read == len(filled)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        st.lists(st.lists(st.text(max_size=10), min_size=len(ANY_PATHS), max_size=len(ANY_PATHS)), max_size=6)
    )
    def test_any_csv_text(self, tmp_path: Path, rows: list[list[str]]) -> None:
        """Any text in a CSV file is read or rejected, and read = valid + rejected."""
        import csv

        path = tmp_path / "any.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([ANY_PATHS, *rows])
        if not any(cell.strip() for row in rows for cell in row):
            with pytest.raises(UsageError, match="no tenders in the input"):
                read_bids([path])
            return
        assert read_bids([path]).reconciles


def test_the_summary_counts_a_bid_once_whatever_its_bad_cells(tmp_path: Path) -> None:
    """Two bad cells of one bid are two rejections but one rejected bid in the per-tender summary."""
    rows = bids_sheet(bid(), bid("T-1", "B-2", "1,000.00", 150), extra=["ownership.immigrant"])
    workbook(tmp_path / "b.xlsx", {"Bids": rows})
    done = run("score", "b.xlsx", "--out", "s.json", cwd=tmp_path)
    assert done.returncode == 1
    assert "T-1: 1 scored, 0 ineligible, 1 rejected" in done.stdout
    assert "b.xlsx › Bids!E4 (price.amount) tender T-1 bid B-2 at /bids/1/price/amount" in done.stdout
    assert "b.xlsx › Bids!G4 (ownership.immigrant)" in done.stdout
