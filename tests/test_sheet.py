"""The score sheet's writers: what each file holds, that no spreadsheet runs its text, and identical bytes."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import polars as pl
import pytest

from supplierscore.errors import OutputError, UsageError
from supplierscore.inputs import Rejection
from supplierscore.sheet import (
    BreakdownRow,
    Counts,
    Metadata,
    Row,
    ScoreSheet,
    neutralise,
    write_rejections,
)
from supplierscore.sheet import _xlsx as sheet_module

HYPERLINK = '=HYPERLINK("http://x")'
HOSTILE_NAMES = {
    "B-2": HYPERLINK,
    "B-3": "+Plus Ltd",
    "B-4": "-Minus Inc",
    "B-5": "@At Café",
    "B-6": "\tTab Co",
}
ROW_COLUMNS = [
    "tender_id",
    "tender_title",
    "rank",
    "bid_id",
    "supplier_id",
    "supplier_name",
    "price",
    "currency",
    "eligible",
    "reasons",
    "total",
]
FIGURE_COLUMNS = ["points.price", "points.workforce", "group.cost", "group.social"]
FORMATS = {
    ".json": ["out.json"],
    ".csv": ["out.csv", "out.breakdown.csv", "out.rejections.csv"],
    ".xlsx": ["out.xlsx"],
    ".parquet": ["out.parquet", "out.breakdown.parquet", "out.rejections.parquet"],
}
XLSX_SHEETS = ["Rows", "Subtotals", "Breakdown", "Rejections", "Metadata"]
REJECTION: dict[str, Any] = {
    "source": "bids.ndjson",
    "line": 3,
    "index": 0,
    "tender_id": "T-1",
    "bid_id": "B-9",
    "path": "/bids/0/workforce/immigrants",
    "reason": "-immigrants exceeds employees",
}
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def row(
    tender: str, rank: int | None, bid: str, total: str | None, figures: dict[str, str], *reasons: str
) -> Row:
    points = {k: Decimal(v) for k, v in figures.items()}
    groups = {"cost": points["price"], "social": points["workforce"]} if points else {}
    name = HOSTILE_NAMES.get(bid, "Maple Co-op")
    exact = None if total is None else Decimal(total)
    return Row(tender, rank, bid, f"S-{bid[2:]}", name, not reasons, reasons, exact, points, groups)


def make_sheet(created_at: str | None = None) -> ScoreSheet:
    """Two tenders, one ineligible bid (no points), one rejection, and names a spreadsheet would run."""
    metadata = Metadata(
        run_id="run-1",
        created_at=created_at,
        engine_version="0.1.0",
        ruleset_id="cities-of-migration",
        ruleset_version="1.0.0",
        ruleset_sha256="ab" * 32,
        input_sha256="cd" * 32,
        counts=Counts(read=7, scored=5, ineligible=1, rejected=1),
        precision=2,
        rounding="ROUND_HALF_EVEN",
    )
    rows = [
        row("T-1", 1, "B-2", "81.25", {"price": "50.00", "workforce": "31.25"}),
        row("T-1", 2, "B-3", "70.5", {"price": "40", "workforce": "30.5"}),
        row("T-1", None, "B-4", None, {}, "=no licence", "late"),
        row("T-2", 1, "B-5", "45.00", {"price": "45.00", "workforce": "0.00"}),
        row("T-2", 2, "B-6", "38.50", {"price": "40.00", "workforce": "-1.50"}),
        row("T-2", 3, "B-7", "10.00", {"price": "10.00", "workforce": "0.00"}),
    ]
    breakdown = [
        BreakdownRow("T-1", "B-2", "price", "1200.00", "1", "none", "1", Decimal("50.00"), "lowest price"),
        BreakdownRow(
            "T-1",
            "B-2",
            "workforce",
            "=cmd|' /C calc'!A0",
            "0.625",
            "certified",
            "1",
            Decimal("31.25"),
            "5 of 8 employees are immigrants",
        ),
        BreakdownRow(
            "T-2", "B-6", "workforce", "-3", "-0.05", "self-declared", "0.5", Decimal("-1.5"), "+penalty"
        ),
        BreakdownRow("T-2", "B-7", "workforce", None, "0", "none", "1", Decimal("0"), "\rno workforce data"),
    ]
    rejection = Rejection(**REJECTION)
    return ScoreSheet(metadata, ("price", "workforce"), ("cost", "social"), rows, breakdown, [rejection])


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def xlsx_cells(path: Path, title: str) -> dict[str, tuple[str, str]]:
    """Every cell of one worksheet by reference ("B2") as (type, text): type s (string), n (number) or b."""
    with zipfile.ZipFile(path) as archive:
        shared = [
            re.sub(
                r"_x([0-9A-F]{4})_", lambda m: chr(int(m[1], 16)), "".join(t.text or "" for t in si.iter())
            )
            for si in ElementTree.fromstring(archive.read("xl/sharedStrings.xml")).findall("m:si", NS)
        ]
        index = XLSX_SHEETS.index(title) + 1
        root = ElementTree.fromstring(archive.read(f"xl/worksheets/sheet{index}.xml"))
    cells = {}
    for cell in root.iterfind("m:sheetData/m:row/m:c", NS):
        kind, text = cell.get("t", "n"), cell.findtext("m:v", "", NS)
        cells[cell.get("r", "")] = (kind, shared[int(text)] if kind == "s" else text)
    return cells


def xlsx_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


@pytest.fixture
def sheet() -> ScoreSheet:
    return make_sheet()


@pytest.fixture
def csv_rows(sheet: ScoreSheet, tmp_path: Path) -> list[dict[str, str]]:
    sheet.write(tmp_path / "out.csv")
    return read_csv(tmp_path / "out.csv")


@pytest.fixture
def xlsx(sheet: ScoreSheet, tmp_path: Path) -> Path:
    sheet.write(tmp_path / "out.xlsx")
    return tmp_path / "out.xlsx"


class TestWrite:
    """``write`` picks the writer by extension and reports every file it wrote."""

    @pytest.mark.parametrize(("suffix", "names"), FORMATS.items())
    def test_writer_returns_the_files_it_wrote(
        self, sheet: ScoreSheet, tmp_path: Path, suffix: str, names: list[str]
    ):
        """Each format returns its files, rows first, and they are all there."""
        written = sheet.write(tmp_path / f"out{suffix}")
        assert written == [tmp_path / name for name in names]
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)

    def test_extension_case_is_ignored_and_kept(self, sheet: ScoreSheet, tmp_path: Path):
        """OUT.CSV is a CSV sheet, and its companions keep the extension as given."""
        written = sheet.write(tmp_path / "OUT.CSV")
        assert [p.name for p in written] == ["OUT.CSV", "OUT.breakdown.CSV", "OUT.rejections.CSV"]

    def test_missing_folders_are_made(self, sheet: ScoreSheet, tmp_path: Path):
        """A sheet can be written into a folder that does not exist yet."""
        assert sheet.write(tmp_path / "a" / "b" / "out.xlsx")[0].is_file()

    @pytest.mark.parametrize("name", ["out.txt", "out"])
    def test_unknown_extension_is_a_usage_error(self, sheet: ScoreSheet, tmp_path: Path, name: str):
        """An extension no writer knows is refused with the list of those that are."""
        with pytest.raises(UsageError, match=r"\.csv, \.json, \.parquet, \.xlsx"):
            sheet.write(tmp_path / name)

    @pytest.mark.parametrize("suffix", FORMATS)
    def test_unwritable_target_is_an_output_error(self, sheet: ScoreSheet, tmp_path: Path, suffix: str):
        """A path under a regular file cannot be written: OutputError names it, no OSError escapes."""
        (tmp_path / "file").write_text("x")
        target = tmp_path / "file" / f"out{suffix}"
        with pytest.raises(OutputError) as caught:
            sheet.write(target)
        assert caught.value.details == {"path": str(target)}

    def test_points_for_an_unlisted_criterion_are_refused(self, sheet: ScoreSheet, tmp_path: Path):
        """A figure with no column in the sheet is an error, never silently dropped."""
        sheet.rows[0].points["speed"] = Decimal("1")
        with pytest.raises(ValueError, match="speed"):
            sheet.write(tmp_path / "out.csv")

    def test_json_keeps_its_contract(self, sheet: ScoreSheet):
        """The JSON metadata keeps the shape other programs read."""
        assert sheet.to_dict()["metadata"] == {
            "run_id": "run-1",
            "created_at": None,
            "engine_version": "0.1.0",
            "ruleset": {"id": "cities-of-migration", "version": "1.0.0", "sha256": "ab" * 32},
            "input_sha256": "cd" * 32,
            "counts": {"read": 7, "scored": 5, "ineligible": 1, "rejected": 1},
            "precision": 2,
            "rounding": "ROUND_HALF_EVEN",
        }
        assert (
            sheet.to_json_bytes()
            == (json.dumps(sheet.to_dict(), ensure_ascii=False, indent=2) + "\n").encode()
        )


class TestCsv:
    """CSV: rows flattened to one column per criterion and group, exact decimal strings, UTF-8 and \\n."""

    def test_columns_are_fixed_then_criteria_then_groups(self, csv_rows: list[dict[str, str]]):
        """The fixed columns come first, then points and groups in the sheet's order."""
        assert list(csv_rows[0]) == ROW_COLUMNS + FIGURE_COLUMNS

    def test_figures_are_exact_decimal_strings(self, csv_rows: list[dict[str, str]]):
        """Totals and points have exactly the ruleset's decimals, negative ones unquoted."""
        assert [r["total"] for r in csv_rows] == ["81.25", "70.50", "", "45.00", "38.50", "10.00"]
        assert [csv_rows[1][c] for c in FIGURE_COLUMNS] == ["40.00", "30.50", "40.00", "30.50"]
        assert csv_rows[4]["points.workforce"] == "-1.50"

    def test_ineligible_row_has_every_column_empty(self, csv_rows: list[dict[str, str]]):
        """An ineligible bid has no rank, total or points, but still every column."""
        ineligible = csv_rows[2]
        assert [ineligible[c] for c in ["rank", "total", *FIGURE_COLUMNS]] == [""] * 6
        assert (ineligible["eligible"], csv_rows[0]["eligible"]) == ("false", "true")

    def test_reasons_are_joined_and_neutralised(self, csv_rows: list[dict[str, str]]):
        """Reasons share one cell, joined with "; ", and the cell is neutralised as a whole."""
        assert csv_rows[2]["reasons"] == "'=no licence; late"
        assert csv_rows[0]["reasons"] == ""

    def test_breakdown_has_its_fields_as_columns(self, sheet: ScoreSheet, tmp_path: Path):
        """The breakdown file holds one row per bid and criterion, None as an empty cell."""
        sheet.write(tmp_path / "out.csv")
        rows = read_csv(tmp_path / "out.breakdown.csv")
        assert list(rows[0]) == [f.name for f in dataclasses.fields(BreakdownRow)]
        assert list(rows[0].values()) == [
            "T-1",
            "B-2",
            "price",
            "1200.00",
            "1",
            "none",
            "1",
            "50.00",
            "lowest price",
        ]
        assert (rows[2]["points"], rows[3]["input"], rows[3]["points"]) == ("-1.50", "", "0.00")

    def test_rejections_have_their_fields_as_columns(self, sheet: ScoreSheet, tmp_path: Path):
        """The rejections file holds every rejection's fields, in the JSON's order."""
        sheet.write(tmp_path / "out.csv")
        expected = {**{k: str(v) for k, v in REJECTION.items()}, "reason": "'-immigrants exceeds employees"}
        assert read_csv(tmp_path / "out.rejections.csv") == [expected]

    def test_files_are_utf8_with_newline_line_ends(self, sheet: ScoreSheet, tmp_path: Path):
        """Every line ends in \\n alone and text is UTF-8 without a byte-order mark."""
        for path in sheet.write(tmp_path / "out.csv"):
            data = path.read_bytes()
            assert b"\r\n" not in data and data.endswith(b"\n") and not data.startswith(b"\xef\xbb\xbf")
        assert "@At Café".encode() in (tmp_path / "out.csv").read_bytes()

    @pytest.mark.parametrize("reason", ["late\rfiled", "late\r\nfiled", "late\nfiled", 'say "late", then'])
    def test_line_breaks_and_quotes_stay_in_their_cell(self, sheet: ScoreSheet, tmp_path: Path, reason: str):
        """A reason with a line break (a bare \\r too, on every Python) or quotes is one quoted cell."""
        sheet.breakdown[0] = dataclasses.replace(sheet.breakdown[0], reason=reason)
        sheet.write(tmp_path / "out.csv")
        rows = read_csv(tmp_path / "out.breakdown.csv")
        assert len(rows) == len(sheet.breakdown) and rows[0]["reason"] == reason
        assert (tmp_path / "out.breakdown.csv").read_bytes().count(b"\n") == 5 + reason.count("\n")

    def test_empty_tables_still_have_their_header(self, sheet: ScoreSheet, tmp_path: Path):
        """A run without rejections still writes the rejections file, header only."""
        empty = ScoreSheet(sheet.metadata, sheet.criteria, sheet.groups)
        empty.write(tmp_path / "out.csv")
        assert (
            tmp_path / "out.rejections.csv"
        ).read_text() == "source,line,index,tender_id,bid_id,path,reason\n"
        assert (tmp_path / "out.csv").read_text().startswith("tender_id,tender_title,rank,")


class TestFormulaInjection:
    """Text a spreadsheet could run gets a leading quote in CSV and XLSX; numbers stay numbers."""

    @pytest.mark.parametrize("text", [HYPERLINK, "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-", "=", "+ 5"])
    def test_formula_starts_get_a_quote(self, text: str):
        """Anything starting with = + - @ tab or carriage return is prefixed with '."""
        assert neutralise(text) == "'" + text

    @pytest.mark.parametrize("text", ["Maple Co-op", "", "'=already", "-1.50", "+3", "-0", "12", " =1"])
    def test_plain_text_and_numbers_are_unchanged(self, text: str):
        """Ordinary text and plain numbers (which cannot run anything) are left alone."""
        assert neutralise(text) == text

    def test_csv_names_are_neutralised(self, csv_rows: list[dict[str, str]]):
        """Every supplier name that could be a formula reaches the CSV with a leading quote."""
        names = {r["bid_id"]: r["supplier_name"] for r in csv_rows}
        assert names == {**{bid: "'" + name for bid, name in HOSTILE_NAMES.items()}, "B-7": "Maple Co-op"}

    def test_csv_breakdown_text_is_neutralised(self, sheet: ScoreSheet, tmp_path: Path):
        """Inputs and reasons in the breakdown are neutralised too, plain numbers not."""
        sheet.write(tmp_path / "out.csv")
        rows = read_csv(tmp_path / "out.breakdown.csv")
        assert rows[1]["input"] == "'=cmd|' /C calc'!A0"
        assert (rows[2]["input"], rows[2]["fraction"], rows[2]["reason"]) == ("-3", "-0.05", "'+penalty")
        assert rows[3]["reason"] == "'\rno workforce data"

    def test_xlsx_names_are_strings_shown_as_written(self, xlsx: Path):
        """In the workbook every name is a string cell exactly as the bidder wrote it: a string cell of
        XLSX is never a formula, so the quote CSV needs would only alter what readers see."""
        cells = xlsx_cells(xlsx, "Rows")
        names = [cells[f"F{n}"] for n in range(2, 8)]
        assert names == [("s", name) for name in HOSTILE_NAMES.values()] + [("s", "Maple Co-op")]
        assert cells["J4"] == ("s", "=no licence; late")
        assert "J2" not in cells

    def test_xlsx_has_no_formula_anywhere(self, xlsx: Path):
        """No worksheet holds a formula element."""
        for index in range(1, 6):
            assert "<f>" not in xlsx_part(xlsx, f"xl/worksheets/sheet{index}.xml")

    def test_xlsx_breakdown_and_rejections_are_text_as_written(self, xlsx: Path):
        """Breakdown inputs and rejection reasons are string cells, shown as written, never formulas."""
        assert xlsx_cells(xlsx, "Breakdown")["E3"] == ("s", "=cmd|' /C calc'!A0")
        assert xlsx_cells(xlsx, "Rejections")["G2"] == ("s", "-immigrants exceeds employees")


class TestXlsx:
    """XLSX: four sheets for people, figures as numbers shown with the ruleset's decimals."""

    def test_workbook_has_five_sheets(self, xlsx: Path):
        """Rows, Subtotals, Breakdown, Rejections and Metadata, in that order."""
        names = re.findall(r'<sheet name="([^"]+)"', xlsx_part(xlsx, "xl/workbook.xml"))
        assert names == XLSX_SHEETS

    def test_figures_are_numbers_with_the_ruleset_format(self, xlsx: Path):
        """Totals and points are number cells (so they sort and sum), formatted 0.00 for precision 2."""
        cells = xlsx_cells(xlsx, "Rows")
        assert [cells[f"K{n}"] for n in (2, 3)] == [("n", "81.25"), ("n", "70.5")]
        assert cells["M6"] == ("n", "-1.5")
        assert "K4" not in cells
        assert 'formatCode="0.00"' in xlsx_part(xlsx, "xl/styles.xml")
        assert (cells["C2"], cells["I2"], cells["I4"]) == (("n", "1"), ("b", "1"), ("b", "0"))

    @pytest.mark.parametrize(("precision", "code"), [(0, 'numFmtId="1"'), (3, 'formatCode="0.000"')])
    def test_number_format_follows_precision(
        self, sheet: ScoreSheet, tmp_path: Path, precision: int, code: str
    ):
        """The displayed decimals are the ruleset's, whatever its precision."""
        metadata = dataclasses.replace(sheet.metadata, precision=precision)
        ScoreSheet(metadata, sheet.criteria, sheet.groups, sheet.rows).write(tmp_path / "out.xlsx")
        assert code in xlsx_part(tmp_path / "out.xlsx", "xl/styles.xml")  # "0" is Excel's built-in format 1

    @pytest.mark.parametrize(
        ("title", "last"), [("Rows", "M7"), ("Subtotals", "G6"), ("Breakdown", "J5"), ("Rejections", "G2")]
    )
    def test_tables_have_bold_frozen_filtered_headers(self, xlsx: Path, title: str, last: str):
        """The header is frozen and filterable over the whole table, and columns have widths."""
        part = xlsx_part(xlsx, f"xl/worksheets/sheet{XLSX_SHEETS.index(title) + 1}.xml")
        assert 'ySplit="1"' in part and 'state="frozen"' in part
        assert f'<autoFilter ref="A1:{last}"/>' in part
        assert '<col min="1" max="1" width=' in part
        assert "<b/>" in xlsx_part(xlsx, "xl/styles.xml")

    def test_long_text_columns_are_capped(self, sheet: ScoreSheet, tmp_path: Path):
        """A very long reason does not make its column wider than the cap."""
        long = [BreakdownRow("T-1", "B-2", "price", None, "1", "none", "1", Decimal(1), "x" * 500)]
        ScoreSheet(sheet.metadata, sheet.criteria, sheet.groups, [], long).write(tmp_path / "out.xlsx")
        widths = re.findall(
            r'width="([0-9.]+)"', xlsx_part(tmp_path / "out.xlsx", "xl/worksheets/sheet3.xml")
        )
        assert max(float(w) for w in widths) <= sheet_module._MAX_WIDTH + 1  # xlsxwriter pads a little

    def test_metadata_sheet_names_the_run_and_where_exact_figures_are(self, xlsx: Path):
        """Metadata holds run, ruleset, digests, counts, precision, rounding and the note on exact figures."""
        cells = xlsx_cells(xlsx, "Metadata")
        pairs = {
            key: cells.get(f"B{ref[1:]}") for ref, (_, key) in cells.items() if ref[0] == "A" and ref != "A1"
        }
        assert (pairs["run_id"], pairs["created_at"]) == (("s", "run-1"), None)
        assert pairs["ruleset.id"] == ("s", "cities-of-migration")
        assert pairs["ruleset.version"] == ("s", "1.0.0")
        assert pairs["ruleset.sha256"] == ("s", "ab" * 32)
        assert pairs["input_sha256"] == ("s", "cd" * 32)
        assert pairs["engine_version"] == ("s", "0.1.0")
        counts = [pairs[f"counts.{k}"] for k in ("read", "scored", "ineligible", "rejected")]
        assert counts == [("n", "7"), ("n", "5"), ("n", "1"), ("n", "1")]
        assert (pairs["precision"], pairs["rounding"]) == (("n", "2"), ("s", "ROUND_HALF_EVEN"))
        assert pairs["note"] == (
            "s",
            "Exact figures: see the JSON/CSV sheet; cells show the ruleset's decimals. Text is shown as "
            "written: a cell of this workbook is never a formula",
        )

    @pytest.mark.parametrize(
        ("created_at", "stamp"),
        [
            (None, "2000-01-01T00:00:00Z"),
            ("2024-05-01T12:30:00Z", "2024-05-01T12:30:00Z"),
            ("2024-05-01T14:30:00+02:00", "2024-05-01T12:30:00Z"),
        ],
    )
    def test_creation_time_is_the_sheets_or_fixed(self, tmp_path: Path, created_at: str | None, stamp: str):
        """The workbook is dated with the sheet's created_at in UTC, or 2000-01-01 when it has none."""
        make_sheet(created_at).write(tmp_path / "out.xlsx")
        assert f">{stamp}</dcterms:created>" in xlsx_part(tmp_path / "out.xlsx", "docProps/core.xml")

    def test_zip_entries_have_a_fixed_date(self, xlsx: Path):
        """Every entry of the workbook is dated 1980-01-01, so the write time leaves no trace."""
        with zipfile.ZipFile(xlsx) as archive:
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}

    def test_a_table_too_long_for_excel_is_an_output_error(
        self, sheet: ScoreSheet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ):
        """A table longer than a worksheet holds is refused, not cut short, and nothing is written."""
        monkeypatch.setattr(sheet_module, "XLSX_MAX_ROWS", 5)
        with pytest.raises(OutputError, match=r"Rows has 6 rows, more than an XLSX sheet holds \(4\)"):
            sheet.write(tmp_path / "out.xlsx")
        assert not (tmp_path / "out.xlsx").exists()


class TestParquet:
    """Parquet: the CSV's three tables with typed columns, figures as exact decimals."""

    @pytest.fixture
    def frames(self, sheet: ScoreSheet, tmp_path: Path) -> list[pl.DataFrame]:
        return [pl.read_parquet(path) for path in sheet.write(tmp_path / "out.parquet")]

    def test_figures_are_decimals_with_the_ruleset_scale(self, frames: list[pl.DataFrame]):
        """Totals, points, groups and breakdown points are Decimal(38, precision) columns."""
        rows, breakdown, _ = frames
        for column in ["total", *FIGURE_COLUMNS]:
            assert rows.schema[column] == pl.Decimal(38, 2)
        assert breakdown.schema["points"] == pl.Decimal(38, 2)

    def test_rows_read_back_to_the_same_values(self, sheet: ScoreSheet, frames: list[pl.DataFrame]):
        """Rows read back exactly: figures as Decimal, text as given (not neutralised), reasons a list."""
        rows = frames[0]
        assert rows.columns == ROW_COLUMNS + FIGURE_COLUMNS
        assert rows["total"].to_list() == [r.total for r in sheet.rows]
        assert rows["points.workforce"].to_list()[3:5] == [Decimal("0.00"), Decimal("-1.50")]
        assert rows["supplier_name"].to_list()[:5] == list(HOSTILE_NAMES.values())
        assert rows["reasons"].to_list()[1:3] == [[], ["=no licence", "late"]]
        assert rows["rank"].to_list() == [1, 2, None, 1, 2, 3]
        assert rows["eligible"].to_list() == [True, True, False, True, True, True]
        assert rows.row(2)[-4:] == (None, None, None, None)

    def test_breakdown_and_rejections_read_back(self, sheet: ScoreSheet, frames: list[pl.DataFrame]):
        """The breakdown and rejections files hold the JSON's records, field for field."""
        _, breakdown, rejections = frames
        as_json = sheet.to_dict()
        assert [
            {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in record.items()}
            for record in breakdown.to_dicts()
        ] == as_json["breakdown"]
        assert rejections.to_dicts() == as_json["rejections"]
        assert rejections.schema["line"] == pl.Int64

    def test_every_file_carries_the_run_metadata(self, sheet: ScoreSheet, tmp_path: Path):
        """Each Parquet file names its run and ruleset, so it can be traced on its own."""
        for path in sheet.write(tmp_path / "out.parquet"):
            stored = pl.read_parquet_metadata(path)["supplierscore.metadata"]
            assert json.loads(stored) == sheet.to_dict()["metadata"]


@pytest.fixture(scope="module")
def written_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Every format written into two folders, a second apart."""
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    for suffix in FORMATS:
        make_sheet().write(first / f"out{suffix}")
    time.sleep(1.1)  # a timestamp with one-second resolution would now differ
    for suffix in FORMATS:
        make_sheet().write(second / f"out{suffix}")
    return first, second


class TestDeterminism:
    """The same sheet gives byte-identical files in every format, whenever it is written."""

    @pytest.mark.parametrize("name", [name for names in FORMATS.values() for name in names])
    def test_two_writes_are_byte_identical(self, written_twice: tuple[Path, Path], name: str):
        """Writing the same sheet a second later gives the same bytes."""
        first, second = written_twice
        assert (first / name).read_bytes() == (second / name).read_bytes()


class TestWriteRejections:
    """``write_rejections`` saves rejections alone, for ``validate --out``."""

    def test_csv_has_the_rejection_columns(self, sheet: ScoreSheet, tmp_path: Path):
        """The CSV is the sheet's rejections file, neutralised the same way."""
        assert write_rejections(sheet.rejections, tmp_path / "r.csv") == [tmp_path / "r.csv"]
        sheet.write(tmp_path / "out.csv")
        assert (tmp_path / "r.csv").read_bytes() == (tmp_path / "out.rejections.csv").read_bytes()

    def test_json_is_the_sheets_rejections_member(self, sheet: ScoreSheet, tmp_path: Path):
        """The JSON holds the rejections under the key the sheet uses."""
        write_rejections(sheet.rejections, tmp_path / "r.json")
        data: dict[str, Any] = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
        assert data == {"rejections": sheet.to_dict()["rejections"]}

    def test_other_extensions_are_a_usage_error(self, sheet: ScoreSheet, tmp_path: Path):
        """Only .csv and .json are offered."""
        with pytest.raises(UsageError, match=r"use \.csv, \.json"):
            write_rejections(sheet.rejections, tmp_path / "r.xlsx")
