"""The one-screen text summary of a loaded ruleset that ``supplierscore rules check`` prints.

Pure presentation over the models: kept apart so the loading and checking code stays free of layout.
"""

from __future__ import annotations

from collections.abc import Sequence

from supplierscore.ruleset._models import (
    PRICE_FIELD,
    PRICE_METHODS,
    Bands,
    Count,
    Criterion,
    Evidence,
    Gate,
    Linear,
    Lookup,
    Method,
    Panel,
    PriceLinear,
    Ruleset,
    Threshold,
    _sum,
)
from supplierscore.ruleset._schema import _number_text, _show

# ---------------------------------------------------------------------------------------------------
# The summary `supplierscore rules check` prints


def summarize(ruleset: Ruleset) -> str:
    """One screen on ``ruleset``: what it is, its criteria, groups, social share, gates, tie-breakers.

    >>> summarize(load_ruleset(default_ruleset_path())).splitlines()[0][:48]
    'cities-of-migration 1.0.0: Inclusive procurement'
    """
    out = [
        f"{ruleset.id} {ruleset.version}: {ruleset.title}",
        f"sha256 {ruleset.sha256}",
        f"points rounded {ruleset.rounding} to {ruleset.precision} decimals · "
        f"labels in {', '.join(ruleset.languages)}",
        "",
    ]
    cited = any(c.source for c in ruleset.criteria)
    table = [("criterion", "group", "weight", "method", "field", "evidence", *(["source"] if cited else []))]
    table += [
        (
            c.id,
            c.group,
            _number_text(c.weight),
            _method_text(c.method),
            _field_text(c),
            _evidence_text(c.evidence),
            *([", ".join(c.source) or "-"] if cited else []),
        )
        for c in ruleset.criteria
    ]
    out += _table(table, right={2})
    subtotals = [(g, _sum(c.weight for c in ruleset.criteria if c.group == g)) for g in ruleset.groups]
    total = _sum([w for _, w in subtotals])
    out.append("")
    out += _labelled(
        "groups", [f"{g} {_number_text(w)}" for g, w in subtotals] + [f"total {_number_text(total)}"]
    )
    policy = ruleset.policy
    bounds = [
        f"at least {_number_text(policy.social_weight_min)}" if policy.social_weight_min is not None else "",
        f"at most {_number_text(policy.social_weight_max)}" if policy.social_weight_max is not None else "",
    ]
    bound_text = " and ".join(b for b in bounds if b) or "no bounds"
    social = _number_text(ruleset.social_weight)
    out += _labelled("social", [f"{social} of 100 points outside price and quality (policy: {bound_text})"])
    certifiers = {
        f"{c.evidence.covers}: {', '.join(c.evidence.issuers)}": None for c in ruleset.criteria if c.evidence
    }
    if certifiers:
        out += _labelled("certifiers", list(certifiers), separator=" · ")
    out += _labelled("gates", [_gate_text(g) for g in ruleset.gates] or ["none"], " · ")
    breakers = [
        f"{f'group {b.group}' if b.group is not None else b.field} {b.order}"
        for b in ruleset.ranking.tie_breakers
    ]
    out += _labelled("ties", ["total desc", *breakers, "bid id asc"], ", ")
    if ruleset.targets:
        out += _labelled("targets", [f"{k} {_number_text(v)}" for k, v in ruleset.targets.items()])
    return "\n".join(out + _provenance(ruleset))


def _provenance(ruleset: Ruleset) -> list[str]:
    """Participation counted, jurisdiction, sources and links to the subject matter, when given."""
    out: list[str] = []
    counted = ruleset.participation
    if counted is not None:
        certified = " (certified subcontractors only)" if counted.certified_only else ""
        out += _labelled("supply", [f"participation counted for {', '.join(counted.groups)}{certified}"])
    if ruleset.jurisdiction is not None:
        out += _labelled("jurisdiction", [ruleset.jurisdiction])
    for index, (key, source) in enumerate(ruleset.sources.items()):
        dated = f" ({source.date})" if source.date else ""
        out += _labelled("sources" if index == 0 else "", [f"{key}: {source.title}{dated}"])
        out += _labelled("", [f"  {source.url}"])
    links = [f"{c.id}: {c.link}" for c in ruleset.criteria if c.link]
    for index, link in enumerate(links):
        out += _labelled("links" if index == 0 else "", [link])
    return out


def _labelled(label: str, parts: Sequence[str], separator: str = " · ", width: int = 104) -> list[str]:
    """``parts`` joined by ``separator`` after a label column, wrapped before ``width`` characters."""
    lines: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(separator) + len(part) > width - 12:
            lines.append(current + separator.rstrip())
            current = part
        else:
            current = f"{current}{separator}{part}" if current else part
    lines.append(current)
    return [f"{label if i == 0 else '':<11} {line}" for i, line in enumerate(lines)]


def _table(rows: Sequence[Sequence[str]], right: set[int], widest: int = 44) -> list[str]:
    cells = [[text if len(text) <= widest else f"{text[: widest - 1]}…" for text in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return [
        "  ".join(
            (text.rjust(widths[i]) if i in right else text.ljust(widths[i])) for i, text in enumerate(row)
        ).rstrip()
        for row in cells
    ]


def _method_text(method: Method) -> str:
    if isinstance(method, Linear):
        return f"linear {_number_text(method.from_)} → {_number_text(method.to)}"
    if isinstance(method, Threshold):
        return f"threshold ≥ {_number_text(method.at_least)}"
    if isinstance(method, Bands):
        return "bands " + ", ".join(
            f"≥{_number_text(b.at_least)}: {_number_text(b.score)}" for b in method.bands
        )
    if isinstance(method, Lookup):
        listed = ", ".join(f"{k}: {_number_text(v)}" for k, v in method.map.items())
        return f"lookup {listed}, else {_number_text(method.default)}"
    if isinstance(method, Panel):
        return f"panel / {_number_text(method.max)}"
    if isinstance(method, Count):
        where = " where " + ", ".join(method.where) if method.where else ""
        return f"count {method.of}{where} up to {method.to}"
    if isinstance(method, PriceLinear):
        return f"price_linear, 0 at {_number_text(method.zero_at)} × lowest"
    return method.name


def _field_text(criterion: Criterion) -> str:
    if criterion.method.name in PRICE_METHODS:
        return PRICE_FIELD
    if isinstance(criterion.method, Count):
        return criterion.method.of
    return str(criterion.field) if criterion.field is not None else ""


def _evidence_text(evidence: Evidence | None) -> str:
    if evidence is None:
        return "-"
    return f"{evidence.covers}, claim {_number_text(evidence.self_declared)}"


def _gate_text(gate: Gate) -> str:
    if gate.op == "present":
        condition = f"{gate.field} present"
    else:
        target = gate.ref if gate.ref is not None else _show(gate.value)
        condition = f"{gate.field} {gate.op} {target}"
    return f"{gate.id}: {condition}"
