"""Issue 17's target table as a pure function of the figures ``run.py`` measured.

Kept apart from the measuring so that the verdicts can be tested: every row is MET, MISSED or UNKNOWN
(a figure that could not be measured, with the reason), for its *must* and for its *target*. A figure
from a run the watchdog stopped is a bound, not a value: a lower bound on seconds or RSS can prove a
"≤" limit missed but never met, an upper bound on a speed-up can prove a "≥" limit missed but never met.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MET, MISSED, UNKNOWN, NONE = "MET", "MISSED", "UNKNOWN", "–"
Bound = Literal["exact", "lower", "upper"]  # "lower": the true value is at least the figure shown

HELP_MUST_NOT_LOAD = (
    "polars",
    "jsonschema_rs",
    "ocdsmerge",
    "pycountry",
    "python_calamine",
    "fastapi",
    "uvicorn",
    "cryptography",
    "babel",
)
SCORE_JSON_MUST_NOT_LOAD = ("ocdsmerge", "pycountry", "python_calamine", "fastapi", "cryptography", "babel")
LINEAR_TOLERANCE = 0.20  # "within ± 20 %", for the 10 M run's RSS and seconds per bid


@dataclass
class Figures:
    """What one run measured (None: not measured; ``why`` says why, keyed by the field's name)."""

    bids: int
    # 1: whole-process `supplierscore score FILE --out x.parquet` against the naive script and orjson
    cli_seconds: float | None = None
    cli_bound: Bound = "exact"
    naive_seconds: float | None = None
    naive_agrees: bool | None = None  # every eligible bid's total and rank the same; None: not compared
    floor_seconds: float | None = None
    # 2: one 50-bid tender through read_documents + score
    p50_ms: float | None = None
    p99_ms: float | None = None
    # 3: peak RSS, in memory (read_bids + score + Parquet in one process) and streamed (process tree)
    rss_memory_gib: float | None = None
    rss_memory_bound: Bound = "exact"
    rss_streamed_gib: float | None = None
    rss_streamed_bound: Bound = "exact"
    streamed_seconds: float | None = None  # the streamed run whose RSS is rss_streamed_gib
    streamed_source: str = ""  # which run that is (row 1's, or one with --chunk-lines forced)
    # 4: the large streamed point (10 M bids)
    big_bids: int | None = None
    big_seconds: float | None = None
    big_rss_gib: float | None = None
    # 5: read_bids against orjson.loads of every line + bare jsonschema_rs is_valid of every bid
    read_seconds: float | None = None
    bare_seconds: float | None = None
    # 6: start-up, median seconds per command, before (a git ref) and after (this tree)
    startup_before: dict[str, float] | None = None
    startup_after: dict[str, float] | None = None
    unused_imports: dict[str, list[str]] | None = None  # command → forbidden modules it loaded
    why: dict[str, str] = field(default_factory=dict)

    def missing(self, *names: str) -> str:
        """Why the first unmeasured figure of ``names`` is missing."""
        for name in names:
            if getattr(self, name) is None:
                return f"not measured: {self.why.get(name, name + ' missing')}"
        return ""


@dataclass
class Row:
    number: str  # the issue's row ("1", "1s" for row 1's stretch goal, … "6")
    figure: str
    measured: str
    must: str
    must_verdict: str
    target: str
    target_verdict: str


def check(value: float | None, limit: float, op: Literal["<=", ">="], bound: Bound = "exact") -> str:
    """MET / MISSED / UNKNOWN for ``value op limit``; a bound decides only the side it can prove."""
    if value is None:
        return UNKNOWN
    ok = value <= limit if op == "<=" else value >= limit
    if ok:
        proves_met = (
            bound == "exact" or (bound == "upper" and op == "<=") or (bound == "lower" and op == ">=")
        )
        return MET if proves_met else UNKNOWN
    proves_missed = bound == "exact" or (bound == "lower" and op == "<=") or (bound == "upper" and op == ">=")
    return MISSED if proves_missed else UNKNOWN


def every(*verdicts: str) -> str:
    """All MET is MET; any MISSED is MISSED; otherwise UNKNOWN."""
    if MISSED in verdicts:
        return MISSED
    return MET if all(v == MET for v in verdicts) else UNKNOWN


def within(value: float | None, reference: float | None, tolerance: float = LINEAR_TOLERANCE) -> str:
    """Whether ``value`` is within ± tolerance of ``reference``."""
    if value is None or not reference:
        return UNKNOWN
    return MET if abs(value / reference - 1) <= tolerance else MISSED


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _flip(bound: Bound) -> Bound:
    """The bound of 1/x (or of something / x) given the bound of x."""
    return {"exact": "exact", "lower": "upper", "upper": "lower"}[bound]  # type: ignore[return-value]


def _prefix(bound: Bound) -> str:
    return {"exact": "", "lower": "≥ ", "upper": "≤ "}[bound]


def rows(f: Figures) -> list[Row]:
    """The issue's table, one row per figure (row 1's stretch goal on a row of its own)."""
    return [
        _end_to_end(f),
        _stretch(f),
        _latency(f),
        _rss(f),
        _big(f),
        _read_validate(f),
        _startup(f),
    ]


def _end_to_end(f: Figures) -> Row:
    name = f"{f.bids:,} bids end to end, whole process → Parquet, vs naive_decimal.py"
    must, target = "faster than the naive script", "≥ 2.5× faster"
    speedup = _ratio(f.naive_seconds, f.cli_seconds)
    bound = _flip(f.cli_bound)
    if speedup is None:
        why = f.missing("cli_seconds", "naive_seconds")
        return Row("1", name, why, must, UNKNOWN, target, UNKNOWN)
    shown = (
        f"{_prefix(bound)}{speedup:.2f}× faster ({_prefix(f.cli_bound)}{f.cli_seconds:,.1f} s "
        f"vs {f.naive_seconds:,.1f} s)"
    )
    if f.naive_agrees is not True:
        why = "the naive script and the engine disagree" if f.naive_agrees is False else "not compared"
        return Row("1", name, f"{shown}; ratio refused: {why}", must, UNKNOWN, target, UNKNOWN)
    # "faster" is strictly faster: a speed-up of exactly 1 is not faster (and an upper bound ≤ 1 proves it).
    faster = MISSED if speedup <= 1 and bound != "lower" else check(speedup, 1.0, ">=", bound)
    return Row("1", name, shown, must, faster, target, check(speedup, 2.5, ">=", bound))


def _stretch(f: Figures) -> Row:
    name = "stretch: the same run against the orjson parse floor"
    over = _ratio(f.cli_seconds, f.floor_seconds)
    if over is None:
        return Row(
            "1s", name, f.missing("cli_seconds", "floor_seconds"), NONE, NONE, "≤ 3× the floor", UNKNOWN
        )
    shown = f"{_prefix(f.cli_bound)}{over:.1f}× the floor ({f.floor_seconds:,.2f} s)"
    return Row("1s", name, shown, NONE, NONE, "≤ 3× the floor", check(over, 3, "<=", f.cli_bound))


def _latency(f: Figures) -> Row:
    name = "one 50-bid tender, read_documents + score, p50 / p99"
    must, target = "≤ 2 ms / ≤ 5 ms", "≤ 1 ms / ≤ 3 ms"
    if f.p50_ms is None or f.p99_ms is None:
        return Row("2", name, f.missing("p50_ms", "p99_ms"), must, UNKNOWN, target, UNKNOWN)
    return Row(
        "2",
        name,
        f"{f.p50_ms:.3f} ms / {f.p99_ms:.3f} ms",
        must,
        every(check(f.p50_ms, 2, "<="), check(f.p99_ms, 5, "<=")),
        target,
        every(check(f.p50_ms, 1, "<="), check(f.p99_ms, 3, "<=")),
    )


def _gib(value: float | None, bound: Bound) -> str:
    return "not measured" if value is None else f"{_prefix(bound)}{value:.2f} GiB"


def _rss(f: Figures) -> Row:
    name = f"peak RSS at {f.bids:,} bids, in memory / streamed"
    memory, mb = f.rss_memory_gib, f.rss_memory_bound
    streamed, sb = f.rss_streamed_gib, f.rss_streamed_bound
    shown = f"{_gib(memory, mb)} / {_gib(streamed, sb)}"
    if None in (f.rss_memory_gib, f.rss_streamed_gib):
        shown += f" ({f.missing('rss_memory_gib', 'rss_streamed_gib')})"
    if f.streamed_source:
        shown += f"; streamed: {f.streamed_source}"
    return Row(
        "3",
        name,
        shown,
        "≤ 4 GiB / ≤ 1 GiB",
        every(check(memory, 4, "<=", mb), check(streamed, 1, "<=", sb)),
        "≤ 2 GiB / ≤ 0.5 GiB",
        every(check(memory, 2, "<=", mb), check(streamed, 0.5, "<=", sb)),
    )


def _big(f: Figures) -> Row:
    size = f"{f.big_bids:,}" if f.big_bids else "10,000,000"
    name = f"{size} bids streamed, against the {f.bids:,}-bid streamed run"
    must = "peak RSS within ± 20 %, time linear (s/bid within ± 20 %)"
    if None in (f.big_bids, f.big_seconds, f.big_rss_gib, f.rss_streamed_gib, f.streamed_seconds):
        why = f.missing("big_bids", "big_seconds", "big_rss_gib", "rss_streamed_gib", "streamed_seconds")
        return Row("4", name, why, must, UNKNOWN, "same", UNKNOWN)
    assert f.big_bids and f.big_seconds is not None and f.streamed_seconds is not None  # for mypy
    big_rate, small_rate = f.big_seconds / f.big_bids * 1e6, f.streamed_seconds / f.bids * 1e6
    verdict = every(within(f.big_rss_gib, f.rss_streamed_gib), within(big_rate, small_rate))
    if f.rss_streamed_bound != "exact":
        verdict = UNKNOWN if verdict == MET else verdict
    shown = (
        f"RSS {f.big_rss_gib:.2f} vs {f.rss_streamed_gib:.2f} GiB "
        f"({_change(f.big_rss_gib, f.rss_streamed_gib)}); {big_rate:.2f} vs {small_rate:.2f} µs/bid "
        f"({_change(big_rate, small_rate)}); {f.big_seconds:,.1f} s vs {f.streamed_seconds:,.1f} s"
    )
    return Row("4", name, shown, must, verdict, "same", verdict)


def _change(value: float | None, reference: float | None) -> str:
    return "–" if value is None or not reference else f"{value / reference - 1:+.0%}"


def _read_validate(f: Figures) -> Row:
    name = "read + validate (read_bids) vs orjson.loads + bare jsonschema_rs is_valid"
    floor = None if f.floor_seconds is None or f.bare_seconds is None else f.floor_seconds + f.bare_seconds
    over = _ratio(f.read_seconds, floor)
    if over is None or floor is None:
        return Row(
            "5",
            name,
            f.missing("read_seconds", "floor_seconds", "bare_seconds"),
            "≤ 3×",
            UNKNOWN,
            "≤ 1.5×",
            UNKNOWN,
        )
    shown = f"{over:.2f}× ({f.read_seconds:,.2f} s vs {f.floor_seconds:,.2f} + {f.bare_seconds:,.2f} s)"
    return Row("5", name, shown, "≤ 3×", check(over, 3, "<="), "≤ 1.5×", check(over, 1.5, "<="))


def _startup(f: Figures) -> Row:
    name = "start-up: --help and score examples → JSON, whole process, median"
    must, target = "measured before and after", "no command imports what it does not use"
    parts = []
    after, before = f.startup_after or {}, f.startup_before or {}
    for command, seconds in after.items():
        was = before.get(command)
        parts.append(
            f"{command} {seconds * 1000:,.0f} ms" + (f" (before {was * 1000:,.0f} ms)" if was else "")
        )
    measured = MET if after and before and before.keys() == after.keys() else UNKNOWN
    if measured != MET:
        parts.append(
            "before: " + f.why.get("startup_before", "not measured") if after else f.missing("startup_after")
        )
    if f.unused_imports is None:
        imports = UNKNOWN
        parts.append(f.missing("unused_imports"))
    else:
        loaded = {command: names for command, names in f.unused_imports.items() if names}
        imports = MISSED if loaded else MET
        parts += [f"{command} loads {', '.join(names)}" for command, names in loaded.items()]
    return Row("6", name, "; ".join(dict.fromkeys(parts)), must, measured, target, imports)


def forbidden_loaded(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    """The forbidden top-level packages among the imported module names (``polars.io`` counts as polars)."""
    top = {name.split(".", 1)[0] for name in modules}
    return [name for name in forbidden if name in top]
