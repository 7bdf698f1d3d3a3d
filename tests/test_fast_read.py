"""The fast line parser (inputs/_fastjson.py) against the exact one (inputs/_parse.py).

A differential property over generated JSON text (tender documents and arbitrary JSON: fractions,
exponents, huge integers, duplicate keys at any depth, escapes, surrogates, deep nesting, NaN, a BOM,
whitespace variants, broken text): both give equal values of equal types, the same findings, or the
same rejection. Then one example per guard, showing each one sends its line to the exact parser.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplierscore.inputs import read_bids, read_documents
from supplierscore.inputs._batch import MAX_DEPTH, InputBytes, _LineError
from supplierscore.inputs._fastjson import _UNPROVEN, _shallow, fast_document, parse_line, plain
from supplierscore.inputs._parse import _parse_line, _too_deep
from supplierscore.inputs._read import _unreadable_values

from .strategies import tender_documents


def strict(value: Any) -> Any:
    """``value`` with every scalar tagged by its type, so that ``1 == Decimal(1) == True`` no longer
    hold; a Decimal is tagged by its exact text (``1.0`` and ``1`` differ)."""
    if isinstance(value, dict):
        return ("dict", [(strict(k), strict(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [strict(v) for v in value])
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    return (type(value).__name__, value)


def outcome(parse: Any, raw: bytes) -> Any:
    try:
        document, found = parse(raw, offset=7)
    except _LineError as error:
        return ("rejected", error.reason, error.path)
    return ("parsed", strict(document), found)


# ---------------------------------------------------------------------------------------------------
# JSON text, written token by token so that it can hold what a JSON library would never write

space = st.sampled_from(["", "", "", " ", "\t", "\n", "\r\n", "  "])
number = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.from_regex(r"\A-?(0|[1-9][0-9]{0,45})(\.[0-9]{1,45})?([eE][-+]?[0-9]{1,3})?\Z"),
    st.sampled_from(["1" * 60, "9" * 4300, "-" + "9" * 4300, "9" * 4301, "NaN", "-Infinity", "1.5"]),
)
piece = st.one_of(
    st.characters(exclude_characters='"\\', exclude_categories=["Cc", "Cs"]),
    st.sampled_from(
        [
            '\\"',
            "\\\\",
            "\\/",
            "\\n",
            "\\u00e9",
            "\\u003a",
            "\\u003A",
            "\\u0022",
            "\\ud800",
            "\\udc00",
            "\\ud83d\\ude00",
            ":",
            ":1.5",
            '\\"a\\":',
            "{",
            "]",
            "[[",
            '\\\\\\"',
            "1e5",
        ]
    ),
)
string = st.lists(piece, max_size=6).map(lambda parts: '"' + "".join(parts) + '"')
key = st.one_of(st.sampled_from(['"a"', '"b"', '"1.5"', '"a:"', '"\\u0061"', '""']), string)


def array(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    items = st.lists(st.tuples(space, values, space), max_size=4)
    return items.map(lambda xs: "[" + ",".join(a + v + b for a, v, b in xs) + "]")


def obj(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    members = st.lists(st.tuples(space, key, space, space, values, space), max_size=4)
    return members.map(lambda xs: "{" + ",".join(f"{a}{k}{b}:{c}{v}{d}" for a, k, b, c, v, d in xs) + "}")


scalar = st.one_of(number, string, st.sampled_from(["true", "false", "null"]))
value = st.recursive(scalar, lambda inner: st.one_of(array(inner), obj(inner)), max_leaves=12)


@st.composite
def nested(draw: st.DrawFn) -> str:
    """A value under 55 to 70 levels of arrays and objects, around the depth limit."""
    text = draw(value)
    for _ in range(draw(st.integers(min_value=55, max_value=70))):
        text = f'{{"k":{text}}}' if draw(st.booleans()) else f"[{text}]"
    return text


@st.composite
def documents_text(draw: st.DrawFn) -> str:
    """A tender document written as JSON, compact or spaced, sometimes with a number as a float."""
    document = draw(tender_documents(max_bids=4))
    text = json.dumps(document, default=str, separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])))
    if draw(st.booleans()):
        text = text.replace('"amount": "', '"amount": ').replace('"amount":"', '"amount":')
        text = text.replace('", "currency"', ', "currency"').replace('","currency"', ',"currency"')
    return text


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    text = draw(st.one_of(value, value, documents_text(), nested()))
    surround = draw(st.sampled_from(["", "", "bom", "space", "tail", "cut"]))
    data = text.encode("utf-8")
    if surround == "bom":
        data = b"\xef\xbb\xbf" + data
    elif surround == "space":
        data = b" \t" + data + b" "
    elif surround == "tail":
        data += draw(st.sampled_from([b"x", b",", b"\xff", b"}", b" 1"]))
    elif surround == "cut" and data:
        data = data[: draw(st.integers(min_value=0, max_value=len(data) - 1))]
    return data


@settings(max_examples=400, deadline=None)
@given(lines())
def test_the_fast_parser_gives_what_the_exact_one_gives(raw: bytes) -> None:
    assert outcome(parse_line, raw) == outcome(_parse_line, raw)


@settings(max_examples=150, deadline=None)
@given(st.one_of(value, nested()))
def test_the_fast_depth_check_agrees_with_the_exact_one_on_valid_json(text: str) -> None:
    raw = text.encode("utf-8")
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return
    assert _shallow(raw) is not _too_deep(raw)


@settings(max_examples=60, deadline=None)
@given(tender_documents(max_bids=4), st.sampled_from([(",", ":"), (", ", ": ")]))
def test_ordinary_tender_documents_take_the_fast_path(document: dict[str, Any], separators: Any) -> None:
    """The fast path is not dead code: a document with no fraction, exponent or escape is proven."""
    raw = json.dumps(document, default=str, separators=separators, ensure_ascii=False).encode("utf-8")
    proven = fast_document(raw)
    assert proven is not _UNPROVEN
    assert strict(proven) == strict(_parse_line(raw, offset=0)[0])


# ---------------------------------------------------------------------------------------------------
# Each guard, shown failing


def test_a_plain_line_is_proven_and_equal() -> None:
    raw = b'{"tender":{"id":"T-1"},"bids":[{"id":"B-1","n":[1,-0,18446744073709551616],"t":"x:1.5"}]}'
    proven = fast_document(raw)
    assert proven is not _UNPROVEN
    assert strict(proven) == strict(_parse_line(raw, offset=0)[0])
    assert type(proven["bids"][0]["n"][2]) is int


def test_a_fraction_comes_back_as_the_exact_decimal() -> None:
    raw = b'{"a":1.50,"b":[0.1, -2.000]}'
    document, found = parse_line(raw, offset=0)
    assert strict(document) == strict({"a": Decimal("1.50"), "b": [Decimal("0.1"), Decimal("-2.000")]})
    assert found == []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":1,"a":1}',
        b'{"x":{"a":1, "b":{"a":2}, "a" : 3}}',
        b'{"a":{"k":":::"},"a":{"k":""}}',
        b'[{"a":"1"},{"b":2,"b":2}]',
        b'{"a\\u003a":1,"a\\u003a":1}',
    ],
)
def test_a_duplicate_key_is_left_to_the_exact_parser(raw: bytes) -> None:
    assert fast_document(raw) is _UNPROVEN
    with pytest.raises(_LineError, match="duplicate key"):
        parse_line(raw, offset=0)


def test_too_deep_is_left_to_the_exact_parser() -> None:
    raw = b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)
    assert fast_document(raw) is _UNPROVEN
    with pytest.raises(_LineError, match="nested more than"):
        parse_line(raw, offset=0)
    at_limit = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert fast_document(at_limit) is not _UNPROVEN


def test_brackets_inside_strings_do_not_fool_the_depth_check() -> None:
    inner = b'["' + b"]" * 10 + b'",' + b"[" * 60 + b"]" * 60 + b',"' + b"[" * 10 + b'"]'
    assert fast_document(inner) is not _UNPROVEN
    deeper = b'["]",' + b"[" * 64 + b"]" * 64 + b',"["]'
    assert fast_document(deeper) is _UNPROVEN
    assert _too_deep(deeper)


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        (b'{"a":1e2,"b":' + b"1" * 50 + b"}", True),
        (b'{"a":0.' + b"0" * 50 + b"1}", True),
        (b'{"a":"\\ud800"}', True),
        (b'{"a":"\\ud83d\\ude00","b":' + b"1" * 50 + b"}", True),
        (b'{"a":1E-2}', False),
    ],
)
def test_numbers_and_text_the_exact_parser_checks_for_bounds_go_to_it(raw: bytes, found: bool) -> None:
    assert fast_document(raw) is _UNPROVEN
    assert bool(parse_line(raw, offset=0)[1]) is found
    assert outcome(parse_line, raw) == outcome(_parse_line, raw)


@pytest.mark.parametrize(
    "raw", [b"NaN", b'{"a":Infinity}', b"\xef\xbb\xbf{}", b'{"a":"\xff"}', b"9" * 4301, b"{} x", b'{"a":1,}']
)
def test_what_the_fast_parser_refuses_is_rejected_as_before(raw: bytes) -> None:
    assert fast_document(raw) is _UNPROVEN
    assert outcome(parse_line, raw) == outcome(_parse_line, raw)


def test_a_duplicate_key_inside_a_bid_still_rejects_only_that_bid() -> None:
    line = b'{"tender":{"id":"T-1"},"bids":[{"id":"B-1","id":"B-1"},{"id":"B-2"}]}\n'
    batch = read_bids([InputBytes("x.ndjson", line)])
    assert [(r.index, r.path) for r in batch.rejections if "duplicate" in r.reason] == [(0, "/bids/0")]
    assert batch.read == 2


def test_read_documents_is_unchanged_by_the_fast_reader() -> None:
    document = {"tender": {"id": "T-1"}, "bids": [{"id": "B-1", "price": {"amount": 9.5}}]}
    assert [r.path for r in read_documents(document).rejections if "float" in r.reason] == [
        "/bids/0/price/amount"
    ]


# ---------------------------------------------------------------------------------------------------
# Documents given in memory (read_documents): the one-walk proof that nothing needs reporting

memory_scalar = st.one_of(
    st.integers(min_value=-(2**140), max_value=2**140),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("1e-41"), Decimal("1e41"), Decimal("1" * 41), Decimal("12.50")]),
    st.floats(allow_nan=True),
    st.text(max_size=4),
    st.sampled_from(["\ud800", "é\udc00", True, False, None, (1, 2), (1.5,), b"x"]),
)
memory_key = st.one_of(st.text(max_size=3), st.sampled_from(["\ud800", 1, 1.5, None, True]))
memory_value = st.recursive(
    memory_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(memory_key, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(memory_value)
def test_a_plain_document_has_nothing_to_report(value: Any) -> None:
    if plain(value):
        assert _unreadable_values(value) == []


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, {"b": 1.5}]},
        {"a": "x\ud800"},
        {"\udc00": 1},
        {1: 2},
        [2**129],
        {"a": Decimal("1e-41")},
        {"a": Decimal("NaN")},
        {"a": (1.5,)},
        1.5,
    ],
)
def test_anything_to_report_is_not_plain(value: Any) -> None:
    assert not plain(value)


@settings(max_examples=30, deadline=None)
@given(tender_documents(max_bids=4))
def test_generated_tender_documents_are_plain(document: dict[str, Any]) -> None:
    assert plain(document)


# ---------------------------------------------------------------------------------------------------
# Whole files: the same batch with the fast reader on and off (and chunked, where nothing is kept)


def _batch_outcome(batch: Any) -> Any:
    tenders = [(t.source, t.line, strict(t.header), strict(t.bids)) for t in batch.tenders]
    files = [(f.source, f.sha256, f.read, f.valid, f.rejected) for f in batch.files]
    return tenders, [r.to_dict() for r in batch.rejections], files, batch.warnings


def _unproven(raw: bytes) -> Any:
    return _UNPROVEN


@st.composite
def files(draw: st.DrawFn) -> bytes:
    texts = draw(st.lists(st.one_of(documents_text(), documents_text(), value), min_size=1, max_size=5))
    ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\n\n"]), min_size=len(texts), max_size=len(texts)))
    data = "".join(t + e for t, e in zip(texts, ends, strict=True)).encode("utf-8")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


@settings(max_examples=60, deadline=None)
@given(files())
def test_a_file_reads_the_same_with_the_fast_reader_off_and_chunked(data: bytes) -> None:
    from supplierscore.inputs import iter_batches
    from supplierscore.inputs._read import _merge

    given_file = [InputBytes("bids.ndjson", data)]
    try:
        fast = _batch_outcome(read_bids(given_file))
    except Exception as error:  # no tenders at all: the same error either way
        fast = repr(error)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("supplierscore.inputs._fastjson.fast_document", _unproven)
        patch.setattr("supplierscore.inputs._read.fast_document", _unproven)
        try:
            exact = _batch_outcome(read_bids(given_file))
        except Exception as error:
            exact = repr(error)
    assert fast == exact
    if not isinstance(fast, str):
        assert _batch_outcome(_merge(list(iter_batches(given_file, chunk_lines=2)))) == fast
