"""What would change the outcome: a run's analysis, per tender, as the score sheet's ``analysis`` member.

For each tender: the **integrity flags** (:mod:`~supplierscore.engine._flags`), the **robustness** of its
winner (:mod:`~supplierscore.engine._robustness`), and for each bid the **counterfactuals**
(:mod:`~supplierscore.engine._counterfactual`): per criterion, the smallest change of its input that moves
the bid up one rank and the one that makes it first; for an ineligible bid, per failed gate, the change
that passes it (and whether that alone makes the bid eligible, with the rank it would then get).

Nothing here changes a score: the analysis is computed from the same bids and ruleset, and every change
it reports is plain JSON data that :func:`~supplierscore.engine.apply_change` applies to a bid, so anyone
can re-score with it and check.

Example:
    >>> from supplierscore import default_ruleset_path, load_ruleset, read_bids, score
    >>> ruleset = load_ruleset(default_ruleset_path())
    >>> batch = read_bids(["examples/tenders.ndjson"])  # doctest: +SKIP
    >>> sheet = with_analysis(score(batch, ruleset), batch, ruleset)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._counterfactual import TenderState, bid_counterfactuals
from supplierscore.engine._flags import tender_flags
from supplierscore.engine._gates import _number, gate_failure
from supplierscore.engine._levers import _is_integer, apply_change, minor_unit
from supplierscore.engine._methods import compile_ruleset
from supplierscore.engine._robustness import robustness
from supplierscore.engine._tender import _BidResult, score_results
from supplierscore.engine._values import MISSING, resolve
from supplierscore.inputs import Batch, Tender, paused_gc
from supplierscore.sheet import ScoreSheet


def analyse(batch: Batch | Iterable[Tender], ruleset: rs.Ruleset) -> dict[str, Any]:
    """The analysis of every tender in ``batch`` under ``ruleset``, as the sheet's ``analysis`` member."""
    tenders = sorted(batch.tenders if isinstance(batch, Batch) else batch, key=lambda t: t.id)
    rule = ruleset.integrity.abnormally_low if ruleset.integrity is not None else None
    settings = None
    if rule is not None:
        settings = {
            "below_mean_pct": None if rule.below_mean_pct is None else str(rule.below_mean_pct),
            "below_next_pct": None if rule.below_next_pct is None else str(rule.below_next_pct),
        }
    with paused_gc():
        analysed = [analyse_tender(tender, ruleset) for tender in tenders if tender.bids]
    return {"abnormally_low": settings, "tenders": analysed}


def with_analysis(sheet: ScoreSheet, batch: Batch | Iterable[Tender], ruleset: rs.Ruleset) -> ScoreSheet:
    """``sheet`` with the analysis of the bids it was scored from (its rows and figures unchanged)."""
    return dataclasses.replace(sheet, analysis=analyse(batch, ruleset))


def analyse_tender(tender: Tender, ruleset: rs.Ruleset) -> dict[str, Any]:
    """One tender's flags, robustness and counterfactuals (see the module's docstring)."""
    ranked, ineligible, prices = score_results(tender, ruleset)
    state = TenderState(tender, ruleset, compile_ruleset(ruleset), ranked, ineligible, prices)

    def text(value: Decimal) -> str:
        return f"{value:.{ruleset.precision}f}"

    robust = robustness(tender, ruleset, state.plan.criteria, ranked, prices, state.compare)
    bids: list[dict[str, Any]] = []
    for position, result in enumerate(ranked):
        found = bid_counterfactuals(state, position)
        bids.append(
            {
                "bid_id": str(result.bid["id"]),
                "rank": position + 1,
                "counterfactuals": [c.to_dict() for c in found],
                "gates": [],
            }
        )
    for result in ineligible:
        bids.append(
            {
                "bid_id": str(result.bid["id"]),
                "rank": None,
                "counterfactuals": [],
                "gates": _gate_fixes(state, result),
            }
        )
    return {
        "tender_id": tender.id,
        "flags": [f.to_dict() for f in tender_flags(tender, [r.bid for r in ranked], ruleset)],
        "robustness": robust.to_dict(text),
        "bids": bids,
    }


# ---------------------------------------------------------------------------------------------------
# Gates: what makes an ineligible bid eligible


def _gate_fixes(state: TenderState, result: _BidResult) -> list[dict[str, Any]]:
    """For each gate the bid fails, the nearest value that passes it, whether that alone makes the bid
    eligible, and the rank it would then get (the tender scored again with the changed bid)."""
    fixes = []
    header = state.tender.header
    for gate in state.ruleset.gates:
        if gate_failure(gate, result.bid, header) is None:
            continue
        value = _passing_value(gate, result.bid, header)
        change = None if value is None else {"path": gate.field, "value": value}
        alone, rank = False, None
        if change is not None:
            changed = apply_change(result.bid, change)
            if gate_failure(gate, changed, header) is not None:
                change = None  # the nearest value found does not pass (a date, text): say so in words only
            else:
                alone = not any(gate_failure(g, changed, header) for g in state.ruleset.gates)
                rank = _rank_when(state, changed) if alone else None
        fixes.append(
            {
                "gate": gate.id,
                "path": gate.field,
                "op": gate.op,
                "current": _text(resolve(gate.field, result.bid, header)),
                "change": change,
                "eligible_alone": alone,
                "rank": rank,
            }
        )
    return fixes


def _text(value: Any) -> str | None:
    if value is MISSING:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rank_when(state: TenderState, changed: dict[str, Any]) -> int | None:
    bids = [changed if b["id"] == changed["id"] else b for b in state.tender.bids]
    ranked, _, _ = score_results(dataclasses.replace(state.tender, bids=bids), state.ruleset)
    return next((n for n, r in enumerate(ranked, start=1) if r.bid["id"] == changed["id"]), None)


def _passing_value(gate: rs.Gate, bid: Mapping[str, Any], header: Mapping[str, Any]) -> Any:
    """The value of ``gate.field`` nearest the bid's that passes the gate, as JSON data; None when there
    is no such single value (``present``, a date, a missing reference)."""
    if gate.op == "in":
        options = list(gate.value or [])
        return _json(options[0]) if options else None
    if gate.op in ("present", "!="):
        return None
    target = resolve(gate.ref, bid, header) if gate.ref is not None else gate.value
    number = _number(target) if target is not MISSING else None
    if number is None:
        return _json(target) if gate.op == "==" and target is not MISSING else None
    if gate.field == rs.PRICE_FIELD:
        unit = minor_unit(str(bid["price"]["currency"]))
    elif _is_integer(gate.field):
        unit = Decimal(1)
    else:
        current = _number(resolve(gate.field, bid, header)) or Decimal(0)
        places = max(-min(number.as_tuple().exponent, current.as_tuple().exponent, 0), 0)  # type: ignore[operator]
        unit = Decimal(1).scaleb(-places)
    steps = number / unit
    whole = steps.to_integral_value(rounding="ROUND_FLOOR")
    if gate.op == "<=" or gate.op == "==":
        value = whole * unit
    elif gate.op == "<":
        value = (whole - 1 if whole == steps else whole) * unit
    elif gate.op == ">=":
        value = steps.to_integral_value(rounding="ROUND_CEILING") * unit
    else:  # >
        value = (whole + 1) * unit
    if value <= 0 and gate.field == rs.PRICE_FIELD:
        return None
    if gate.field == rs.PRICE_FIELD:
        return str(value.quantize(unit) if unit < 1 else value.quantize(Decimal(1)))
    return str(int(value)) if unit >= 1 else str(value)


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value
