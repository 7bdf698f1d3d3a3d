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
from array import array
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import accumulate
from typing import Any, overload

from supplierscore.sheet._model import BreakdownRow, Exact

Line = tuple[str, str | None, Exact, str, Exact, Decimal, str]
"""One breakdown row without its tender and bid: criterion, input, fraction, evidence, factor, points,
reason (the order of :class:`BreakdownRow` 's fields after ``bid_id``)."""

LINE_FIELDS = ("criterion", "input", "fraction", "evidence", "factor", "points", "reason")


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

    def columns(self) -> tuple[list[str], list[str], array[int], list[Line], array[int]]:
        """The columns the writers need, without building a row: per bid its tender id, bid id and number
        of lines; the distinct lines; and for every breakdown row, in order, the number of its line.

        The loops over lines run in C (``map``), as they are the bulk of a large run.
        """
        tender_ids = [tender_id for tender_id, _, _ in self._bids]
        bid_ids = [bid_id for _, bid_id, _ in self._bids]
        lengths = array("q", [len(lines) for _, _, lines in self._bids])
        distinct: list[Line] = []
        numbers: dict[int, int] = {}  # id(line) → its number; every line is alive in self meanwhile
        line_numbers: array[int] = array("q")
        for _, _, lines in self._bids:
            before = len(line_numbers)
            try:
                line_numbers.extend(map(numbers.__getitem__, map(id, lines)))
            except KeyError:
                del line_numbers[before:]  # extend kept the numbers found before the miss
                for line in lines:
                    if id(line) not in numbers:
                        numbers[id(line)] = len(distinct)
                        distinct.append(line)
                line_numbers.extend(map(numbers.__getitem__, map(id, lines)))
        return tender_ids, bid_ids, lengths, distinct, line_numbers


def _rebuild(bids: list[tuple[str, str, tuple[Line, ...]]], size: int) -> Breakdown:
    breakdown = Breakdown()
    breakdown._bids = bids
    breakdown._size = size
    return breakdown
