"""Streaming: a batch scored in chunks of any size gives the sheet it gives in one piece."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplierscore import default_ruleset_path, load_ruleset, read_bids, score
from supplierscore.engine import score_stream
from supplierscore.errors import UsageError
from supplierscore.inputs import iter_batches
from tests.strategies import tender_documents

ROOT = Path(__file__).parent.parent
EXAMPLES = [ROOT / "examples" / "tenders.ndjson", ROOT / "examples" / "bad-bids.ndjson"]
RULESET = load_ruleset(default_ruleset_path())


def _ndjson(documents: list[dict[str, Any]], garbage: list[bytes]) -> bytes:
    lines = [json.dumps(d, default=float).encode() for d in documents]
    for at, junk in enumerate(garbage):
        lines.insert(min(at * 2, len(lines)), junk.replace(b"\n", b" "))
    return b"\n".join(lines) + b"\n"


class TestChunksAreInvisible:
    """The chunk size changes memory use, never the sheet."""

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        documents=st.lists(
            tender_documents(min_bids=1, max_bids=5),
            min_size=1,  # no tender at all is a usage error, not a sheet
            max_size=8,
            unique_by=lambda d: d["tender"]["id"],
        ),
        garbage=st.lists(st.binary(max_size=20), max_size=3),
        chunk_lines=st.integers(min_value=1, max_value=12),
    )
    def test_any_chunk_size_gives_the_one_piece_json_sheet(
        self, tmp_path: Path, documents: list[dict[str, Any]], garbage: list[bytes], chunk_lines: int
    ) -> None:
        """Generated batches with garbage lines: streamed JSON bytes equal the one-piece JSON bytes."""
        source = tmp_path / "batch.ndjson"
        source.write_bytes(_ndjson(documents, garbage))
        whole = score(read_bids([source]), RULESET).write(tmp_path / "whole.json")
        streamed = score_stream([source], RULESET, tmp_path / "streamed.json", chunk_lines=chunk_lines)
        assert streamed.written[0].read_bytes() == whole[0].read_bytes()

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        documents=st.lists(
            tender_documents(min_bids=1, max_bids=5),
            min_size=1,
            max_size=8,
            unique_by=lambda d: d["tender"]["id"],
        ),
        chunk_lines=st.integers(min_value=1, max_value=4),
    )
    def test_parquet_parts_in_any_tender_order_give_the_one_piece_tables(
        self, tmp_path: Path, documents: list[dict[str, Any]], chunk_lines: int
    ) -> None:
        """Workers' Parquet parts, whether chunks' tender ids come in order or interleave (then sorted at
        the end), hold the one-piece tables."""
        source = tmp_path / "batch.ndjson"
        source.write_bytes(_ndjson(documents, []))
        whole = score(read_bids([source]), RULESET).write(tmp_path / "whole.parquet")
        streamed = score_stream([source], RULESET, tmp_path / "streamed.parquet", chunk_lines=chunk_lines)
        for mine, theirs in zip(streamed.written, whole, strict=True):
            assert pl.read_parquet(mine).equals(pl.read_parquet(theirs))

    def test_two_workers_on_reversed_tenders_give_the_one_piece_tables(self, tmp_path: Path) -> None:
        """Tenders in reverse id order across two worker processes: sorted back into the sheet's order."""
        lines = (ROOT / "examples" / "tenders.ndjson").read_bytes().splitlines()
        source = tmp_path / "reversed.ndjson"
        source.write_bytes(b"\n".join(reversed(lines)) + b"\n")
        whole = score(read_bids([source]), RULESET).write(tmp_path / "whole.parquet")
        streamed = score_stream([source], RULESET, tmp_path / "streamed.parquet", chunk_lines=1, workers=2)
        for mine, theirs in zip(streamed.written, whole, strict=True):
            assert pl.read_parquet(mine).equals(pl.read_parquet(theirs))

    @pytest.mark.parametrize("suffix", [".json", ".csv", ".parquet"])
    @pytest.mark.parametrize("chunk_lines", [1, 2, 7, 1000])
    def test_examples_stream_to_the_same_files(self, tmp_path: Path, suffix: str, chunk_lines: int) -> None:
        """The example batch and the bad bids, streamed in chunks, write the same files as in one piece."""
        whole = score(read_bids(EXAMPLES), RULESET).write(tmp_path / f"whole{suffix}")
        streamed = score_stream(EXAMPLES, RULESET, tmp_path / f"streamed{suffix}", chunk_lines=chunk_lines)
        assert len(streamed.written) == len(whole)
        for mine, theirs in zip(streamed.written, whole, strict=True):
            if suffix == ".parquet":
                assert pl.read_parquet(mine).equals(pl.read_parquet(theirs))
            else:
                assert mine.read_bytes() == theirs.read_bytes()

    def test_counts_reconcile_when_streamed(self, tmp_path: Path) -> None:
        """read = scored + ineligible + rejected holds for a streamed run, as for a whole one."""
        outcome = score_stream(EXAMPLES, RULESET, tmp_path / "s.json", chunk_lines=3)
        counts = outcome.metadata.counts
        assert counts.read == counts.scored + counts.ineligible + counts.rejected == 76


class TestChunkedReading:
    """iter_batches hands over whole tenders, and the duplicate-tender rule still spans the input."""

    def test_duplicate_tender_ids_in_different_chunks_are_both_rejected(self, tmp_path: Path) -> None:
        """A tender id on line 1 and line 3, read one line per chunk, rejects both tenders' bids."""
        bid = {
            "id": "B-1",
            "supplier": {"id": "S", "name": "N"},
            "price": {"amount": "10.00", "currency": "CAD"},
        }
        lines = [{"tender": {"id": t, "currency": "CAD"}, "bids": [bid]} for t in ("T-1", "T-2", "T-1")]
        source = tmp_path / "dup.ndjson"
        source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
        chunks = list(iter_batches([source], chunk_lines=1))
        rejected = [(r.line, r.path) for chunk in chunks for r in chunk.rejections]
        assert rejected == [(1, "/tender/id"), (3, "/tender/id")]
        assert [t.id for chunk in chunks for t in chunk.tenders if t.bids] == ["T-2"]

    def test_xlsx_cannot_be_streamed(self, tmp_path: Path) -> None:
        """XLSX is built in memory, so asking to stream it is a usage error, not a silent full load."""
        with pytest.raises(UsageError, match=r"cannot stream \.xlsx"):
            score_stream(EXAMPLES, RULESET, tmp_path / "s.xlsx")
