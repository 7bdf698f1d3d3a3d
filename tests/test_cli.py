"""The command line: what each command prints, writes and exits with, run through click's CliRunner.

The CLI is thin, so its output is checked against what the library gives for the same input (the sheet it
wrote, the rejections :func:`supplierscore.read_bids` finds), never against hard-coded figures.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from supplierscore import load_ruleset, read_bids
from supplierscore.cli import main

ROOT = Path(__file__).parent.parent
TENDERS = ROOT / "examples" / "tenders.ndjson"
BAD_BIDS = ROOT / "examples" / "bad-bids.ndjson"
RULES = ROOT / "rules" / "cities-of-migration.yaml"
REJECTION_COLUMNS = ["source", "line", "index", "tender_id", "bid_id", "path", "reason"]
HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","Click me")', "+SUM(A1:A9)", "-2+3", "@cmd"]


def invoke(*args: str | Path, stdin: bytes | None = None) -> Result:
    """Run ``supplierscore ARGS...`` in-process; exceptions are caught so a traceback shows as a failure."""
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin, catch_exceptions=True)


def tender_ids(path: Path) -> list[str]:
    return [json.loads(line)["tender"]["id"] for line in path.read_text(encoding="utf-8").splitlines()]


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def assert_one_error_line(result: Result, starts: str) -> None:
    """Exit 2 with exactly one line on standard error, and nothing like a traceback anywhere."""
    assert result.exit_code == 2, result.output
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(starts), result.stderr


def write_document(path: Path, names: list[str]) -> Path:
    """One tender whose bids' suppliers have the given names."""
    bids = [
        {
            "id": f"B-{i}",
            "supplier": {"id": f"S-{i}", "name": name},
            "price": {"amount": f"{1000 + i}.00", "currency": "CAD"},
        }
        for i, name in enumerate(names, start=1)
    ]
    document = {"tender": {"id": "T-1", "currency": "CAD"}, "bids": bids}
    path.write_text(json.dumps(document) + "\n", encoding="utf-8")
    return path


class TestScore:
    """``supplierscore score``: the sheet, a summary per tender, the rejections, the exit code."""

    def test_examples_print_every_tender_with_its_winner_and_runner_up(self, tmp_path: Path) -> None:
        """Exit 0; under each tender's line, its rank 1 and 2 bids with supplier and total as in the sheet."""
        out = tmp_path / "sheet.json"
        result = invoke("score", TENDERS, "--out", out)
        assert result.exit_code == 0, result.output
        sheet = json.loads(out.read_text(encoding="utf-8"))
        lines = result.stdout.splitlines()
        for tender_id in tender_ids(TENDERS):
            (start,) = [i for i, line in enumerate(lines) if line.startswith(f"{tender_id}: ")]
            ranked = sorted(
                (r for r in sheet["rows"] if r["tender_id"] == tender_id and r["rank"] is not None),
                key=lambda r: r["rank"],
            )
            for label, row, line in zip(
                ("winner", "runner-up"), ranked[:2], lines[start + 1 : start + 3], strict=True
            ):
                assert line.split()[0] == label, line
                assert f"{row['bid_id']} {row['supplier_name']} ({row['total']})" in line
        assert sheet["metadata"]["counts"]["rejected"] == 0 and sheet["rejections"] == []

    def test_bad_bids_write_the_sheet_list_the_rejections_and_exit_1(self, tmp_path: Path) -> None:
        """Exit 1, the sheet written with its rejections, each rejection printed with file:line and reason."""
        out = tmp_path / "sheet.json"
        result = invoke("score", BAD_BIDS, "--out", out)
        assert result.exit_code == 1, result.output
        assert_no_traceback(result)
        sheet = json.loads(out.read_text(encoding="utf-8"))
        assert sheet["rejections"] and sheet["metadata"]["counts"]["rejected"] > 0
        assert [r for r in sheet["rows"] if r["eligible"]], "the valid bids among the bad ones are scored"
        for rejection in sheet["rejections"]:
            where = f"{rejection['source']}:{rejection['line']}"
            assert any(where in line and rejection["reason"] in line for line in result.stdout.splitlines())
        assert f"wrote {out}" in result.stdout

    @pytest.mark.parametrize("command", ["score", "validate"])
    def test_a_missing_input_exits_2_with_one_line(self, tmp_path: Path, command: str) -> None:
        """No traceback: one line, "error: input not found: PATH", and exit 2."""
        missing = tmp_path / "nowhere.ndjson"
        extra = ["--out", str(tmp_path / "sheet.json")] if command == "score" else []
        result = invoke(command, missing, *extra)
        assert_one_error_line(result, "error: input not found: ")
        assert result.stderr.strip() == f"error: input not found: {missing}"
        assert not (tmp_path / "sheet.json").exists()

    @pytest.mark.parametrize("suffix", [".txt", ".pdf", ""])
    def test_an_unknown_out_extension_exits_2(self, tmp_path: Path, suffix: str) -> None:
        """A sheet format nobody writes is a usage error: exit 2, one line naming the formats, no file."""
        out = tmp_path / f"sheet{suffix}"
        result = invoke("score", TENDERS, "--out", out)
        assert_one_error_line(result, "error: ")
        assert ".json" in result.stderr and ".csv" in result.stderr
        assert list(tmp_path.iterdir()) == []

    def test_a_dash_reads_standard_input(self, tmp_path: Path) -> None:
        """``score -`` scores NDJSON from standard input exactly as it scores the same file."""
        from_stdin, from_file = tmp_path / "stdin.json", tmp_path / "file.json"
        result = invoke("score", "-", "--out", from_stdin, stdin=TENDERS.read_bytes())
        assert result.exit_code == 0, result.output
        assert invoke("score", TENDERS, "--out", from_file).exit_code == 0
        piped, filed = (json.loads(p.read_text(encoding="utf-8")) for p in (from_stdin, from_file))
        assert piped["rows"] and piped["rows"] == filed["rows"]
        assert piped["breakdown"] == filed["breakdown"]
        assert piped["metadata"]["input_sha256"] == filed["metadata"]["input_sha256"]

    def test_a_supplier_name_that_is_a_formula_is_neutralised_in_csv(self, tmp_path: Path) -> None:
        """Names starting with = + - @ get a leading ' in the CSV sheet; the JSON sheet keeps them exact."""
        source = write_document(tmp_path / "bids.ndjson", HOSTILE_NAMES)
        assert invoke("score", source, "--out", tmp_path / "sheet.csv").exit_code == 0
        assert invoke("score", source, "--out", tmp_path / "sheet.json").exit_code == 0
        with (tmp_path / "sheet.csv").open(encoding="utf-8", newline="") as file:
            names = {row["bid_id"]: row["supplier_name"] for row in csv.DictReader(file)}
        assert names == {f"B-{i}": "'" + name for i, name in enumerate(HOSTILE_NAMES, start=1)}
        sheet = json.loads((tmp_path / "sheet.json").read_text(encoding="utf-8"))
        assert sorted(r["supplier_name"] for r in sheet["rows"]) == sorted(HOSTILE_NAMES)


class TestValidate:
    """``supplierscore validate``: every rejection, where it is and why; counts that reconcile."""

    def test_bad_bids_list_file_line_path_and_reason_and_exit_1(self) -> None:
        """Every rejection the reader finds is printed as file:line, JSON Pointer and reason."""
        expected = read_bids([BAD_BIDS]).rejections
        result = invoke("validate", BAD_BIDS)
        assert result.exit_code == 1, result.output
        assert_no_traceback(result)
        lines = result.stdout.splitlines()
        for rejection in expected:
            where = f"{rejection.source}:{rejection.line}"
            path = rejection.path or "/"
            assert any(
                line.strip().startswith(where) and f" at {path}: {rejection.reason}" in line for line in lines
            ), (where, path, rejection.reason)
        listed = [line for line in lines if line.strip().startswith(f"{BAD_BIDS}:")]
        assert len(listed) == len(expected) > 20

    def test_valid_examples_exit_0(self) -> None:
        """All 50 example bids are valid: exit 0 and no rejection listed."""
        result = invoke("validate", TENDERS)
        assert result.exit_code == 0, result.output
        assert "Rejections" not in result.stdout

    def test_json_format_is_parseable_and_its_counts_reconcile(self) -> None:
        """--format json: read = valid + rejected, per file and overall, matching the listed rejections."""
        result = invoke("validate", BAD_BIDS, TENDERS, "--format", "json")
        assert result.exit_code == 1
        report = json.loads(result.stdout)
        counts = report["counts"]
        assert counts["read"] == counts["valid"] + counts["rejected"] == 76
        for key in ("read", "valid", "rejected"):
            assert counts[key] == sum(f[key] for f in report["files"])
        for summary in report["files"]:
            assert summary["read"] == summary["valid"] + summary["rejected"]
        bids = {(r["source"], r["line"], r["index"]) for r in report["rejections"]}
        assert len(bids) == counts["rejected"]
        assert sum(t["bids"] for t in report["tenders"]) == counts["valid"]

    @pytest.mark.parametrize("suffix", [".csv", ".json"])
    def test_out_writes_the_rejections(self, tmp_path: Path, suffix: str) -> None:
        """--out rejections.csv / .json: every rejection, with its source, line, index, ids, path, reason."""
        expected = [r.to_dict() for r in read_bids([BAD_BIDS]).rejections]
        out = tmp_path / f"rejections{suffix}"
        result = invoke("validate", BAD_BIDS, "--out", out)
        assert result.exit_code == 1, result.output
        if suffix == ".json":
            assert json.loads(out.read_text(encoding="utf-8")) == {"rejections": expected}
            return
        with out.open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            assert reader.fieldnames == REJECTION_COLUMNS
            rows = list(reader)
        assert len(rows) == len(expected)
        for row, want in zip(rows, expected, strict=True):
            assert (row["source"], row["line"], row["path"]) == (
                want["source"],
                str(want["line"]),
                want["path"],
            )
            assert row["reason"].lstrip("'") == want["reason"]

    def test_standard_input_is_read_with_a_dash(self) -> None:
        """``validate -`` reads NDJSON from standard input and names it <stdin>."""
        result = invoke("validate", "-", "--format", "json", stdin=BAD_BIDS.read_bytes())
        assert result.exit_code == 1
        report = json.loads(result.stdout)
        assert {r["source"] for r in report["rejections"]} == {"<stdin>"}
        assert report["counts"] == {"read": 26, "valid": 3, "rejected": 23}


BROKEN_RULESET = """\
ruleset: broken
version: "1"
title: Weights add up to 90 and one method does not exist
precision: 2
rounding: half_up
criteria:
  - id: price
    group: price
    weight: 50
    method: {price_proportional: {}}
  - id: quality
    group: quality
    weight: 40
    field: quality.technical
    method: {magic: {}}
"""


class TestRulesCheck:
    """``supplierscore rules check``: a summary for a good ruleset, every problem for a broken one."""

    def test_the_default_ruleset_passes_with_its_summary(self) -> None:
        """Exit 0: id, version, digest, every criterion, and the weights adding up to 100."""
        ruleset = load_ruleset(RULES)
        result = invoke("rules", "check", RULES)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{ruleset.id} {ruleset.version}: {ruleset.title}")
        assert f"sha256 {ruleset.sha256}" in result.stdout
        for criterion in ruleset.criteria:
            assert any(line.startswith(f"{criterion.id} ") for line in result.stdout.splitlines()), (
                criterion.id
            )
        assert "total 100" in result.stdout

    def test_a_broken_ruleset_exits_2_and_lists_every_problem(self, tmp_path: Path) -> None:
        """Weights adding up to 90 and an unknown method: both reported, with their lines, exit 2."""
        path = tmp_path / "broken.yaml"
        path.write_text(BROKEN_RULESET, encoding="utf-8")
        result = invoke("rules", "check", path)
        assert result.exit_code == 2, result.output
        assert_no_traceback(result)
        assert result.stdout == ""
        assert "2 problems" in result.stderr
        assert "the weights add up to 90, not 100" in result.stderr
        assert 'unknown method "magic"' in result.stderr
        assert "line 15, /criteria/1/method/magic" in result.stderr


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group under ``main``, as the words that name it (``()`` is main itself)."""
    paths = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


class TestHelp:
    """Every command's --help shows how to use it."""

    @pytest.mark.parametrize(
        "words",
        [pytest.param(path, id=" ".join(path) or "supplierscore") for path in command_paths()],
    )
    def test_help_shows_examples(self, words: tuple[str, ...]) -> None:
        """--help exits 0 and has an "Examples" section."""
        result = invoke(*words, "--help")
        assert result.exit_code == 0, result.output
        assert "Examples" in result.stdout
