"""Supply-chain participation: the derived input, how the sheet reports it, and the subcontract fields.

The counting itself is worked by hand in tests/conformance/39-* and 40-*; these tests cover what the
conformance format cannot: rejections, every output format, and sheets of rulesets that count nothing.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supplierscore import load_ruleset, read_bids, read_documents, score
from supplierscore.engine import score_stream
from supplierscore.engine._participation import credited, participation
from supplierscore.errors import RulesetError
from supplierscore.ruleset import Participation, parse_ruleset

ROOT = Path(__file__).parent.parent
TENDERS = ROOT / "examples" / "tenders.ndjson"


def _document(subcontracts: list[dict[str, Any]]) -> dict[str, Any]:
    bid = {
        "id": "B-1",
        "supplier": {"id": "S-1", "name": "Alpha"},
        "price": {"amount": "100.00", "currency": "CAD"},
        "supply_chain": {"subcontracts": subcontracts},
    }
    return {"tender": {"id": "T-1", "currency": "CAD"}, "bids": [bid]}


class TestSubcontractFields:
    """role and fee_pct in the bid schema, and the rule checked after it."""

    def test_a_fee_without_the_broker_role_is_rejected(self) -> None:
        """fee_pct on a regular dealer is a rejection naming the field."""
        line = {"supplier_name": "X", "share_pct": 10, "role": "regular_dealer", "fee_pct": 5}
        batch = read_documents([_document([line])])
        assert [r.path for r in batch.rejections] == ["/bids/0/supply_chain/subcontracts/0/fee_pct"]

    def test_an_unknown_role_is_rejected(self) -> None:
        """A role outside the five is refused by the schema."""
        batch = read_documents([_document([{"supplier_name": "X", "share_pct": 10, "role": "distributor"}])])
        assert batch.rejected == 1

    def test_a_broker_with_its_fee_is_accepted(self) -> None:
        """role broker with fee_pct validates."""
        line = {"supplier_name": "X", "share_pct": 10, "role": "broker", "fee_pct": 5, "owned_by": ["dbe"]}
        assert read_documents([_document([line])]).rejected == 0


def _ruleset(participation: dict[str, Any] | None, field: str, method: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ruleset": "p",
        "version": "1",
        "title": "p",
        "precision": 2,
        "rounding": "half_up",
        "criteria": [
            {"id": "price", "group": "price", "weight": 90, "method": {"price_proportional": {}}},
            {"id": "share", "group": "supply", "weight": 10, "field": field, "method": method},
        ],
    }
    if participation is not None:
        data["participation"] = participation
    return data


class TestRulesetChecks:
    """participation.<group> fields are checked when the ruleset is loaded."""

    @pytest.mark.parametrize(
        ("block", "field", "method", "says"),
        [
            (None, "participation.immigrant", {"linear": {"from": 0, "to": 10}}, "has a participation block"),
            (
                {"groups": ["women"]},
                "participation.immigrant",
                {"linear": {"from": 0, "to": 10}},
                'not "immigrant"',
            ),
            ({"groups": ["immigrant"]}, "participation.immigrant", {"boolean": {}}, "is a number"),
        ],
    )
    def test_a_field_the_block_does_not_count_is_refused(
        self, block: dict[str, Any] | None, field: str, method: dict[str, Any], says: str
    ) -> None:
        """No block, a group the block does not count, a method that needs true/false: each a problem."""
        with pytest.raises(RulesetError) as caught:
            parse_ruleset(_ruleset(block, field, method))
        assert [p.path for p in caught.value.problems] == ["/criteria/1/field"]
        assert says in str(caught.value)

    @pytest.mark.parametrize("field", ["participation.immigrant", "participation.any"])
    def test_a_counted_group_or_any_loads(self, field: str) -> None:
        """A counted group and any are fields a criterion can score."""
        ruleset = parse_ruleset(_ruleset({"groups": ["immigrant"]}, field, {"linear": {"from": 0, "to": 10}}))
        assert ruleset.participation is not None and ruleset.participation.groups == ["immigrant"]


class TestTheSheet:
    """Rows report participation only under a ruleset that counts it."""

    def test_a_ruleset_without_participation_writes_the_sheet_as_before(self, tmp_path: Path) -> None:
        """No participation key in any JSON row, and no participation column in CSV."""
        sheet = score(read_bids([TENDERS]), load_ruleset("preset:cities-of-migration"))
        assert all("participation" not in row for row in sheet.to_dict()["rows"])
        sheet.write(tmp_path / "s.csv")
        header = (tmp_path / "s.csv").read_text(encoding="utf-8").splitlines()[0]
        assert "participation" not in header

    def test_every_row_reports_every_counted_group(self, tmp_path: Path) -> None:
        """Under the Toronto preset each row (eligible or not) has every group and any, in JSON and CSV."""
        ruleset = load_ruleset("preset:toronto-social-procurement")
        assert ruleset.participation is not None
        keys = [*ruleset.participation.groups, "any"]
        sheet = score(read_bids([TENDERS]), ruleset)
        rows = sheet.to_dict()["rows"]
        assert rows and all(list(row["participation"]) == keys for row in rows)
        assert json.loads(sheet.to_json_bytes())["rows"] == rows
        sheet.write(tmp_path / "s.csv")
        with (tmp_path / "s.csv").open(encoding="utf-8") as handle:
            table = list(csv.DictReader(handle))
        assert [r["participation.any"] for r in table] == [r["participation"]["any"] for r in rows]

    def test_a_streamed_sheet_reports_the_same_participation(self, tmp_path: Path) -> None:
        """Scored in chunks of one tender, the JSON and CSV sheets are the bytes a whole run writes."""
        ruleset = load_ruleset("preset:toronto-social-procurement")
        whole = score(read_bids([TENDERS]), ruleset)
        for suffix in (".json", ".csv"):
            whole.write(tmp_path / f"whole{suffix}")
            score_stream([TENDERS], ruleset, tmp_path / f"streamed{suffix}", chunk_lines=1, workers=1)
            assert (tmp_path / f"streamed{suffix}").read_bytes() == (tmp_path / f"whole{suffix}").read_bytes()

    def test_parquet_and_xlsx_carry_the_columns(self, tmp_path: Path) -> None:
        """Parquet and XLSX sheets have a participation.any column holding the JSON's exact text."""
        ruleset = load_ruleset("preset:us-dot-dbe-participation")
        sheet = score(read_bids([TENDERS]), ruleset)
        sheet.write(tmp_path / "s.parquet")
        sheet.write(tmp_path / "s.xlsx")
        frame = pl.read_parquet(tmp_path / "s.parquet")
        assert frame["participation.any"].to_list() == [
            r["participation"]["any"] for r in sheet.to_dict()["rows"]
        ]
        assert (tmp_path / "s.xlsx").stat().st_size > 0


_LINE = st.fixed_dictionaries(
    {
        "supplier_name": st.just("X"),
        "share_pct": st.decimals(min_value=0, max_value=10, places=3),
        "owned_by": st.lists(st.sampled_from(["immigrant", "women", "dbe"]), unique=True),
        "role": st.sampled_from(["own_forces", "services", "manufacturer", "regular_dealer", "broker"]),
        "fee_pct": st.decimals(min_value=0, max_value=100, places=2),
    }
)


class TestCountingProperties:
    """What holds for any subcontracts."""

    @settings(max_examples=60, deadline=None)
    @given(st.lists(_LINE, max_size=8))
    def test_any_lies_between_the_largest_group_and_their_sum(self, lines: list[dict[str, Any]]) -> None:
        """Each line counts once in any: any ≥ every group's share, ≤ their sum, ≤ the lines' total."""
        shares = participation(
            {"supply_chain": {"subcontracts": lines}}, Participation(groups=["immigrant", "women"])
        )
        groups = [shares["immigrant"], shares["women"]]
        assert max(groups) <= shares["any"] <= sum(groups)
        assert shares["any"] <= sum((credited(line) for line in lines), Decimal(0))

    @pytest.mark.parametrize(
        ("role", "expected"),
        [
            ("own_forces", "10"),
            ("services", "10"),
            ("manufacturer", "10"),
            ("regular_dealer", "6.0"),
            ("broker", "0.5"),
        ],
    )
    def test_each_role_counts_its_part(self, role: str, expected: str) -> None:
        """10 % of the contract: 10 in full, 6 as a regular dealer, a 5 % fee (0.5) as a broker."""
        assert credited({"share_pct": 10, "role": role, "fee_pct": 5}) == Decimal(expected)
