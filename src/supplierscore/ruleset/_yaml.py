"""Reading a ruleset file's text (YAML or JSON) into plain data with exact numbers and recorded lines.

Kept apart because it is the security boundary: no YAML tag builds an object, aliases and duplicate keys
are refused, and every number is a Decimal. It also holds the two JSON Pointer helpers (:func:`_escape`,
:func:`_line`) that the checks share, since the reader is what records a line for each pointer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from supplierscore.errors import Problem
from supplierscore.limits import number_problem, parse_integer

MAX_DEPTH = 32
"""The deepest nesting of lists and mappings a ruleset may have; a valid one needs 6."""


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
                return parse_integer(text.replace("_", ""))
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
        data = json.loads(
            text,
            parse_float=Decimal,
            parse_int=parse_integer,
            parse_constant=constant,
            object_pairs_hook=pairs,
        )
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
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        problem = number_problem(number)
        if problem is None:
            return number
        problems.append((pointer, problem))
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
# JSON Pointers: escaping a step, and the line a pointer (or its nearest ancestor) was read from


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
