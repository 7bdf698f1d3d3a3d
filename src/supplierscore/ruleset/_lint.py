"""The guardrail linter: legal and policy risks a ruleset carries in a jurisdiction, as warnings.

A ruleset can be well formed (every check in :mod:`supplierscore.ruleset._rules` passes) and still be a
legal risk where it is used: points for who owns a firm where the law removed or forbids such preferences,
too little social value for UK central government, social criteria with no stated link to the contract in
the EU. :func:`lint` returns one :class:`LintWarning` per risk found, each naming the rule, where in the
ruleset it is, the source the rule rests on and a suggested change. It never passes silently: a ruleset with
no jurisdiction, or one the linter knows no rules for, gets a warning saying what was not checked.

The rules, one small generator each (:data:`_RULES`), and where they apply:

==========================  ============================  ==============================================
rule                        jurisdiction                  warns when
==========================  ============================  ==============================================
``no-jurisdiction``         none given                    nothing says where the ruleset is used
``unknown-jurisdiction``    one with no rules here        only the general rules could be checked
``ownership-points``        US, CA-ON-Toronto, EU, GB     points, gates or tie-breakers for who owns a firm
``uk-social-value-min``     GB                            social value carries under 10 of 100 points
``link-to-subject-matter``  EU (and member states), GB    a social criterion has no ``link``
``us-dbe-no-points``        US-federal-aid                DBE participation earns award points
``policy-bounds``           all                           no policy bounds the social share
``unfed-criterion``         all                           no value a bid can give earns the criterion points
==========================  ============================  ==============================================

The legal sources come from the project's research (``presets.md``, compiled 2026-11-23 from stored copies
of public material); each warning prints the one it rests on.

>>> [w.rule for w in lint(load_ruleset(default_ruleset_path()), "US")][:2]
['ownership-points', 'ownership-points']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from supplierscore.resources import load_schema
from supplierscore.ruleset._fields import _resolve
from supplierscore.ruleset._models import (
    NOT_SOCIAL_GROUPS,
    Bands,
    Count,
    Criterion,
    Linear,
    Lookup,
    Ruleset,
    Threshold,
)
from supplierscore.ruleset._rules import PARTICIPATION
from supplierscore.ruleset._schema import _number_text

JURISDICTION = re.compile(r"[A-Za-z]{2}(-[A-Za-z0-9]{1,32}){0,3}\Z")
"""The form of a jurisdiction code, as the ruleset schema gives it."""

EU_MEMBERS = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
    | {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)
"""The member states, whose public buyers apply Directive 2014/24/EU as transposed."""


@dataclass(frozen=True, slots=True)
class Authority:
    """What a guardrail rests on: a title, where to read it, and its date when known."""

    title: str
    url: str
    date: str = ""

    def __str__(self) -> str:
        dated = f" ({self.date})" if self.date else ""
        return f"{self.title}{dated}, {self.url}"


_US_IFR = Authority(
    "US DOT interim final rule DOT-OST-2025-0897, 90 FR 47969: race- and sex-based presumptions removed; "
    "see also Mid-America Milling Co. v. U.S. DOT (E.D. Ky. 2024)",
    "https://frtracker.app/fr/2025-19460",
    "in force 2025-10-03",
)
_US_QUOTAS = Authority(
    "49 CFR 26.41 and 26.43: DBE goals and good-faith efforts; no quotas, set-asides only in limited and "
    "extreme circumstances",
    "http://osdbuweb.dot.gov/DBEProgram/final/final53.cfm",
)
_TORONTO = Authority(
    "City of Toronto Social Procurement Program: "
    '"does not provide preferential treatment to diverse suppliers"',
    "https://www.toronto.ca/business-economy/doing-business-with-the-city/social-procurement-program/",
)
_EU_67 = Authority(
    "Directive 2014/24/EU, Art. 67(2): award criteria linked to the subject-matter of the contract, and the "
    "principle of non-discrimination",
    "http://pcr2015.uk/regulations/regulation-67-contract-award-criteria/",
)
_UK_PPN002 = Authority(
    "PPN 002 (Procurement Act 2023): outcomes relevant to the subject-matter of the contract, proportionate, "
    "equal treatment and non-discrimination",
    "https://www.procurementpathway.civilservice.gov.uk/documents/ppn/"
    "ppn-002-taking-account-of-social-value-in-the-award-of-central-government-contracts/sourcing-strategy",
    "mandatory for central government from 2025-10-01",
)
_UK_MIN = Authority(
    "PPN 002 and PPN 06/20: a minimum weighting of 10 % of the total score for social value (PPN 002's own "
    "sentence quoted by secondary sources only)",
    "https://www.lexology.com/library/detail.aspx?g=41381465-d4f6-4a18-89b7-4c8cc90d3cae",
)
_SUPPLIERSCORE = Authority(
    "supplierscore guardrails (rules/README.md, Guardrails)",
    "https://supplierscore.org/rules/README.md#guardrails",
)
_SCHEMA = Authority(
    "the bid schema, schemas/bid.schema.json", "https://supplierscore.org/schemas/bid.schema.json"
)


@dataclass(frozen=True, slots=True)
class LintWarning:
    """One guardrail warning: the rule, where (JSON Pointer and what), why, its source, what to change."""

    rule: str
    pointer: str
    subject: str
    message: str
    source: Authority
    suggestion: str

    def __str__(self) -> str:
        return (
            f"warning [{self.rule}] {self.subject} ({self.pointer or '/'}): {self.message}\n"
            f"  source: {self.source}\n  suggest: {self.suggestion}"
        )


@dataclass(frozen=True, slots=True)
class _Place:
    """The jurisdiction being checked, as its parts in upper case (``US-FEDERAL-AID`` → US, FEDERAL, AID)."""

    code: str

    @property
    def parts(self) -> list[str]:
        return self.code.upper().split("-")

    @property
    def country(self) -> str:
        return self.parts[0]

    @property
    def us(self) -> bool:
        return self.country == "US"

    @property
    def federal_aid(self) -> bool:
        return self.us and self.code.upper().startswith("US-FEDERAL-AID")

    @property
    def toronto(self) -> bool:
        return self.parts[:3] == ["CA", "ON", "TORONTO"]

    @property
    def uk(self) -> bool:
        return self.country in ("GB", "UK")

    @property
    def eu(self) -> bool:
        return self.country == "EU" or self.country in EU_MEMBERS

    @property
    def known(self) -> bool:
        return self.us or self.toronto or self.uk or self.eu


def lint(ruleset: Ruleset, jurisdiction: str | None = None) -> list[LintWarning]:
    """Every guardrail warning for ``ruleset`` in ``jurisdiction`` (default: the ruleset's own).

    Raises ValueError for a jurisdiction that is not a code such as US, GB, EU, CA-ON-Toronto.
    """
    code = jurisdiction if jurisdiction is not None else ruleset.jurisdiction
    if code is not None and not JURISDICTION.match(code):
        raise ValueError(
            f'"{code}" is not a jurisdiction code: give an ISO 3166 code (US, GB, CA), EU, or one with '
            "sub-national parts (CA-ON-Toronto, US-federal-aid)"
        )
    place = _Place(code) if code is not None else None
    return [warning for rule in _RULES for warning in rule(ruleset, place)]


def rule_names() -> list[str]:
    """The rules :func:`lint` checks, in the order it checks them."""
    return [rule.__name__.removeprefix("_").replace("_", "-") for rule in _RULES]


Found = Iterator[LintWarning]


def _no_jurisdiction(ruleset: Ruleset, place: _Place | None) -> Found:
    if place is None:
        yield LintWarning(
            "no-jurisdiction",
            "",
            "the ruleset",
            "no jurisdiction is given, so the legal guardrails (ownership preferences, social-value "
            "minimums, links to the contract) were not checked",
            _SUPPLIERSCORE,
            "add jurisdiction: CODE to the ruleset, or pass --jurisdiction CODE (e.g. US, US-federal-aid, "
            "GB, EU, CA-ON-Toronto)",
        )


def _unknown_jurisdiction(ruleset: Ruleset, place: _Place | None) -> Found:
    if place is not None and not place.known:
        yield LintWarning(
            "unknown-jurisdiction",
            "/jurisdiction",
            f"jurisdiction {place.code}",
            "no legal guardrails are known for this jurisdiction: only the general rules were checked",
            _SUPPLIERSCORE,
            "have the ruleset reviewed against local procurement law; the presets (supplierscore rules list) "
            "cite the sources they follow",
        )


_US_GROUPS = {
    "immigrant": "national origin",
    "women": "sex",
    "racialized": "race",
    "indigenous": "race or ethnicity",
}
"""Ownership groups that stand for a suspect classification in US equal-protection law."""


def _ownership_groups(place: _Place) -> tuple[Mapping[str, str], Authority, str] | None:
    """The ownership groups a jurisdiction warns about (group → why), the source, and the law in words."""
    if place.us:
        context = "federal-aid contracts" if place.federal_aid else "US federal-aid (DOT-assisted) contracts"
        return _US_GROUPS, _US_IFR, f"for {context} closing on or after 2025-10-03, preferences by"
    every = {g: "ownership" for g in ("immigrant", "women", "disability", "indigenous", "racialized")}
    every |= {g: "ownership" for g in ("lgbtq", "veteran", "youth", "social_enterprise")}
    if place.toronto:
        return every, _TORONTO, "Toronto's program gives no preferential treatment by"
    if place.eu:
        return every, _EU_67, "award criteria must concern the contract, not the company, so points for"
    if place.uk:
        return every, _UK_PPN002, "social value must be contract-specific, so points for"
    return None


def _ownership_points(ruleset: Ruleset, place: _Place | None) -> Found:
    scope = _ownership_groups(place) if place is not None else None
    if scope is None:
        return
    groups, source, law = scope
    suggestion = (
        "give it weight 0 (or remove it) and score how the contract's workforce is hired, trained and "
        "paid instead (preset:immigrant-employment-practices); report ownership as a target (no score)"
    )
    owning: set[str] = set()
    for index, criterion in enumerate(ruleset.criteria):
        hit = _owned_group(criterion, groups)
        if hit is None:
            continue
        owning.add(criterion.group)
        if criterion.weight > 0:
            yield LintWarning(
                "ownership-points",
                f"/criteria/{index}",
                f"criterion {criterion.id}",
                f"scores ownership by group {hit} ({groups[hit]}) for up to "
                f"{_number_text(criterion.weight)} points; {law} {groups[hit]} are a legal risk",
                source,
                suggestion,
            )
    for index, gate in enumerate(ruleset.gates):
        group = _path_group(gate.field, groups)
        if group is not None:
            yield LintWarning(
                "ownership-points",
                f"/gates/{index}",
                f"gate {gate.id}",
                f"makes ownership.{group} ({groups[group]}) a condition of eligibility (a set-aside); "
                f"{law} {groups[group]} are a legal risk",
                source,
                "remove the gate; where reserved contracts are lawful, cite the law that allows them",
            )
    for index, breaker in enumerate(ruleset.ranking.tie_breakers):
        group = breaker.group if breaker.group in owning else _path_group(breaker.field, groups)
        if group is not None:
            yield LintWarning(
                "ownership-points",
                f"/ranking/tie_breakers/{index}",
                f"tie-breaker {breaker.group or breaker.field}",
                f"breaks ties by ownership ({breaker.group or breaker.field}); "
                f"{law} ownership are a legal risk",
                source,
                "break ties by price, then by submission time",
            )


def _owned_group(criterion: Criterion, groups: Mapping[str, str]) -> str | None:
    """The ownership group a criterion scores: by its field, or by counting certificates that cover it
    (``count {of: certifications, where: {covers: immigrant}}`` scores certified ownership)."""
    paths = [] if criterion.field is None else [criterion.field.path or "", *(criterion.field.share or ())]
    for path in paths:
        found = _path_group(path, groups)
        if found is not None:
            return found
    method = criterion.method
    if isinstance(method, Count) and method.of == "certifications":
        covered = [g for g in method.where.get("covers", []) if isinstance(g, str) and g in groups]
        if covered:
            return covered[0]
    return None


def _path_group(path: str | None, groups: Mapping[str, str]) -> str | None:
    if path is not None and path.startswith("ownership."):
        group = path.removeprefix("ownership.")
        return group if group in groups else None
    return None


def _uk_social_value_min(ruleset: Ruleset, place: _Place | None) -> Found:
    if place is None or not place.uk or ruleset.social_weight >= 10:
        return
    yield LintWarning(
        "uk-social-value-min",
        "/criteria",
        "the social share",
        f"social value carries {_number_text(ruleset.social_weight)} of 100 points, under the 10 % minimum "
        "for UK central government (mandatory from 2025-10-01; other authorities may wish to apply it)",
        _UK_MIN,
        "give the social-value criteria (groups other than price and quality) at least 10 points and set "
        "policy.social_weight_min: 10",
    )


def _link_to_subject_matter(ruleset: Ruleset, place: _Place | None) -> Found:
    if place is None or not (place.eu or place.uk):
        return
    source = _EU_67 if place.eu else _UK_PPN002
    for index, criterion in enumerate(ruleset.criteria):
        if criterion.group in NOT_SOCIAL_GROUPS or criterion.weight == 0 or criterion.link:
            continue
        yield LintWarning(
            "link-to-subject-matter",
            f"/criteria/{index}",
            f"criterion {criterion.id}",
            "a social criterion with no link: it must be linked to the subject matter of the contract",
            source,
            "add link: a sentence saying how it concerns this contract's performance (e.g. hires onto the "
            "team that performs it); if it cannot, remove it",
        )


def _us_dbe_no_points(ruleset: Ruleset, place: _Place | None) -> Found:
    if place is None or not place.federal_aid:
        return
    for index, criterion in enumerate(ruleset.criteria):
        paths = (
            [] if criterion.field is None else [criterion.field.path or "", *(criterion.field.share or ())]
        )
        if criterion.weight > 0 and any(p.startswith(f"{PARTICIPATION}.") for p in paths):
            yield LintWarning(
                "us-dbe-no-points",
                f"/criteria/{index}",
                f"criterion {criterion.id}",
                f"gives up to {_number_text(criterion.weight)} award points for supply-chain participation; "
                "DBE participation counts toward a contract goal, met by good-faith efforts, not points",
                _US_QUOTAS,
                "give it weight 0 and, where goals may be set, add a gate participation.dbe >= the goal",
            )


def _policy_bounds(ruleset: Ruleset, place: _Place | None) -> Found:
    policy = ruleset.policy
    missing = [
        name
        for name, value in (
            ("social_weight_min", policy.social_weight_min),
            ("social_weight_max", policy.social_weight_max),
        )
        if value is None
    ]
    if missing:
        yield LintWarning(
            "policy-bounds",
            "/policy",
            "the policy",
            f"no {' and no '.join(missing)}: nothing keeps a later edit of the weights inside the policy "
            "(weights outside the bounds that are given are refused when the ruleset is loaded)",
            _SUPPLIERSCORE,
            "add policy: {social_weight_min: N, social_weight_max: M} with the bounds your policy sets",
        )
    if place is not None and place.uk and (policy.social_weight_min or 0) < 10:
        yield LintWarning(
            "policy-bounds",
            "/policy/social_weight_min",
            "the policy",
            "the policy lets social value fall under the UK minimum of 10 points",
            _UK_MIN,
            "set policy.social_weight_min: 10",
        )


def _unfed_criterion(ruleset: Ruleset, place: _Place | None) -> Found:
    for index, criterion in enumerate(ruleset.criteria):
        if criterion.weight == 0 or criterion.field is None or criterion.field.path is None:
            continue
        why = _never_scores(criterion, _field_schema(criterion.field.path))
        if why:
            yield LintWarning(
                "unfed-criterion",
                f"/criteria/{index}",
                f"criterion {criterion.id}",
                f"no bid can earn its points: {why}",
                _SCHEMA,
                "fix the method's figures to the field's range (a percent is 0 to 100, a share 0 to 1), "
                "or score another field",
            )


def _never_scores(criterion: Criterion, node: Mapping[str, Any]) -> str:
    """Why no value the schema allows at ``node`` scores above 0 under the criterion's method, or ''."""
    path, method = criterion.field.path if criterion.field else "", criterion.method
    top = node.get("maximum")
    highest = Decimal(str(top)) if isinstance(top, int | Decimal) and not isinstance(top, bool) else None
    enum = node.get("enum")
    if highest is not None:
        starts: Decimal | None = None
        if isinstance(method, Threshold):
            starts = method.at_least
        elif isinstance(method, Bands):
            starts = min(b.at_least for b in method.bands)
        elif isinstance(method, Linear) and method.from_ < method.to:
            starts = method.from_ if method.from_ >= highest else None
        if starts is not None and (starts > highest or isinstance(method, Linear)):
            return (
                f"{path} is at most {_number_text(highest)}, and points start only at {_number_text(starts)}"
            )
    if isinstance(method, Lookup) and isinstance(enum, list):
        allowed = {str(v).lower() if isinstance(v, bool) else str(v) for v in enum}
        scoring = [key for key, value in method.map.items() if value > 0 and key in allowed]
        if not scoring and method.default == 0:
            return f"{path} is one of {', '.join(sorted(allowed))}, and the lookup gives none of them points"
    return ""


def _field_schema(path: str) -> Mapping[str, Any]:
    """The bid schema of the field at a dotted ``path`` (``{}`` when not found or a pattern field)."""
    root = load_schema("bid.schema.json")
    node: Any = root
    for part in path.split("."):
        node = _deref(root, node)
        properties = node.get("properties", {}) if isinstance(node, Mapping) else {}
        if part not in properties:
            return {}
        node = properties[part]
    resolved = _deref(root, node)
    return resolved if isinstance(resolved, Mapping) else {}


def _deref(root: Mapping[str, Any], node: Any) -> Any:
    """``node`` with its ``$ref`` followed (its own keywords kept over the target's)."""
    for _ in range(8):
        if not isinstance(node, Mapping) or not isinstance(node.get("$ref"), str):
            return node
        _, target = _resolve(root, node["$ref"])
        node = {
            **(target if isinstance(target, Mapping) else {}),
            **{k: v for k, v in node.items() if k != "$ref"},
        }
    return node


_RULES: tuple[Callable[[Ruleset, _Place | None], Found], ...] = (
    _no_jurisdiction,
    _unknown_jurisdiction,
    _ownership_points,
    _uk_social_value_min,
    _link_to_subject_matter,
    _us_dbe_no_points,
    _policy_bounds,
    _unfed_criterion,
)


def format_lint(warnings: list[LintWarning], jurisdiction: str | None) -> str:
    """The warnings as ``rules check`` prints them, or a line saying which rules found nothing."""
    where = f"jurisdiction {jurisdiction}" if jurisdiction else "no jurisdiction"
    if not warnings:
        return f"guardrails ({where}): no warnings; checked {', '.join(rule_names())}"
    count = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    return "\n".join([f"guardrails ({where}): {count}", *(str(w) for w in warnings)])
