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

Ranking inside a tender is a total order: total (high first), the ruleset's tie-breakers, then bid id by
code point; input order never matters.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from supplierscore import __version__
from supplierscore import ruleset as rs
from supplierscore.inputs import Batch, FileSummary, Rejection, Tender, paused_gc
from supplierscore.engine._methods import (
    ONE,
    ZERO,
    CompiledCriterion,
    Outcome,
    PriceContext,
    Ratio,
    compile_ruleset,
    div,
    fraction_text,
    mul,
    ratio,
    show,
)
from supplierscore.sheet import BreakdownRow, Counts, Metadata, Row, ScoreSheet


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""A field the bid (or tender) does not give; JSON null is never valid input, so this is distinct."""


def round_points(value: Ratio, precision: int, rounding: rs.Rounding) -> Decimal:
    """``value`` (numerator, positive denominator) rounded once to ``precision`` decimals, exactly.

    Points are never negative, so half-up is the spreadsheet's ROUND (half away from zero).

    >>> round_points((100, 8), 1, "half_up"), round_points((125, 10), 0, "half_even")
    (Decimal('12.5'), Decimal('12'))
    """
    numerator, denominator = value
    whole, rest = divmod(numerator * 10**precision, denominator)
    twice = 2 * rest
    if twice > denominator or (twice == denominator and (rounding == "half_up" or whole % 2 == 1)):
        whole += 1
    return Decimal(whole).scaleb(-precision)


def resolve(path: str, bid: Mapping[str, Any], header: Mapping[str, Any]) -> Any:
    """The value at a dotted ``path`` in the bid, or in the tender header for ``tender.*``; else MISSING.

    Validated input is plain JSON data, so objects are ``dict`` (checked by type: an ABC check costs
    ten times as much on this hot path).
    """
    node: Any = bid
    parts = _split(path)
    if parts[0] == "tender":
        node, parts = header, parts[1:]
    for part in parts:
        if type(node) is not dict or part not in node:
            return MISSING
        node = node[part]
    return node


@functools.lru_cache(maxsize=1024)
def _split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


# ---------------------------------------------------------------------------------------------------
# Gates


def _number(value: Any) -> Decimal | None:
    """A number or decimal string as an exact Decimal (comparisons of Decimals never round), else None."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _comparable(value: Any) -> Any:
    """Numbers and decimal strings as exact numbers, dates as dates, date-times as instants, else as
    given (MISSING and booleans included): how gates compare values and tie-breakers order them."""
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, str):
        moment = _instant(value)
        if moment is not None:
            return moment
    return value


def _instant(text: str) -> date | datetime | None:
    """A date, or a date-time with an offset as a UTC instant; None for anything else. A date-time
    without an offset is not an instant (reading it as local time would differ from machine to machine)."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment.astimezone(UTC)


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, bool) != isinstance(right, bool):  # true is not 1: never equal, never ordered
        return op == "!="
    a, b = _comparable(left), _comparable(right)
    if isinstance(a, datetime) and isinstance(b, date) and not isinstance(b, datetime):
        a = a.date()
    if isinstance(b, datetime) and isinstance(a, date) and not isinstance(a, datetime):
        b = b.date()
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    try:
        result = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        return False
    return bool(result)


def gate_failure(gate: rs.Gate, bid: Mapping[str, Any], header: Mapping[str, Any]) -> str | None:
    """Why ``bid`` fails ``gate``, or None when it passes.

    A missing field fails every gate; a missing ``ref`` (a tender with no budget, say) means the gate
    does not apply, since there is nothing to hold the bid to.
    """
    value = resolve(gate.field, bid, header)
    if gate.op == "present":
        return None if value is not MISSING else _gate_text(gate, f"{gate.field} is not given")
    if value is MISSING:
        return _gate_text(gate, f"{gate.field} is not given")
    if gate.op == "in":
        allowed = list(gate.value or [])
        if any(_compare("==", value, option) for option in allowed):
            return None
        listed = ", ".join(show(option) for option in allowed)
        return _gate_text(gate, f"{gate.field} {show(value)} is not one of {listed}")
    if gate.ref is not None:
        target = resolve(gate.ref, bid, header)
        if target is MISSING:
            return None
        name = f"{gate.ref} {show(target)}"
    else:
        target = gate.value
        name = show(target)
    if _compare(gate.op, value, target):
        return None
    return _gate_text(gate, f"{gate.field} {show(value)} is not {gate.op} {name}")


def _gate_text(gate: rs.Gate, detail: str) -> str:
    return f"{gate.id}: {gate.reason + ' (' + detail + ')' if gate.reason else detail}"


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
        f"expired {certificate['valid_until']}"
        if state == "expired"
        else f"not valid until {certificate['valid_from']}"
    )
    return Evidence(
        state,
        self_declared,
        f"{certificate['issuer']} certificate {when}, before the closing date {closing}: "
        f"counts as self-declared, factor {rule.self_declared}",
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
        return value, f"{len(value)} {compiled.inputs[0]}"
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
    evidence = evidence_for(compiled, bid, header.get("closing_date"))
    if value is MISSING or isinstance(value, ZeroDenominator):
        outcome = Outcome(ZERO, _describe_missing(compiled, value))
        shown_input: str | None = None if value is MISSING else shown
    else:
        outcome = compiled.scorer(value, prices)
        shown_input = shown
    exact_points = mul(mul(compiled.weight, outcome.fraction), evidence.factor)
    points = round_points(exact_points, ruleset.precision, ruleset.rounding)
    fraction = fraction_text(outcome.fraction)
    reason = f"{outcome.reason} → {fraction} × weight {compiled.weight_text}"
    if evidence.status != "none" and shown_input is not None:
        reason += f" × {evidence.reason}"
    return BreakdownRow(
        tender_id,
        bid["id"],
        criterion.id,
        shown_input,
        fraction,
        evidence.status,
        fraction_text(evidence.factor),
        points,
        reason,
    )


# ---------------------------------------------------------------------------------------------------
# A tender


@dataclass(slots=True)
class _BidResult:
    bid: Mapping[str, Any]
    reasons: list[str]
    points: dict[str, Decimal]
    groups: dict[str, Decimal]
    breakdown: list[BreakdownRow]

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def total(self) -> Decimal:
        return sum(self.points.values(), Decimal(0))


def score_tender(tender: Tender, ruleset: rs.Ruleset) -> tuple[list[Row], list[BreakdownRow]]:
    """Score and rank one tender's valid bids; rows come in rank order, then ineligible bids by id."""
    plan = compile_ruleset(ruleset)
    header = tender.header
    results = [
        _BidResult(bid, [r for g in ruleset.gates if (r := gate_failure(g, bid, header))], {}, {}, [])
        for bid in tender.bids
    ]
    eligible = [r for r in results if r.eligible]
    # Equal prices written differently ("96200.00", 96200) print the same whatever the bids' order.
    prices_given = (Decimal(r.bid["price"]["amount"]) for r in eligible)
    lowest = min(prices_given, key=lambda price: (price, str(price)), default=None)
    prices = PriceContext(None, "") if lowest is None else PriceContext(ratio(lowest), str(lowest))
    for result in eligible:
        for compiled in plan.criteria:
            line = _score_criterion(compiled, ruleset, tender.id, result.bid, header, prices)
            result.points[compiled.criterion.id] = line.points
            result.breakdown.append(line)
        for criterion in ruleset.criteria:
            subtotal = result.groups.get(criterion.group, Decimal(0))
            result.groups[criterion.group] = subtotal + result.points[criterion.id]
    ranked = sorted(eligible, key=functools.cmp_to_key(_ranking(ruleset)))
    ineligible = sorted((r for r in results if not r.eligible), key=lambda r: str(r.bid["id"]))
    rows = [_row(tender.id, rank, r) for rank, r in enumerate(ranked, start=1)]
    rows += [_row(tender.id, None, r) for r in ineligible]
    breakdown = [line for r in ranked for line in r.breakdown]
    return rows, breakdown


def _row(tender_id: str, rank: int | None, result: _BidResult) -> Row:
    supplier = result.bid["supplier"]
    return Row(
        tender_id=tender_id,
        rank=rank,
        bid_id=result.bid["id"],
        supplier_id=supplier["id"],
        supplier_name=supplier["name"],
        eligible=result.eligible,
        reasons=tuple(result.reasons),
        total=result.total if result.eligible else None,
        points=result.points,
        groups=result.groups,
    )


def _ranking(ruleset: rs.Ruleset) -> Any:
    """A comparison of two eligible results: total desc, tie-breakers, then bid id by code point."""

    def compare(a: _BidResult, b: _BidResult) -> int:
        order = _cmp(b.total, a.total)
        for breaker in ruleset.ranking.tie_breakers:
            if order:
                return order
            order = _cmp_breaker(breaker, a, b)
        return order or _cmp(str(a.bid["id"]), str(b.bid["id"]))

    return compare


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def _cmp_breaker(breaker: rs.TieBreaker, a: _BidResult, b: _BidResult) -> int:
    """Compare two results on one tie-breaker; a missing value always sorts last."""
    if breaker.group is not None:
        left: Any = a.groups.get(breaker.group, Decimal(0))
        right: Any = b.groups.get(breaker.group, Decimal(0))
    else:
        assert breaker.field is not None
        left = _comparable(resolve(breaker.field, a.bid, {}))
        right = _comparable(resolve(breaker.field, b.bid, {}))
        if left is MISSING or right is MISSING:
            return (left is MISSING) - (right is MISSING)
    try:
        order = _cmp(left, right)
    except TypeError:  # values of different kinds: compare their text, still a total order
        order = _cmp(str(left), str(right))
    return -order if breaker.order == "desc" else order


# ---------------------------------------------------------------------------------------------------
# A run


def score(
    batch: Batch | Iterable[Tender],
    ruleset: rs.Ruleset,
    *,
    input_sha256: str | None = None,
    progress: Callable[[int], None] | None = None,
    created_at: str | None = None,
) -> ScoreSheet:
    """Score every valid bid in ``batch`` under ``ruleset`` and rank them within each tender.

    ``batch`` is what :func:`supplierscore.read_bids` returns (its rejections and counts go into the
    sheet), or any iterable of :class:`~supplierscore.inputs.Tender`. ``input_sha256`` overrides the input
    digest (by default, derived from the input files' digests, in any order). ``progress``, when given,
    is called with the number of bids of each tender once it is scored. ``created_at`` is recorded as
    given: a sheet holds no wall-clock time of its own, so that a run can be replayed byte for byte
    (the CLI passes ``SOURCE_DATE_EPOCH`` when it is set, see :func:`source_date`).
    """
    tenders = list(batch.tenders if isinstance(batch, Batch) else batch)
    rejections: list[Rejection] = list(batch.rejections) if isinstance(batch, Batch) else []
    rows: list[Row] = []
    breakdown: list[BreakdownRow] = []
    with paused_gc():
        for tender in sorted(tenders, key=lambda t: t.id):
            tender_rows, tender_breakdown = score_tender(tender, ruleset)
            rows += tender_rows
            breakdown += tender_breakdown
            if progress is not None:
                progress(len(tender.bids))
    scored = sum(1 for row in rows if row.eligible)
    rejected = batch.rejected if isinstance(batch, Batch) else 0
    counts = Counts(len(rows) + rejected, scored, len(rows) - scored, rejected)
    files = batch.files if isinstance(batch, Batch) else []
    return ScoreSheet(
        metadata=metadata_for(ruleset, files, counts, created_at, input_sha256=input_sha256, tenders=tenders),
        criteria=tuple(c.id for c in ruleset.criteria),
        groups=tuple(ruleset.groups),
        rows=rows,
        breakdown=breakdown,
        rejections=rejections,
    )


def metadata_for(
    ruleset: rs.Ruleset,
    files: Sequence[FileSummary],
    counts: Counts,
    created_at: str | None,
    *,
    input_sha256: str | None = None,
    tenders: Sequence[Tender] = (),
) -> Metadata:
    """A run's metadata; the run id derives from the ruleset and input digests and the engine version."""
    digest = input_sha256 or _input_digest(files, tenders)
    run = hashlib.sha256(f"{ruleset.sha256}\n{digest}\n{__version__}".encode()).hexdigest()
    return Metadata(
        run_id=run[:16],
        created_at=created_at,
        engine_version=__version__,
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        input_sha256=digest,
        counts=counts,
        precision=ruleset.precision,
        rounding=ruleset.rounding,
    )


def source_date() -> str | None:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) as a UTC time, or None when unset."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or not epoch.strip().isdigit():
        return None
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _input_digest(files: Sequence[FileSummary], tenders: Sequence[Tender]) -> str:
    """SHA-256 over the sorted digests of the input files, so the order files are named in never matters;
    for documents given in memory (no files), over the tenders' content."""
    if files and all(f.sha256 for f in files):
        parts = sorted(f.sha256 for f in files)
    else:
        parts = sorted(hashlib.sha256(repr((t.header, t.bids)).encode()).hexdigest() for t in tenders)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
