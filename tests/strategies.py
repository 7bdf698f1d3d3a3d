"""Hypothesis strategies for tender documents, bids and their mutations, shared by every test module.

``hypothesis-jsonschema`` supports only drafts 4–7, so valid bids are generated here by hand, field by
field, following ``schemas/bid.schema.json``; :func:`mutated_bids` then breaks them in the ways real input
breaks (wrong types, out-of-range numbers, unknown keys, missing required fields, bad dates).
"""

from __future__ import annotations

import copy
import datetime
import itertools
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

GROUPS = ("immigrant", "women", "disability", "indigenous", "racialized", "lgbtq", "veteran", "youth")
ISSUERS = ("CAMSC", "CCIB", "WBE Canada", "CGLCC", "CCAB", "Buy Social Canada", "Ontario Living Wage Network")
LANGUAGES = ("en", "fr", "ar", "zh-Hans", "tl", "pa", "es", "uk", "fa", "so", "pt-BR", "ur")

ids = st.from_regex(r"\A[A-Z][A-Z0-9-]{0,7}\Z")
dates = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31))


@st.composite
def money(draw: st.DrawFn, low: int = 1, high: int = 10_000_000) -> Decimal | str:
    """A CAD amount with at most 2 decimals, as a Decimal or a decimal string (both are valid input)."""
    cents = draw(st.integers(min_value=low * 100, max_value=high * 100))
    amount = Decimal(cents).scaleb(-2)
    return draw(st.sampled_from([amount, f"{amount:.2f}"]))


percent = st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False)
mark = st.integers(min_value=0, max_value=100)


@st.composite
def certifications(draw: st.DrawFn) -> dict[str, Any]:
    """A certificate with valid_from ≤ valid_until."""
    start = draw(dates)
    end = draw(st.dates(min_value=start, max_value=datetime.date(2031, 12, 31)))
    return {
        "issuer": draw(st.sampled_from(ISSUERS)),
        "id": draw(ids),
        "covers": draw(
            st.lists(
                st.sampled_from([*GROUPS, "social_enterprise", "living_wage"]),
                min_size=1,
                max_size=3,
                unique=True,
            )
        ),
        "valid_from": start.isoformat(),
        "valid_until": end.isoformat(),
    }


@st.composite
def workforce(draw: st.DrawFn) -> dict[str, Any]:
    """Workforce figures that respect immigrants ≤ employees and newcomer hires ≤ employees."""
    employees = draw(st.integers(min_value=0, max_value=5000))
    result: dict[str, Any] = {"employees": employees}
    result["immigrants"] = draw(st.integers(min_value=0, max_value=employees))
    result["newcomer_hires_12m"] = draw(st.integers(min_value=0, max_value=employees))
    for flag in ("living_wage", "credential_recognition", "language_training", "inclusive_hiring_policy"):
        if draw(st.booleans()):
            result[flag] = draw(st.booleans())
    return result


@st.composite
def bids(draw: st.DrawFn, bid_id: str | None = None, currency: str = "CAD") -> dict[str, Any]:
    """A valid bid: required fields always, optional sections sometimes."""
    bid: dict[str, Any] = {
        "id": bid_id or draw(ids),
        "supplier": {"id": draw(ids), "name": draw(st.text(min_size=1, max_size=40).filter(str.strip))},
        "price": {"amount": draw(money()), "currency": currency},
    }
    if draw(st.booleans()):
        bid["submitted_at"] = f"{draw(dates).isoformat()}T{draw(st.integers(0, 23)):02d}:00:00Z"
    if draw(st.booleans()):
        bid["quality"] = {"technical": draw(mark), "delivery": draw(mark)}
    if draw(st.booleans()):
        owners = draw(st.lists(st.sampled_from(GROUPS), max_size=4, unique=True))
        bid["ownership"] = {group: draw(percent) for group in owners}
        if draw(st.booleans()):
            bid["ownership"]["social_enterprise"] = draw(st.booleans())
    if draw(st.booleans()):
        bid["workforce"] = draw(workforce())
    if draw(st.booleans()):
        bid["certifications"] = draw(st.lists(certifications(), max_size=3))
    if draw(st.booleans()):
        bid["languages"] = draw(st.lists(st.sampled_from(LANGUAGES), max_size=6, unique=True))
    return bid


@st.composite
def tender_documents(
    draw: st.DrawFn, tender_id: str | None = None, min_bids: int = 0, max_bids: int = 8
) -> dict[str, Any]:
    """A valid tender document: a header and bids with unique ids, all in CAD."""
    bid_ids = draw(st.lists(ids, min_size=min_bids, max_size=max_bids, unique=True))
    header: dict[str, Any] = {"id": tender_id or draw(ids), "currency": "CAD"}
    if draw(st.booleans()):
        header["closing_date"] = draw(dates).isoformat()
    if draw(st.booleans()):
        header["budget"] = {"amount": draw(money(low=1000)), "currency": "CAD"}
    return {"tender": header, "bids": [draw(bids(bid_id=b)) for b in bid_ids]}


def _set(document: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    result = copy.deepcopy(document)
    node: Any = result
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return result


def _drop(document: dict[str, Any], path: list[str | int]) -> dict[str, Any]:
    result = copy.deepcopy(document)
    node: Any = result
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return result


MUTATIONS = {
    "unknown key": lambda bid, draw: _set(bid, ["ownersip"], {"immigrant": 60}),
    "unknown nested key": lambda bid, draw: _set(bid, ["supplier", "nme"], "x"),
    "missing id": lambda bid, draw: _drop(bid, ["id"]),
    "missing price": lambda bid, draw: _drop(bid, ["price"]),
    "missing supplier name": lambda bid, draw: _drop(bid, ["supplier", "name"]),
    "price as list": lambda bid, draw: _set(bid, ["price", "amount"], [1]),
    "negative price": lambda bid, draw: _set(bid, ["price", "amount"], Decimal("-5")),
    "too many decimals": lambda bid, draw: _set(bid, ["price", "amount"], Decimal("10.001")),
    "bad currency": lambda bid, draw: _set(
        bid, ["price", "currency"], draw(st.sampled_from(["cad", "XXXX", "", 12]))
    ),
    "ownership over 100": lambda bid, draw: _set(
        bid, ["ownership"], {"immigrant": draw(st.integers(101, 10**6))}
    ),
    "ownership as text": lambda bid, draw: _set(bid, ["ownership"], {"women": "most"}),
    "bad date": lambda bid, draw: _set(
        bid,
        ["certifications"],
        [
            {
                "issuer": "CAMSC",
                "covers": ["immigrant"],
                "valid_until": draw(st.sampled_from(["2026-02-30", "2026-13-01", "soon", "2026-1-1"])),
            }
        ],
    ),
    "bad date-time": lambda bid, draw: _set(
        bid,
        ["submitted_at"],
        draw(st.sampled_from(["2026-02-30T10:00:00Z", "2026-01-01 10:00", "yesterday"])),
    ),
    "employees negative": lambda bid, draw: _set(bid, ["workforce"], {"employees": -1}),
    "employees fractional": lambda bid, draw: _set(bid, ["workforce"], {"employees": Decimal("2.5")}),
    "boolean as text": lambda bid, draw: _set(bid, ["workforce"], {"living_wage": "yes"}),
    "bad language tag": lambda bid, draw: _set(bid, ["languages"], ["english language"]),
    "empty covers": lambda bid, draw: _set(bid, ["certifications"], [{"issuer": "CAMSC", "covers": []}]),
    "unknown group": lambda bid, draw: _set(
        bid, ["certifications"], [{"issuer": "CAMSC", "covers": ["martians"]}]
    ),
    "huge name": lambda bid, draw: _set(bid, ["supplier", "name"], "x" * 100_000),
    "bid not object": lambda bid, draw: draw(st.sampled_from([[], "bid", Decimal(1), None, True])),
    "null field": lambda bid, draw: _set(bid, ["supplier", "country"], None),
}
"""Named ways to break a valid bid; each makes it invalid under the schema."""


@st.composite
def mutated_bids(draw: st.DrawFn) -> tuple[str, Any]:
    """A (mutation name, bid) pair: a valid bid broken in one named way."""
    name = draw(st.sampled_from(sorted(MUTATIONS)))
    return name, MUTATIONS[name](draw(bids()), draw)


@st.composite
def any_bids(draw: st.DrawFn) -> Any:
    """A valid bid or a mutated one, for the differential test."""
    if draw(st.booleans()):
        return draw(bids())
    return draw(mutated_bids())[1]


# ---------------------------------------------------------------------------------------------------
# Rulesets and batches for the engine's properties

NUMERIC_FIELDS: dict[str, tuple[int, int]] = {
    **{f"ownership.{group}": (0, 100) for group in GROUPS},
    "workforce.employees": (0, 5000),
    "workforce.immigrants": (0, 5000),
    "workforce.newcomer_hires_12m": (0, 5000),
    "quality.technical": (0, 100),
    "quality.delivery": (0, 100),
}
"""Number fields :func:`bids` fills, with the range it fills them from."""

SHARES = (
    ("workforce.immigrants", "workforce.employees"),
    ("workforce.newcomer_hires_12m", "workforce.employees"),
)
"""Shares of two number fields :func:`bids` fills; each lies in [0, 1] (or has a zero denominator)."""

BOOLEAN_FIELDS = (
    "ownership.social_enterprise",
    "workforce.living_wage",
    "workforce.credential_recognition",
    "workforce.language_training",
    "workforce.inclusive_hiring_policy",
)
"""True/false fields :func:`bids` fills."""

CRITERION_GROUPS = ("price", "quality", "immigrant_ownership", "employment", "diversity")
COVERABLE = (*GROUPS, "social_enterprise", "living_wage")
METHOD_NAMES = (
    "linear",
    "threshold",
    "bands",
    "boolean",
    "lookup",
    "panel",
    "count",
    "price_proportional",
    "price_linear",
)
GATES: dict[str, dict[str, Any]] = {
    "within-budget": {"field": "price.amount", "op": "<=", "ref": "tender.budget.amount"},
    "quality-floor": {"field": "quality.technical", "op": ">="},
    "price-cap": {"field": "price.amount", "op": "<"},
    "has-delivery": {"field": "quality.delivery", "op": "present"},
}
"""The gates :func:`ruleset_documents` may add (``value`` is drawn for the two that need one)."""


@st.composite
def ruleset_numbers(draw: st.DrawFn, low: int | str, high: int | str) -> Decimal:
    """A ruleset number in [low, high] with 0 to 2 decimals: exact in RFC 8785 canonical JSON."""
    places = draw(st.integers(min_value=0, max_value=2))
    return draw(st.decimals(min_value=low, max_value=high, places=places, allow_nan=False))


fractions = ruleset_numbers(0, 1)
"""A fraction from 0 to 1 as a ruleset writes it (a band's score, a lookup value, self_declared)."""


@st.composite
def numeric_inputs(draw: st.DrawFn) -> tuple[str | dict[str, list[str]], int, int]:
    """A criterion's number input (a path or a share) with the range the bids fill it from."""
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        return {"share": list(draw(st.sampled_from(SHARES)))}, 0, 1
    path = draw(st.sampled_from(sorted(NUMERIC_FIELDS)))
    low, high = NUMERIC_FIELDS[path]
    return path, low, high


@st.composite
def methods(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A criterion's ``field`` (when the method takes one) and ``method`` for the method ``name``."""
    if name in ("linear", "threshold", "bands"):
        field, low, high = draw(numeric_inputs())
        number = ruleset_numbers(low, high)
        if name == "linear":  # from > to (less is better) as often as from < to
            start = draw(number)
            end = draw(number.filter(lambda x: x != start))
            return {"field": field, "method": {"linear": {"from": start, "to": end}}}
        if name == "threshold":
            return {"field": field, "method": {"threshold": {"at_least": draw(number)}}}
        steps = sorted(draw(st.lists(number, min_size=1, max_size=4, unique=True)))
        scores = draw(st.lists(fractions, min_size=len(steps), max_size=len(steps)))
        if draw(st.booleans()):  # more often monotone, so that the monotonicity property has cases
            scores.sort()
        bands = [{"at_least": at, "score": score} for at, score in zip(steps, scores, strict=True)]
        return {"field": field, "method": {"bands": bands}}
    if name == "boolean":
        return {"field": draw(st.sampled_from(BOOLEAN_FIELDS)), "method": {"boolean": {}}}
    if name == "lookup":
        kind = draw(st.sampled_from(["boolean", "mark", "percent"]))
        if kind == "boolean":
            field = draw(st.sampled_from(BOOLEAN_FIELDS))
            keys = draw(st.lists(st.sampled_from(["true", "false"]), min_size=1, unique=True))
        elif kind == "mark":
            field = draw(st.sampled_from(["quality.technical", "quality.delivery"]))
            marks = st.one_of(st.sampled_from([0, 50, 100]), st.integers(min_value=0, max_value=100))
            keys = [str(m) for m in draw(st.lists(marks, min_size=1, max_size=4, unique=True))]
        else:
            field = f"ownership.{draw(st.sampled_from(GROUPS))}"
            keys = [format(p, "f") for p in draw(st.lists(percent, min_size=1, max_size=4, unique=True))]
        lookup: dict[str, Any] = {"map": {key: draw(fractions) for key in keys}}
        if draw(st.booleans()):
            lookup["default"] = draw(fractions)
        return {"field": field, "method": {"lookup": lookup}}
    if name == "panel":
        field = draw(st.sampled_from(["quality.technical", "quality.delivery"]))
        top = draw(ruleset_numbers("0.01", 150))
        return {"field": field, "method": {"panel": {"max": top}}}
    if name == "count":
        to = draw(st.integers(min_value=1, max_value=4))
        if draw(st.booleans()):
            return {"method": {"count": {"of": "languages", "to": to}}}
        count: dict[str, Any] = {"of": "certifications", "to": to}
        if draw(st.booleans()):
            issuers = draw(st.lists(st.sampled_from(ISSUERS), min_size=1, max_size=3, unique=True))
            count["where"] = {"issuer": issuers if len(issuers) > 1 or draw(st.booleans()) else issuers[0]}
        return {"method": {"count": count}}
    if name == "price_proportional":
        return {"method": {"price_proportional": {}}}
    assert name == "price_linear", name
    return {"method": {"price_linear": {"zero_at": draw(ruleset_numbers("1.01", 4))}}}


@st.composite
def evidence_rules(draw: st.DrawFn) -> dict[str, Any]:
    """An ``evidence`` rule: a group, issuers (in any letter case) and, sometimes, a self-declared factor."""
    names = draw(st.lists(st.sampled_from(ISSUERS), min_size=1, max_size=3, unique=True))
    cases = st.sampled_from([str, str.lower, str.upper])
    rule: dict[str, Any] = {
        "covers": draw(st.sampled_from(COVERABLE)),
        "issuers": [draw(cases)(name) for name in names],
    }
    if draw(st.booleans()):
        rule["self_declared"] = draw(fractions)
    return rule


@st.composite
def weights(draw: st.DrawFn, count: int, places: int = 2) -> list[Decimal]:
    """``count`` weights with at most ``places`` decimals (some of them 0) that add up to exactly 100."""
    whole = 100 * 10**places
    cuts = sorted(
        draw(st.lists(st.integers(min_value=0, max_value=whole), min_size=count - 1, max_size=count - 1))
    )
    bounds = [0, *cuts, whole]
    return [Decimal(high - low).scaleb(-places) for low, high in itertools.pairwise(bounds)]


@st.composite
def ruleset_documents(draw: st.DrawFn, max_criteria: int = 6) -> dict[str, Any]:
    """A valid ruleset as plain data, for :func:`supplierscore.ruleset.parse_ruleset`.

    Criteria of every method on fields :func:`bids` fills, optional evidence, weights adding up to 100
    (at most 2 decimals, and no more than the precision), precision 0 to 4 in either rounding mode,
    optional gates and tie-breakers, and a policy wide enough for any split of the weights.
    """
    precision = draw(st.integers(min_value=0, max_value=4))
    names = draw(st.lists(st.sampled_from(METHOD_NAMES), min_size=1, max_size=max_criteria))
    criteria = []
    # A weight may not have more decimals than the precision (the loader refuses it: its points could
    # round past the weight), and has at most 2.
    drawn = draw(weights(len(names), places=min(precision, 2)))
    for index, (name, weight) in enumerate(zip(names, drawn, strict=True)):
        criterion: dict[str, Any] = {
            "id": f"{name.replace('_', '-')}-{index}",
            "group": draw(st.sampled_from(CRITERION_GROUPS)),
            "weight": weight,
            **draw(methods(name)),
        }
        if draw(st.integers(min_value=0, max_value=2)) == 0:
            criterion["evidence"] = draw(evidence_rules())
        criteria.append(criterion)
    groups = list(dict.fromkeys(c["group"] for c in criteria))
    gates = []
    for gate_id in draw(st.lists(st.sampled_from(sorted(GATES)), max_size=2, unique=True)):
        gate = {"id": gate_id, **GATES[gate_id]}
        if gate_id == "quality-floor":
            gate["value"] = Decimal(draw(st.integers(min_value=0, max_value=100)))
        elif gate_id == "price-cap":
            gate["value"] = Decimal(draw(money(low=1000)))
        gates.append(gate)
    breakers = st.one_of(
        st.sampled_from(groups).map(lambda g: {"group": g}),
        st.sampled_from(["price.amount", "submitted_at"]).map(lambda f: {"field": f}),
    )
    tie_breakers = [
        {**breaker, "order": draw(st.sampled_from(["asc", "desc"]))}
        for breaker in draw(st.lists(breakers, max_size=3))
    ]
    return {
        "ruleset": "generated",
        "version": "1.0",
        "title": "A generated ruleset",
        "precision": precision,
        "rounding": draw(st.sampled_from(["half_up", "half_even"])),
        "policy": {"social_weight_min": 0, "social_weight_max": 100},
        "gates": gates,
        "criteria": criteria,
        "ranking": {"tie_breakers": tie_breakers},
    }


def rulesets(max_criteria: int = 6) -> st.SearchStrategy[Any]:
    """A loaded :class:`~supplierscore.ruleset.Ruleset` made from :func:`ruleset_documents`."""
    from supplierscore.ruleset import parse_ruleset

    return ruleset_documents(max_criteria).map(parse_ruleset)


@st.composite
def batches(
    draw: st.DrawFn, max_tenders: int = 2, min_bids: int = 1, max_bids: int = 6
) -> list[dict[str, Any]]:
    """Tender documents with unique tender ids, each with ``min_bids`` to ``max_bids`` bids."""
    tender_ids = draw(st.lists(ids, min_size=1, max_size=max_tenders, unique=True))
    return [draw(tender_documents(tender_id=t, min_bids=min_bids, max_bids=max_bids)) for t in tender_ids]


@st.composite
def price_boundaries(draw: st.DrawFn) -> dict[str, Any]:
    """A price criterion and two prices (in cents) whose exact points land on a rounding boundary
    (a half unit of the last decimal), or one cent to either side of one.

    ``weight × P_min / P`` (price_proportional) or ``weight × (1 − (P − P_min) / ((zero_at − 1) × P_min))``
    (price_linear) is set equal to ``odd / (2 × 10**precision)`` and solved for integer cents.
    ``on_boundary`` says whether no cent was added.
    """
    from fractions import Fraction

    precision = draw(st.integers(min_value=0, max_value=4))
    places = min(precision, 2)  # a weight has no more decimals than the precision
    weight = Fraction(draw(st.integers(min_value=1, max_value=100 * 10**places)), 10**places)
    unit = 2 * 10**precision
    most = int(weight * unit)  # the points may not pass the weight
    if most % 2 == 0:
        most -= 1
    odd = 2 * draw(st.integers(min_value=0, max_value=max(0, (most - 1) // 2))) + 1
    target = Fraction(odd, unit) / weight  # the fraction the method must give
    method: dict[str, Any]
    if draw(st.booleans()) or target > 1:
        method = {"price_proportional": {}}
        share = target  # P_min / P
        lowest_per_step, extra_per_step = share.numerator, share.denominator - share.numerator
    else:
        zero_at = Fraction(draw(st.integers(min_value=101, max_value=400)), 100)
        method = {"price_linear": {"zero_at": Decimal(zero_at.numerator) / Decimal(zero_at.denominator)}}
        slope = (1 - target) * (zero_at - 1)  # (P − P_min) / P_min
        lowest_per_step, extra_per_step = slope.denominator, slope.numerator
    step = draw(st.integers(min_value=1, max_value=max(1, 10**9 // (lowest_per_step + extra_per_step))))
    nudge = draw(st.sampled_from([0, 0, 0, -1, 1]))
    lowest = lowest_per_step * step
    price = max(lowest, lowest + extra_per_step * step + nudge)
    return {
        "precision": precision,
        "rounding": draw(st.sampled_from(["half_up", "half_even"])),
        "weight": Decimal(weight.numerator) / Decimal(weight.denominator),
        "method": method,
        "lowest_cents": lowest,
        "price_cents": price,
        "on_boundary": nudge == 0 and price == lowest + extra_per_step * step,
    }
