"""The fast scoring path against the reference: same rows, same breakdown, same bytes.

The fast path (:mod:`supplierscore.engine._fast`) shares each distinct breakdown line between the bids it
fits; the reference (:func:`~supplierscore.engine._tender.score_tender_reference`) works every line out
anew. A key that missed something a line depends on would hand one bid another's line: these tests score
generated batches under generated rulesets (every method, evidence, gates, tie-breakers, both roundings,
precision 0 to 4) both ways and compare the JSON sheets byte for byte, with the fast path's memory cold
and warm, and then the column-built Parquet tables against the record-built CSV ones.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplierscore import read_documents, score
from supplierscore.engine import _run
from supplierscore.engine._tender import score_tender_reference
from supplierscore.ruleset import Ruleset, parse_ruleset
from supplierscore.sheet import Breakdown, BreakdownRow, Exact, ScoreSheet
from supplierscore.sheet._frames import frames
from supplierscore.sheet._tables import _tables
from tests.strategies import batches, ruleset_documents

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference(documents: list[dict[str, Any]], ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch) -> bytes:
    with monkeypatch.context() as patch:
        patch.setattr(_run, "score_tender", score_tender_reference)
        return score(read_documents(documents), ruleset).to_json_bytes()


class TestAgainstTheReference:
    @SETTINGS
    @given(ruleset_documents(), batches(max_tenders=3, max_bids=8))
    def test_fast_and_reference_sheets_are_the_same_bytes(
        self, document: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """Scored cold, then again warm (every line now remembered), the fast sheet is the reference's."""
        ruleset = parse_ruleset(document)
        with pytest.MonkeyPatch.context() as monkeypatch:
            expected = _reference(documents, ruleset, monkeypatch)
        assert score(read_documents(documents), ruleset).to_json_bytes() == expected
        assert score(read_documents(copy.deepcopy(documents)), ruleset).to_json_bytes() == expected

    @SETTINGS
    @given(ruleset_documents(), batches(max_tenders=2, max_bids=6), batches(max_tenders=2, max_bids=6))
    def test_lines_remembered_from_one_batch_serve_another_exactly(
        self, document: dict[str, Any], first: list[dict[str, Any]], second: list[dict[str, Any]]
    ) -> None:
        """Lines made for one batch and looked up for another give the second batch's own sheet."""
        ruleset = parse_ruleset(document)
        score(read_documents(first), ruleset)
        with pytest.MonkeyPatch.context() as monkeypatch:
            expected = _reference(second, ruleset, monkeypatch)
        assert score(read_documents(second), ruleset).to_json_bytes() == expected


def _tender(bids: list[dict[str, Any]]) -> dict[str, Any]:
    header = {"id": "T-1", "title": "A tender", "closing_date": "2026-06-30", "currency": "CAD"}
    return {"tender": header, "bids": bids}


def _bid(bid_id: str, **fields: Any) -> dict[str, Any]:
    bid: dict[str, Any] = {
        "id": bid_id,
        "submitted_at": "2026-06-01T09:00:00Z",
        "supplier": {"id": f"S-{bid_id}", "name": f"Supplier {bid_id}"},
        "price": {"amount": "1000.00", "currency": "CAD"},
    }
    bid.update(fields)
    return bid


RULESET = {
    "ruleset": "keys",
    "version": "1",
    "title": "Values that are equal as numbers but not as inputs",
    "precision": 2,
    "rounding": "half_up",
    "policy": {"social_weight_min": 0, "social_weight_max": 100},
    "criteria": [
        {
            "id": "owned",
            "group": "social",
            "weight": 50,
            "field": "ownership.immigrant",
            "method": {"linear": {"from": 0, "to": 100}},
            "evidence": {"covers": "immigrant", "issuers": ["CAMSC"], "self_declared": Decimal("0.5")},
        },
        {
            "id": "marks",
            "group": "quality",
            "weight": 50,
            "field": "quality.technical",
            "method": {"lookup": {"map": {"45": 1, 'x"}{\n': Decimal("0.5")}, "default": 0}},
        },
    ],
}


class TestKeys:
    def test_equal_numbers_written_differently_keep_their_own_input(self) -> None:
        """51 and 51.0 score alike but show differently: each bid's breakdown shows its own input."""
        ruleset = parse_ruleset(RULESET)
        bids = [
            _bid("A", ownership={"immigrant": 51}, quality={"technical": 45}),
            _bid("B", ownership={"immigrant": Decimal("51.0")}, quality={"technical": Decimal("45.0")}),
        ]
        sheet = score(read_documents([_tender(bids)]), ruleset)
        inputs = {(line.bid_id, line.criterion): line.input for line in sheet.breakdown}
        assert inputs[("A", "owned")] == "51" and inputs[("B", "owned")] == "51.0"
        assert inputs[("A", "marks")] == "45" and inputs[("B", "marks")] == "45.0"
        with pytest.MonkeyPatch.context() as monkeypatch:
            assert sheet.to_json_bytes() == _reference([_tender(bids)], ruleset, monkeypatch)

    def test_a_certificate_changes_the_line_of_an_equal_input(self) -> None:
        """Same ownership share, one bid certified: the certified bid gets the full factor."""
        ruleset = parse_ruleset(RULESET)
        certificate = {"issuer": "CAMSC", "id": "C-1", "covers": ["immigrant"], "valid_until": "2027-12-31"}
        bids = [
            _bid("A", ownership={"immigrant": 60}),
            _bid("B", ownership={"immigrant": 60}, certifications=[certificate]),
            _bid("C", ownership={"immigrant": 60}),
        ]
        sheet = score(read_documents([_tender(bids)]), ruleset)
        factors = {line.bid_id: str(line.factor) for line in sheet.breakdown if line.criterion == "owned"}
        assert factors == {"A": "0.5", "B": "1", "C": "0.5"}
        with pytest.MonkeyPatch.context() as monkeypatch:
            assert sheet.to_json_bytes() == _reference([_tender(bids)], ruleset, monkeypatch)


def _rows(count: int) -> list[BreakdownRow]:
    return [
        BreakdownRow(
            f"T-{i // 3}", f"B-{i // 2}", f"c{i % 2}", None, Exact("0.5"), "none", Exact(1), Decimal(i), "r"
        )
        for i in range(count)
    ]


class TestBreakdownView:
    @given(st.integers(min_value=0, max_value=12))
    def test_reads_like_the_list_it_was_made_from(self, count: int) -> None:
        """Length, order, indexing (negative and slices), equality and pickling are the list's."""
        rows = _rows(count)
        view = Breakdown(rows)
        assert len(view) == count and list(view) == rows and view == rows
        assert [view[i] for i in range(-count, count)] == rows + rows
        assert view[1:4] == rows[1:4]
        assert pickle.loads(pickle.dumps(view)) == rows
        with pytest.raises(IndexError):
            view[count]

    def test_a_different_list_is_not_equal(self) -> None:
        """Equality compares every row (so the equality above can fail)."""
        rows = _rows(4)
        changed = [*rows[:3], dataclasses.replace(rows[3], reason="another reason")]
        assert Breakdown(rows) != changed

    def test_columns_name_each_distinct_line_once(self) -> None:
        """A line shared by two bids is one distinct line; every row points at its own line."""
        line = ("c", "1", Exact("1"), "none", Exact("1"), Decimal("2.00"), "why")
        other = ("d", None, Exact("0"), "none", Exact("1"), Decimal("0.00"), "no value")
        view = Breakdown()
        view.add("T", "A", (line, other))
        view.add("T", "B", (line,))
        columns = view.columns()
        assert columns.distinct == [line, other]
        assert list(columns.lengths) == [2, 1]
        first = dict(zip(columns.distinct_numbers, columns.distinct, strict=True))
        assert [first[n] for n in columns.line_numbers] == [line, other, line]


class TestFrames:
    @settings(max_examples=30, deadline=None)
    @given(ruleset_documents(), batches(max_tenders=3, max_bids=6))
    def test_parquet_tables_hold_the_csv_tables_cells(
        self, document: dict[str, Any], documents: list[dict[str, Any]]
    ) -> None:
        """Built by columns, the three tables hold what the record-built tables hold, cell for cell."""
        ruleset = parse_ruleset(document)
        sheet = score(read_documents(documents), ruleset)
        for table, frame in zip(_tables(sheet), frames(sheet), strict=True):
            assert frame.columns == [name for name, _ in table.columns]
            assert [_cells(record) for record in frame.rows()] == [_cells(record) for record in table.records]
            for (_, kind), dtype in zip(table.columns, frame.dtypes, strict=True):
                assert (kind == "decimal") == isinstance(dtype, pl.Decimal)

    def test_an_empty_sheet_has_every_column(self) -> None:
        """No bids: the tables are empty but typed, as before."""
        sheet = score([], parse_ruleset(RULESET))
        assert isinstance(sheet, ScoreSheet)
        rows, breakdown, rejections = frames(sheet)
        assert rows.height == breakdown.height == rejections.height == 0
        assert "points.owned" in rows.columns and breakdown.columns[-1] == "reason"


def _cells(record: tuple[Any, ...]) -> tuple[Any, ...]:
    """Cells compared as text: a Decimal cell as its exact string, a list as a tuple."""
    return tuple(
        f"{cell}" if isinstance(cell, Decimal) else tuple(cell) if isinstance(cell, list) else cell
        for cell in record
    )
