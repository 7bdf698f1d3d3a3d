"""Reading and validation: every bid read is either valid or rejected with its file, line, path and reason."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource

from supplierscore.errors import UsageError
from supplierscore.inputs import MAX_DEPTH, Batch, parse_json, read_bids, read_documents, schema_errors
from supplierscore.resources import load_schema
from tests.strategies import any_bids, bids, mutated_bids, tender_documents

ROOT = Path(__file__).parent.parent
MUTANT_TENDER = {"id": "mutant-1", "currency": "CAD"}  # lower case: never one of the generated tender ids


def good_bid(bid_id: str = "B-1", **changes: Any) -> dict[str, Any]:
    bid: dict[str, Any] = {
        "id": bid_id,
        "supplier": {"id": f"S-{bid_id}", "name": "Maple Interpreting Co-op"},
        "price": {"amount": "1200.00", "currency": "CAD"},
    }
    bid.update(changes)
    return bid


def document(*bid_list: Any, tender: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"tender": tender or {"id": "T-1", "currency": "CAD"}, "bids": list(bid_list)}


def line(doc: Any) -> str:
    """A document as one NDJSON line; test decimals are short, so a float prints their exact digits."""
    return json.dumps(doc, default=float)


def write_lines(tmp_path: Path, *lines: str | bytes, name: str = "bids.ndjson") -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return path


def only_rejection(batch: Batch) -> Any:
    assert len(batch.rejections) == 1, batch.rejections
    assert batch.reconciles
    return batch.rejections[0]


class TestLineProblems:
    """A line that cannot be parsed is one rejection naming its line, and the next line is still read."""

    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            (b'{"tender": {"id": "T-9"} "bids": []}', "invalid JSON at line 1, column"),
            (
                b'{"tender": {"id": "T-9", "title": "caf\xff"}, "bids": []}',
                "not UTF-8: byte 0xff at byte offset",
            ),
            (b'{"tender": {"id": "T-9", "id": "T-8"}, "bids": []}', 'duplicate key "id" in one object'),
            (b'{"tender": {"id": "T-9"}, "bids": [{"price": NaN}]}', "NaN is not a number JSON allows"),
            (
                b'{"tender": {"id": "T-9"}, "bids": [{"price": -Infinity}]}',
                "-Infinity is not a number JSON allows",
            ),
            (b"[1, 2, 3]", "not a tender document: expected an object, got array"),
            (
                b'{"tender": {"id": "T-9"}}',
                'not a tender document: expected an object with "tender" and a "bids"',
            ),
            (
                b'{"tender": {"id": "T-9"}, "bids": [' + b"[" * 70 + b"]" * 70 + b"]}",
                f"nested more than {MAX_DEPTH}",
            ),
        ],
        ids=["invalid-json", "non-utf8", "duplicate-key", "nan", "infinity", "array", "no-bids", "too-deep"],
    )
    def test_bad_line_is_rejected_and_reading_goes_on(self, tmp_path: Path, raw: bytes, reason: str) -> None:
        """The bad line becomes one rejection at line 2; the good lines around it are read."""
        path = write_lines(
            tmp_path, line(document(good_bid())), raw, line(document(good_bid(), tender={"id": "T-2"}))
        )
        batch = read_bids([path])
        rejection = only_rejection(batch)
        assert (rejection.source, rejection.line, rejection.index, rejection.path) == (str(path), 2, None, "")
        assert reason in rejection.reason
        assert [t.id for t in batch.tenders] == ["T-1", "T-2"]
        assert (batch.read, batch.valid, batch.rejected) == (3, 2, 1)

    def test_byte_offset_of_non_utf8_counts_from_the_file_start(self, tmp_path: Path) -> None:
        """The offset names the bad byte's position in the file, so a hex editor finds it."""
        first = line(document(good_bid())).encode()
        path = write_lines(tmp_path, first, b'{"x": "\xfe"}')
        offset = len(first) + 1 + len(b'{"x": "')
        assert f"byte offset {offset} " in only_rejection(read_bids([path])).reason

    def test_bom_is_accepted(self, tmp_path: Path) -> None:
        """A UTF-8 byte order mark at the start of a file is skipped, not an error."""
        path = write_lines(tmp_path, b"\xef\xbb\xbf" + line(document(good_bid())).encode())
        batch = read_bids([path])
        assert (batch.valid, batch.rejected) == (1, 0)

    def test_bom_in_json_file_is_accepted(self, tmp_path: Path) -> None:
        """A .json file with a BOM reads as one document."""
        path = tmp_path / "one.json"
        path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document(good_bid()), indent=2).encode())
        assert read_bids([path]).valid == 1

    def test_empty_file_is_a_warning(self, tmp_path: Path) -> None:
        """An empty file beside others reads no bids and warns, without failing."""
        path = write_lines(tmp_path)
        other = write_lines(tmp_path, line(document(good_bid())), name="other.ndjson")
        batch = read_bids([path, other])
        assert (batch.read, batch.rejected) == (1, 0)
        assert batch.warnings == [f"{path}: no bids found (empty file)"]

    def test_missing_file_is_a_usage_error(self, tmp_path: Path) -> None:
        """A file that does not exist stops the run with a usage error naming it."""
        with pytest.raises(UsageError, match=r"input not found: .*nope\.ndjson"):
            read_bids([tmp_path / "nope.ndjson"])

    def test_unsupported_extension_is_a_usage_error(self, tmp_path: Path) -> None:
        """An input of an unknown type is refused before anything is read."""
        path = tmp_path / "bids.txt"
        path.write_text("x")
        with pytest.raises(UsageError, match=r"unsupported input type \.txt"):
            read_bids([path])

    def test_invalid_json_in_json_file_names_its_line(self, tmp_path: Path) -> None:
        """In a multi-line .json file, the error names the line and column inside the file."""
        path = tmp_path / "one.json"
        path.write_text('{\n  "tender": {"id": "T-1"},\n  "bids": [,]\n}')
        assert "invalid JSON at line 3, column 12" in only_rejection(read_bids([path])).reason


class TestInputs:
    """Files, folders and standard input."""

    def test_folder_reads_supported_files_in_sorted_order(self, tmp_path: Path) -> None:
        """A folder contributes its .json/.ndjson/.jsonl files by name, other files ignored."""
        write_lines(tmp_path, line(document(good_bid(), tender={"id": "T-B"})), name="b.ndjson")
        write_lines(tmp_path, line(document(good_bid(), tender={"id": "T-A"})), name="a.jsonl")
        (tmp_path / "notes.txt").write_text("not bids")
        batch = read_bids([tmp_path])
        assert [Path(f.source).name for f in batch.files] == ["a.jsonl", "b.ndjson"]

    def test_standard_input(self) -> None:
        """- reads NDJSON from standard input."""
        stream = io.BytesIO((line(document(good_bid())) + "\n").encode())
        batch = read_bids(["-"], stdin=stream)
        assert (batch.files[0].source, batch.valid) == ("<stdin>", 1)

    def test_numbers_are_decimal(self) -> None:
        """Numbers parse as Decimal, never float."""
        assert parse_json('{"a": 0.1, "b": 3}') == {"a": Decimal("0.1"), "b": 3}
        assert isinstance(parse_json('{"a": 0.1}')["a"], Decimal)

    def test_in_memory_floats_are_refused(self) -> None:
        """A float in an in-memory document has lost digits already, so it is rejected at its pointer."""
        bid = good_bid(price={"amount": 1200.5, "currency": "CAD"})
        rejection = only_rejection(read_documents([document(bid)]))
        assert (rejection.path, rejection.bid_id) == ("/bids/0/price/amount", "B-1")
        assert "1200.5 is a float" in rejection.reason


def reject(doc: Any) -> list[Any]:
    batch = read_documents([doc], source="mem")
    assert batch.reconciles
    return batch.rejections


class TestSchemaProblems:
    """Each schema problem names the bid's JSON Pointer and says what is wrong in plain words."""

    def test_unknown_property_is_reported_at_its_object_with_a_suggestion(self) -> None:
        """A typo'd key is rejected at the object that holds it, naming the key and the nearest known one."""
        [r] = reject(document(good_bid(), good_bid("B-2", ownersip={"immigrant": 60})))
        assert (r.index, r.bid_id, r.path) == (1, "B-2", "/bids/1")
        assert r.reason == 'unknown property "ownersip"; did you mean "ownership"?'

    def test_unknown_nested_property(self) -> None:
        """An unknown key inside ownership is reported at /bids/N/ownership."""
        [r] = reject(document(good_bid(ownership={"immigrnt": 60})))
        assert (r.path, r.reason) == (
            "/bids/0/ownership",
            'unknown property "immigrnt"; did you mean "immigrant"?',
        )

    def test_missing_required_field(self) -> None:
        """A bid without a price is rejected naming the missing property."""
        bid = good_bid()
        del bid["price"]
        [r] = reject(document(bid))
        assert (r.path, r.reason) == ("/bids/0", 'missing required property "price"')

    def test_every_error_of_a_bad_bid_is_reported(self) -> None:
        """A bid with two problems gets two rejections, and still counts as one rejected bid."""
        bid = good_bid(ownership={"immigrant": 140}, workforce={"employees": "many"})
        batch = read_documents([document(bid)])
        assert sorted(r.path for r in batch.rejections) == [
            "/bids/0/ownership/immigrant",
            "/bids/0/workforce/employees",
        ]
        assert (batch.read, batch.rejected) == (1, 1)

    def test_out_of_range_number(self) -> None:
        """A percentage over 100 says the allowed range."""
        [r] = reject(document(good_bid(ownership={"immigrant": 140})))
        assert r.reason == "140 is out of range: must be at most 100"

    def test_wrong_type(self) -> None:
        """A string where a number belongs says which type was expected."""
        [r] = reject(document(good_bid(workforce={"employees": "many"})))
        assert r.reason == 'must be an integer, not string "many"'

    def test_bad_date(self) -> None:
        """30 February is not a date."""
        cert = {"issuer": "CAMSC", "covers": ["immigrant"], "valid_until": "2026-02-30"}
        [r] = reject(document(good_bid(certifications=[cert])))
        assert (r.path, r.reason) == (
            "/bids/0/certifications/0/valid_until",
            '"2026-02-30" is not a valid date',
        )

    def test_too_many_decimals_for_the_currency(self) -> None:
        """CAD has cents: 100.005 is refused."""
        rejections = reject(document(good_bid(price={"amount": "100.005", "currency": "CAD"})))
        assert rejections and all(r.path.startswith("/bids/0/price/amount") for r in rejections)

    def test_overlong_name_is_a_rejection(self) -> None:
        """A 10 MB supplier name is rejected by its length, quoting only a little of it."""
        [r] = reject(document(good_bid(supplier={"id": "S-1", "name": "x" * 10_000_000})))
        assert r.path == "/bids/0/supplier/name"
        assert "10,000,000 characters long, over the limit" in r.reason

    def test_bad_tender_header_rejects_its_bids(self) -> None:
        """Every bid of a tender with a bad header is rejected with the header's reason."""
        rejections = reject(
            document(good_bid(), good_bid("B-2"), tender={"id": "T-1", "closing_date": "soon"})
        )
        assert [(r.index, r.bid_id, r.path) for r in rejections] == [
            (0, "B-1", "/tender/closing_date"),
            (1, "B-2", "/tender/closing_date"),
        ]
        assert all(r.reason.startswith("tender header: ") for r in rejections)


class TestCrossFieldRules:
    """Rules JSON Schema cannot say are checked after it and reported the same way."""

    def test_immigrants_above_employees(self) -> None:
        """More immigrant employees than employees is impossible."""
        [r] = reject(document(good_bid(workforce={"employees": 10, "immigrants": 12})))
        assert (r.path, r.reason) == (
            "/bids/0/workforce/immigrants",
            "12 immigrant employees is more than the 10 employees",
        )

    def test_newcomer_hires_above_employees(self) -> None:
        """More newcomer hires than employees is impossible."""
        [r] = reject(document(good_bid(workforce={"employees": 3, "newcomer_hires_12m": 4})))
        assert r.path == "/bids/0/workforce/newcomer_hires_12m"

    def test_currency_must_be_the_tenders(self) -> None:
        """A USD bid in a CAD tender cannot be compared on price."""
        [r] = reject(document(good_bid(price={"amount": "10.00", "currency": "USD"})))
        assert (r.path, r.reason) == ("/bids/0/price/currency", "bid is in USD but the tender is in CAD")

    def test_duplicate_bid_ids_reject_both(self) -> None:
        """Two bids with one id in a tender are both rejected: neither can be told apart."""
        rejections = reject(document(good_bid("B-1"), good_bid("B-2"), good_bid("B-1")))
        assert [(r.index, r.path) for r in rejections] == [(0, "/bids/0/id"), (2, "/bids/2/id")]

    def test_duplicate_tender_ids_reject_both_tenders(self, tmp_path: Path) -> None:
        """A tender id used twice in the input rejects the bids of both tenders, naming each line."""
        path = write_lines(tmp_path, line(document(good_bid())), line(document(good_bid("B-7"))))
        batch = read_bids([path])
        assert [(r.line, r.bid_id, r.path) for r in batch.rejections] == [
            (1, "B-1", "/tender/id"),
            (2, "B-7", "/tender/id"),
        ]
        assert (batch.valid, batch.rejected, batch.tenders) == (0, 2, [])

    def test_certificate_ending_before_it_starts(self) -> None:
        """valid_from after valid_until is refused."""
        cert = {
            "issuer": "CAMSC",
            "covers": ["immigrant"],
            "valid_from": "2026-05-01",
            "valid_until": "2026-01-01",
        }
        [r] = reject(document(good_bid(certifications=[cert])))
        assert r.path == "/bids/0/certifications/0/valid_from"

    def test_subcontract_shares_over_100(self) -> None:
        """Subcontracting more than the whole contract is refused."""
        subs = [{"supplier_name": "A", "share_pct": 60}, {"supplier_name": "B", "share_pct": 50}]
        [r] = reject(document(good_bid(supply_chain={"subcontracts": subs})))
        assert (r.path, r.reason) == (
            "/bids/0/supply_chain/subcontracts",
            "subcontract shares add up to 110 %, over 100 %",
        )


class TestExamples:
    """The bundled examples are what the README promises."""

    def test_example_batch_is_all_valid(self) -> None:
        """examples/tenders.ndjson has at least 4 tenders and no rejection."""
        batch = read_bids([ROOT / "examples" / "tenders.ndjson"])
        assert (batch.rejected, len(batch.tenders) >= 4) == (0, True)
        assert all(8 <= len(t.bids) <= 15 for t in batch.tenders)

    def test_bad_bids_are_all_rejected_and_reconcile(self) -> None:
        """examples/bad-bids.ndjson: every line but the good one yields rejections with a line number."""
        batch = read_bids([ROOT / "examples" / "bad-bids.ndjson"])
        assert batch.reconciles and batch.rejected >= 20
        assert all(r.line is not None and r.reason for r in batch.rejections)


LINES = st.one_of(
    tender_documents().map(lambda d: ("good", line(d))),
    st.binary(max_size=40).map(lambda b: ("garbage", b)),
    mutated_bids().map(lambda m: ("bad", line(document(m[1], tender=MUTANT_TENDER)))),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=12))
def test_counts_reconcile_for_any_mix_of_lines(
    tmp_path_factory: pytest.TempPathFactory, lines: list[Any]
) -> None:
    """Good lines, bad lines and garbage bytes: read = valid + rejected, and every good bid survives."""
    raw = [x if isinstance(x, bytes) else x.encode() for _, x in lines]
    raw = [x.replace(b"\n", b" ").replace(b"\r", b" ") for x in raw]
    path = tmp_path_factory.mktemp("mix") / "mix.ndjson"
    path.write_bytes(b"\n".join(raw) + b"\n")
    if not any(x.strip() for x in raw) or raw[0].startswith((b"\xff\xfe", b"\xfe\xff")):
        # nothing to read, or a UTF-16/32 byte-order mark on bytes that are not: a usage error, or read
        with contextlib.suppress(UsageError):
            assert read_bids([path]).reconciles
        return
    batch = read_bids([path])
    assert batch.reconciles
    good = [json.loads(x) for kind, x in lines if kind == "good"]
    ids = [d["tender"]["id"] for d in good]
    unique_good = sum(len(d["bids"]) for d in good if ids.count(d["tender"]["id"]) == 1)
    assert batch.valid >= unique_good


@functools.cache
def _validators() -> tuple[Any, Any]:
    import jsonschema_rs

    schema = load_schema("bid.schema.json")
    registry: Registry[Any] = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    oracle = jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return oracle, jsonschema_rs.validator_for(schema, validate_formats=True)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(any_bids())
def test_both_validators_agree_on_every_bid(bid: Any) -> None:
    """The pure-Python jsonschema oracle and jsonschema-rs give the same verdict on valid and mutated bids."""
    oracle, fast = _validators()
    assert oracle.is_valid(bid) == fast.is_valid(bid)


@given(bids())
def test_generated_bids_are_valid(bid: dict[str, Any]) -> None:
    """The generator makes valid bids, so the mutations are what makes a bid invalid."""
    assert schema_errors(bid, "bid.schema.json") == []


@given(mutated_bids())
def test_every_mutation_is_rejected(mutation: tuple[str, Any]) -> None:
    """Each named mutation makes the bid invalid, with a reason and a path under /bids/0."""
    _, bid = mutation
    rejections = reject(document(bid))
    assert rejections and all(r.path.startswith("/bids/0") and r.reason for r in rejections)


def test_fuzzed_documents_never_raise() -> None:
    """10,000 seeded byte-level mutations of real lines: every one is read or rejected, none raises."""
    rng = random.Random(20261123)
    seeds = [x for x in (ROOT / "examples" / "tenders.ndjson").read_bytes().splitlines() if x.strip()]
    alphabet = b'{}[]",:0123456789.-eE tfnul\\\xff\x00'
    for _ in range(10_000):
        raw = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(raw))
            action = rng.random()
            if action < 0.4:
                raw[at] = rng.choice(alphabet)
            elif action < 0.7:
                del raw[at : at + rng.randint(1, 20)]
            else:
                raw[at:at] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
        batch = read_documents([]) if not raw.strip() else _read_raw(bytes(raw))
        assert batch.reconciles


def _read_raw(raw: bytes) -> Batch:
    return read_bids(["-"], stdin=io.BytesIO(raw.replace(b"\n", b" ") + b"\n"))
