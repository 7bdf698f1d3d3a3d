"""Hostile input: numbers, text, sizes and terminal output an attacker chooses, each ending in a clear
rejection or error, never a hang, a crash or a traceback.

One test per finding of the hardening issue (numbers, ruleset numbers, Unicode, memory, terminal), and a
property over generated hostile values run in a subprocess under resource limits. Files, outputs and the
audit log are in ``test_hostile_files.py``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplierscore import default_ruleset_path, load_ruleset, read_bids, read_documents, score
from supplierscore.cli import main
from supplierscore.errors import RulesetError
from supplierscore.inputs import InputBytes
from supplierscore.limits import MAX_DIGITS, number_problem, printable
from supplierscore.ruleset import parse_ruleset

ROOT = Path(__file__).parent.parent
RULES = ROOT / "rules" / "cities-of-migration.yaml"
BOMBS = ["1e-999999999", "1e999999999", "1e-10000000", "9" * 5000, "0e-999999999"]
"""Numbers of a few bytes whose exact value is astronomically long, or too many digits for Python's int."""


def short(value: object) -> str:
    """A test id for a value that may be thousands of digits long."""
    text = value if isinstance(value, str) else f"{type(value).__name__}"
    return text if len(text) <= 20 else f"{len(text)}-chars"


def invoke(*args: str | Path, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], input=stdin, catch_exceptions=True)


def assert_clean(result: Result, codes: tuple[int, ...] = (0, 1, 2)) -> None:
    assert result.exit_code in codes, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def bid(bid_id: str = "B-1", **changes: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "id": bid_id,
        "supplier": {"id": f"S-{bid_id}", "name": "Maple Interpreting Co-op"},
        "price": {"amount": "1200.00", "currency": "CAD"},
    }
    made.update(changes)
    return made


def line(*bids: dict[str, Any], raw: dict[str, str] | None = None) -> bytes:
    """One tender document as an NDJSON line; ``raw`` puts number text in place of ``"@name"`` strings."""
    text = json.dumps({"tender": {"id": "T-1", "currency": "CAD"}, "bids": list(bids)})
    for name, number in (raw or {}).items():
        text = text.replace(f'"@{name}"', number)
    return text.encode() + b"\n"


def ruleset() -> Any:
    return load_ruleset(default_ruleset_path())


# ---------------------------------------------------------------------------------------------------
# 1. Number bombs


class TestNumberBombs:
    """A number out of bounds in a bid is rejected at the door, so scoring never computes with it."""

    @pytest.mark.parametrize("number", BOMBS, ids=short)
    @pytest.mark.parametrize(
        "field",
        [
            ("quality", "technical"),
            ("ownership", "immigrant"),
            ("workforce", "employees"),
            ("supply_chain", "subcontracts"),
        ],
    )
    def test_bomb_in_a_bid_is_rejected_and_the_run_ends(self, number: str, field: tuple[str, str]) -> None:
        """The bomb's bid is rejected with a reason at its pointer; the other bid is scored at once."""
        section, name = field
        value: Any = "@n"
        if section == "supply_chain":
            value = [{"supplier_name": "Sub", "share_pct": "@n"}]
        hostile = bid("B-1", **{section: {name: value}})
        batch = read_bids([InputBytes("t.ndjson", line(hostile, bid("B-2"), raw={"n": number}))])
        assert batch.valid == 1 and batch.rejected == 1
        assert "out of bounds" in batch.rejections[0].reason
        assert batch.rejections[0].path.startswith(f"/bids/0/{section}")
        sheet = score(batch, ruleset())
        assert [row.bid_id for row in sheet.rows] == ["B-2"]

    def test_in_memory_documents_meet_the_same_bounds(self) -> None:
        """read_documents applies the bound to Decimals handed over directly."""
        hostile = bid(quality={"technical": Decimal("1e-999999999")})
        batch = read_documents([{"tender": {"id": "T-1"}, "bids": [hostile]}])
        assert batch.rejected == 1 and "out of bounds" in batch.rejections[0].reason

    def test_lookup_key_out_of_bounds_is_a_ruleset_problem(self) -> None:
        """A lookup key that reads as a huge number is refused at load, where it used to hang every bid."""
        document = json.loads(load_ruleset(RULES).canonical_json)
        document["criteria"][-1]["method"] = {"lookup": {"map": {"1e999999999": 1}}}
        with pytest.raises(RulesetError) as refused:
            parse_ruleset(document)
        assert any(
            p.path.endswith("/lookup/map/1e999999999") and "out of bounds" in p.message
            for p in refused.value.problems
        )

    @pytest.mark.parametrize(
        ("value", "ok"),
        [
            (Decimal("999999999999999.999"), True),
            (Decimal("1E-40"), True),
            (Decimal("1E+40"), True),
            (Decimal("1E-41"), False),
            (Decimal("1E+41"), False),
            (Decimal("1" * MAX_DIGITS), True),
            (Decimal("1" * (MAX_DIGITS + 1)), False),
            (10 ** (MAX_DIGITS - 1), True),
            (10**MAX_DIGITS, False),
            (10**100_000, False),
        ],
        ids=range(10),
    )
    def test_the_bound_is_exactly_as_documented(self, value: Decimal | int, ok: bool) -> None:
        """At most 40 significant digits (an integer's are all its digits), an adjusted exponent from
        -40 to 40."""
        assert (number_problem(value) is None) == ok


# ---------------------------------------------------------------------------------------------------
# 2. Ruleset numbers


class TestRulesetNumbers:
    """Every ruleset number is checked by the same bound: one problem line and exit 2."""

    @pytest.mark.parametrize(
        "weight", ["1.0e-999999999", "1.0e+999", "1.0e+999999999", "9" * 5000], ids=short
    )
    def test_weight_out_of_bounds_is_one_problem(self, weight: str, tmp_path: Path) -> None:
        """``rules check`` names the weight's line and exits 2, fast and without a traceback."""
        text = RULES.read_text(encoding="utf-8").replace("weight: 40", f"weight: {weight}", 1)
        path = tmp_path / "r.yaml"
        path.write_text(text, encoding="utf-8")
        result = invoke("rules", "check", path)
        assert_clean(result, (2,))
        problems = [line for line in result.stderr.splitlines() if line.startswith("  ")]
        assert len(problems) == 1 and "/weight: the number" in problems[0] and "out of bounds" in problems[0]
        assert len(result.stderr) < 2000

    def test_precision_out_of_range_is_a_problem_not_a_crash(self, tmp_path: Path) -> None:
        """precision: 27 is over the schema's 10: a problem line, exit 2."""
        path = tmp_path / "r.yaml"
        path.write_text(RULES.read_text(encoding="utf-8").replace("precision: 2", "precision: 27", 1))
        result = invoke("rules", "check", path)
        assert_clean(result, (2,))
        assert "/precision" in result.stderr and "at most 10" in result.stderr

    def test_json_ruleset_with_a_huge_integer_is_one_problem(self, tmp_path: Path) -> None:
        """A JSON ruleset's 5,000-digit integer is the same problem as in YAML."""
        document = json.loads(load_ruleset(RULES).canonical_json)
        text = json.dumps(document).replace('"weight": 40', f'"weight": {"9" * 5000}', 1)
        path = tmp_path / "r.json"
        path.write_text(text, encoding="utf-8")
        result = invoke("rules", "check", path)
        assert_clean(result, (2,))
        assert "5,000 digits" in result.stderr


# ---------------------------------------------------------------------------------------------------
# 3. Unicode


class TestUnicode:
    """Text that is not valid Unicode is rejected where it is read, so every writer can write the rest."""

    @pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx", ".parquet"])
    def test_lone_surrogate_in_a_name_is_rejected_and_every_writer_works(
        self, suffix: str, tmp_path: Path
    ) -> None:
        """The bid is rejected; the sheet, with that rejection, is written in every format."""
        hostile = bid("B-1", supplier={"id": "S-1", "name": "\ud800"})
        source = tmp_path / "t.ndjson"
        source.write_bytes(line(hostile, bid("B-2")))
        result = invoke("score", source, "--out", tmp_path / f"sheet{suffix}")
        assert_clean(result, (1,))
        assert "lone surrogate" in result.output
        assert (tmp_path / f"sheet{suffix}").stat().st_size > 0

    def test_lone_surrogate_in_a_key_rejects_its_bid_only(self) -> None:
        """A key the validator cannot take rejects its bid; the batch's other bids are scored."""
        text = line(bid("B-1", quality={"@k": 5}), bid("B-2")).replace(b'"@k"', b'"\\udc00"')
        batch = read_bids([InputBytes("t.ndjson", text)])
        assert (batch.valid, batch.rejected) == (1, 1)
        assert batch.rejections[0].path == "/bids/0/quality"

    def test_file_name_that_is_not_utf8_is_refused(self, tmp_path: Path) -> None:
        """An input named by bytes that are not UTF-8 is a usage error naming it, escaped."""
        name = os.fsdecode(os.fsencode(str(tmp_path)) + b"/bad\xff.ndjson")
        Path(name).write_bytes(line(bid()))
        result = invoke("score", name, "--out", tmp_path / "s.json")
        assert_clean(result, (2,))
        assert "not valid UTF-8" in result.stderr and "\\xff" in result.stderr


# ---------------------------------------------------------------------------------------------------
# 4. Memory and sizes


class TestSizes:
    """Nothing an input holds makes a run use memory or output out of proportion to the input."""

    def test_over_long_line_is_rejected_while_reading(self, tmp_path: Path) -> None:
        """A 100 MB line is rejected with its length in a process limited to 1 GiB of address space."""
        source = tmp_path / "long.ndjson"
        long_line = b'{"tender": {"id": "T"}, "bids": ["' + b"x" * (100 * 2**20) + b'"]}\n'
        source.write_bytes(long_line + line(bid()))
        done = limited(["validate", str(source)], memory=2**30)
        assert done.returncode == 1, done.stderr
        assert f"{len(long_line):,} bytes long, over the limit" in done.stdout

    def test_a_link_to_dev_zero_is_refused(self, tmp_path: Path) -> None:
        """A path that is a device, not a file, is refused at once (directly and inside a folder)."""
        (tmp_path / "zero.ndjson").symlink_to("/dev/zero")
        for target in (tmp_path / "zero.ndjson", tmp_path):
            result = invoke("validate", target)
            assert_clean(result, (2,))
            assert "is a device, not a regular file" in result.stderr

    def test_tender_over_the_bid_limit_is_rejected_once(self) -> None:
        """A megabyte of empty bids is one rejection, counted as all its bids, not four per bid."""
        data = b'{"tender": {"id": "T-1"}, "bids": [' + b",".join([b"{}"] * 300_000) + b"]}\n"
        batch = read_bids([InputBytes("t.ndjson", data)])
        assert len(batch.rejections) == 1
        assert (batch.read, batch.rejected, batch.valid) == (300_000, 300_000, 0)
        assert "over the limit of 1,000" in batch.rejections[0].reason

    def test_long_invalid_id_is_cut_in_every_rejection(self) -> None:
        """A 100 KB id is named by its first 100 characters, so rejections stay small."""
        hostile = {"id": "x" * 100_000, "extra": 1}
        batch = read_bids([InputBytes("t.ndjson", line(hostile))])
        assert batch.rejections
        for rejection in batch.rejections:
            assert rejection.bid_id is not None and len(rejection.bid_id) < 200
            assert len(rejection.reason) < 1200 and len(rejection.path) < 1200


# ---------------------------------------------------------------------------------------------------
# 7. Terminal


class TestTerminal:
    """Input text reaches a terminal with its control characters escaped."""

    def test_winner_name_cannot_fake_or_hide_a_line(self, tmp_path: Path) -> None:
        """A carriage return and ANSI escapes in the winner's name are printed as escapes."""
        name = "Acme\r  winner     B-9 Fake Ltd (99.00)\x1b[8m"
        source = tmp_path / "t.ndjson"
        source.write_bytes(line(bid("B-1", supplier={"id": "S-1", "name": name})))
        result = invoke("score", source, "--out", tmp_path / "s.json")
        assert_clean(result, (0,))
        assert "\r" not in result.output and "\x1b" not in result.output
        assert "Acme\\r  winner" in result.output

    def test_validate_prints_invalid_ids_escaped(self, tmp_path: Path) -> None:
        """An invalid bid id with an escape sequence and a line break is shown escaped, on one line."""
        source = tmp_path / "t.ndjson"
        source.write_bytes(line(bid("bad\x1b[31m\nfake: line")))
        result = invoke("validate", source)
        assert_clean(result, (1,))
        assert "\x1b" not in result.output and "bid bad\\x1b[31m\\nfake: line at /bids/0/id" in result.output

    def test_printable_escapes_bidi_overrides_and_surrogates(self) -> None:
        """Right-to-left overrides and lone surrogates are escaped as well."""
        assert printable("a\u202eb\ud800") == "a\\u202eb\\ud800"


# ---------------------------------------------------------------------------------------------------
# The property: any hostile value, anywhere, ends in bounded time and memory with 0, 1 or 2


def limited(args: list[str], memory: int = 2**30, cpu: int = 60) -> subprocess.CompletedProcess[str]:
    """``supplierscore ARGS`` in a process limited in address space and CPU seconds, with a timeout."""

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))

    return subprocess.run(
        [sys.executable, "-m", "supplierscore", *args],
        preexec_fn=limits,
        capture_output=True,
        text=True,
        timeout=2 * cpu,
        check=False,
    )


hostile_numbers = st.one_of(
    st.sampled_from(BOMBS),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-(10**9), 10**9), st.integers(-(10**10), 10**10)),
    st.integers(1, 6000).map(lambda n: "7" * n),
    st.builds(lambda n: "0." + "0" * n + "1", st.integers(0, 5000)),
)
hostile_strings = st.one_of(
    st.sampled_from(["\ud800", "\udfff", "\x1b[2J", "\r\n", "\u202e", "=cmd|' /C calc'!A0", "x" * 100_000]),
    st.text(max_size=30),
)
BID_NUMBER_FIELDS = [
    ("quality", "technical"),
    ("ownership", "immigrant"),
    ("workforce", "employees"),
    ("workforce", "lowest_hourly_wage"),
    ("price", "amount"),
]
BID_TEXT_FIELDS = [("supplier", "name"), ("supplier", "id"), ("id", None), ("quality", "@key")]
RULESET_NUMBERS = ["weight: 40", "precision: 2", "at_least: 25", "self_declared: 0.5", "to: 0.3"]


@st.composite
def hostile_runs(draw: st.DrawFn) -> tuple[bytes, str]:
    """A batch with one hostile value in a bid, and the bundled ruleset with maybe one hostile number."""
    hostile = bid("B-1", quality={"technical": 50}, workforce={"employees": 4})
    if draw(st.booleans()):
        section, name = draw(st.sampled_from(BID_NUMBER_FIELDS))
        hostile.setdefault(section, {})[name] = "@n"
        data = line(hostile, bid("B-2"), raw={"n": draw(hostile_numbers)})
    else:
        section, name = draw(st.sampled_from(BID_TEXT_FIELDS))
        text = draw(hostile_strings)
        if name is None:
            hostile[section] = text
        elif name == "@key":
            hostile[section] = {text: 5}
        else:
            hostile[section][name] = text
        data = line(hostile, bid("B-2"))
    rules = RULES.read_text(encoding="utf-8")
    if draw(st.booleans()):
        setting = draw(st.sampled_from(RULESET_NUMBERS))
        key = setting.split(":")[0]
        rules = rules.replace(setting, f"{key}: {draw(hostile_numbers)}", 1)
    return data, rules


@settings(max_examples=16, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(run=hostile_runs())
def test_any_hostile_value_ends_in_bounded_time_and_memory(run: tuple[bytes, str], tmp_path: Path) -> None:
    """Under 1 GiB and 60 CPU seconds, ``score`` exits 0, 1 or 2 and never prints a traceback."""
    data, rules = run
    source, ruleset_path = tmp_path / "bids.ndjson", tmp_path / "rules.yaml"
    source.write_bytes(data)
    ruleset_path.write_text(rules, encoding="utf-8")
    done = limited(["score", str(source), "--rules", str(ruleset_path), "--out", str(tmp_path / "s.csv")])
    assert done.returncode in (0, 1, 2), done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout
