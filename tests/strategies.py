"""Hypothesis strategies for tender documents, bids and their mutations, shared by every test module.

``hypothesis-jsonschema`` supports only drafts 4–7, so valid bids are generated here by hand, field by
field, following ``schemas/bid.schema.json``; :func:`mutated_bids` then breaks them in the ways real input
breaks (wrong types, out-of-range numbers, unknown keys, missing required fields, bad dates).
"""

from __future__ import annotations

import copy
import datetime
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
