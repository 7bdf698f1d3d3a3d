"""The benchmark's verdicts (benchmarks/targets.py): issue 17's table is judged by a pure function of the
figures, so that each row can come out MET, MISSED or UNKNOWN as its figures say, and a bound from a
stopped run never proves more than it can. Nothing here times anything."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import targets
from targets import MET, MISSED, UNKNOWN, Figures, check, every, rows, within


def all_met() -> Figures:
    """A run that meets every must and every target."""
    return Figures(
        bids=1_000_000,
        cli_seconds=8.0,
        naive_seconds=26.0,
        naive_agrees=True,
        floor_seconds=2.8,
        p50_ms=0.9,
        p99_ms=2.5,
        rss_memory_gib=1.5,
        rss_streamed_gib=0.4,
        streamed_seconds=8.0,
        big_bids=10_000_000,
        big_seconds=85.0,
        big_rss_gib=0.45,
        read_seconds=10.0,
        bare_seconds=5.5,
        startup_before={"--help": 1.5, "score": 1.9},
        startup_after={"--help": 0.2, "score": 0.6},
        unused_imports={"--help": [], "score": []},
    )


def verdicts(figures: Figures) -> dict[str, tuple[str, str]]:
    return {row.number: (row.must_verdict, row.target_verdict) for row in rows(figures)}


def test_a_run_that_meets_everything_is_all_met() -> None:
    found = verdicts(all_met())
    assert found.pop("1s") == ("–", MET)
    assert set(found) == {"1", "2", "3", "4", "5", "6"}
    assert all(v == (MET, MET) for v in found.values()), found


@pytest.mark.parametrize(
    ("change", "row", "expected"),
    [
        ({"cli_seconds": 20.0}, "1", (MET, MISSED)),  # 1.3× faster: faster, not 2.5×
        ({"cli_seconds": 26.0}, "1", (MISSED, MISSED)),  # as fast is not faster
        ({"cli_seconds": 9.0}, "1s", ("–", MISSED)),  # 3.2× the floor
        ({"naive_agrees": False}, "1", (UNKNOWN, UNKNOWN)),  # the ratio is refused
        ({"naive_agrees": None}, "1", (UNKNOWN, UNKNOWN)),
        ({"naive_seconds": None}, "1", (UNKNOWN, UNKNOWN)),
        ({"p50_ms": 1.5}, "2", (MET, MISSED)),
        ({"p99_ms": 5.5}, "2", (MISSED, MISSED)),
        ({"p99_ms": None}, "2", (UNKNOWN, UNKNOWN)),
        ({"rss_memory_gib": 3.0}, "3", (MET, MISSED)),
        ({"rss_streamed_gib": 1.2, "big_rss_gib": 1.3}, "3", (MISSED, MISSED)),
        ({"rss_memory_gib": 16.0, "rss_memory_bound": "lower"}, "3", (MISSED, MISSED)),  # stopped at a cap
        ({"rss_memory_gib": 1.0, "rss_memory_bound": "lower"}, "3", (UNKNOWN, UNKNOWN)),  # stopped early
        ({"big_rss_gib": 0.6}, "4", (MISSED, MISSED)),  # +50 % RSS
        ({"big_seconds": 120.0}, "4", (MISSED, MISSED)),  # 12 against 8 µs a bid: not linear
        ({"big_seconds": 90.0, "big_rss_gib": 0.34}, "4", (MET, MET)),  # +12.5 %, −15 %
        ({"big_bids": None}, "4", (UNKNOWN, UNKNOWN)),
        ({"read_seconds": 20.0}, "5", (MET, MISSED)),  # 2.4×
        ({"read_seconds": 30.0}, "5", (MISSED, MISSED)),  # 3.6×
        ({"bare_seconds": None}, "5", (UNKNOWN, UNKNOWN)),
        ({"startup_before": None}, "6", (UNKNOWN, MET)),
        ({"unused_imports": {"--help": ["polars"], "score": []}}, "6", (MET, MISSED)),
        ({"unused_imports": None}, "6", (MET, UNKNOWN)),
    ],
)
def test_each_row_follows_its_figures(change: dict[str, object], row: str, expected: tuple[str, str]) -> None:
    assert verdicts(replace(all_met(), **change))[row] == expected


def test_a_cli_run_stopped_by_the_watchdog_can_only_prove_a_miss() -> None:
    """Stopped after 30 s, the run took at least 30 s: at most 0.87× faster than the naive 26 s."""
    assert verdicts(replace(all_met(), cli_seconds=30.0, cli_bound="lower"))["1"] == (MISSED, MISSED)
    assert verdicts(replace(all_met(), cli_seconds=5.0, cli_bound="lower"))["1"] == (UNKNOWN, UNKNOWN)


def test_an_unknown_row_says_why() -> None:
    figures = replace(all_met(), big_bids=None, why={"big_bids": "pass --stream-point 10000000"})
    big = next(row for row in rows(figures) if row.number == "4")
    assert "pass --stream-point 10000000" in big.measured


def test_a_missed_import_check_names_what_was_loaded() -> None:
    figures = replace(all_met(), unused_imports={"--help": ["polars", "babel"], "score": []})
    startup = next(row for row in rows(figures) if row.number == "6")
    assert "--help loads polars, babel" in startup.measured


def test_forbidden_modules_are_found_by_their_top_level_package() -> None:
    loaded = ["os", "polars.io.parquet", "supplierscore.cli", "babel_like", "pycountry"]
    assert targets.forbidden_loaded(loaded, targets.HELP_MUST_NOT_LOAD) == ["polars", "pycountry"]


values = st.floats(min_value=0.001, max_value=1e6, allow_nan=False)


@given(values, values)
def test_check_is_exact_on_both_sides(value: float, limit: float) -> None:
    assert (check(value, limit, "<=") == MET) == (value <= limit)
    assert (check(value, limit, ">=") == MET) == (value >= limit)
    assert check(value, limit, "<=") in (MET, MISSED)


@given(values, values)
def test_a_lower_bound_never_proves_an_at_most_limit_met(value: float, limit: float) -> None:
    verdict = check(value, limit, "<=", "lower")
    assert verdict != MET
    assert (verdict == MISSED) == (value > limit)


@given(values, values)
def test_an_upper_bound_never_proves_an_at_least_limit_met(value: float, limit: float) -> None:
    verdict = check(value, limit, ">=", "upper")
    assert verdict != MET
    assert (verdict == MISSED) == (value < limit)


@given(st.lists(st.sampled_from([MET, MISSED, UNKNOWN]), min_size=1, max_size=4))
def test_every_is_met_only_when_all_are_and_missed_when_any_is(found: list[str]) -> None:
    combined = every(*found)
    assert (combined == MET) == all(v == MET for v in found)
    assert (combined == MISSED) == (MISSED in found)


def test_within_is_plus_or_minus_twenty_percent() -> None:
    assert within(1.2, 1.0) == MET and within(0.8, 1.0) == MET
    assert within(1.21, 1.0) == MISSED and within(0.79, 1.0) == MISSED
    assert within(None, 1.0) == UNKNOWN and within(1.0, None) == UNKNOWN
