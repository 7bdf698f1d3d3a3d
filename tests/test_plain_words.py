"""Plain words everywhere: each item of issue 12's "Why" list, as a test.

The workbook speaks in the ruleset's labels, shows prices, titles and numbers, and cannot be summed to
twice a total; reasons read as sentences and say the right thing about dates and missing values; the
summary of ``score`` names what went wrong; ``explain`` gives the gap to the winner; and every command
that reads a sheet answers an XLSX, CSV or Parquet sheet with one line.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import supplierscore
from supplierscore.cli import main
from tests.test_sheet import xlsx_cells

ROOT = Path(__file__).parent.parent
TENDERS = ROOT / "examples" / "tenders.ndjson"
BAD_BIDS = ROOT / "examples" / "bad-bids.ndjson"
RULES = ROOT / "rules" / "cities-of-migration.yaml"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


@pytest.fixture(scope="module")
def ruleset() -> supplierscore.Ruleset:
    return supplierscore.load_ruleset(RULES)


@pytest.fixture(scope="module")
def scored(ruleset: supplierscore.Ruleset) -> supplierscore.ScoreSheet:
    return supplierscore.score(supplierscore.read_bids([TENDERS, BAD_BIDS]), ruleset)


@pytest.fixture(scope="module")
def workbook(scored: supplierscore.ScoreSheet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plain") / "sheet.xlsx"
    scored.write(path)
    return path


@pytest.fixture(scope="module")
def sheet_json(scored: supplierscore.ScoreSheet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plain") / "sheet.json"
    scored.write(path)
    return path


def header(cells: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Column letter → header text of a worksheet."""
    return {
        re.sub(r"\d", "", ref): value for ref, (_, value) in cells.items() if re.fullmatch(r"[A-Z]+1", ref)
    }


def column(cells: dict[str, tuple[str, str]], title: str) -> str:
    return next(col for col, value in header(cells).items() if value == title)


def breakdown_line(sheet: supplierscore.ScoreSheet, bid: str, criterion: str) -> Any:
    return next(b for b in sheet.breakdown if b.bid_id == bid and b.criterion == criterion)


class TestWorkbook:
    """An officer reading the workbook sees labels, prices, titles and numbers."""

    def test_headers_are_the_rulesets_labels(self, workbook: Path, ruleset: supplierscore.Ruleset):
        """Criterion columns of Rows and group columns of Subtotals are headed by labels, no field id."""
        rows, subtotals = header(xlsx_cells(workbook, "Rows")), header(xlsx_cells(workbook, "Subtotals"))
        for criterion in ruleset.criteria:
            assert ruleset.label(criterion.id) in rows.values()
        for group in ruleset.groups:
            assert ruleset.label(group) in subtotals.values()
        assert not [h for h in (*rows.values(), *subtotals.values()) if re.match(r"(points|group)\.", h)]

    def test_a_row_sums_to_its_total_once(self, workbook: Path, scored: supplierscore.ScoreSheet):
        """The numbers right of Total on Rows add up to the total (no subtotal repeats a point); the group
        subtotals, on their own sheet, add up to it too."""
        for title in ("Rows", "Subtotals"):
            cells = xlsx_cells(workbook, title)
            total_col = column(cells, "Total")
            columns = sorted({re.sub(r"\d", "", ref) for ref in cells}, key=lambda c: (len(c), c))
            after = columns[columns.index(total_col) + 1 :]
            checked = 0
            for n in range(2, 1 + len(scored.rows) + 1):
                if (total_col + str(n)) not in cells:
                    continue
                parts = [
                    Decimal(cells[f"{c}{n}"][1])
                    for c in after
                    if f"{c}{n}" in cells and cells[f"{c}{n}"][0] == "n"
                ]
                assert abs(sum(parts) - Decimal(cells[f"{total_col}{n}"][1])) < Decimal("0.000001")
                checked += 1
            assert checked == scored.metadata.counts.scored

    def test_rows_show_price_and_tender_title(self, workbook: Path, scored: supplierscore.ScoreSheet):
        """Each row shows the bid's price as a number and the tender's title."""
        cells = xlsx_cells(workbook, "Rows")
        price, title, bid = (
            column(cells, "Price offered"),
            column(cells, "Tender title"),
            column(cells, "Bid"),
        )
        first = scored.rows[next(i for i, r in enumerate(scored.rows) if r.tender_id == "BRA-2026-0088")]
        n = 2 + scored.rows.index(first)
        assert cells[f"{bid}{n}"] == ("s", first.bid_id)
        kind, shown = cells[f"{price}{n}"]
        assert kind == "n" and Decimal(shown) == Decimal(first.price or "-1")
        assert cells[f"{title}{n}"] == ("s", "Catering for community centres and newcomer welcome events")

    def test_breakdown_inputs_fractions_and_factors_are_numbers(self, workbook: Path):
        """Plain-number inputs, every fraction and every factor are number cells; a share stays text."""
        cells = xlsx_cells(workbook, "Breakdown")
        kinds = {
            name: {cells[ref][0] for ref in cells if re.sub(r"\d", "", ref) == col and ref != f"{col}1"}
            for name in ("Input", "Fraction", "Evidence factor")
            for col in [column(cells, name)]
        }
        assert kinds["Fraction"] == {"n"} and kinds["Evidence factor"] == {"n"}
        assert kinds["Input"] == {"n", "s"}  # "22/26" and "true" stay text
        inputs = [
            v
            for ref, (k, v) in cells.items()
            if re.sub(r"\d", "", ref) == column(cells, "Input") and k == "s"
        ]
        assert all(not re.fullmatch(r"[0-9.]+", v) for v in inputs)


class TestReasons:
    """Reasons are written for a person, and right."""

    def test_linear_reason_reads_as_a_sentence(self, scored: supplierscore.ScoreSheet):
        """A share on a line says how far along it is, with at most four decimals, not twelve."""
        reasons = [b.reason for b in scored.breakdown if b.criterion == "immigrant-employment"]
        assert all("on a line from" not in r and not re.search(r"[0-9]\.[0-9]{5,}:", r) for r in reasons)
        assert any("of the way from 0 (no points) to 0.3 (full points)" in r for r in reasons)
        assert any("0.3 or more earns full points" in r for r in reasons)

    def test_count_reason_counts_in_words(self, scored: supplierscore.ScoreSheet):
        """A count says how many were counted of how many, and how many give full points."""
        line = breakdown_line(scored, "K-01", "languages-served")
        assert line.input == "4"
        assert line.reason.startswith("4 of 4 languages counted, 3 for full points")

    def test_a_certificate_from_after_the_closing_date_is_not_yet_valid(self, ruleset: supplierscore.Ruleset):
        """A certificate valid only from after the closing date is said to be so, not 'before' it."""
        bid = {
            "id": "B-1",
            "supplier": {"id": "S-1", "name": "Alpha"},
            "price": {"amount": "10.00", "currency": "CAD"},
            "ownership": {"immigrant": 60},
            "certifications": [
                {
                    "issuer": "CAMSC",
                    "id": "C-1",
                    "covers": ["immigrant"],
                    "valid_from": "2026-04-15",
                    "valid_until": "2027-01-01",
                }
            ],
        }
        document = {"tender": {"id": "T-1", "currency": "CAD", "closing_date": "2026-03-31"}, "bids": [bid]}
        sheet = supplierscore.score(supplierscore.read_documents([document]), ruleset)
        line = breakdown_line(sheet, "B-1", "immigrant-ownership")
        assert line.evidence == "not-yet-valid"
        assert "valid only from 2026-04-15, after the closing date 2026-03-31" in line.reason
        assert "before the closing date" not in line.reason

    def test_a_missing_input_shows_no_evidence_factor(self, scored: supplierscore.ScoreSheet):
        """A criterion with no input says so, and shows neither self-declaration nor a factor of 0.5."""
        line = breakdown_line(scored, "K-01", "women-owned")
        assert line.input is None
        assert (line.evidence, line.factor, line.points) == ("none", Decimal("1"), Decimal("0.00"))
        assert "self-declared" not in line.reason and "no value given" in line.reason


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """What ``score`` prints for the examples and the bad bids."""
    result = invoke("score", TENDERS, BAD_BIDS, "--out", tmp_path_factory.mktemp("s") / "s.json")
    assert result.exit_code == 1
    return result.output


class TestScoreSummary:
    """The summary ``score`` prints names what an officer must know."""

    def test_names_the_ruleset(self, output: str, ruleset: supplierscore.Ruleset):
        """The first line names the ruleset, its version and digest."""
        assert (
            output.splitlines()[0] == f"ruleset {ruleset.id} {ruleset.version} (sha256 {ruleset.sha256[:12]})"
        )

    def test_names_each_ineligible_bid_with_its_reason(self, output: str, scored: supplierscore.ScoreSheet):
        """Every ineligible bid is listed by id and name with why."""
        for row in scored.rows:
            if not row.eligible:
                assert f"  ineligible {row.bid_id} {row.supplier_name}: {'; '.join(row.reasons)}" in output

    def test_warns_when_a_winner_was_decided_with_bids_rejected(self, output: str):
        """A tender with a winner and rejected bids carries a warning; one with no rejection does not."""
        bad = output.split("BAD-13:")[1].split("\nBAD-14:")[0]
        good = output.split("BRA-2026-0088:")[1].split("\nGOOD-01:")[0]
        assert "warning: 1 bid(s) of this tender were rejected when read" in bad
        assert "warning" not in good


class TestExplain:
    """``explain`` answers "why not us" and keeps to the tender asked about."""

    def test_a_losing_bid_sees_the_gap_to_the_winner_per_criterion(self, sheet_json: Path):
        """Each criterion line gives the bid's points, the winner's and the difference."""
        result = invoke("explain", sheet_json, "W-04")
        assert result.exit_code == 0, result.output
        assert "rank 5 of 7 · total 75.78 · winner W-01 83.92 (8.14 ahead)" in result.output
        line = next(x for x in result.output.splitlines() if x.strip().startswith("immigrant-ownership"))
        assert line.split()[1:4] == ["4.00", "8.00", "-4.00"]

    def test_tender_applies_to_rejections_too(self, sheet_json: Path, scored: supplierscore.ScoreSheet):
        """A bid id rejected in several tenders: ``--tender`` lists only that tender's rejections."""
        rejected = [r for r in scored.rejections if r.bid_id == "B-1" and r.tender_id]
        assert len({r.tender_id for r in rejected}) > 1
        tender = rejected[0].tender_id
        assert tender is not None
        result = invoke("explain", sheet_json, "B-1", "--tender", tender)
        shown = [line for line in result.stdout.splitlines() if line]
        assert shown and all(f" tender {tender} " in line for line in shown)
        assert len(shown) == sum(1 for r in rejected if r.tender_id == tender)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".parquet"])
@pytest.mark.parametrize("command", [["explain", "{sheet}", "K-01"], ["diff", "{sheet}", "{sheet}"]])
def test_other_sheet_formats_get_one_line_naming_json(
    scored: supplierscore.ScoreSheet, tmp_path: Path, suffix: str, command: list[str]
):
    """``explain`` and ``diff`` on a sheet ``score`` wrote in another format say in one line to use the
    JSON sheet, exit 2, and show no decoding error."""
    path = tmp_path / f"sheet{suffix}"
    scored.write(path)
    result = invoke(*(part.format(sheet=path) for part in command))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "this command reads the JSON score sheet" in lines[0]
    assert "decode" not in result.stderr and "Traceback" not in result.output


def test_json_sheet_rows_carry_price_currency_and_title(sheet_json: Path):
    """The JSON sheet's rows hold the price as written, its currency and the tender's title."""
    row = json.loads(sheet_json.read_bytes())["rows"][
        next(i for i, r in enumerate(json.loads(sheet_json.read_bytes())["rows"]) if r["bid_id"] == "K-01")
    ]
    assert (row["price"], row["currency"]) == ("162400.00", "CAD")
    assert row["tender_title"] == "Catering for community centres and newcomer welcome events"
