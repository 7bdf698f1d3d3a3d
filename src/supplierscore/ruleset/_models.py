"""The ruleset models: immutable, checked pydantic classes for a loaded ruleset and its parts.

These are what the rest of the package reads (the engine compiles :class:`Criterion` and its scoring
method, the CLI prints a :class:`Ruleset`), so they sit at the bottom of the package's imports with the
constants they share (groups, price methods, the price field). They are only ever built from a ruleset's
canonical form by :mod:`supplierscore.ruleset._load`, after every check has passed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import MAX_PREC, Decimal, localcontext
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from supplierscore.resources import load_schema

Rounding = Literal["half_up", "half_even"]

GROUPS_CERTIFIABLE: tuple[str, ...] = tuple(load_schema("bid.schema.json")["$defs"]["group"]["enum"])
"""What a certification can cover: the values of ``evidence.covers`` and of a certificate's ``covers``,
read from the bid schema, which is where a new group is added."""

NOT_SOCIAL_GROUPS = frozenset({"price", "quality"})
"""The groups outside the policy's social share; every other group counts towards it."""

PRICE_FIELD = "price.amount"


# ---------------------------------------------------------------------------------------------------
# Models


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Linear(_Model):
    """``clip((x − from) / (to − from), 0, 1)``: 0 at ``from``, 1 at ``to`` (from > to: less is better)."""

    name: ClassVar[str] = "linear"
    from_: Decimal = Field(alias="from")
    to: Decimal


class Threshold(_Model):
    """1 if x ≥ ``at_least``, else 0."""

    name: ClassVar[str] = "threshold"
    at_least: Decimal


class Band(_Model):
    """One step of :class:`Bands`: inputs from ``at_least`` up score ``score``."""

    at_least: Decimal
    score: Decimal


class Bands(_Model):
    """The score of the highest band whose ``at_least`` ≤ x, else 0; ``at_least`` strictly ascending."""

    name: ClassVar[str] = "bands"
    bands: list[Band]


class Boolean(_Model):
    """1 if the field is true, else 0."""

    name: ClassVar[str] = "boolean"


class Lookup(_Model):
    """``map[x]`` when x is listed (keys are text: ``"small"``, ``"true"``, ``"3"``), else ``default``."""

    name: ClassVar[str] = "lookup"
    map: dict[str, Decimal]
    default: Decimal = Decimal(0)


class Panel(_Model):
    """``x / max`` clipped to [0, 1]: an evaluation panel's quality mark."""

    name: ClassVar[str] = "panel"
    max: Decimal


class Count(_Model):
    """``min(items of the array `of` matching `where`, to) / to``.

    ``where`` maps an item field to its allowed values; a single value in the file becomes a one-item list.
    """

    name: ClassVar[str] = "count"
    of: str
    where: dict[str, list[str | Decimal | bool]] = Field(default_factory=dict)
    to: int

    @field_validator("where", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        listed = {key: allowed if isinstance(allowed, list) else [allowed] for key, allowed in value.items()}
        return {key: [_exact(v) for v in allowed] for key, allowed in listed.items()}


class PriceProportional(_Model):
    """``P_min / P``: the lowest eligible price in the tender divided by this bid's price."""

    name: ClassVar[str] = "price_proportional"


class PriceLinear(_Model):
    """``clip(1 − (P − P_min) / ((zero_at − 1) × P_min), 0, 1)``: 1 at P_min, 0 at ``zero_at`` × P_min."""

    name: ClassVar[str] = "price_linear"
    zero_at: Decimal


Method = Linear | Threshold | Bands | Boolean | Lookup | Panel | Count | PriceProportional | PriceLinear

METHODS: dict[str, type[Method]] = {
    cls.name: cls
    for cls in (Linear, Threshold, Bands, Boolean, Lookup, Panel, Count, PriceProportional, PriceLinear)
}
"""The method models by their name in a ruleset file; the schema's ``method`` lists exactly these."""

PRICE_METHODS = frozenset({"price_proportional", "price_linear"})


def _method(value: Any) -> Any:
    """``{name: settings}`` as the method's model (``bands`` takes its list); anything else unchanged."""
    if isinstance(value, Mapping) and len(value) == 1:
        ((name, settings),) = value.items()
        model = METHODS.get(name)
        if model is not None:
            return model.model_validate({"bands": settings} if model is Bands else settings)
    return value


class FieldRef(_Model):
    """A criterion's input: a dotted ``path`` into the bid, or a ``share`` (numerator, denominator)."""

    path: str | None = None
    share: tuple[str, str] | None = None

    @model_validator(mode="after")
    def _one(self) -> FieldRef:
        if (self.path is None) == (self.share is None):
            raise ValueError("a field is a path or a share, exactly one of them")
        return self

    def __str__(self) -> str:
        return f"{self.share[0]} / {self.share[1]}" if self.share is not None else str(self.path)


class Evidence(_Model):
    """Factor 1 for a valid certificate by one of ``issuers`` covering ``covers``, else ``self_declared``."""

    covers: str
    issuers: list[str]
    self_declared: Decimal = Decimal(0)


def _listed(value: Any) -> Any:
    """A single source id as a one-item list; anything else unchanged."""
    return [value] if isinstance(value, str) else value


class Source(_Model):
    """A published source a ruleset's figures come from (``sources`` maps an id to one)."""

    title: str
    url: str
    date: str | None = None
    note: str | None = None


class Criterion(_Model):
    """One criterion: points = ``weight`` × the method's fraction × the evidence factor, rounded once.

    ``source`` (ids into the ruleset's ``sources``) and ``link`` (how the criterion relates to the
    contract's subject matter) change no score: the summary prints them and the guardrail linter reads them.
    """

    id: str
    group: str
    weight: Decimal
    field: FieldRef | None = None
    method: Method
    evidence: Evidence | None = None
    source: list[str] = Field(default_factory=list)
    link: str | None = None

    @field_validator("source", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> Any:
        return _listed(value)

    @field_validator("field", mode="before")
    @classmethod
    def _field(cls, value: Any) -> Any:
        return {"path": value} if isinstance(value, str) else value

    @field_validator("method", mode="before")
    @classmethod
    def _settings(cls, value: Any) -> Any:
        return _method(value)


class Gate(_Model):
    """A mandatory requirement: ``field op value`` or ``field op ref``; ``present`` needs neither."""

    id: str
    field: str
    op: Literal["<", "<=", ">", ">=", "==", "!=", "in", "present"]
    value: Any = None
    ref: str | None = None
    reason: str | None = None


class TieBreaker(_Model):
    """Order tied bids by a ``group``'s subtotal or by a bid ``field`` (exactly one of them)."""

    group: str | None = None
    field: str | None = None
    order: Literal["asc", "desc"] = "asc"

    @model_validator(mode="after")
    def _one(self) -> TieBreaker:
        if (self.group is None) == (self.field is None):
            raise ValueError("a tie-breaker names a group or a field, exactly one of them")
        return self


class Ranking(_Model):
    """The tie-breakers, in order; bid id ascending always settles what they leave tied."""

    tie_breakers: list[TieBreaker] = Field(default_factory=list)


class Policy(_Model):
    """Bounds on the social share: the points of criteria whose group is neither price nor quality."""

    social_weight_min: Decimal | None = None
    social_weight_max: Decimal | None = None


class Participation(_Model):
    """Which groups' supply-chain participation is counted (``participation.<group>``), and whether only
    certified subcontractors count; the counting itself follows 49 CFR 26.55 (see the engine)."""

    groups: list[str]
    certified_only: bool = False
    source: list[str] = Field(default_factory=list)

    @field_validator("source", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> Any:
        return _listed(value)


class AbnormallyLow(_Model):
    """When a price counts as abnormally low: ``below_mean_pct`` % or more below the mean of the other
    eligible bids' prices, or ``below_next_pct`` % or more below the next price up (either rule may be left
    out). A flag for the buyer to ask for an explanation; it never changes a score."""

    below_mean_pct: Decimal | None = None
    below_next_pct: Decimal | None = None


class Integrity(_Model):
    """Settings of the integrity flags (which never change a score)."""

    abnormally_low: AbnormallyLow | None = None


class Ruleset(_Model):
    """A loaded, checked ruleset; immutable, hashed by its digest.

    ``canonical_json`` is the RFC 8785 form of the file as parsed and ``sha256`` its hex digest; two
    rulesets are equal exactly when their canonical forms are.
    """

    id: str
    version: str
    title: str
    precision: int = Field(ge=0, le=10)
    rounding: Rounding
    languages: list[str] = Field(default_factory=lambda: ["en"])
    policy: Policy = Field(default_factory=Policy)
    gates: list[Gate] = Field(default_factory=list)
    criteria: list[Criterion]
    ranking: Ranking = Field(default_factory=Ranking)
    labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    targets: dict[str, Decimal] = Field(default_factory=dict)
    jurisdiction: str | None = None
    sources: dict[str, Source] = Field(default_factory=dict)
    participation: Participation | None = None
    integrity: Integrity | None = None
    canonical_json: bytes
    sha256: str

    def __hash__(self) -> int:
        return hash(self.sha256)

    @property
    def groups(self) -> list[str]:
        """The criteria's group names, in order of first appearance."""
        return list(dict.fromkeys(c.group for c in self.criteria))

    def label(self, criterion_id: str, language: str = "en") -> str:
        """The label of a criterion (or group) in ``language``; its id when the ruleset gives none."""
        return self.labels.get(criterion_id, {}).get(language, criterion_id)

    @property
    def social_weight(self) -> Decimal:
        """The points carried by criteria whose group is neither price nor quality."""
        return _sum(c.weight for c in self.criteria if c.group not in NOT_SOCIAL_GROUPS)


def _exact(value: Any) -> Any:
    """An int (not a bool) as a Decimal, so that a number never passes for a boolean; else unchanged."""
    return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _sum(values: Iterator[Decimal] | list[Decimal]) -> Decimal:
    """The exact sum without trailing zeros (30, not 30.0): Decimal addition rounds to 28 digits by default,
    and weights must add up exactly."""
    with localcontext(prec=MAX_PREC):
        total = sum(values, Decimal(0))
        return total.quantize(Decimal(1)) if total == total.to_integral_value() else total.normalize()
