"""The Python API as an embedder meets it: documents straight into ``score``, a float named by its
pointer, the bundled ruleset by default, one bid's result, exact fractions, and the README's examples."""

from __future__ import annotations

import copy
import json
import os
import pickle
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import supplierscore
from supplierscore import UsageError, load_ruleset, read_bids, read_documents, score
from supplierscore.sheet import BidResult, Exact

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "tenders.ndjson"


def _bid(bid_id: str, amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": bid_id,
        "supplier": {"id": f"S-{bid_id}", "name": f"Supplier {bid_id}"},
        "price": {"amount": Decimal(amount), "currency": "CAD"},
        **extra,
    }


def _document(*bids: dict[str, Any], tender_id: str = "T-1") -> dict[str, Any]:
    return {"tender": {"id": tender_id, "currency": "CAD"}, "bids": list(bids)}


@pytest.fixture(scope="module")
def ruleset() -> supplierscore.Ruleset:
    return load_ruleset()


class TestScoreTakesDocuments:
    """``score`` accepts a Batch, tender documents or Tenders, and refuses anything else by name."""

    def test_documents_score_as_their_batch_does(self, ruleset: supplierscore.Ruleset) -> None:
        """A list of documents gives the sheet that read_documents followed by score gives."""
        documents = [_document(_bid("B-1", "100.00"), _bid("B-2", "80.00"))]
        direct = score(copy.deepcopy(documents), ruleset)
        via_batch = score(read_documents(copy.deepcopy(documents)), ruleset)
        assert direct.to_json_bytes() == via_batch.to_json_bytes()
        assert [row.bid_id for row in direct.rows] == ["B-2", "B-1"]

    def test_one_document_on_its_own_is_a_batch_of_one(self, ruleset: supplierscore.Ruleset) -> None:
        """A single dict is read as one tender document."""
        sheet = score(_document(_bid("B-1", "100.00")), ruleset)
        assert [(row.tender_id, row.bid_id, row.rank) for row in sheet.rows] == [("T-1", "B-1", 1)]

    def test_tenders_are_still_accepted(self, ruleset: supplierscore.Ruleset) -> None:
        """An iterable of Tenders scores with no rejections, as before."""
        batch = read_documents([_document(_bid("B-1", "100.00"))])
        assert len(score(iter(batch.tenders), ruleset).rows) == 1

    def test_a_path_where_the_ruleset_goes_says_to_load_it(self) -> None:
        """``score(batch, "rules.yaml")`` raises UsageError naming load_ruleset, not AttributeError."""
        with pytest.raises(UsageError, match=r"expects a Ruleset .*load_ruleset\('rules.yaml'\)"):
            score([_document(_bid("B-1", "1.00"))], "rules.yaml")  # type: ignore[arg-type]

    @pytest.mark.parametrize("bad", ["examples/tenders.ndjson", 42, None])
    def test_a_wrong_first_argument_says_what_was_expected(
        self, ruleset: supplierscore.Ruleset, bad: Any
    ) -> None:
        """A path, a number or None as the batch is a UsageError naming Batch and tender documents."""
        with pytest.raises(UsageError, match=r"expects a Batch .*tender documents") as caught:
            score(bad, ruleset)
        assert isinstance(caught.value, supplierscore.SupplierScoreError)
        if isinstance(bad, str):
            assert "read_bids" in str(caught.value)

    def test_a_mix_of_documents_and_other_things_is_refused(self, ruleset: supplierscore.Ruleset) -> None:
        """A list mixing documents with anything else is a UsageError naming the kinds found."""
        with pytest.raises(UsageError, match="not a mix of dict, str"):
            score([_document(_bid("B-1", "1.00")), "x"], ruleset)

    def test_read_documents_refuses_a_path(self) -> None:
        """``read_documents("bids.ndjson")`` says to use read_bids instead of reading characters."""
        with pytest.raises(UsageError, match=r"use read_bids"):
            read_documents("bids.ndjson")  # type: ignore[arg-type]


class TestFloatsNamedByPointer:
    """A float (from plain ``json.loads``) is rejected where it is, and only the bid holding it."""

    def test_the_float_in_one_bid_rejects_only_that_bid(self) -> None:
        """The other bids of the tender are still valid; the rejection names the float's pointer."""
        good = _bid("B-1", "10.00")
        good["price"]["amount"] = "10.00"
        bad = {**_bid("B-2", "1"), "price": {"amount": 10.5, "currency": "CAD"}}
        document = json.loads(json.dumps({"tender": {"id": "T-1", "currency": "CAD"}, "bids": [good, bad]}))
        batch = read_documents([document])
        assert batch.valid == 1 and batch.rejected == 1 and batch.reconciles
        [rejection] = batch.rejections
        assert (rejection.index, rejection.bid_id, rejection.path) == (1, "B-2", "/bids/1/price/amount")
        assert "10.5 is a float" in rejection.reason

    def test_a_float_in_the_header_rejects_every_bid_at_its_pointer(self) -> None:
        """A float under ``/tender`` is a header problem: each bid is rejected, naming that pointer."""
        document = _document(_bid("B-1", "10.00"), _bid("B-2", "12.00"))
        document["tender"]["budget"] = {"amount": 5000.0, "currency": "CAD"}
        batch = read_documents([document])
        assert batch.valid == 0 and batch.rejected == 2
        assert {r.path for r in batch.rejections} == {"/tender/budget/amount"}
        expected = "tender header: the number 5000.0 is a float"
        assert all(r.reason.startswith(expected) for r in batch.rejections)

    def test_a_key_with_a_slash_is_escaped_in_the_pointer(self) -> None:
        """Pointer steps are escaped as RFC 6901 says (``/`` as ``~1``)."""
        document = _document(_bid("B-1", "10.00", quality={"a/b": 50.5}))
        paths = {r.path for r in read_documents([document]).rejections}
        assert "/bids/0/quality/a~1b" in paths

    def test_exact_numbers_pass(self) -> None:
        """The same document parsed by parse_json (Decimal) has no rejection."""
        bid = '{"id": "B-1", "supplier": {"id": "S", "name": "A"}, "price": {"amount": 10.5, "currency": "CAD"}}'  # noqa: E501
        text = f'{{"tender": {{"id": "T-1"}}, "bids": [{bid}]}}'
        batch = read_documents([supplierscore.inputs.parse_json(text)])
        assert (batch.valid, batch.rejected) == (1, 0)


class TestLoadRuleset:
    """``load_ruleset()`` with no argument is the bundled default, from any directory."""

    def test_no_argument_loads_the_bundled_default(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Outside the repository, ``load_ruleset()`` equals loading default_ruleset_path()."""
        monkeypatch.chdir(tmp_path)
        assert load_ruleset().sha256 == load_ruleset(supplierscore.default_ruleset_path()).sha256

    def test_a_wrong_type_says_what_was_expected(self) -> None:
        """Passing parsed data is a UsageError pointing at parse_ruleset."""
        with pytest.raises(UsageError, match="parse_ruleset"):
            load_ruleset({"ruleset": "x"})  # type: ignore[arg-type]


class TestOneBid:
    """``sheet.bid(tender_id, bid_id)`` gives one bid's row and breakdown."""

    def test_a_scored_bid_has_its_row_and_one_line_per_criterion(
        self, ruleset: supplierscore.Ruleset
    ) -> None:
        """The result holds the bid's row and exactly its breakdown lines, in criterion order."""
        sheet = score(read_bids([EXAMPLES]), ruleset)
        row = next(r for r in sheet.rows if r.eligible)
        result = sheet.bid(row.tender_id, row.bid_id)
        assert isinstance(result, BidResult) and result.row is row
        assert [b.criterion for b in result.breakdown] == [c.id for c in ruleset.criteria]
        assert all((b.tender_id, b.bid_id) == (row.tender_id, row.bid_id) for b in result.breakdown)
        assert sum(b.points for b in result.breakdown) == row.total

    def test_the_same_bid_id_in_another_tender_is_not_mixed_in(self, ruleset: supplierscore.Ruleset) -> None:
        """Bid ids repeat across tenders; only the named tender's lines come back."""
        documents = [_document(_bid("B-1", "1.00")), _document(_bid("B-1", "2.00"), tender_id="T-2")]
        sheet = score(documents, ruleset)
        result = sheet.bid("T-2", "B-1")
        assert {b.tender_id for b in result.breakdown} == {"T-2"}
        assert result.row.tender_id == "T-2"

    def test_a_rejected_bid_says_why(self, ruleset: supplierscore.Ruleset) -> None:
        """Asking for a rejected bid raises UsageError with the rejection's pointer and reason."""
        sheet = score(_document(_bid("B-1", "1.00"), {"id": "B-2"}), ruleset)
        with pytest.raises(UsageError, match=r"B-2 of tender T-1 was rejected.*supplier"):
            sheet.bid("T-1", "B-2")

    def test_an_unknown_bid_is_a_usage_error(self, ruleset: supplierscore.Ruleset) -> None:
        """A bid the sheet never saw is named in the error."""
        sheet = score(_document(_bid("B-1", "1.00")), ruleset)
        with pytest.raises(UsageError, match="no bid B-9 in tender T-1"):
            sheet.bid("T-1", "B-9")


class TestExactFigures:
    """Fractions and factors are Decimals in the API and print in files as they always did."""

    def test_fraction_and_factor_are_decimals(self, ruleset: supplierscore.Ruleset) -> None:
        """Every breakdown line's fraction and factor is a Decimal, from 0 to 1."""
        sheet = score(read_bids([EXAMPLES]), ruleset)
        for line in sheet.breakdown:
            assert isinstance(line.fraction, Decimal) and isinstance(line.factor, Decimal)
            assert 0 <= line.fraction <= 1 and 0 <= line.factor <= 1

    def test_json_prints_them_exactly_not_at_the_precision(self, ruleset: supplierscore.Ruleset) -> None:
        """A two-thirds fraction prints with its 12 places, a whole one as ``1``, in the JSON sheet."""
        sheet = score(_document(_bid("B-1", "2.00"), _bid("B-2", "3.00")), ruleset)
        printed = json.loads(sheet.to_json_bytes())["breakdown"]
        price = {(b["bid_id"], b["criterion"]): b for b in printed}
        assert price[("B-2", "price")]["fraction"] == "0.666666666667"
        assert price[("B-1", "price")]["fraction"] == "1"
        assert price[("B-1", "price")]["factor"] == "1"
        assert printed == sheet.to_dict()["breakdown"]

    @pytest.mark.parametrize("text", ["0.125", "1", "0", "0.0000001", "0.666666666667"])
    def test_exact_prints_as_written(self, text: str) -> None:
        """``str(Exact(text))`` is the text, never scientific notation, and survives pickling (the
        streaming scorer sends breakdown lines between processes)."""
        assert str(Exact(text)) == text == f"{Exact(text)}"
        assert Exact(text) == Decimal(text)
        copied = pickle.loads(pickle.dumps(Exact(text)))
        assert type(copied) is Exact and copied.text == text


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


class TestReadmeExamples:
    """The README's Python examples run as written, in order, in one namespace."""

    def test_the_readme_has_python_examples(self) -> None:
        """There is something to run (so the test below cannot pass by finding nothing)."""
        assert len(_python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))) >= 2

    def test_every_python_block_runs(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """In a fresh folder holding the examples, an audit key and a log of two runs (as the walk-through
        leaves them), each block runs without error."""
        shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("audit"))
        from supplierscore import audit

        audit.keygen(tmp_path / "keys" / "city-audit.key")
        monkeypatch.chdir(tmp_path)
        batch = read_bids(["examples/tenders.ndjson"])
        for _ in range(2):
            audit.AuditLog("audit").append_run(batch, load_ruleset(), score(batch, load_ruleset()))
        namespace: dict[str, Any] = {"__name__": "readme"}
        for number, block in enumerate(_python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))):
            code = compile(block, f"README.md python block {number + 1}", "exec")
            exec(code, namespace)
        assert os.path.exists("sheet.json")
