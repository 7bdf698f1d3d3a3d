"""Supply-chain participation: the share of a contract's value that goes to firms owned by each group.

A bid's ``supply_chain.subcontracts`` says who gets what share of the contract (``share_pct``), who owns
each subcontractor (``owned_by``) and what it does (``role``). Participation is counted the way the US DOT
counts Disadvantaged Business Enterprise participation, 49 CFR 26.55
(https://law.cornell.edu/cfr/text/49/26.55), because it is the most precise published counting rule:

- ``own_forces`` (work the firm performs itself; the default when no role is given), ``services`` (the
  fee for a bona fide service, 26.55(a)(2)) and ``manufacturer`` count in full: 100 % of the line;
- ``regular_dealer`` counts 60 % of the cost of the materials it supplies;
- ``broker`` counts only its fee: ``share_pct × fee_pct / 100`` (no ``fee_pct``: nothing);
- with ``certified_only``, a line counts only when it names a ``certification`` (only certified firms
  count toward DBE goals).

What 26.55 also says and bids here cannot show is left to the buyer: work a subcontractor passes on to a
firm outside the group does not count (26.55(a)(3)), a joint venture counts only its own-forces portion
(26.55(b)), and only a firm performing a commercially useful function counts (26.55(c)). The 2024 rule's
"distributor" category is not offered: its percentage could not be verified from the sources at hand.

Each group's participation is a percent of the contract value, exact (a Decimal, no rounding), and so
is ``any``: the lines owned by at least one of the counted groups, each line counted once.

>>> from decimal import Decimal
>>> rule = rs.Participation(groups=["immigrant"])
>>> participation({"supply_chain": {"subcontracts": [
...     {"supplier_name": "A", "share_pct": 20, "owned_by": ["immigrant"], "role": "regular_dealer"},
...     {"supplier_name": "B", "share_pct": Decimal("10"), "owned_by": ["immigrant"], "role": "broker",
...      "fee_pct": 5}]}}, rule)
{'immigrant': Decimal('12.5'), 'any': Decimal('12.5')}
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import MAX_PREC, Decimal, localcontext
from typing import Any

from supplierscore import ruleset as rs

ANY = rs.PARTICIPATION_ANY
"""The key of the share owned by at least one of the counted groups."""

CREDIT: Mapping[str, Decimal] = {
    "own_forces": Decimal(1),  # 26.55(a)(1): the entire amount of the work performed by its own forces
    "services": Decimal(1),  # 26.55(a)(2): the entire fee for a bona fide service, if reasonable
    "manufacturer": Decimal(
        1
    ),  # 26.55, materials: "counting 100 percent of the cost" (Potomac Law, 2024 rule)
    "regular_dealer": Decimal("0.6"),  # 26.55, materials: "60 percent of the cost" (Potomac Law, 2024 rule)
}
"""The part of a subcontract's share that counts, by role; a broker counts its fee instead."""


def participation_keys(ruleset: rs.Ruleset) -> tuple[str, ...]:
    """The keys every row of a sheet reports under ``participation``: the counted groups, then ``any``."""
    rule = ruleset.participation
    return () if rule is None else (*rule.groups, ANY)


def participation(bid: Mapping[str, Any], rule: rs.Participation) -> dict[str, Decimal]:
    """Each counted group's share of the contract value (percent, exact), then ``any`` (see the module)."""
    totals = dict.fromkeys([*rule.groups, ANY], Decimal(0))
    with localcontext(prec=MAX_PREC):  # products and sums of decimals: exact at unlimited precision
        for line in bid.get("supply_chain", {}).get("subcontracts", ()):
            if rule.certified_only and "certification" not in line:
                continue
            owned = [g for g in rule.groups if g in line.get("owned_by", ())]
            if not owned:
                continue
            counted = credited(line)
            for group in owned:
                totals[group] += counted
            totals[ANY] += counted
        return {key: _plain(value) for key, value in totals.items()}


def credited(line: Mapping[str, Any]) -> Decimal:
    """The percent of the contract value one subcontract line counts for, by its role."""
    share = Decimal(line["share_pct"])
    role = line.get("role", "own_forces")
    with localcontext(prec=MAX_PREC):
        if role == "broker":
            return share * Decimal(line.get("fee_pct", 0)) / 100
        return share * CREDIT[role]


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros or an exponent: 12.50 → 12.5, 0E+1 → 0."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
