"""One criterion for one bid: its input, the evidence factor, the exact fraction and the rounded points."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from supplierscore import ruleset as rs
from supplierscore.engine._methods import (
    ONE,
    ZERO,
    CompiledCriterion,
    Outcome,
    PriceContext,
    Ratio,
    div,
    fraction_text,
    mul,
    ratio,
    show,
)
from supplierscore.engine._values import MISSING, resolve, round_points
from supplierscore.sheet import BreakdownRow, Exact

# ---------------------------------------------------------------------------------------------------
# Criteria and evidence


@dataclass(frozen=True, slots=True)
class Evidence:
    """The evidence factor for one criterion and bid, and what it rests on."""

    status: str  # none | certified | self-declared | expired | not-yet-valid
    factor: Ratio
    reason: str


NO_EVIDENCE_RULE = Evidence("none", ONE, "")


def evidence_for(compiled: CompiledCriterion, bid: Mapping[str, Any], closing: str | None) -> Evidence:
    """The factor a certificate (or its absence) earns: 1 if a listed issuer's certificate covering the
    group is valid on the closing date, else the rule's self-declared factor, saying which case applies.
    """
    rule = compiled.criterion.evidence
    if rule is None:
        return NO_EVIDENCE_RULE
    self_declared = compiled.self_declared
    relevant = [
        c
        for c in bid.get("certifications", ())
        if c["issuer"].casefold() in compiled.issuers and rule.covers in c["covers"]
    ]
    if not relevant:
        return Evidence("self-declared", self_declared, f"self-declared factor {rule.self_declared}")
    timely = [c for c in relevant if _valid_on(c, closing) == "valid"]
    if timely:
        best = sorted(timely, key=lambda c: (c["issuer"], c.get("id", "")))[0]
        until = f", valid until {best['valid_until']}" if "valid_until" in best else ""
        return Evidence("certified", ONE, f"certified by {best['issuer']}{until}")
    certificate = sorted(relevant, key=lambda c: (c["issuer"], c.get("id", "")))[0]
    state = _valid_on(certificate, closing)
    when = (
        f"expired on {certificate['valid_until']}, before the closing date {closing}"
        if state == "expired"
        else f"valid only from {certificate['valid_from']}, after the closing date {closing}"
    )
    return Evidence(
        state,
        self_declared,
        f"{certificate['issuer']} certificate {when}: counts as self-declared, factor {rule.self_declared}",
    )


def _valid_on(certificate: Mapping[str, Any], closing: str | None) -> str:
    """'valid', 'expired' or 'not-yet-valid' on the closing date (ISO dates compare as text)."""
    if closing is None:
        return "valid"
    if "valid_from" in certificate and certificate["valid_from"] > closing:
        return "not-yet-valid"
    if "valid_until" in certificate and certificate["valid_until"] < closing:
        return "expired"
    return "valid"


def _input(compiled: CompiledCriterion, bid: Mapping[str, Any], header: Mapping[str, Any]) -> tuple[Any, str]:
    """The criterion's input (a Ratio for numeric methods, MISSING, or a ZeroDenominator) and its text."""
    kind = compiled.kind
    if kind == "share":
        top, bottom = (resolve(p, bid, header) for p in compiled.inputs)
        if top is MISSING or bottom is MISSING:
            return MISSING, ""
        text = f"{show(top)}/{show(bottom)}"
        if ratio(bottom)[0] == 0:
            return ZeroDenominator(text), text
        return div(ratio(top), ratio(bottom)), text
    value = resolve(compiled.inputs[0], bid, header)
    if value is MISSING:
        return value, ""
    if kind == "count":
        return value, str(len(value))
    return (ratio(value) if compiled.numeric else value), show(value)


@dataclass(frozen=True, slots=True)
class ZeroDenominator:
    """A share whose denominator is 0 (no employees, say): fraction 0, and the breakdown says why."""

    text: str


def _describe_missing(compiled: CompiledCriterion, value: Any) -> str:
    if isinstance(value, ZeroDenominator):
        return f"share {value.text} has a zero denominator: scores 0"
    return f"no value given for {' / '.join(compiled.inputs)}: scores 0"


def _score_criterion(
    compiled: CompiledCriterion,
    ruleset: rs.Ruleset,
    tender_id: str,
    bid: Mapping[str, Any],
    header: Mapping[str, Any],
    prices: PriceContext,
) -> BreakdownRow:
    """One criterion for one bid: input, fraction, evidence factor, points rounded once, and why."""
    criterion = compiled.criterion
    value, shown = _input(compiled, bid, header)
    if value is MISSING or isinstance(value, ZeroDenominator):
        evidence = NO_EVIDENCE_RULE  # nothing to weigh: a certificate cannot add to zero
        outcome = Outcome(ZERO, _describe_missing(compiled, value))
        shown_input: str | None = None if value is MISSING else shown
    else:
        evidence = evidence_for(compiled, bid, header.get("closing_date"))
        outcome = compiled.scorer(value, prices)
        shown_input = shown
    exact_points = mul(mul(compiled.weight, outcome.fraction), evidence.factor)
    points = round_points(exact_points, ruleset.precision, ruleset.rounding)
    fraction = fraction_text(outcome.fraction)
    reason = f"{outcome.reason} → {fraction} × weight {compiled.weight_text}"
    if evidence.status != "none":
        reason += f" × {evidence.reason}"
    return BreakdownRow(
        tender_id,
        bid["id"],
        criterion.id,
        shown_input,
        Exact(fraction),
        evidence.status,
        Exact(fraction_text(evidence.factor)),
        points,
        reason,
    )
