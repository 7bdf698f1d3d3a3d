"""The breakdown of a run, stored as one entry per bid over shared lines, read as one row per criterion.

A million bids under a ruleset of 16 criteria make 16 million breakdown rows, yet most of them repeat:
every bid with the same ownership share, the same yes/no or the same certificate state gets the same
fraction, points and reason for that criterion. The engine makes each distinct line once (a :data:`Line`,
everything but the tender and bid ids) and a :class:`Breakdown` keeps, per bid, its ids and its lines.
It reads like the list of :class:`~supplierscore.sheet.BreakdownRow` it replaces (``len``, iteration,
indexing, equality with a list), building each row only when asked, and hands the writers its columns
without building any (:meth:`Breakdown.columns`).
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import accumulate
from typing import Any, NamedTuple, overload

from supplierscore.sheet._model import BreakdownRow, Exact

Line = tuple[str, str | None, Exact, str, Exact, Decimal, str]
"""One breakdown row without its tender and bid: criterion, input, fraction, evidence, factor, points,
reason (the order of :class:`BreakdownRow` 's fields after ``bid_id``)."""

LINE_FIELDS = ("criterion", "input", "fraction", "evidence", "factor", "points", "reason")


class BreakdownColumns(NamedTuple):
    """A breakdown as columns (:meth:`Breakdown.columns`)."""

    tender_ids: list[str]
    """Per bid, in order."""
    bid_ids: list[str]
    lengths: array[int]
    """Per bid, how many breakdown rows it has."""
    distinct: list[Line]
    """Every distinct line, in order of first use."""
    distinct_numbers: array[int]
    """The number naming each distinct line: increasing, not consecutive."""
    line_numbers: array[int]
    """Per breakdown row, the number naming its line."""


class Breakdown(Sequence[BreakdownRow]):
    """Breakdown rows kept as (tender id, bid id, that bid's lines), in the sheet's order."""

    __slots__ = ("_bids", "_ends", "_size")

    def __init__(self, rows: Iterable[BreakdownRow] = ()) -> None:
        self._bids: list[tuple[str, str, tuple[Line, ...]]] = []
        self._size = 0
        self._ends: list[int] | None = None
        for row in rows:
            self._append_row(row)

    def add(self, tender_id: str, bid_id: str, lines: tuple[Line, ...]) -> None:
        """Append one bid's lines (shared, never copied)."""
        if lines:
            self._bids.append((tender_id, bid_id, lines))
            self._size += len(lines)
            self._ends = None

    def extend(self, other: Iterable[BreakdownRow]) -> None:
        """Append another breakdown's rows (its bids' entries, when it is a Breakdown)."""
        if isinstance(other, Breakdown):
            self._bids += other._bids
            self._size += other._size
            self._ends = None
        else:
            for row in other:
                self._append_row(row)

    def _append_row(self, row: BreakdownRow) -> None:
        line: Line = (
            row.criterion,
            row.input,
            row.fraction,
            row.evidence,
            row.factor,
            row.points,
            row.reason,
        )
        last = self._bids[-1] if self._bids else None
        if last is not None and last[0] == row.tender_id and last[1] == row.bid_id:
            self._bids[-1] = (last[0], last[1], (*last[2], line))
            self._size += 1
            self._ends = None
        else:
            self.add(row.tender_id, row.bid_id, (line,))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[BreakdownRow]:
        for tender_id, bid_id, lines in self._bids:
            for line in lines:
                yield BreakdownRow(tender_id, bid_id, *line)

    @overload
    def __getitem__(self, index: int) -> BreakdownRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[BreakdownRow]: ...

    def __getitem__(self, index: int | slice) -> BreakdownRow | list[BreakdownRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("breakdown index out of range")
        if self._ends is None:
            self._ends = list(accumulate(len(lines) for _, _, lines in self._bids))
        at = bisect.bisect_right(self._ends, index)
        tender_id, bid_id, lines = self._bids[at]
        start = self._ends[at] - len(lines)
        return BreakdownRow(tender_id, bid_id, *lines[index - start])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable, as the list it stands for

    def __repr__(self) -> str:
        return f"Breakdown({list(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its bids' entries, each distinct line once (pickle shares repeated objects)."""
        return (_rebuild, (self._bids, self._size))

    def columns(self) -> BreakdownColumns:
        """The columns the writers need, without building a row (see :class:`BreakdownColumns`); a
        writer maps each row's line number to a place among the distinct lines by a binary search.

        Lines are told apart by identity (every line is alive in ``self`` meanwhile), and the loops over
        lines run in C (``map``, ``dict.update``): they are the bulk of a large run.
        """
        tender_ids = [tender_id for tender_id, _, _ in self._bids]
        bid_ids = [bid_id for _, bid_id, _ in self._bids]
        lengths = array("q", [len(lines) for _, _, lines in self._bids])
        numbers: dict[int, int] = {}
        by_identity: dict[int, Line] = {}
        counter = itertools.count()
        line_numbers: array[int] = array("q")
        for _, _, lines in self._bids:
            identities = list(map(id, lines))
            line_numbers.extend(map(numbers.setdefault, identities, counter))
            by_identity.update(zip(identities, lines, strict=True))
        distinct = [by_identity[key] for key in numbers]
        return BreakdownColumns(
            tender_ids, bid_ids, lengths, distinct, array("q", numbers.values()), line_numbers
        )


def _rebuild(bids: list[tuple[str, str, tuple[Line, ...]]], size: int) -> Breakdown:
    breakdown = Breakdown()
    breakdown._bids = bids
    breakdown._size = size
    return breakdown
