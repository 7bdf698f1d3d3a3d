"""Scoring and ranking: valid bids plus a ruleset in, a :class:`~supplierscore.sheet.ScoreSheet` out.

For each tender: the **gates** decide which bids are eligible (an ineligible bid gets its reasons and no
points, and takes no part in the lowest price); each **criterion** maps its input to an exact fraction
(:mod:`supplierscore.engine._methods`), times the **evidence** factor; then points are rounded once.

Why the arithmetic is exact: every input is a decimal (``Decimal``, int or decimal string), so every
fraction, factor and weight is a rational number, carried as a pair of unbounded Python integers
(:data:`~supplierscore.engine._methods.Ratio`), so ``weight × fraction × factor`` has no error at all, however
long its decimal expansion. Only then is it rounded, once, by integer arithmetic on numerator and
denominator (:func:`round_points`), in the ruleset's mode. Totals and group subtotals are sums of the
rounded points, so a sheet always adds up as printed.

Under a ruleset with a ``participation`` block, each bid's subcontracts are first counted into
``participation.<group>`` (:mod:`supplierscore.engine._participation`, after 49 CFR 26.55), which gates and
criteria read like any field and every row reports.

Ranking inside a tender is a total order: total (high first), the ruleset's tie-breakers, then bid id by
code point; input order never matters.

:func:`analyse` says what would change the outcome (counterfactuals per bid, the winner's robustness to
the weights, integrity flags) without changing any score: see :mod:`supplierscore.engine._analysis`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from supplierscore import _lazy

if TYPE_CHECKING:
    from supplierscore.engine._analysis import analyse, analyse_tender, with_analysis
    from supplierscore.engine._criteria import Evidence, evidence_for
    from supplierscore.engine._flags import Flag
    from supplierscore.engine._gates import gate_failure
    from supplierscore.engine._levers import apply_change
    from supplierscore.engine._run import metadata_for, score, source_date
    from supplierscore.engine._stream import StreamOutcome, score_stream
    from supplierscore.engine._tender import score_tender
    from supplierscore.engine._values import MISSING, resolve, round_points

DEFAULT_CHUNK_LINES = 500
"""Lines (tenders) read and scored at a time when streaming: about 15,000 bids, about 400 MiB per worker
(measured: 1,000,000 bids on two workers peak at 0.95 GiB in all, against 1.1 GiB with 1,000 lines).
Defined here, not in ``_stream``, so that ``supplierscore score --help`` can show it without loading the
streaming machinery."""

__all__ = [
    "DEFAULT_CHUNK_LINES",
    "MISSING",
    "Evidence",
    "Flag",
    "StreamOutcome",
    "analyse",
    "analyse_tender",
    "apply_change",
    "evidence_for",
    "gate_failure",
    "metadata_for",
    "resolve",
    "round_points",
    "score",
    "score_stream",
    "score_tender",
    "source_date",
    "with_analysis",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = _lazy(
        __name__,
        {
            "supplierscore.engine._analysis": (
                "analyse",
                "analyse_tender",
                "with_analysis",
            ),
            "supplierscore.engine._criteria": (
                "Evidence",
                "evidence_for",
            ),
            "supplierscore.engine._flags": ("Flag",),
            "supplierscore.engine._gates": ("gate_failure",),
            "supplierscore.engine._levers": ("apply_change",),
            "supplierscore.engine._run": (
                "metadata_for",
                "score",
                "source_date",
            ),
            "supplierscore.engine._stream": (
                "StreamOutcome",
                "score_stream",
            ),
            "supplierscore.engine._tender": ("score_tender",),
            "supplierscore.engine._values": (
                "MISSING",
                "resolve",
                "round_points",
            ),
        },
    )
