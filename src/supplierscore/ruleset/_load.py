"""Loading a ruleset: the public entry points, the check pipeline and the canonical form.

Reading, schema checks and rule checks live in their own modules; this one runs them in order, collects
every problem into one :class:`~supplierscore.errors.RulesetError`, writes the RFC 8785 canonical form and
builds the models from it, so that a ruleset loaded from its file and one replayed from its stored
canonical form are equal.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import rfc8785
from pydantic import ValidationError

from supplierscore.errors import Problem, RulesetError, UsageError
from supplierscore.resources import package_file
from supplierscore.ruleset._models import Ruleset
from supplierscore.ruleset._presets import PRESET_PREFIX, is_preset, preset_path
from supplierscore.ruleset._rules import _rule_problems
from supplierscore.ruleset._schema import _schema_problems
from supplierscore.ruleset._yaml import _escape, _line, _plain, _read_json, _YamlReader

DEFAULT_RULESET = "cities-of-migration.yaml"
MAX_FILE_BYTES = 4 * 1024 * 1024
"""The largest ruleset file read; the bundled one is about 10 KiB."""


# ---------------------------------------------------------------------------------------------------
# Public entry points


def default_ruleset_path() -> Path:
    """The bundled ``rules/cities-of-migration.yaml``, found inside the installed package."""
    return package_file("rules", DEFAULT_RULESET)


def load_ruleset(source: str | os.PathLike[str] | None = None) -> Ruleset:
    """Read, check and load the ruleset file ``source`` (``.yaml``, ``.yml`` or ``.json``); without
    one, the bundled default (:func:`default_ruleset_path`).

    ``source`` may also name a bundled preset, ``preset:NAME`` (see :func:`preset_names`); an unknown one is
    a :class:`~supplierscore.errors.UsageError` listing them.

    Raises :class:`~supplierscore.errors.RulesetError` listing every problem found, each with its JSON
    Pointer and line, and :class:`~supplierscore.errors.UsageError` when the file cannot be read at all.
    """
    if source is None:
        source = default_ruleset_path()
    elif not isinstance(source, str | os.PathLike):
        raise UsageError(
            f"load_ruleset() expects the path of a ruleset file (or nothing, for the bundled default), "
            f"not {type(source).__name__}: for data already parsed, use parse_ruleset"
        )
    name = str(source)
    path = preset_path(name.removeprefix(PRESET_PREFIX)) if is_preset(source) else Path(source)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        kind = suffix or "(no extension)"
        raise _refusal(name, [Problem("", f"unknown kind of file {kind}: expected .yaml, .yml or .json")])
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read the ruleset {name}: {error.strerror or error}", path=name) from None
    return ruleset_from_bytes(raw, source=name, kind="json" if suffix == ".json" else "yaml")


def ruleset_from_bytes(raw: bytes, *, source: str = "<memory>", kind: str = "yaml") -> Ruleset:
    r"""Check and load a ruleset from the bytes of a file (``kind`` ``"yaml"`` or ``"json"``), as
    :func:`load_ruleset` does for a file: every problem with its JSON Pointer and line.

    >>> ruleset_from_bytes(b"ruleset: x\nversion: '1'\ntitle: t\n", source="body")
    Traceback (most recent call last):
    ...
    supplierscore.errors.RulesetError: body: the ruleset cannot be used (3 problems)
      line 1, /: missing "precision"
      line 1, /: missing "rounding"
      line 1, /: missing "criteria"
    """
    if kind not in ("yaml", "json"):
        raise UsageError(f"unknown kind of ruleset {kind!r}: expected yaml or json")
    if len(raw) > MAX_FILE_BYTES:
        raise _refusal(source, [Problem("", f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problem = Problem("", f"not UTF-8: byte 0x{raw[error.start]:02x} cannot be read", line)
        raise _refusal(source, [problem]) from None
    if kind == "json":
        data, problems = _read_json(text)
        lines = _YamlReader.lines_of(text) if not problems else {}
    else:
        reader = _YamlReader()
        data = reader.read(text)
        problems, lines = reader.problems, reader.lines
    return _parse(data, source, lines, problems)


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
