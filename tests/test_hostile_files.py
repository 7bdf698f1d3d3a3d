"""Hostile files: outputs that could overwrite an input or be left half-written, temporary files that
pile up, audit records that point outside the log, and sheets that are not score sheets.

Each test is one finding of the hardening issue; ``test_hostile.py`` holds the others.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner, Result

from supplierscore import default_ruleset_path, load_ruleset, read_bids, score
from supplierscore.audit import AuditLog, canonical, record_hash
from supplierscore.cli import main
from supplierscore.engine import _stream, score_stream
from supplierscore.errors import AuditError, OutputError
from supplierscore.sheet import WRITERS, SheetWriter

ROOT = Path(__file__).parent.parent
TENDERS = ROOT / "examples" / "tenders.ndjson"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


def assert_error(result: Result, code: int, words: str) -> None:
    """Exit ``code`` with one error line holding ``words``, and no traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr


def one_bid_tenders(path: Path, count: int) -> Path:
    """``count`` tenders of one bid each, one per line."""
    bid = {
        "id": "B-1",
        "supplier": {"id": "S-1", "name": "Maple"},
        "price": {"amount": "10", "currency": "CAD"},
    }
    lines = [json.dumps({"tender": {"id": f"T-{n:06d}"}, "bids": [bid]}) for n in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------
# 5. Files and outputs


class TestOutputs:
    """An output never replaces an input, never lands half-written, and fails as one OutputError."""

    @pytest.mark.parametrize("audit", [False, True])
    def test_out_onto_the_input_is_refused_and_the_input_kept(self, audit: bool, tmp_path: Path) -> None:
        """``score in.json --out in.json`` is a usage error before any work; the input is unchanged."""
        source = tmp_path / "in.json"
        source.write_text(TENDERS.read_text(encoding="utf-8").splitlines()[0], encoding="utf-8")
        before = source.read_bytes()
        extra = ["--audit-log", str(tmp_path / "log")] if audit else []
        result = invoke("score", source, "--out", source, *extra)
        assert_error(result, 2, "would overwrite the input")
        assert source.read_bytes() == before
        assert not (tmp_path / "log").exists()

    def test_out_through_a_link_or_beside_file_onto_an_input_is_refused(self, tmp_path: Path) -> None:
        """A link to an input, or a CSV's ``.rejections.csv`` companion that is an input, is refused."""
        source = tmp_path / "in.json"
        source.write_text(TENDERS.read_text(encoding="utf-8").splitlines()[0], encoding="utf-8")
        (tmp_path / "link.json").symlink_to(source)
        assert_error(invoke("score", source, "--out", tmp_path / "link.json"), 2, "would overwrite")
        companion = tmp_path / "s.rejections.csv"
        companion.symlink_to(source)
        assert_error(invoke("score", source, "--out", tmp_path / "s.csv"), 2, "would overwrite")

    def test_failed_write_leaves_the_previous_sheet(self, tmp_path: Path, monkeypatch: Any) -> None:
        """A disk that fills mid-write is an OutputError, and the good sheet already there is kept."""
        sheet = score(read_bids([TENDERS]), load_ruleset(default_ruleset_path()))
        target = tmp_path / "s.json"
        sheet.write(target)
        good = target.read_bytes()

        def full_disk(payload: Any, path: Path) -> list[Path]:
            path.write_bytes(good[:100])
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setitem(WRITERS, ".json", full_disk)
        with pytest.raises(OutputError, match="No space left on device"):
            sheet.write(target)
        assert target.read_bytes() == good
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]

    def test_parquet_device_error_is_an_output_error(self, tmp_path: Path, monkeypatch: Any) -> None:
        """polars' own error for a failed write becomes one OutputError, not a traceback."""

        def fail(*_: Any, **__: Any) -> None:
            raise pl.exceptions.ComputeError("failed to write: No space left on device (os error 28)")

        monkeypatch.setattr(pl.DataFrame, "write_parquet", fail)
        source = tmp_path / "t.ndjson"
        source.write_text(TENDERS.read_text(encoding="utf-8"), encoding="utf-8")
        assert_error(invoke("score", source, "--out", tmp_path / "s.parquet"), 2, "cannot write")

    def test_unknown_extension_fails_before_scoring(self, tmp_path: Path, monkeypatch: Any) -> None:
        """``--out x.txt`` is refused before the bids are read or scored."""

        def never(*_: Any, **__: Any) -> None:
            raise AssertionError("scored before the output was checked")

        monkeypatch.setattr("supplierscore.inputs.read_bids", never)
        assert_error(invoke("score", TENDERS, "--out", tmp_path / "x.txt"), 2, "cannot write .txt")

    def test_streaming_keeps_few_temporary_files(self, tmp_path: Path, monkeypatch: Any) -> None:
        """Two hundred one-line chunks leave at most a handful of files waiting, and the same sheet."""
        source = one_bid_tenders(tmp_path / "t.ndjson", 200)
        monkeypatch.setattr(_stream, "MAX_RUNS", 4)
        most = 0
        add = SheetWriter.add

        def counting(self: SheetWriter, *args: Any) -> None:
            nonlocal most
            most = max(most, len(list(self.workdir.iterdir())))
            add(self, *args)

        monkeypatch.setattr(SheetWriter, "add", counting)
        ruleset = load_ruleset(default_ruleset_path())
        score_stream([source], ruleset, tmp_path / "streamed.json", chunk_lines=1, workers=1)
        assert 0 < most <= 4 + 4
        score(read_bids([source]), ruleset).write(tmp_path / "whole.json")
        assert (tmp_path / "streamed.json").read_bytes() == (tmp_path / "whole.json").read_bytes()

    def test_full_temporary_disk_while_streaming_is_an_output_error(
        self, tmp_path: Path, monkeypatch: Any
    ) -> None:
        """A temporary file that cannot be written ends the stream with one OutputError and no sheet."""

        def full(*_: Any) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(_stream, "_save_run", full)
        source = one_bid_tenders(tmp_path / "t.ndjson", 3)
        with pytest.raises(OutputError, match=r"temporary files .* No space left on device"):
            score_stream([source], load_ruleset(default_ruleset_path()), tmp_path / "s.csv", workers=1)
        assert not (tmp_path / "s.csv").exists()

    def test_terminated_stream_removes_its_temporary_files(self, tmp_path: Path) -> None:
        """SIGTERM during a streamed run ends it with its temporary folder removed and no sheet."""
        source = one_bid_tenders(tmp_path / "t.ndjson", 20_000)
        scratch = tmp_path / "tmp"
        scratch.mkdir()
        environment = {**os.environ, "TMPDIR": str(scratch)}
        command = [
            sys.executable,
            "-m",
            "supplierscore",
            "score",
            str(source),
            "--out",
            str(tmp_path / "s.json"),
        ]
        process = subprocess.Popen([*command, "--chunk-lines", "1", "--workers", "1", "-q"], env=environment)
        deadline = time.monotonic() + 60
        while not any(scratch.iterdir()) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be stopped"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) != 0
        assert list(scratch.iterdir()) == []
        assert not (tmp_path / "s.json").exists()

    def test_non_regular_file_in_an_input_folder_is_named(self, tmp_path: Path) -> None:
        """A pipe with a bid file's name in an input folder is an error naming it, never skipped."""
        os.mkfifo(tmp_path / "pipe.ndjson")
        assert_error(invoke("validate", tmp_path), 2, "is a named pipe, not a regular file")


# ---------------------------------------------------------------------------------------------------
# 6. Audit log and sheets read back


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    """An audit log holding one run of the example tenders."""
    made = AuditLog(tmp_path / "log")
    batch = read_bids([TENDERS])
    ruleset = load_ruleset(default_ruleset_path())
    made.append_run(batch, ruleset, score(batch, ruleset, created_at="2026-01-01T00:00:00Z"))
    return made


def rewrite_last(log: AuditLog, change: Any) -> None:
    """Change the last record and re-hash it, as someone who can write the log's folder could."""
    lines = log.log_path.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[-1])
    change(record)
    record["hash"] = record_hash(record)
    log.log_path.write_bytes(b"".join(lines[:-1]) + canonical(record) + b"\n")


class TestAudit:
    """Replay and verify check what a record says before they open anything it names."""

    def test_replay_never_opens_a_path_a_record_names(self, log: AuditLog, tmp_path: Path) -> None:
        """A digest that is a path outside objects/ is a malformed record, and nothing is read."""
        (log.directory / "outside").write_text("secret", encoding="utf-8")
        rewrite_last(log, lambda r: r["ruleset"].__setitem__("sha256", "../outside"))
        with pytest.raises(AuditError, match="malformed digest"):
            log.replay()

    def test_replay_of_a_record_missing_a_field_is_an_audit_error(self, log: AuditLog) -> None:
        """A run record without its inputs is reported, not a KeyError."""
        rewrite_last(log, lambda r: r.pop("inputs"))
        with pytest.raises(AuditError, match='has no "inputs"'):
            log.replay()

    def test_object_replaced_by_a_link_to_dev_zero_is_a_fault(self, log: AuditLog, tmp_path: Path) -> None:
        """``verify`` reports the link (in a process limited in time) instead of reading forever."""
        digest = json.loads(log.log_path.read_bytes().splitlines()[-1])["ruleset"]["sha256"]
        target = log.objects_path / digest
        target.unlink()
        target.symlink_to("/dev/zero")
        done = subprocess.run(
            [sys.executable, "-m", "supplierscore", "verify", str(log.directory)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 3 and "is a link" in done.stdout + done.stderr
        with pytest.raises(AuditError, match="is a link"):
            log.replay()

    @pytest.mark.parametrize("bad", [b'{"seq": ' + b"9" * 5000 + b"}", b"[" * 100_000 + b"]" * 100_000])
    def test_huge_integer_or_deep_nesting_in_a_line_is_a_fault(self, log: AuditLog, bad: bytes) -> None:
        """``verify`` names the line, ``replay`` and ``score --audit-log`` refuse: no crash."""
        with log.log_path.open("ab") as out:
            out.write(bad + b"\n")
        result = log.verify()
        assert result.fault is not None and result.fault.line == 3
        with pytest.raises(AuditError):
            log.replay()
        outcome = invoke(
            "score", TENDERS, "--out", log.directory.parent / "s.json", "--audit-log", log.directory
        )
        assert_error(outcome, 3, "damaged")


class TestSheetsReadBack:
    """``explain`` and ``diff`` refuse what is not a score sheet, in one line."""

    @pytest.mark.parametrize(
        "content",
        [
            b"[" * 100_000 + b"]" * 100_000,
            b'{"metadata": {}, "rows": [{"bid_id": 1}]}',
            b'{"metadata": {}, "rows": [], "breakdown": [], "rejections": [], "x": ' + b"9" * 5000 + b"}",
        ],
        ids=["deep", "malformed", "huge-integer"],
    )
    def test_not_a_score_sheet(self, content: bytes, tmp_path: Path) -> None:
        """Each command exits 2 naming the file as not a score sheet."""
        bad = tmp_path / "bad.json"
        bad.write_bytes(content)
        good = tmp_path / "good.json"
        score(read_bids([TENDERS]), load_ruleset(default_ruleset_path())).write(good)
        assert_error(invoke("explain", bad, "B-01"), 2, "is not a JSON score sheet")
        assert_error(invoke("diff", good, bad), 2, "is not a JSON score sheet")
