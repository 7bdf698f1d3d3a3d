"""The HTML report: one self-contained, accessible file whose tables carry every figure of the sheet,
checked by parsing it, and by rendering it in a headless Chromium at desktop and phone widths."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import escape, unescape
from pathlib import Path
from typing import Any

import html5lib
import pytest
from click.testing import CliRunner, Result

import supplierscore
from supplierscore.cli import main
from supplierscore.errors import UsageError
from supplierscore.report import messages, render_report, sheet_view

ROOT = Path(__file__).parent.parent
TENDERS = ROOT / "examples" / "tenders.ndjson"
BAD_BIDS = ROOT / "examples" / "bad-bids.ndjson"
RULES = ROOT / "rules" / "cities-of-migration.yaml"
OTHER_RULES = ROOT / "examples" / "audit" / "cities-of-migration-1.1.yaml"
ARTIFACTS = ROOT / "tests" / "artifacts"
NS = {"h": "http://www.w3.org/1999/xhtml"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


@pytest.fixture(scope="module")
def sheet_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples (good and bad bids) scored under the bundled ruleset, as a JSON sheet."""
    path = tmp_path_factory.mktemp("report") / "sheet.json"
    ruleset = supplierscore.load_ruleset(RULES)
    supplierscore.score(supplierscore.read_bids([TENDERS, BAD_BIDS]), ruleset).write(path)
    return path


@pytest.fixture(scope="module")
def sheet(sheet_path: Path) -> dict[str, Any]:
    return dict(json.loads(sheet_path.read_bytes()))


@pytest.fixture(scope="module")
def report_path(sheet_path: Path) -> Path:
    out = sheet_path.with_name("report.html")
    result = invoke("report", sheet_path, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def parse(path: Path) -> Any:
    """The document as html5lib parses it with ``strict``: any parse error fails the test."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    return parser.parse(path.read_bytes())


def text(element: Any) -> str:
    return "".join(element.itertext()).strip()


def totals_shown(root: Any) -> dict[tuple[str, str], str]:
    """(tender, bid) → the total a ranking row shows, checked equal to the exact figure it carries."""
    shown = {}
    for row in root.iterfind(".//h:tr[@data-bid]", NS):
        total = next(c for c in row.findall("h:td", NS) if c.get("data-total") is not None)
        assert text(total) == total.get("data-value")
        shown[(row.get("data-tender"), row.get("data-bid"))] = text(total)
    return shown


class TestCommand:
    """``supplierscore report SHEET --out FILE [--lang] [--rules]``."""

    def test_writes_one_file_with_nothing_external(self, report_path: Path):
        """One file, its style inline; no script, no link, no image or font from anywhere else."""
        html = report_path.read_text(encoding="utf-8")
        assert "<style>" in html
        assert not re.search(r"<script|<link|<img|<iframe|@import|url\(", html)
        assert not re.search(r"(?:src|href)=\"(?!#)", html)

    def test_same_inputs_give_the_same_bytes(self, sheet_path: Path, report_path: Path, tmp_path: Path):
        """Written twice from the same sheet, ruleset and language, the report is byte-identical."""
        again = tmp_path / "again.html"
        assert invoke("report", sheet_path, "--out", again).exit_code == 0
        assert again.read_bytes() == report_path.read_bytes()

    def test_a_different_ruleset_is_refused(self, sheet_path: Path, tmp_path: Path):
        """A ruleset whose digest is not the sheet's gives one error line naming both, and exit 2."""
        result = invoke("report", sheet_path, "--out", tmp_path / "r.html", "--rules", OTHER_RULES)
        assert result.exit_code == 2
        assert "scored under ruleset cities-of-migration 1.0.0" in result.stderr
        assert "cities-of-migration 1.1.0" in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert not (tmp_path / "r.html").exists()

    def test_an_unknown_language_lists_those_available(self, sheet_path: Path, tmp_path: Path):
        """``--lang de`` is a usage error naming the languages there are."""
        result = invoke("report", sheet_path, "--out", tmp_path / "r.html", "--lang", "de")
        assert result.exit_code == 2
        assert result.stderr.strip() == "error: no messages for language 'de': available languages are en, fr"

    def test_an_xlsx_sheet_is_answered_in_one_line(self, tmp_path: Path):
        """Given the workbook, the command says to give the JSON sheet instead."""
        workbook = tmp_path / "sheet.xlsx"
        supplierscore.score(supplierscore.read_bids([TENDERS]), supplierscore.load_ruleset(RULES)).write(
            workbook
        )
        result = invoke("report", workbook, "--out", tmp_path / "r.html")
        assert result.exit_code == 2
        assert "is an XLSX workbook" in result.stderr and "--out NAME.json" in result.stderr


class TestContent:
    """Every figure is in a table; the structure is accessible."""

    def test_is_valid_html(self, report_path: Path):
        """The report parses without a single error, ids are unique and every reference points at one."""
        root = parse(report_path)
        ids = [e.get("id") for e in root.iter() if e.get("id")]
        assert len(ids) == len(set(ids))
        for element in root.iter():
            for ref in (element.get("aria-labelledby") or "").split():
                assert ref in ids
            href = element.get("href")
            if href:
                assert href[1:] in ids

    def test_every_bid_of_the_sheet_is_in_the_report(self, report_path: Path, sheet: dict[str, Any]):
        """Every scored, ineligible and rejected bid id appears in a table cell."""
        cells = {text(c) for c in parse(report_path).iterfind(".//h:tbody//h:th", NS)}
        assert {r["bid_id"] for r in sheet["rows"]} <= cells
        assert {r["bid_id"] for r in sheet["rejections"] if r["bid_id"]} <= cells

    def test_totals_and_subtotals_equal_the_sheet(self, report_path: Path, sheet: dict[str, Any]):
        """Each ranked bid's total and group subtotals, as shown, are the sheet's strings."""
        root = parse(report_path)
        rows = {(r.get("data-tender"), r.get("data-bid")): r for r in root.iterfind(".//h:tr[@data-bid]", NS)}
        ranked = [r for r in sheet["rows"] if r["eligible"]]
        assert totals_shown(root) == {(r["tender_id"], r["bid_id"]): r["total"] for r in ranked}
        for row in ranked:
            cells = rows[(row["tender_id"], row["bid_id"])].findall("h:td", NS)
            shown = [c.get("data-value") for c in cells[4 : 4 + len(row["groups"])]]
            assert shown == list(row["groups"].values())

    def test_tables_have_captions_and_scoped_headers(self, report_path: Path):
        """Every table has a caption, and every header cell says what it heads."""
        root = parse(report_path)
        tables = root.findall(".//h:table", NS)
        assert tables
        for table in tables:
            assert text(table.find("h:caption", NS))
        for header in root.iterfind(".//h:th", NS):
            assert header.get("scope") in {"col", "row", "colgroup"}

    def test_charts_have_text_alternatives(self, report_path: Path, sheet: dict[str, Any]):
        """Each chart is an image with a title and a description that gives every total."""
        root = parse(report_path)
        charts = root.findall(".//{http://www.w3.org/2000/svg}svg")
        assert len(charts) == len({r["tender_id"] for r in sheet["rows"] if r["eligible"]})
        for chart in charts:
            assert chart.get("role") == "img"
            title, desc = chart.get("aria-labelledby", "").split()
            description = text(next(e for e in root.iter() if e.get("id") == desc))
            assert re.findall(r"([0-9]+\.[0-9]{2}) points", description)
            assert next(e for e in root.iter() if e.get("id") == title) is not None

    def test_palette_is_okabe_ito(self, report_path: Path):
        """Bars use only the colour-blind-safe palette of Okabe and Ito."""
        fills = set(re.findall(r'<rect[^>]*fill="(#[0-9A-F]{6})"', report_path.read_text(encoding="utf-8")))
        assert fills and fills <= {
            "#0072B2",
            "#E69F00",
            "#009E73",
            "#CC79A7",
            "#56B4E9",
            "#D55E00",
            "#F0E442",
        }

    def test_ruleset_labels_weights_targets_and_digest_are_shown(self, report_path: Path):
        """The ruleset section names every criterion by its label with its weight, each target, the
        policy share and the digest."""
        ruleset = supplierscore.load_ruleset(RULES)
        html = report_path.read_text(encoding="utf-8")
        for criterion in ruleset.criteria:
            assert f'<th scope="row">{ruleset.label(criterion.id).replace("&", "&amp;")}</th>' in html
        assert ruleset.sha256 in html
        assert "immigrant owned award share" in html and ">15 %<" in html
        assert f"{ruleset.social_weight} points outside price and quality" in html

    def test_rejections_and_ineligible_bids_have_their_reasons(
        self, report_path: Path, sheet: dict[str, Any]
    ):
        """Every reason of the sheet, for ineligible and rejected bids, is in the report (escaped)."""
        html = report_path.read_text(encoding="utf-8")
        reasons = [r for row in sheet["rows"] for r in row["reasons"]] + [
            r["reason"] for r in sheet["rejections"]
        ]
        for reason in reasons:
            assert escape(reason) in html

    def test_a_tender_with_rejections_says_its_ranking_is_without_them(self, report_path: Path):
        """A tender with a winner and rejected bids warns that the ranking is among the others only."""
        section = (
            report_path.read_text(encoding="utf-8").split('id="tender-BAD-13"')[1].split("</section>")[0]
        )
        assert "rejected when read: the ranking is among the others only" in section

    def test_user_text_is_escaped(self, tmp_path: Path):
        """Names, titles, ids and reasons that hold markup come out as text, never as elements."""
        good = {
            "tender": {"id": "T/1", "title": "<script>alert(1)</script>", "currency": "CAD"},
            "bids": [
                {
                    "id": "B-1",
                    "supplier": {"id": "S-1", "name": "<b>Bold</b> & Co"},
                    "price": {"amount": "10.00", "currency": "CAD"},
                }
            ],
        }
        bad = {"tender": {"id": "T<2>", "currency": "CAD"}, "bids": [{"id": "<i>x</i>"}]}
        ruleset = supplierscore.load_ruleset(RULES)
        data = supplierscore.score(supplierscore.read_documents([good, bad]), ruleset).to_dict()
        html = render_report(sheet_view(data, ruleset, "rules"), messages("en"))
        assert "<script>" not in html and "<b>Bold" not in html and "<i>x" not in html
        assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "T&lt;2&gt;" in html and "&lt;i&gt;x&lt;/i&gt;" in html
        path = tmp_path / "r.html"
        path.write_text(html, encoding="utf-8")
        ids = [e.get("id") for e in parse(path).iter() if e.get("id")]
        assert all(" " not in i and "<" not in i for i in ids) and len(ids) == len(set(ids))

    def test_french_report_has_french_labels_and_numbers(self, sheet_path: Path, tmp_path: Path):
        """``--lang fr``: the document's language, the ruleset's French labels, decimal commas."""
        out = tmp_path / "rapport.html"
        assert invoke("report", sheet_path, "--out", out, "--lang", "fr").exit_code == 0
        html = unescape(out.read_text(encoding="utf-8"))
        assert '<html lang="fr">' in html
        assert "Propriété immigrante" in html and "Classement de l'appel d'offres" in html
        assert ">82,54<" in html and ">82.54<" not in html


def test_a_sheet_from_another_ruleset_is_refused_by_the_library(sheet: dict[str, Any]):
    """:func:`sheet_view` compares digests itself, whatever calls it."""
    other = json.loads(json.dumps(sheet))
    other["metadata"]["ruleset"]["sha256"] = "0" * 64
    with pytest.raises(UsageError, match="give that ruleset with --rules"):
        sheet_view(other, supplierscore.load_ruleset(RULES), "rules.yaml")


def test_a_sheet_that_breaks_its_schema_is_refused_in_one_line(sheet_path: Path, tmp_path: Path):
    """A hand-edited sheet missing a bid id is named at the first bad place, exit 2, no traceback."""
    broken = json.loads(sheet_path.read_bytes())
    del broken["rows"][3]["bid_id"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    for command in (
        ["report", path, "--out", tmp_path / "r.html"],
        ["debrief", path, "--out", tmp_path / "l"],
    ):
        result = invoke(*command)
        assert result.exit_code == 2
        expected = f'{path} is not a JSON score sheet: at /rows/3, "bid_id" is a required property'
        assert result.stderr == f"error: {expected}\n"


# --- In a real browser ----------------------------------------------------------------------------------

_FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title>
<style>body{{margin:0}}iframe{{border:0;width:{width}px;height:{height}px;display:block}}</style></head>
<body><iframe id="report" srcdoc="{document}"></iframe><pre id="dom"></pre>
<script>
const frame = document.getElementById("report");
frame.addEventListener("load", () => {{
  const doc = frame.contentDocument;
  document.body.setAttribute("data-probe", JSON.stringify({{
    scrollWidth: doc.documentElement.scrollWidth, innerWidth: frame.contentWindow.innerWidth}}));
  document.getElementById("dom").textContent = doc.documentElement.outerHTML;
}});
</script></body></html>"""
"""A page that shows the report in a frame exactly ``width`` pixels wide (headless Chromium's window is
never narrower than 500 px, a frame can be), measures its layout and copies out its DOM."""


def in_frame(report: Path, width: int, height: int) -> str:
    return _FRAME.format(width=width, height=height, document=escape(report.read_text(encoding="utf-8")))


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=180, check=True)


@pytest.mark.skipif(CHROMIUM is None, reason="needs the chromium package (.ci/run installs it)")
class TestInChromium:
    """The example report as a browser lays it out, at a desktop and a phone width."""

    @pytest.mark.parametrize("width", [1280, 390])
    def test_renders_without_horizontal_overflow(
        self, report_path: Path, sheet: dict[str, Any], tmp_path: Path, width: int
    ):
        """No horizontal scrolling of the page; every bid id and every total is in the laid-out DOM; a
        screenshot is kept in tests/artifacts/."""
        probe_page = tmp_path / "probe.html"
        probe_page.write_text(in_frame(report_path, width, 900), encoding="utf-8")
        window = f"--window-size={max(width, 500)},900"
        dumped = chromium(window, "--dump-dom", probe_page.as_uri(), profile=tmp_path / "p").stdout
        probe = json.loads(unescape(re.search(r'data-probe="([^"]+)"', dumped)[1]))  # type: ignore[index]
        assert probe["innerWidth"] == width
        assert probe["scrollWidth"] <= probe["innerWidth"], probe
        dom = unescape(re.search(r'<pre id="dom">(.*)</pre>', dumped, re.S)[1])  # type: ignore[index]
        for row in sheet["rows"]:
            assert re.search(rf">{re.escape(row['bid_id'])}<", dom)
        laid_out = tmp_path / "dom.html"
        laid_out.write_text("<!DOCTYPE html>" + dom, encoding="utf-8")
        expected = {(r["tender_id"], r["bid_id"]): r["total"] for r in sheet["rows"] if r["eligible"]}
        assert totals_shown(html5lib.parse(laid_out.read_bytes())) == expected
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"report-{width}.png"
        chromium(
            f"--window-size={width},1600",
            f"--screenshot={shot}",
            report_path.as_uri(),
            profile=tmp_path / "p",
        )
        assert shot.read_bytes().startswith(b"\x89PNG")

    def test_prints_on_a4_without_cutting_a_table(self, report_path: Path, tmp_path: Path):
        """Printed, pages are A4; laid out with the print rules at A4's printable width (210 mm less the
        14 mm margins), no table, chart or paragraph is wider than the page."""
        pdf = tmp_path / "report.pdf"
        chromium(
            "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report_path.as_uri(), profile=tmp_path / "p"
        )
        boxes = set(re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", pdf.read_bytes()))
        assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
        html = report_path.read_text(encoding="utf-8")
        assert "@media print{" in html
        printed = html.replace("@media print{", "@media all{").replace(
            "</style>", "body{width:182mm!important;margin:0!important}</style>"
        )
        probe = """<script>
const edge = document.body.getBoundingClientRect().right, wide = [];
for (const e of document.querySelectorAll("table,svg,dl,p,h1,h2,h3,ul,figure"))
  if (e.getBoundingClientRect().right > edge + 1) wide.push(e.tagName + "." + e.className);
document.body.setAttribute("data-wide", JSON.stringify(wide));
</script>"""
        page = tmp_path / "printed.html"
        page.write_text(printed.replace("</body>", probe + "</body>"), encoding="utf-8")
        dumped = chromium(
            "--window-size=1280,900", "--dump-dom", page.as_uri(), profile=tmp_path / "p"
        ).stdout
        wide = json.loads(unescape(re.search(r'data-wide="([^"]*)"', dumped)[1]))  # type: ignore[index]
        assert wide == []
