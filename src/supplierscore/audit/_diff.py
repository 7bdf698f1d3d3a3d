"""Comparing score sheets: the first difference after a replay, and which bids changed and why."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from supplierscore.ruleset import rule_changes

# ---------------------------------------------------------------------------------------------------
# Comparing sheets


def first_difference(recorded: Mapping[str, Any], replayed: Mapping[str, Any]) -> str:
    """The first row and field where two JSON sheets differ, in plain words (rows, then the rest)."""
    for section in ("rows", "breakdown", "rejections"):
        old, new = recorded.get(section, []), replayed.get(section, [])
        for index, (a, b) in enumerate(zip(old, new, strict=False)):
            if a != b:
                where, x, y = _first_field(a, b)
                return f"{section[:-1]} {index + 1} ({_who(a)}) {where}: recorded {x}, replayed {y}"
        if len(old) != len(new):
            return f"{section}: recorded {len(old)}, replayed {len(new)}"
    where, x, y = _first_field(recorded.get("metadata"), replayed.get("metadata"))
    if where:
        return f"every score identical, but metadata {where}: recorded {x}, replayed {y}"
    return "the bytes differ but the content is the same (formatting only)"


def _first_field(a: Any, b: Any, path: str = "") -> tuple[str, str, str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if a.get(key, _ABSENT) != b.get(key, _ABSENT):
                return _first_field(
                    a.get(key, _ABSENT), b.get(key, _ABSENT), f"{path}.{key}" if path else key
                )
    if a == b:
        return "", "", ""
    return path or "(value)", _shown(a), _shown(b)


_ABSENT = object()


def _shown(value: Any) -> str:
    return "(absent)" if value is _ABSENT else json.dumps(value, ensure_ascii=False)


def _who(row: Mapping[str, Any]) -> str:
    parts = [f"{k} {row[k]}" for k in ("tender_id", "bid_id", "criterion", "source", "line") if row.get(k)]
    return ", ".join(parts) or "no id"


@dataclass(frozen=True, slots=True)
class CriterionChange:
    """One criterion's points for one bid in both sheets, and why they changed."""

    criterion: str
    before: str | None
    after: str | None
    why: str


@dataclass(frozen=True, slots=True)
class BidChange:
    """A bid whose rank, total or eligibility changed, with its per-criterion changes."""

    tender_id: str
    bid_id: str
    rank: tuple[int | None, int | None]
    total: tuple[str | None, str | None]
    criteria: tuple[CriterionChange, ...]
    note: str = ""


@dataclass(slots=True)
class SheetDiff:
    """What changed between two sheets: the cause (ruleset, inputs, engine) and every changed bid."""

    cause: str
    ruleset_changed: bool
    input_changed: bool
    engine_changed: bool
    changes: list[BidChange]
    added: list[tuple[str, str]]
    removed: list[tuple[str, str]]
    inputs: list[str] = field(default_factory=list)
    labels: tuple[str, str] = ("A", "B")
    rules: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """Whether no bid changed rank, points or eligibility and none was added or removed."""
        return not (self.changes or self.added or self.removed)


def diff_sheets(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    rulesets: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None,
) -> SheetDiff:
    """Which bids changed rank or points between sheets ``a`` and ``b``, per criterion, and why.

    ``rulesets`` (the two rulesets as parsed canonical JSON, which an audit log keeps) lets the reasons
    name exactly what changed in a criterion (``weight 40 → 45``); a sheet alone only shows its effect.
    """
    rules = rule_changes(*rulesets) if rulesets else {}
    meta_a, meta_b = a["metadata"], b["metadata"]
    ruleset_changed = meta_a["ruleset"]["sha256"] != meta_b["ruleset"]["sha256"]
    input_changed = meta_a["input_sha256"] != meta_b["input_sha256"]
    engine_changed = meta_a["engine_version"] != meta_b["engine_version"]
    rows_a, rows_b = _by_bid(a["rows"]), _by_bid(b["rows"])
    details_a, details_b = _breakdown(a), _breakdown(b)
    changes = []
    for key in (k for k in rows_a if k in rows_b):
        change = _bid_change(rows_a[key], rows_b[key], details_a, details_b, ruleset_changed, rules)
        if change is not None:
            changes.append(change)
    return SheetDiff(
        cause=_cause(meta_a, meta_b, ruleset_changed, input_changed, engine_changed),
        ruleset_changed=ruleset_changed,
        input_changed=input_changed,
        engine_changed=engine_changed,
        changes=changes,
        added=[k for k in rows_b if k not in rows_a],
        removed=[k for k in rows_a if k not in rows_b],
        rules=[f"{name}: {change}" for name, change in rules.items()],
    )


def _by_bid(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(row["tender_id"], row["bid_id"]): row for row in rows}


def _breakdown(sheet: Mapping[str, Any]) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    return {(r["tender_id"], r["bid_id"], r["criterion"]): r for r in sheet.get("breakdown", [])}


def _cause(a: Mapping[str, Any], b: Mapping[str, Any], ruleset: bool, inputs: bool, engine: bool) -> str:
    """Why the sheets may differ, from their metadata: the ruleset, the inputs, the engine, or nothing."""
    parts = []
    if ruleset:
        ra, rb = a["ruleset"], b["ruleset"]
        parts.append(
            f"ruleset changed: {ra['id']} {ra['version']} ({ra['sha256'][:12]}) → "
            f"{rb['id']} {rb['version']} ({rb['sha256'][:12]})"
        )
    if inputs:
        parts.append(f"inputs changed: {a['input_sha256'][:12]} → {b['input_sha256'][:12]}")
    if engine:
        parts.append(f"engine changed: {a['engine_version']} → {b['engine_version']}")
    return "; ".join(parts) or "same ruleset, inputs and engine"


def _bid_change(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    details_a: Mapping[tuple[str, str, str], Mapping[str, Any]],
    details_b: Mapping[tuple[str, str, str], Mapping[str, Any]],
    ruleset_changed: bool,
    rules: Mapping[str, str],
) -> BidChange | None:
    points_a, points_b = a.get("points", {}), b.get("points", {})
    criteria = []
    for criterion in [*points_a, *(c for c in points_b if c not in points_a)]:
        before, after = points_a.get(criterion), points_b.get(criterion)
        if before != after:
            key = (a["tender_id"], a["bid_id"], criterion)
            why = _why(details_a.get(key), details_b.get(key), ruleset_changed, rules.get(criterion))
            criteria.append(CriterionChange(criterion, before, after, why))
    note = ""
    if a.get("eligible") != b.get("eligible"):
        note = (
            "became eligible"
            if b.get("eligible")
            else f"became ineligible: {'; '.join(b.get('reasons', []))}"
        )
    elif not criteria and a.get("rank") != b.get("rank"):
        note = "same points; other bids in the tender changed"
    if not criteria and not note and a.get("total") == b.get("total"):
        return None
    return BidChange(
        a["tender_id"], a["bid_id"], (a.get("rank"), b.get("rank")), (a.get("total"), b.get("total")),
        tuple(criteria), note,
    )  # fmt: skip


def _why(
    a: Mapping[str, Any] | None, b: Mapping[str, Any] | None, ruleset_changed: bool, rule: str | None
) -> str:
    """Why one criterion's points changed, from the two breakdown rows: input, evidence, or ruleset."""
    if a is None or b is None:
        return "criterion added by the ruleset" if a is None else "criterion removed by the ruleset"
    if a.get("input") != b.get("input"):
        return f"input changed: {a.get('input')} → {b.get('input')}"
    if a.get("evidence") != b.get("evidence"):
        return f"evidence changed: {a.get('evidence')} → {b.get('evidence')}"
    if rule:
        return f"ruleset: {rule}"
    if ruleset_changed and a.get("factor") != b.get("factor"):
        return f"ruleset: evidence factor {a.get('factor')} → {b.get('factor')}"
    if a.get("fraction") != b.get("fraction"):
        if ruleset_changed:
            return f"ruleset: same input, fraction {a.get('fraction')} → {b.get('fraction')} (method changed)"
        return (
            f"other bids changed (fraction {a.get('fraction')} → {b.get('fraction')}, e.g. the lowest price)"
        )
    if ruleset_changed:
        return "ruleset: same input and fraction, so the weight changed"
    return "same input, fraction and factor (engine change?)"


def _input_changes(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> list[str]:
    """Per input file name: added, removed, or changed bytes between two recorded runs."""
    old = {item["name"]: item["sha256"] for item in a}
    new = {item["name"]: item["sha256"] for item in b}
    lines = [f"{name}: changed" for name in old if name in new and old[name] != new[name]]
    gone, came = [n for n in old if n not in new], [n for n in new if n not in old]
    if len(gone) == len(came) == 1:  # one file replaced by another: the common re-tender case
        same = "same bytes" if old[gone[0]] == new[came[0]] else "changed"
        return [*lines, f"{gone[0]} → {came[0]}: {same}"]
    return [*lines, *(f"{name}: removed" for name in gone), *(f"{name}: added" for name in came)]


def format_diff(result: SheetDiff) -> str:
    """The diff as text for people: the cause first, then each changed bid with its criteria."""
    lines = [f"{result.labels[0]} → {result.labels[1]}", f"why: {result.cause}"]
    lines += [f"  input {line}" for line in result.inputs]
    lines += [f"  rule {line}" for line in result.rules]
    lines += _overview(result)
    tender = None
    for change in result.changes:
        if change.tender_id != tender:
            tender = change.tender_id
            lines.append(f"tender {tender}")
        lines.append(f"  {change.bid_id}: {_pair('rank', change.rank)}, {_pair('total', change.total)}")
        lines += [f"    {c.criterion} {c.before} → {c.after}: {c.why}" for c in change.criteria]
        if change.note:
            lines.append(f"    {change.note}")
    lines += [f"added: tender {t} bid {b}" for t, b in result.added]
    lines += [f"removed: tender {t} bid {b}" for t, b in result.removed]
    return "\n".join(lines)


def _overview(result: SheetDiff) -> list[str]:
    """What an officer reads first: how many bids changed, and every change of rank."""
    if result.same:
        return ["no bid changed rank, points or eligibility"]
    moved = [c for c in result.changes if c.rank[0] != c.rank[1]]
    lines = [f"{len(result.changes)} bid(s) changed, {len(moved)} of them in rank" + (":" if moved else "")]
    lines += [f"  {c.tender_id} {c.bid_id}: {_pair('rank', c.rank)}" for c in moved]
    return lines


def _pair(label: str, values: tuple[Any, Any]) -> str:
    before, after = ("–" if v is None else v for v in values)
    return f"{label} {before}" if before == after else f"{label} {before} → {after}"
