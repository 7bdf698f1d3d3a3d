"""Rulesets: the file that says how bids are judged, loaded into checked, immutable models.

A ruleset file (YAML or JSON; ``rules/README.md`` is the format reference) goes through four steps, and a
ruleset that fails any of them is refused with **every** problem found, each naming its JSON Pointer and
its line, in one :class:`~supplierscore.errors.RulesetError`:

1. **read**: YAML is composed into nodes by a safe loader and turned into plain data by
   :class:`_YamlReader`, which knows only text, numbers, true/false, null, lists and mappings. No YAML tag
   can build an object (``!!python/object`` is a problem, never a call), anchors and aliases are refused (a
   few lines of aliases can stand for billions of values), and a key given twice is a problem rather than
   a silent overwrite. Numbers are exact: ``0.3`` is ``Decimal("0.3")``, never a float. Each node's line is
   recorded under its JSON Pointer.
2. **schema**: the data is validated against ``schemas/ruleset.schema.json`` and each error said in plain
   words (:func:`_schema_problems`).
3. **rules the schema cannot say**: one small generator per rule in :data:`_CHECKS` (weights add up to
   100, the policy's bounds, bands ascend, field paths name real bid fields, labels in every language,
   ...). They read the raw data defensively, so a ruleset with a schema problem in one place still has its
   other problems reported.
4. **canonical form**: the data as RFC 8785 JSON, whose SHA-256 every score sheet and audit record
   carries. The models are then built *from the canonical form*, so a ruleset loaded from its file and one
   replayed from its stored canonical form (:func:`ruleset_from_canonical`) are equal down to how each
   number prints (``12.50`` in the file is ``12.5`` in both).

Example:
    >>> ruleset = load_ruleset(default_ruleset_path())
    >>> ruleset.id, ruleset.version, sum(c.weight for c in ruleset.criteria) == 100
    ('cities-of-migration', '1.0.0', True)
    >>> ruleset.criteria[0].method.name
    'price_proportional'
    >>> ruleset.label("living-wage", "fr")
    'Salaire de subsistance'
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import MAX_PREC, ROUND_DOWN, Decimal, InvalidOperation, localcontext
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Literal

import jsonschema_rs
import rfc8785
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from supplierscore.errors import Problem, RulesetError, UsageError
from supplierscore.resources import load_schema, package_file

__all__ = [
    "GROUPS_CERTIFIABLE",
    "METHODS",
    "NOT_SOCIAL_GROUPS",
    "Band",
    "Bands",
    "Boolean",
    "Count",
    "Criterion",
    "Evidence",
    "FieldRef",
    "Gate",
    "Linear",
    "Lookup",
    "Method",
    "Panel",
    "Policy",
    "PriceLinear",
    "PriceProportional",
    "Ranking",
    "Rounding",
    "Ruleset",
    "Threshold",
    "TieBreaker",
    "default_ruleset_path",
    "is_known_field",
    "known_fields",
    "load_ruleset",
    "parse_ruleset",
    "ruleset_from_canonical",
    "summarize",
]

Rounding = Literal["half_up", "half_even"]

GROUPS_CERTIFIABLE: tuple[str, ...] = tuple(load_schema("bid.schema.json")["$defs"]["group"]["enum"])
"""What a certification can cover: the values of ``evidence.covers`` and of a certificate's ``covers``,
read from the bid schema, which is where a new group is added."""

NOT_SOCIAL_GROUPS = frozenset({"price", "quality"})
"""The groups outside the policy's social share; every other group counts towards it."""

SCHEMA_NAME = "ruleset.schema.json"
DEFAULT_RULESET = "cities-of-migration.yaml"
MAX_FILE_BYTES = 4 * 1024 * 1024
"""The largest ruleset file read; the bundled one is about 10 KiB."""

MAX_DEPTH = 32
"""The deepest nesting of lists and mappings a ruleset may have; a valid one needs 6."""

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


class Criterion(_Model):
    """One criterion: points = ``weight`` × the method's fraction × the evidence factor, rounded once."""

    id: str
    group: str
    weight: Decimal
    field: FieldRef | None = None
    method: Method
    evidence: Evidence | None = None

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


# ---------------------------------------------------------------------------------------------------
# Public entry points


def default_ruleset_path() -> Path:
    """The bundled ``rules/cities-of-migration.yaml``, found inside the installed package."""
    return package_file("rules", DEFAULT_RULESET)


def load_ruleset(source: str | os.PathLike[str]) -> Ruleset:
    """Read, check and load the ruleset file ``source`` (``.yaml``, ``.yml`` or ``.json``).

    Raises :class:`~supplierscore.errors.RulesetError` listing every problem found, each with its JSON
    Pointer and line, and :class:`~supplierscore.errors.UsageError` when the file cannot be read at all.
    """
    path = Path(source)
    name = str(source)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        kind = suffix or "(no extension)"
        raise _refusal(name, [Problem("", f"unknown kind of file {kind}: expected .yaml, .yml or .json")])
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read the ruleset {name}: {error.strerror or error}", path=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _refusal(name, [Problem("", f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problem = Problem("", f"not UTF-8: byte 0x{raw[error.start]:02x} cannot be read", line)
        raise _refusal(name, [problem]) from None
    if suffix == ".json":
        data, problems = _read_json(text)
        lines = _YamlReader.lines_of(text) if not problems else {}
    else:
        reader = _YamlReader()
        data = reader.read(text)
        problems, lines = reader.problems, reader.lines
    return _parse(data, name, lines, problems)


def parse_ruleset(
    data: object, *, source: str = "<memory>", lines: Mapping[str, int] | None = None
) -> Ruleset:
    """Check and load a ruleset already parsed into plain data (dicts, lists, text, numbers, booleans).

    ``lines`` maps JSON Pointers to line numbers, for problems to name. Numbers should be ``int`` or
    ``Decimal``; a float is taken at its shortest repr (``0.1`` as ``Decimal("0.1")``).

    >>> parse_ruleset({"ruleset": "x", "version": "1", "title": "t", "precision": 2,
    ...                "rounding": "half_up", "criteria": []})
    Traceback (most recent call last):
    ...
    supplierscore.errors.RulesetError: <memory>: the ruleset cannot be used (1 problem)
      /criteria: must have at least 1 item
    """
    return _parse(data, source, lines or {}, [])


def ruleset_from_canonical(canonical: bytes) -> Ruleset:
    """Load a ruleset from its stored canonical form (for audit replay): equal, with the same digest.

    Bytes that are not exactly the canonical form of what they hold are refused, since their digest would
    not be the one recorded.
    """
    source = "<canonical ruleset>"
    try:
        text = canonical.decode("utf-8")
    except UnicodeDecodeError:
        raise _refusal(source, [Problem("", "the bytes are not UTF-8")]) from None
    data, problems = _read_json(text)
    ruleset = _parse(data, source, {}, problems)
    if ruleset.canonical_json != canonical:
        raise _refusal(source, [Problem("", "the bytes are not in RFC 8785 canonical form")])
    return ruleset


def _refusal(source: str, problems: list[Problem]) -> RulesetError:
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return RulesetError(f"{source}: the ruleset cannot be used ({count})", problems, source=source)


def _parse(data: Any, source: str, lines: Mapping[str, int], early: list[Problem]) -> Ruleset:
    """Run every check, collect every problem, and build the models from the canonical form.

    ``early`` holds the problems found while reading; a later problem at or under a value that reading
    already refused (a forbidden tag, say) is left out, since it only repeats that one in other words.
    """
    unreadable: list[tuple[str, str]] = []
    later: list[tuple[str, str]] = []
    canonical = b""
    if data is not None or not early:
        plain = _plain(data, "", unreadable)
        later += _schema_problems(plain)
        later += _rule_problems(plain, lines)
        canonical = _canonical(plain, later)
    refused = [p.path for p in early] + [path for path, _ in unreadable]
    found = list(early) + [
        Problem(path, message, _line(path, lines))
        for path, message in unreadable
        + [(path, message) for path, message in later if not _under(path, refused)]
    ]
    if found:
        unique = list(dict.fromkeys(found))
        unique.sort(key=lambda p: (p.line is None, p.line or 0))
        raise _refusal(source, unique)
    return _build(canonical, source)


def _under(pointer: str, refused: Sequence[str]) -> bool:
    return any(pointer == r or pointer.startswith(f"{r}/") for r in refused)


def _build(canonical: bytes, source: str) -> Ruleset:
    doc = json.loads(canonical, parse_float=Decimal)
    try:
        return Ruleset.model_validate(
            {
                **{k: v for k, v in doc.items() if k != "ruleset"},
                "id": doc["ruleset"],
                "canonical_json": canonical,
                "sha256": hashlib.sha256(canonical).hexdigest(),
            }
        )
    except ValidationError as error:  # the checks above should make this unreachable
        problems = [
            Problem("/" + "/".join(_escape(step) for step in e["loc"]), e["msg"]) for e in error.errors()
        ]
        raise _refusal(source, problems) from None


def _line(pointer: str, lines: Mapping[str, int]) -> int | None:
    """The line of ``pointer``, or of its nearest ancestor that has one."""
    while True:
        if pointer in lines:
            return lines[pointer]
        if not pointer:
            return None
        pointer = pointer.rsplit("/", 1)[0]


def _escape(step: object) -> str:
    return str(step).replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------------------------------------------
# Reading: YAML and JSON into plain data with exact numbers

_TAG = "tag:yaml.org,2002:"
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_PLAIN_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")


class _Loader(yaml.SafeLoader):
    """A safe loader used only to compose nodes, with YAML 1.2 booleans.

    YAML 1.1 reads ``yes``, ``no``, ``on`` and ``off`` as booleans, so the language tag ``no`` (Norwegian)
    or a lookup key ``yes`` would silently change type; here only true and false are booleans.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != f"{_TAG}bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(f"{_TAG}bool", _BOOL, list("tTfF"))


class _YamlReader:
    """YAML text to plain data, building values from the node tree itself: never through a constructor
    that a tag could choose, so no tag can run code or build an object.

    Records each node's line under its JSON Pointer (the line of the key for a mapping entry) and every
    problem found, then goes on, so that one pass reports them all.
    """

    def __init__(self) -> None:
        self.lines: dict[str, int] = {"": 1}
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    @classmethod
    def lines_of(cls, text: str) -> dict[str, int]:
        """The line of each JSON Pointer in JSON ``text`` (nearly YAML), or none if YAML cannot tell."""
        reader = cls()
        reader.read(text)
        return {} if reader.problems else reader.lines

    def read(self, text: str) -> Any:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark is not None else None
            self._problem("", f"not valid YAML: {error.problem or error.context}", line)
            return None
        except (yaml.YAMLError, RecursionError) as error:
            self._problem("", f"not valid YAML: {error}", None)
            return None
        finally:
            loader.dispose()
        if node is None:
            self._problem("", "the file is empty", 1)
            return None
        return self._value(node, "", 0)

    def _problem(self, pointer: str, message: str, line: int | None) -> None:
        self.problems.append(Problem(pointer, message, line))

    def _value(self, node: yaml.Node, pointer: str, depth: int) -> Any:
        line = node.start_mark.line + 1
        if id(node) in self._seen:  # the node an alias points to: name the alias's own line
            line = _line(pointer, self.lines) or line
            self._problem(
                pointer, "YAML aliases (*name) are not allowed in a ruleset: write the value out", line
            )
            return None
        self._seen.add(id(node))
        if depth > MAX_DEPTH:
            self._problem(pointer, f"nested more than {MAX_DEPTH} levels deep", line)
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, pointer, depth) if self._tag_ok(node, "map", pointer) else None
        if isinstance(node, yaml.SequenceNode):
            if not self._tag_ok(node, "seq", pointer):
                return None
            items = []
            for index, item in enumerate(node.value):
                child = f"{pointer}/{index}"
                self.lines.setdefault(child, item.start_mark.line + 1)
                items.append(self._value(item, child, depth + 1))
            return items
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, pointer)

    def _mapping(self, node: yaml.MappingNode, pointer: str, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(pointer, "a key must be plain text, not a list or mapping", line)
                continue
            if key_node.tag == f"{_TAG}merge":
                self._problem(
                    pointer, "merge keys (<<) are not allowed in a ruleset: write the keys out", line
                )
                continue
            key = key_node.value
            child = f"{pointer}/{_escape(key)}"
            if key in first:  # the first value is kept, so that only this problem is reported
                self._problem(child, f'the key "{key}" is given twice (first on line {first[key]})', line)
                continue
            first[key] = line
            self.lines[child] = line
            out[key] = self._value(value_node, child, depth + 1)
        return out

    def _tag_ok(self, node: yaml.Node, kind: str, pointer: str) -> bool:
        if node.tag == f"{_TAG}{kind}":
            return True
        self._problem(pointer, _tag_refusal(node.tag), node.start_mark.line + 1)
        return False

    def _scalar(self, node: yaml.ScalarNode, pointer: str) -> Any:
        text, tag, line = node.value, node.tag, node.start_mark.line + 1
        if tag in (f"{_TAG}str", f"{_TAG}timestamp"):  # a date stays text, as it would in JSON
            return text
        if tag == f"{_TAG}null":
            return None
        if tag == f"{_TAG}bool" and _BOOL.match(text):
            return text.lower() == "true"
        if tag == f"{_TAG}int":
            if _PLAIN_INT.match(text):
                return int(text.replace("_", ""))
            self._problem(
                pointer, f"{text} is not a plain decimal number (write 15, not 017, 0xf or 0:15)", line
            )
            return None
        if tag == f"{_TAG}float":
            try:
                number = Decimal(text.replace("_", ""))
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite():
                return number
            self._problem(pointer, f"{text} is not a finite decimal number", line)
            return None
        self._problem(pointer, _tag_refusal(tag), line)
        return None


def _tag_refusal(tag: str) -> str:
    shown = f"!!{tag[len(_TAG) :]}" if tag.startswith(_TAG) else tag
    return (
        f"the YAML tag {shown} is not allowed: a ruleset is data (text, numbers, true/false, lists and "
        "mappings), never objects or code"
    )


def _read_json(text: str) -> tuple[Any, list[Problem]]:
    """JSON text to plain data with Decimal numbers; duplicate keys, NaN and Infinity are problems."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f'the key "{twice[0]}" is given twice in one object')
        return dict(items)

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number a ruleset can hold")

    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=constant, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        return None, [Problem("", f"not valid JSON: {error.msg} (column {error.colno})", error.lineno)]
    except (ValueError, RecursionError) as error:
        return None, [Problem("", f"not valid JSON: {error}")]
    return data, []


def _plain(value: Any, pointer: str, problems: list[tuple[str, str]]) -> Any:
    """``value`` as JSON-like data: floats as Decimals (shortest repr), tuples as lists, dates as text."""
    if isinstance(value, str) and not _unicode(value):
        problems.append((pointer, "the text is not valid Unicode (it holds an unpaired surrogate)"))
        return None
    if isinstance(value, bool | str | int) or value is None:
        return value
    if isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if number.is_finite():
            return number
        problems.append((pointer, f"{value} is not a finite number"))
        return None
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and _unicode(key):
                out[key] = _plain(item, f"{pointer}/{_escape(key)}", problems)
            else:
                problems.append((pointer, f"the key {key!r} is not text"))
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, f"{pointer}/{index}", problems) for index, item in enumerate(value)]
    if isinstance(value, date):  # as a YAML 1.1 loader builds it: kept as its ISO text, as _YamlReader does
        return value.isoformat()
    problems.append((pointer, f"a {type(value).__name__} is not data a ruleset can hold"))
    return None


def _unicode(text: object) -> bool:
    """Whether ``text`` is a str that UTF-8 can encode (JSON's ``"\\ud800"`` is a str that cannot)."""
    if not isinstance(text, str):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------
# The canonical form

_SAFE_INTEGER = 2**53 - 1


def _canonical(doc: Any, problems: list[tuple[str, str]]) -> bytes:
    """The RFC 8785 form of ``doc``; numbers it cannot hold exactly are added to ``problems``.

    RFC 8785 writes numbers as IEEE doubles in their shortest form, so a number is kept only when that form
    reads back as the same decimal: integers up to 2**53 − 1, and decimals whose shortest double repr is
    themselves (0.3 is; 0.1234567890123456789 is not).
    """
    before = len(problems)

    def convert(value: Any, pointer: str) -> Any:
        if isinstance(value, dict):
            return {key: convert(item, f"{pointer}/{_escape(key)}") for key, item in value.items()}
        if isinstance(value, list):
            return [convert(item, f"{pointer}/{index}") for index, item in enumerate(value)]
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            return value
        number = Decimal(value)
        if number == number.to_integral_value() and abs(number) <= _SAFE_INTEGER:
            return int(number)
        double = float(number)
        if math.isfinite(double) and Decimal(repr(double)) == number:
            return double
        problems.append((pointer, f"number {value} has more digits than canonical JSON keeps exactly"))
        return 0

    converted = convert(doc, "")
    if len(problems) > before:
        return b""
    try:
        encoded: bytes = rfc8785.dumps(converted)
    except rfc8785.CanonicalizationError as error:  # e.g. a lone surrogate escaped in JSON text
        problems.append(("", f"cannot be written as canonical JSON: {error}"))
        return b""
    return encoded


# ---------------------------------------------------------------------------------------------------
# Schema problems in plain words


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(load_schema(SCHEMA_NAME))


def _schema_problems(doc: Any) -> list[tuple[str, str]]:
    """Every error of ``doc`` against the ruleset schema, as (JSON Pointer, plain-language reason)."""
    validator = _validator()
    if validator.is_valid(doc):
        return []
    schema = load_schema(SCHEMA_NAME)
    found: list[tuple[str, str]] = []
    for error in validator.iter_errors(doc):
        found.extend(_describe(error, schema, doc))
    return found


def _describe(error: Any, schema: Mapping[str, Any], doc: Any) -> list[tuple[str, str]]:
    steps = list(error.instance_path)
    pointer = "".join(f"/{_escape(step)}" for step in steps)
    kind, keyword_path = error.kind.name, list(error.schema_path)
    node = _node(schema, keyword_path[:-1])
    value = _at(doc, steps)
    is_method = node is schema["$defs"]["method"]
    if kind == "additionalProperties":
        known = list(node.get("properties", {}))
        found = []
        for key in error.kind.unexpected:
            what = "method" if is_method else "key"
            hint = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            suggestion = f'; did you mean "{hint[0]}"?' if hint else ""
            listed = f" (the {what}s here: {', '.join(known)})" if known and (is_method or not hint) else ""
            found.append((f"{pointer}/{_escape(key)}", f'unknown {what} "{key}"{suggestion}{listed}'))
        return found
    if kind == "required":
        return [(pointer, f'missing "{error.kind.as_dict()["property"]}"')]
    if kind == "type":
        return [(pointer, _type_message(node.get("type"), value))]
    if kind == "enum":
        allowed = ", ".join(str(option) for option in node["enum"])
        if steps[-1:] == ["covers"]:
            return [
                (
                    pointer,
                    f"no certification can cover {_show(value)} (a certification covers one of: {allowed})",
                )
            ]
        return [(pointer, f"{_show(value)} is not one of: {allowed}")]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if node.get("minimum") == 0 and node.get("maximum") == 1:
            return [(pointer, f"{_show(value)} is not a fraction from 0 to 1")]
        return [(pointer, f"{_show(value)} is out of range: must be {_BOUNDS[kind]} {node[kind]}")]
    if is_method and kind == "maxProperties":
        return [(pointer, f"a criterion has exactly one method, not {len(value)}: {', '.join(value)}")]
    if is_method and kind == "minProperties":
        return [(pointer, f"no method given: write {{name: {{settings}}}} with one of: {', '.join(METHODS)}")]
    if kind in _LIMITS:
        limit = node[kind]
        words, unit = _LIMITS[kind]
        return [(pointer, f"must have {words} {limit} {unit}{'s' * (limit != 1)}")]
    if kind == "minProperties":
        return [(pointer, "must not be empty")]
    if kind == "uniqueItems":
        return [(pointer, "lists the same value more than once")]
    expected = _first_sentence(node.get("description", ""))
    if kind == "pattern":
        return [(pointer, f"{_show(value)} does not have the expected form: {expected}")]
    if kind.startswith("oneOf") or kind == "anyOf":
        return [(pointer, f"{_show(value)} is not valid here: expected {expected}")]
    return [(pointer, str(error.message))]


_LIMITS = {
    "minItems": ("at least", "item"),
    "maxItems": ("at most", "item"),
    "minLength": ("at least", "character"),
    "maxLength": ("at most", "character"),
}


def _node(schema: Mapping[str, Any], path: Sequence[str | int]) -> Any:
    node: Any = schema
    for step in path:
        node = node[step]
    return node


def _at(doc: Any, steps: Sequence[str | int]) -> Any:
    for step in steps:
        doc = doc[step]
    return doc


_BOUNDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "more than",
    "exclusiveMaximum": "less than",
}

_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping (key: value)",
    "null": "null",
}
"""JSON Schema types as a procurement officer would say them."""


def _type_message(wanted: Any, value: Any) -> str:
    types = wanted if isinstance(wanted, list) else [wanted]
    expected = " or ".join(_TYPE_WORDS.get(t, str(t)) for t in types)
    message = f"must be {expected}, not {_kind(value)} {_show(value)}"
    if types == ["string"] and isinstance(value, int | Decimal | bool):
        message += f' (write it in quotes: "{_show(value)}")'
    return message


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal):
        return "the number"
    if isinstance(value, str):
        return "the text"
    return "a list" if isinstance(value, list) else "a mapping"


def _show(value: Any, limit: int = 60) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return _number_text(value)
    if isinstance(value, int):
        return str(value)
    text = json.dumps(value, default=_number_text, ensure_ascii=False)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _number_text(value: Any) -> str:
    """A number as it was written, without exponent: ``40``, ``0.30``, never ``4E+1``."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _first_sentence(text: str) -> str:
    first = re.split(r"\.\s+(?=[A-Z])", text)[0].rstrip(".")
    return first[:1].lower() + first[1:]


# ---------------------------------------------------------------------------------------------------
# Known fields, derived from the bid and tender schemas


@dataclass(frozen=True)
class _Catalog:
    """The field paths of a bid (and, prefixed ``tender.``, of a tender) with their JSON types.

    Paths are patterns: ``*`` stands for any key of a map (``quality.*``) and ``[]`` for the items of an
    array (``certifications[].issuer``).
    """

    types: Mapping[str, frozenset[str]]

    @classmethod
    def from_schemas(cls, bid: Mapping[str, Any], tender: Mapping[str, Any] | None) -> _Catalog:
        types: dict[str, set[str]] = {}
        _walk_schema(bid, bid, "", types, 0)
        if tender is not None:
            types["tender"] = {"object"}
            _walk_schema(tender, tender, "tender", types, 0)
        return cls({path: frozenset(found) for path, found in types.items()})

    def match(self, path: str) -> str | None:
        """The pattern ``path`` matches, or None for an unknown field."""
        if path in self.types:
            return path
        parts = path.split(".")
        for pattern in self.types:
            steps = pattern.split(".")
            if len(steps) == len(parts) and all(s in ("*", p) for s, p in zip(steps, parts, strict=True)):
                return pattern
        return None

    def near(self, path: str, *, tender: bool) -> str | None:
        """The known path closest to a misspelt ``path``, if one is close."""
        candidates = [p for p in self.types if "[]" not in p and "*" not in p and (tender or p != "tender")]
        candidates = [p for p in candidates if tender or not p.startswith("tender.")]
        hint = difflib.get_close_matches(path, candidates, n=1, cutoff=0.75)
        return hint[0] if hint else None


def _walk_schema(
    root: Mapping[str, Any], node: Any, prefix: str, types: dict[str, set[str]], depth: int
) -> None:
    """Record the fields ``node`` (a schema at ``prefix``) allows, following local and bundled ``$ref``s."""
    if not isinstance(node, Mapping) or depth > 24:
        return
    found = types.setdefault(prefix, set()) if prefix else set()
    declared = node.get("type")
    found.update([declared] if isinstance(declared, str) else declared or [])
    for value in [node["const"]] if "const" in node else node.get("enum", []):
        found.add(_json_type(value))
    reference = node.get("$ref")
    if isinstance(reference, str):
        target_root, target = _resolve(root, reference)
        _walk_schema(target_root, target, prefix, types, depth + 1)
    for branches in ("allOf", "anyOf", "oneOf"):
        for branch in node.get(branches, []):
            _walk_schema(root, branch, prefix, types, depth + 1)
    for key, child in node.get("properties", {}).items():
        _walk_schema(root, child, f"{prefix}.{key}" if prefix else key, types, depth + 1)
    free = node.get("additionalProperties")
    for child in [free] if isinstance(free, Mapping) or free is True else []:
        _walk_schema(root, child if isinstance(child, Mapping) else {}, f"{prefix}.*", types, depth + 1)
    for child in node.get("patternProperties", {}).values():
        _walk_schema(root, child, f"{prefix}.*", types, depth + 1)
    items = node.get("items")
    if isinstance(items, Mapping):
        _walk_schema(root, items, f"{prefix}[]", types, depth + 1)


def _resolve(root: Mapping[str, Any], reference: str) -> tuple[Mapping[str, Any], Any]:
    """The schema a ``$ref`` names: ``#/$defs/x`` in ``root``, or ``other.schema.json#/...`` bundled."""
    document, _, fragment = reference.partition("#")
    target_root = root
    if document:
        try:
            target_root = load_schema(document.rsplit("/", 1)[-1])
        except (OSError, ValueError):
            return root, {}
    node: Any = target_root
    for step in [s for s in fragment.split("/") if s]:
        step = step.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or step not in node:
            return root, {}
        node = node[step]
    return target_root, node


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "null"


@cache
def _catalog() -> _Catalog | None:
    """The catalog of the bundled schemas, or None while they are missing (field checks are then skipped)."""
    try:
        return _Catalog.from_schemas(load_schema("bid.schema.json"), load_schema("tender.schema.json"))
    except FileNotFoundError:
        return None


def known_fields() -> frozenset[str]:
    """Every field path a ruleset may name, derived from ``bid.schema.json`` and ``tender.schema.json``.

    Bid fields are dotted paths (``ownership.immigrant``), tender fields ``tender.<path>``; ``*`` stands for
    any key of a map (``quality.*``) and ``[]`` for the items of an array (``certifications[].issuer``).
    Raises FileNotFoundError when the bundled schemas are missing.
    """
    catalog = _catalog()
    if catalog is None:
        raise FileNotFoundError("schemas/bid.schema.json or schemas/tender.schema.json is missing")
    return frozenset(catalog.types)


def is_known_field(path: str) -> bool:
    """Whether ``path`` names a field of a bid, or (as ``tender.<path>``) of a tender.

    >>> is_known_field("ownership.immigrant"), is_known_field("quality.anything"), is_known_field("owner")
    (True, True, False)
    """
    known_fields()  # raises when the schemas are missing
    catalog = _catalog()
    return catalog is not None and catalog.match(path) is not None


# ---------------------------------------------------------------------------------------------------
# The rules a schema cannot say: one generator per rule, each reading the raw data defensively

Found = Iterator[tuple[str, str]]


@dataclass(frozen=True)
class _Context:
    """What every check may consult: the document, its lines, the known fields (None: skip field checks)."""

    doc: Mapping[str, Any]
    lines: Mapping[str, int]
    catalog: _Catalog | None

    def entries(self, key: str) -> list[tuple[int, Mapping[str, Any]]]:
        """The mappings listed under ``key`` (``tie_breakers``: under ``ranking``) with their indexes."""
        items = self.doc.get(key)
        if key == "tie_breakers":
            ranking = self.doc.get("ranking")
            items = ranking.get("tie_breakers") if isinstance(ranking, Mapping) else None
        if not isinstance(items, list):
            return []
        return [(index, item) for index, item in enumerate(items) if isinstance(item, Mapping)]

    @property
    def criteria(self) -> list[tuple[int, Mapping[str, Any]]]:
        return self.entries("criteria")

    def where(self, pointer: str) -> str:
        line = _line(pointer, self.lines)
        return f"line {line}" if line is not None else pointer

    def groups(self) -> list[str]:
        return list(dict.fromkeys(c["group"] for _, c in self.criteria if isinstance(c.get("group"), str)))


def _sum(values: Iterator[Decimal] | list[Decimal]) -> Decimal:
    """The exact sum without trailing zeros (30, not 30.0): Decimal addition rounds to 28 digits by default,
    and weights must add up exactly."""
    with localcontext(prec=MAX_PREC):
        total = sum(values, Decimal(0))
        return total.quantize(Decimal(1)) if total == total.to_integral_value() else total.normalize()


def _number(value: Any) -> Decimal | None:
    """A ruleset number as a Decimal; None for anything else (true/false are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    return Decimal(value)


def _method_of(criterion: Mapping[str, Any]) -> tuple[str | None, Any]:
    method = criterion.get("method")
    if isinstance(method, Mapping) and len(method) == 1:
        ((name, settings),) = method.items()
        if name in METHODS:
            return name, settings
    return None, None


def _weights(ctx: _Context) -> list[tuple[Mapping[str, Any], Decimal]] | None:
    """Each criterion with its weight, or None when a weight is not a number (the schema says so)."""
    weights = [(c, _number(c.get("weight"))) for _, c in ctx.criteria]
    if not weights or any(w is None for _, w in weights):
        return None
    return [(c, w) for c, w in weights if w is not None]


def _check_unique_ids(ctx: _Context) -> Found:
    for key, what in (("criteria", "criterion"), ("gates", "gate")):
        first: dict[str, int] = {}
        for index, item in ctx.entries(key):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in first:
                pointer = f"/{key}/{first[ident]}"
                yield (
                    f"/{key}/{index}/id",
                    f'{what} id "{ident}" is used twice (first at {ctx.where(pointer)})',
                )
            else:
                first[ident] = index


def _check_weights(ctx: _Context) -> Found:
    weights = _weights(ctx)
    if weights is None:
        return
    total = _sum(w for _, w in weights)
    if total != 100:
        yield "/criteria", f"the weights add up to {_number_text(total)}, not 100"
    precision = ctx.doc.get("precision")
    if isinstance(precision, int) and not isinstance(precision, bool):
        for index, criterion in ctx.criteria:
            weight = _number(criterion.get("weight"))
            if weight is not None and weight != weight.quantize(
                Decimal(1).scaleb(-precision), rounding=ROUND_DOWN
            ):
                yield (
                    f"/criteria/{index}/weight",
                    f"weight {_number_text(weight)} has more decimals than the precision ({precision}): "
                    "its points could round past the weight, and a sheet's totals past 100",
                )


def _check_policy(ctx: _Context) -> Found:
    policy = ctx.doc.get("policy")
    if not isinstance(policy, Mapping):
        return
    low, high = _number(policy.get("social_weight_min")), _number(policy.get("social_weight_max"))
    if low is not None and high is not None and low > high:
        yield (
            "/policy",
            f"social_weight_min {_number_text(low)} is more than social_weight_max {_number_text(high)}",
        )
        return
    weights = _weights(ctx)
    if weights is None:
        return
    social = _sum(w for c, w in weights if c.get("group") not in NOT_SOCIAL_GROUPS)
    carry = f"the social criteria (groups other than price and quality) carry {_number_text(social)} points"
    if low is not None and social < low:
        yield "/policy/social_weight_min", f"{carry}, fewer than the policy's minimum of {_number_text(low)}"
    if high is not None and social > high:
        yield "/policy/social_weight_max", f"{carry}, more than the policy's maximum of {_number_text(high)}"


def _check_methods(ctx: _Context) -> Found:
    for index, criterion in ctx.criteria:
        base = f"/criteria/{index}/method"
        name, settings = _method_of(criterion)
        if name == "bands" and isinstance(settings, list):
            previous: Decimal | None = None
            for position, band in enumerate(settings):
                at_least = _number(band.get("at_least")) if isinstance(band, Mapping) else None
                if at_least is None:
                    continue
                if previous is not None and at_least <= previous:
                    yield (
                        f"{base}/bands/{position}/at_least",
                        f"bands must ascend: at_least {_number_text(at_least)} does not come after "
                        f"{_number_text(previous)}",
                    )
                previous = at_least if previous is None else max(previous, at_least)
        if name == "linear" and isinstance(settings, Mapping):
            start, end = _number(settings.get("from")), _number(settings.get("to"))
            if start is not None and start == end:
                yield f"{base}/linear", f"from and to are both {_number_text(start)}: the line has no length"


def _check_fields(ctx: _Context) -> Found:
    for index, criterion in ctx.criteria:
        base = f"/criteria/{index}"
        name, settings = _method_of(criterion)
        if name is None:
            continue
        given = criterion.get("field")
        if name in PRICE_METHODS:
            if given is not None:
                yield f"{base}/field", f"{name} reads {PRICE_FIELD} and takes no field: leave field out"
            continue
        if name == "count":
            if given is not None:
                yield (
                    f"{base}/field",
                    "count reads the list named by its `of` and takes no field: leave field out",
                )
            if isinstance(settings, Mapping):
                yield from _check_count(ctx, f"{base}/method/count", settings)
            continue
        if given is None:
            yield (
                base,
                f"the {name} method needs a field: the bid value it scores (e.g. field: ownership.immigrant)",
            )
            continue
        if isinstance(given, str):
            yield from _check_path(ctx, f"{base}/field", given, name)
        elif isinstance(given, Mapping) and isinstance(given.get("share"), list):
            for position, part in enumerate(given["share"][:2]):
                if isinstance(part, str):
                    yield from _check_path(ctx, f"{base}/field/share/{position}", part, "share")


_NEEDS = {
    "number": (frozenset({"number", "integer"}), "a number"),
    "boolean": (frozenset({"boolean"}), "true or false"),
    "lookup": (frozenset({"string", "number", "integer", "boolean"}), "a single value"),
}
"""The JSON types a method can score (by method name; any other method needs a number), and in words."""


def _check_path(ctx: _Context, pointer: str, path: str, method: str) -> Found:
    """A criterion's field: a known bid field whose type the method can score."""
    if ctx.catalog is None:
        return
    pattern = ctx.catalog.match(path)
    if pattern is None or path.startswith("tender.") or path == "tender":
        yield pointer, _unknown_field(ctx.catalog, path, tender=False)
        return
    types = ctx.catalog.types[pattern]
    need, words = _NEEDS.get(method, _NEEDS["number"])
    if types and not types & need:
        yield pointer, f"{path} is {_type_words(types)}, but the {method} method needs {words}"


def _type_words(types: frozenset[str]) -> str:
    return " or ".join(_TYPE_WORDS.get(t, t) for t in sorted(types))


def _unknown_field(catalog: _Catalog, path: str, *, tender: bool) -> str:
    hint = catalog.near(path, tender=tender)
    kind = "bid or tender field" if tender else "bid field"
    return f'unknown {kind} "{path}"' + (f'; did you mean "{hint}"?' if hint else "")


def _check_count(ctx: _Context, pointer: str, settings: Mapping[str, Any]) -> Found:
    of, where = settings.get("of"), settings.get("where")
    if ctx.catalog is None or not isinstance(of, str):
        return
    pattern = ctx.catalog.match(of)
    if pattern is None or of.startswith("tender."):
        yield f"{pointer}/of", _unknown_field(ctx.catalog, of, tender=False)
        return
    types = ctx.catalog.types[pattern]
    if types and "array" not in types:
        yield f"{pointer}/of", f"{of} is {_type_words(types)}, not a list that count can count"
        return
    if isinstance(where, Mapping):
        item_fields = sorted(
            p[len(pattern) + 3 :] for p in ctx.catalog.types if p.startswith(f"{pattern}[].")
        )
        for key in where:
            if ctx.catalog.match(f"{of}[].{key}") is None:
                listed = f" (its items have: {', '.join(item_fields)})" if item_fields else ""
                yield f"{pointer}/where/{_escape(key)}", f'the items of {of} have no field "{key}"{listed}'


def _check_gates(ctx: _Context) -> Found:
    for index, gate in ctx.entries("gates"):
        base = f"/gates/{index}"
        op, has_value, has_ref = gate.get("op"), "value" in gate, "ref" in gate
        if op == "present":
            if has_value or has_ref:
                yield base, "a present gate only asks that the field is given: leave out value and ref"
        elif isinstance(op, str):
            if has_value and has_ref:
                yield base, f"the {op} gate has both a value and a ref: give one of them"
            elif not has_value and not has_ref:
                yield base, f"the {op} gate needs a value (a constant) or a ref (another field)"
            elif op == "in" and not isinstance(gate.get("value"), list):
                yield (
                    f"{base}/{'value' if has_value else 'ref'}",
                    "an in gate needs a list value, e.g. value: [small, medium]",
                )
            elif op != "in" and isinstance(gate.get("value"), list):
                yield f"{base}/value", f"a list value goes with the in operator, not {op}"
        for key in ("field", "ref"):
            path = gate.get(key)
            if ctx.catalog is not None and isinstance(path, str) and ctx.catalog.match(path) is None:
                yield f"{base}/{key}", _unknown_field(ctx.catalog, path, tender=True)


def _check_tie_breakers(ctx: _Context) -> Found:
    groups = ctx.groups()
    for index, breaker in ctx.entries("tie_breakers"):
        base = f"/ranking/tie_breakers/{index}"
        has_group, has_field = "group" in breaker, "field" in breaker
        if has_group and has_field:
            yield base, "a tie-breaker names a group or a field, not both"
        elif not has_group and not has_field:
            yield base, "a tie-breaker names a group or a field: neither is given"
        group, path = breaker.get("group"), breaker.get("field")
        if isinstance(group, str) and group not in groups:
            yield f"{base}/group", f'unknown group "{group}" (the groups: {", ".join(groups)})'
        if isinstance(path, str) and ctx.catalog is not None:
            pattern = ctx.catalog.match(path)
            if pattern is None or path.startswith("tender."):
                yield f"{base}/field", _unknown_field(ctx.catalog, path, tender=False)


def _check_labels(ctx: _Context) -> Found:
    declared = ctx.doc.get("languages", ["en"])
    languages = [t for t in declared if isinstance(t, str)] if isinstance(declared, list) else ["en"]
    labels = ctx.doc.get("labels", {})
    if not isinstance(labels, Mapping):
        return
    ids = [c["id"] for _, c in ctx.criteria if isinstance(c.get("id"), str)]
    groups = ctx.groups()
    for key, entry in labels.items():
        pointer = f"/labels/{_escape(key)}"
        if key not in ids and key not in groups:
            yield pointer, f'"{key}" is neither a criterion id nor a group'
        for language in entry if isinstance(entry, Mapping) else []:
            if language not in languages:
                yield (
                    f"{pointer}/{_escape(language)}",
                    f'a label in "{language}", which languages does not declare ({", ".join(languages)})',
                )
    if "languages" not in ctx.doc and "labels" not in ctx.doc:
        return  # no labels asked for: criterion ids serve as labels
    for index, criterion in ctx.criteria:
        ident = criterion.get("id")
        if not isinstance(ident, str):
            continue
        given = labels.get(ident)
        missing = [t for t in languages if not (isinstance(given, Mapping) and t in given)]
        if missing:
            pointer = f"/labels/{_escape(ident)}" if ident in labels else f"/criteria/{index}"
            yield pointer, f'criterion "{ident}" has no label in {", ".join(missing)}'


_CHECKS: tuple[Callable[[_Context], Found], ...] = (
    _check_unique_ids,
    _check_weights,
    _check_policy,
    _check_methods,
    _check_fields,
    _check_gates,
    _check_tie_breakers,
    _check_labels,
)
"""Every rule the schema cannot say; each yields (JSON Pointer, plain-language reason)."""


def _rule_problems(doc: Any, lines: Mapping[str, int]) -> list[tuple[str, str]]:
    if not isinstance(doc, Mapping):
        return []
    ctx = _Context(doc, lines, _catalog())
    return [problem for check in _CHECKS for problem in check(ctx)]


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
    table = [("criterion", "group", "weight", "method", "field", "evidence")]
    table += [
        (
            c.id,
            c.group,
            _number_text(c.weight),
            _method_text(c.method),
            _field_text(c),
            _evidence_text(c.evidence),
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
    return "\n".join(out)


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
