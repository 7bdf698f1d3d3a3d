"""Nothing is dropped silently: what each awkward input does to its bids, and the exit code it gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from supplierscore.errors import UsageError
from supplierscore.inputs import read_bids

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tenders.ndjson"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supplierscore", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def tender(tender_id: str, *bid_ids: str) -> dict[str, Any]:
    bids = [
        {
            "id": b,
            "supplier": {"id": f"S-{b}", "name": f"Supplier {b}"},
            "price": {"amount": "100.00", "currency": "CAD"},
        }
        for b in bid_ids
    ]
    return {"tender": {"id": tender_id, "currency": "CAD"}, "bids": bids}


def ndjson(path: Path, *documents: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    return path


class TestFolders:
    """A folder is read recursively, in sorted order, and every file not read is named with its reason."""

    def test_subfolders_and_csv_are_read_and_other_files_listed(self, tmp_path: Path) -> None:
        """Files in subfolders and CSV files are read; a .txt and a lock file are skipped, each named."""
        ndjson(tmp_path / "bids" / "b.ndjson", tender("T-B", "B-1", "B-2"))
        ndjson(tmp_path / "bids" / "sub" / "a.ndjson", tender("T-A", "B-1"))
        (tmp_path / "bids" / "c.csv").write_text(
            "tender.id,id,supplier.id,supplier.name,price.amount,price.currency\nT-C,B-1,S-1,One,10,CAD\n",
            encoding="utf-8",
        )
        (tmp_path / "bids" / "notes.txt").write_text("not bids", encoding="utf-8")
        (tmp_path / "bids" / "~$open.xlsx").write_bytes(b"lock")
        batch = read_bids([tmp_path / "bids"])
        assert [Path(f.source).relative_to(tmp_path).as_posix() for f in batch.files] == [
            "bids/b.ndjson",
            "bids/c.csv",
            "bids/sub/a.ndjson",
        ]
        assert (batch.read, batch.valid) == (4, 4)
        assert [w.split(":")[0] for w in batch.warnings] == [
            f"skipped {tmp_path / 'bids' / 'notes.txt'}",
            f"skipped {tmp_path / 'bids' / '~$open.xlsx'}",
        ]
        done = run("score", "bids", "--out", "sheet.json", cwd=tmp_path)
        assert done.returncode == 0
        assert "skipped bids/notes.txt: not a kind of file read (.txt;" in done.stderr

    def test_an_empty_folder_is_a_usage_error(self, tmp_path: Path) -> None:
        """A folder with nothing to read stops the run (exit 2) rather than writing an empty sheet."""
        (tmp_path / "empty").mkdir()
        done = run("score", "empty", "--out", "sheet.json", cwd=tmp_path)
        assert (done.returncode, done.stderr) == (2, "error: no input files to read in empty\n")
        assert not (tmp_path / "sheet.json").exists()

    def test_input_without_any_tender_is_a_usage_error(self, tmp_path: Path) -> None:
        """Files that are all empty hold no tender: exit 2, naming them."""
        (tmp_path / "a.ndjson").write_text("\n\n", encoding="utf-8")
        done = run("validate", "a.ndjson", cwd=tmp_path)
        assert (done.returncode, done.stderr) == (2, "error: no tenders in the input: a.ndjson empty\n")


class TestRepeatedFiles:
    """The same file twice would double every bid: refused, naming both."""

    def test_the_same_path_twice(self, tmp_path: Path) -> None:
        """One file under two spellings is refused with exit 2."""
        ndjson(tmp_path / "a.ndjson", tender("T-1", "B-1"))
        done = run("score", "a.ndjson", "./a.ndjson", "--out", "s.json", cwd=tmp_path)
        assert done.returncode == 2
        assert (
            done.stderr
            == "error: the same file is given twice: a.ndjson and ./a.ndjson; give each file once\n"
        )

    def test_the_same_bytes_under_two_names(self, tmp_path: Path) -> None:
        """A copy of a file (in a folder given with it) is refused, naming both."""
        ndjson(tmp_path / "a.ndjson", tender("T-1", "B-1"))
        (tmp_path / "copy").mkdir()
        (tmp_path / "copy" / "a.ndjson").write_bytes((tmp_path / "a.ndjson").read_bytes())
        with pytest.raises(UsageError, match=r"a\.ndjson and .*copy/a\.ndjson have the same content"):
            read_bids([tmp_path / "a.ndjson", tmp_path / "copy"])


class TestEncodingsAndShapes:
    """UTF-16 JSON, a pretty-printed .ndjson, a duplicate key: each gives a clear, bid-level outcome."""

    @pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
    def test_utf16_and_utf32_json_with_a_bom_is_decoded(self, tmp_path: Path, encoding: str) -> None:
        """Every bid of a UTF-16/32 file is read (50 of 50), with a note saying to save it as UTF-8."""
        path = tmp_path / "wide.ndjson"
        path.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode(encoding))
        done = run("validate", "wide.ndjson", cwd=tmp_path)
        assert done.returncode == 0
        assert "read 50 · valid 50 · rejected 0" in done.stdout
        assert f"warning: wide.ndjson: read as {encoding.upper()}" in done.stderr

    def test_a_bom_on_bytes_that_are_not_utf16_is_refused_with_the_fix(self, tmp_path: Path) -> None:
        """A UTF-16 mark on a file that is not UTF-16 stops the run, saying how to fix it."""
        (tmp_path / "bad.ndjson").write_bytes(b"\xff\xfe{\x00\x00\xd8")
        done = run("validate", "bad.ndjson", cwd=tmp_path)
        assert done.returncode == 2
        assert "save it as UTF-8 (for example: iconv -f UTF-16 -t UTF-8 bad.ndjson" in done.stderr

    def test_a_pretty_printed_document_in_ndjson_is_one_rejection(self, tmp_path: Path) -> None:
        """One document over 20-odd lines is one rejection saying so, not one per line."""
        path = tmp_path / "pretty.ndjson"
        path.write_text(json.dumps(tender("T-1", "B-1", "B-2"), indent=2), encoding="utf-8")
        batch = read_bids([path])
        assert (batch.read, batch.rejected) == (1, 1)
        reason = batch.rejections[0].reason
        assert reason.startswith("the file holds one JSON document spread over ")
        assert "NDJSON needs one tender document per line" in reason
        assert run("validate", "pretty.ndjson", cwd=tmp_path).returncode == 1

    def test_a_duplicate_key_rejects_only_its_bid(self, tmp_path: Path) -> None:
        """A key twice inside bid 1's price rejects that bid at /bids/1/price; bids 0 and 2 are scored."""
        text = json.dumps(tender("T-1", "B-0", "B-1", "B-2"))
        second = text.index('"price"', text.index('"B-1"'))
        text = text[:second] + '"price": {"amount": "5.00", "currency": "CAD"}, ' + text[second:]
        (tmp_path / "dup.ndjson").write_text(text + "\n", encoding="utf-8")
        batch = read_bids([tmp_path / "dup.ndjson"])
        assert [(r.index, r.bid_id, r.path) for r in batch.rejections] == [(1, "B-1", "/bids/1")]
        assert (
            batch.rejections[0].reason
            == 'duplicate key "price" in one object: ambiguous, so the bid is refused'
        )
        assert [b["id"] for b in batch.tenders[0].bids] == ["B-0", "B-2"]
        done = run("score", "dup.ndjson", "--out", "s.json", cwd=tmp_path)
        assert done.returncode == 1
        assert json.loads((tmp_path / "s.json").read_text())["metadata"]["counts"] == {
            "read": 3,
            "scored": 2,
            "ineligible": 0,
            "rejected": 1,
        }

    def test_a_duplicate_key_in_a_nested_object_names_that_object(self, tmp_path: Path) -> None:
        """The pointer is the object holding the repeated key (/bids/0/price)."""
        text = json.dumps(tender("T-1", "B-0", "B-1")).replace(
            '"amount": "100.00"', '"amount": "1.00", "amount": "2.00"', 1
        )
        (tmp_path / "dup.ndjson").write_text(text + "\n", encoding="utf-8")
        batch = read_bids([tmp_path / "dup.ndjson"])
        assert [(r.path, r.reason) for r in batch.rejections] == [
            ("/bids/0/price", 'duplicate key "amount" in one object: ambiguous, so the bid is refused')
        ]
        assert batch.valid == 1

    def test_a_duplicate_key_in_the_tender_still_rejects_the_line(self, tmp_path: Path) -> None:
        """A repeated key outside any bid leaves no bid readable: the line is one rejection."""
        text = json.dumps(tender("T-1", "B-0")).replace('"tender": {', '"tender": {"id": "T-0", ', 1)
        (tmp_path / "dup.ndjson").write_text(text + "\n", encoding="utf-8")
        batch = read_bids([tmp_path / "dup.ndjson"])
        assert (batch.read, batch.rejected, batch.rejections[0].index) == (1, 1, None)


def test_a_csv_table_given_beside_its_bids_table_is_refused(tmp_path: Path) -> None:
    """NAME.tenders.csv is read with NAME.bids.csv: giving both would read its tenders twice (exit 2)."""
    assert run("template", "t.csv", cwd=tmp_path).returncode == 0
    done = run("validate", "t.bids.csv", "t.tenders.csv", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        2,
        "error: t.tenders.csv is read with t.bids.csv, given too: give only t.bids.csv\n",
    )
