"""Debrief letters: one per bidder in HTML and Markdown, in English and French, whose "would have
added" figures are what re-scoring the bid with a valid certificate gives."""

from __future__ import annotations

import copy
import functools
import json
import re
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import html5lib
import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import supplierscore
from supplierscore.cli import main
from supplierscore.engine import round_points
from supplierscore.engine._methods import fraction_text
from supplierscore.report import letters_for, messages, sheet_view, to_html, to_markdown
from supplierscore.report._view import SHORT_OF_EVIDENCE, Bid, Line, SheetView

ROOT = Path(__file__).parent.parent
TENDERS = ROOT / "examples" / "tenders.ndjson"
BAD_BIDS = ROOT / "examples" / "bad-bids.ndjson"
RULES = ROOT / "rules" / "cities-of-migration.yaml"
LOCALE = ROOT / "src" / "supplierscore" / "report" / "locale"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def documents() -> list[dict[str, Any]]:
    lines = TENDERS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line, parse_float=Decimal) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def ruleset() -> supplierscore.Ruleset:
    return supplierscore.load_ruleset(RULES)


@pytest.fixture(scope="module")
def sheet_path(tmp_path_factory: pytest.TempPathFactory, ruleset: supplierscore.Ruleset) -> Path:
    path = tmp_path_factory.mktemp("debrief") / "sheet.json"
    supplierscore.score(supplierscore.read_bids([TENDERS, BAD_BIDS]), ruleset).write(path)
    return path


@pytest.fixture(scope="module")
def sheet(sheet_path: Path) -> dict[str, Any]:
    return dict(json.loads(sheet_path.read_bytes()))


@pytest.fixture(scope="module")
def letters_dir(sheet_path: Path) -> Path:
    out = sheet_path.parent / "letters"
    result = invoke("debrief", sheet_path, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def catalog(language: str) -> dict[str, str]:
    with (LOCALE / language / "LC_MESSAGES" / "supplierscore.po").open("rb") as file:
        return {str(m.id): str(m.string) for m in read_po(file) if m.id}


def body_text(html: str) -> str:
    """The visible text of a page: tags dropped, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", " ", html.split("<body>", 1)[1]))


class TestCommand:
    """``supplierscore debrief SHEET --out DIR [--tender] [--bid] [--lang] [--rules]``."""

    def test_one_letter_per_bidder_in_each_language_and_format(
        self, letters_dir: Path, sheet: dict[str, Any]
    ):
        """Every scored, ineligible and rejected bid (with an id) gets an HTML and a Markdown letter in
        English and in French, the ruleset's languages."""
        bidders = {(r["tender_id"], r["bid_id"]) for r in sheet["rows"]}
        bidders |= {
            (r["tender_id"], r["bid_id"]) for r in sheet["rejections"] if r["tender_id"] and r["bid_id"]
        }
        for tender, bid in bidders:
            for suffix in ("en.html", "en.md", "fr.html", "fr.md"):
                assert (letters_dir / tender / f"{bid}.{suffix}").is_file()
        assert len(list(letters_dir.rglob("*.*"))) == 4 * len(bidders)

    def test_tender_bid_and_lang_narrow_the_letters(self, sheet_path: Path, tmp_path: Path):
        """``--tender T --bid B --lang fr`` writes exactly that bid's French letter."""
        result = invoke(
            "debrief",
            sheet_path,
            "--out",
            tmp_path,
            "--tender",
            "MIS-2026-0101",
            "--bid",
            "W-04",
            "--lang",
            "fr",
        )
        assert result.exit_code == 0, result.output
        assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == [
            "MIS-2026-0101/W-04.fr.html",
            "MIS-2026-0101/W-04.fr.md",
        ]

    def test_an_unknown_language_lists_those_available(self, sheet_path: Path, tmp_path: Path):
        """``--lang xx`` exits 2 with one line naming en and fr, and writes nothing."""
        result = invoke("debrief", sheet_path, "--out", tmp_path / "l", "--lang", "xx")
        assert result.exit_code == 2
        assert result.stderr.strip() == "error: no messages for language 'xx': available languages are en, fr"
        assert not (tmp_path / "l").exists()

    def test_an_unknown_tender_or_bid_is_a_usage_error(self, sheet_path: Path, tmp_path: Path):
        """A tender or bid the sheet does not hold is named in one error line."""
        result = invoke("debrief", sheet_path, "--out", tmp_path, "--tender", "NOPE")
        assert result.exit_code == 2 and "tender NOPE is not in the sheet" in result.stderr
        result = invoke("debrief", sheet_path, "--out", tmp_path, "--tender", "MIS-2026-0101", "--bid", "Z-9")
        assert (
            result.exit_code == 2 and "bid Z-9 is not in the sheet in tender MIS-2026-0101" in result.stderr
        )


class TestLetters:
    """What a letter says, and that it says it in valid HTML and safe Markdown."""

    def test_every_html_letter_is_valid(self, letters_dir: Path):
        """Each HTML letter parses without error and its tables have captions and scoped headers."""
        parser = html5lib.HTMLParser(strict=True)
        for path in sorted(letters_dir.rglob("*.html")):
            root = parser.parse(path.read_bytes())
            for header in root.iter("{http://www.w3.org/1999/xhtml}th"):
                assert header.get("scope") in {"col", "row"}, path

    def test_a_losing_letter_gives_rank_total_and_the_winner(self, letters_dir: Path, sheet: dict[str, Any]):
        """Rank of n, the total, and the winner's id and total are in the letter; each criterion's label
        is beside its points and the winner's."""
        row = next(r for r in sheet["rows"] if r["bid_id"] == "W-04")
        winner = next(r for r in sheet["rows"] if r["tender_id"] == row["tender_id"] and r["rank"] == 1)
        ranked = sum(1 for r in sheet["rows"] if r["tender_id"] == row["tender_id"] and r["eligible"])
        text = (letters_dir / "MIS-2026-0101" / "W-04.en.md").read_text(encoding="utf-8")
        assert f"ranked {row['rank']} of {ranked} with {row['total']} points" in text
        assert (
            f"{winner['bid_id'].replace('-', '-')} from" in text.replace("\\", "") and winner["total"] in text
        )
        assert "| Immigrant ownership | 8 | 4.00 | 8.00 | -4.00 |" in text.replace("\\", "")

    def test_an_ineligible_letter_gives_the_failed_requirement(
        self, letters_dir: Path, sheet: dict[str, Any]
    ):
        """An ineligible bid's letter says it was not ranked and why."""
        row = next(r for r in sheet["rows"] if not r["eligible"])
        html = (letters_dir / row["tender_id"] / f"{row['bid_id']}.en.html").read_text(encoding="utf-8")
        assert "not scored or ranked" in html
        assert row["reasons"][0] in body_text(html)

    def test_french_letters_hold_no_english_fixed_text(
        self, letters_dir: Path, ruleset: supplierscore.Ruleset
    ):
        """No phrase of the English catalog (that French words differently) and no English criterion label
        appears in any French letter."""
        english, french = catalog("en"), catalog("fr")
        french_text = " ".join(french.values())
        phrases = set()
        for message in english:
            for fragment in re.split(r"\{[a-z]+\}", message):
                fragment = fragment.strip(" .,:;()")
                if len(re.findall(r"[A-Za-z]{3,}", fragment)) >= 2 and fragment not in french_text:
                    phrases.add(fragment)
        labels = {ruleset.label(c.id, "en") for c in ruleset.criteria} - {
            ruleset.label(c.id, "fr") for c in ruleset.criteria
        }
        assert len(phrases) > 50 and labels
        for path in sorted(letters_dir.rglob("*.fr.*")):
            content = path.read_text(encoding="utf-8")
            seen = body_text(content) if path.suffix == ".html" else content.replace("\\", "")
            leaked = [p for p in phrases | labels if p in seen]
            assert not leaked, (path.name, leaked)

    def test_markdown_has_no_raw_html_or_markup_from_bidders(self, ruleset: supplierscore.Ruleset):
        """A supplier named with HTML and Markdown markup stays text in both forms of the letter."""
        document = copy.deepcopy(documents()[0])
        document["bids"][1]["supplier"]["name"] = (
            "<img src=x onerror=alert(1)> *Star* | Pipe [link](http://x)"
        )
        data = supplierscore.score(supplierscore.read_documents([document]), ruleset).to_dict()
        view = sheet_view(data, ruleset, "rules")
        bid = document["bids"][1]["id"]
        letter = next(x for x in letters_for(view, messages("en")) if x.bid_id == bid)
        markdown, html = to_markdown(letter), to_html(letter, messages("en"))
        assert "<img" not in markdown and "<img" not in html
        assert "&lt;img src=x onerror=alert(1)&gt; \\*Star\\* \\| Pipe \\[link\\](http://x)" in markdown

    def test_letter_files_stay_inside_the_folder(self, ruleset: supplierscore.Ruleset, tmp_path: Path):
        """Ids with slashes or dots never make a letter land outside ``--out``."""
        document = copy.deepcopy(documents()[0])
        document["tender"]["id"] = "../../T/1"
        data = supplierscore.score(supplierscore.read_documents([document]), ruleset).to_dict()
        from supplierscore.report import write_letters

        view = sheet_view(data, ruleset, "rules")
        out = tmp_path / "out"
        written = write_letters(letters_for(view, messages("en")), messages("en"), out)
        assert written and all(out in p.resolve().parents for p in written)


class TestWouldHaveAdded:
    """What a valid certificate would have added is exactly what re-scoring with one gives."""

    def test_each_figure_equals_a_rescore_with_a_valid_certificate(self, ruleset: supplierscore.Ruleset):
        """For every bid and criterion short of valid evidence, add a valid certificate from a listed issuer
        covering the group and score again: the criterion gains exactly the figure the letter gives, and
        all of them together give the total the letter gives."""
        docs = documents()
        data = supplierscore.score(supplierscore.read_documents(docs), ruleset).to_dict()
        view = sheet_view(data, ruleset, "rules")
        checked = 0
        for tender in view.tenders:
            for bid in tender.ranked:
                doc = copy.deepcopy(next(d for d in docs if d["tender"]["id"] == tender.id))
                raw = next(b for b in doc["bids"] if b["id"] == bid.bid_id)
                closing = doc["tender"].get("closing_date", "2026-01-01")
                short = [c for c in ruleset.criteria if view.would_add(bid, c.id) is not None]
                for criterion in short:
                    assert criterion.evidence is not None
                    raw.setdefault("certifications", []).append(
                        {
                            "issuer": criterion.evidence.issuers[0],
                            "id": f"TEST-{criterion.id}",
                            "covers": [criterion.evidence.covers],
                            "valid_from": closing,
                            "valid_until": closing,
                        }
                    )
                if not short:
                    continue
                again = supplierscore.score(supplierscore.read_documents([doc]), ruleset)
                row = next(r for r in again.rows if r.bid_id == bid.bid_id)
                for criterion in short:
                    gained = row.points[criterion.id] - Decimal(bid.points[criterion.id])
                    assert gained == view.would_add(bid, criterion.id), (bid.bid_id, criterion.id)
                    checked += 1
                letter = next(x for x in letters_for(view, messages("en"), tender.id, bid.bid_id))
                claimed = re.search(r"a total of ([0-9.]+) instead of", to_markdown(letter))
                assert claimed is not None and Decimal(claimed[1]) == row.total
        assert checked > 20

    def test_nothing_is_claimed_for_valid_or_unneeded_evidence(self, ruleset: supplierscore.Ruleset):
        """Certified lines, lines without an evidence rule and lines that score 0 add nothing."""
        data = supplierscore.score(supplierscore.read_documents(documents()), ruleset).to_dict()
        view = sheet_view(data, ruleset, "rules")
        for tender in view.tenders:
            for bid in tender.ranked:
                for line in bid.lines.values():
                    if line.evidence not in SHORT_OF_EVIDENCE or Decimal(line.fraction) == 0:
                        assert view.would_add(bid, line.criterion) is None


@functools.cache
def _default_ruleset() -> supplierscore.Ruleset:
    return supplierscore.load_ruleset(RULES)


class TestWouldHaveAddedProperty:
    """The figure is exact for any weight, fraction, claim factor, precision and rounding."""

    @settings(max_examples=200, deadline=None)
    @given(
        weight=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2),
        top=st.integers(min_value=1, max_value=10**7),
        extra=st.integers(min_value=0, max_value=10**7),
        claim=st.sampled_from([Decimal(0), Decimal("0.25"), Decimal("0.5"), Decimal("0.75")]),
        precision=st.integers(min_value=0, max_value=4),
        rounding=st.sampled_from(["half_up", "half_even"]),
    )
    def test_equals_exact_rounding_of_the_full_points_minus_the_points_given(
        self, weight: Decimal, top: int, extra: int, claim: Decimal, precision: int, rounding: str
    ):
        """With the fraction printed as the breakdown prints it (12 decimals at most), the figure is
        round(weight × fraction) − round(weight × fraction × claim), computed here in exact rationals."""
        default = _default_ruleset()
        criterion = next(c for c in default.criteria if c.evidence is not None)
        changed = criterion.model_copy(update={"weight": weight})
        ruleset = default.model_copy(
            update={"precision": precision, "rounding": rounding, "criteria": [changed]}
        )
        fraction = (top, top + extra)
        w = weight.as_integer_ratio()
        c = claim.as_integer_ratio()
        full = round_points((w[0] * fraction[0], w[1] * fraction[1]), precision, rounding)  # type: ignore[arg-type]
        given_points = round_points(
            (w[0] * fraction[0] * c[0], w[1] * fraction[1] * c[1]),
            precision,
            rounding,  # type: ignore[arg-type]
        )
        line = Line(
            changed.id,
            "1",
            fraction_text(fraction),
            "self-declared",
            str(claim),
            f"{given_points:.{precision}f}",
            "",
        )
        bid = Bid("T", "B", "S", "s", 1, True, [], "0", {}, {}, None, None, {changed.id: line})
        view = SheetView({}, ruleset, [], [])
        expected = full - given_points
        assert view.would_add(bid, changed.id) == (expected if expected > 0 else None)


def _messages_in_code() -> set[str]:
    """Every ``m.text("...")`` message of the report package (the ids the catalogs must hold)."""
    import ast

    found = set()
    for path in (ROOT / "src" / "supplierscore" / "report").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "text"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("language", ["en", "fr"])
def test_catalog_is_complete_and_holds_nothing_stale(language: str):
    """Each catalog translates every message the code uses, keeps every placeholder, and holds no other."""
    used, table = _messages_in_code(), catalog(language)
    assert len(used) > 100
    assert set(table) == used
    for message, translated in table.items():
        assert translated, message
        assert sorted(re.findall(r"\{[a-z]+\}", translated)) == sorted(re.findall(r"\{[a-z]+\}", message))


def test_available_languages_are_the_catalogs_shipped_in_the_package():
    """The languages offered are the catalogs found inside the installed package."""
    from supplierscore.report import available_languages

    assert available_languages() == ("en", "fr")
