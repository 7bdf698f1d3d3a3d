"""The sheet's three tables as polars frames, built column by column: what the Parquet writers store.

The tables have the columns of :mod:`supplierscore.sheet._tables` (one flattening for every format),
but are built a column at a time rather than a record at a time, and figures go from the sheet's exact
decimal strings to ``Decimal(38, precision)`` by polars' own parsing, never through float (building a
polars Decimal from Python ``Decimal`` objects costs ten times as much). The breakdown is built from its
distinct lines (:meth:`~supplierscore.sheet.Breakdown.columns`), gathered by number, so a million bids
cost a few polars gathers rather than sixteen million Python records.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any

import polars as pl

from supplierscore.inputs import Rejection
from supplierscore.sheet._breakdown import Breakdown
from supplierscore.sheet._model import ParticipationRow, Row, ScoreSheet
from supplierscore.sheet._tables import _BREAKDOWN_COLUMNS, _REJECTION_COLUMNS, _ROW_COLUMNS, Kind

TYPES: dict[Kind, Any] = {
    "text": pl.String,
    "int": pl.Int64,
    "bool": pl.Boolean,
    "list": pl.List(pl.String),
}


def decimals(name: str, values: Sequence[Decimal | None], precision: int) -> pl.Series:
    """Figures as an exact ``Decimal(38, precision)`` column, parsed from the sheet's strings.

    Each figure object is printed once (rows share their points with the breakdown's lines): the
    texts are remembered by object identity, which holds while ``values`` keeps the objects alive.
    """
    printed: dict[int, str] = {}
    texts: list[str | None] = []
    append = texts.append
    for value in values:
        if value is None:
            append(None)
            continue
        text = printed.get(id(value))
        if text is None:
            text = printed[id(value)] = f"{value:.{precision}f}"
        append(text)
    return pl.Series(name, texts, dtype=pl.String).cast(pl.Decimal(38, precision))


def lists(name: str, values: Sequence[Sequence[str]]) -> pl.Series:
    """A ``List(String)`` column. polars builds one from Python lists at ~10 µs a row, so the items are
    handed over flat, with the row each belongs to, and grouped back by polars."""
    given = [(number, items) for number, items in enumerate(values) if items]
    owners = pl.Series("row", [number for number, items in given for _ in items], dtype=pl.Int64)
    flat = pl.Series(name, [item for _, items in given for item in items], dtype=pl.String)
    grouped = pl.DataFrame([owners, flat]).group_by("row", maintain_order=True).agg(pl.col(name))
    every = pl.DataFrame([pl.Series("row", range(len(values)), dtype=pl.Int64)])
    joined = every.join(grouped, on="row", how="left", maintain_order="left")
    return joined.get_column(name).fill_null(pl.lit([], dtype=pl.List(pl.String))).alias(name)


def _column(name: str, kind: Kind, values: Sequence[Any], precision: int) -> pl.Series:
    if kind == "decimal":
        return decimals(name, values, precision)
    if kind == "list":
        return lists(name, values)
    return pl.Series(name, values, dtype=TYPES[kind])


def frames(sheet: ScoreSheet) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The Rows, Breakdown and Rejections tables of ``sheet``."""
    return row_frame(sheet), breakdown_frame(sheet), rejection_frame(sheet.rejections)


def row_frame(sheet: ScoreSheet) -> pl.DataFrame:
    """The rows, one column per criterion, group and participation key the sheet lists."""
    rows = sheet.rows
    precision = sheet.metadata.precision
    _check_names(rows, sheet.criteria, sheet.groups)
    columns = _attribute_columns(rows, _ROW_COLUMNS, precision)
    columns += [
        decimals(f"points.{name}", [r.points.get(name) for r in rows], precision) for name in sheet.criteria
    ]
    columns += [
        decimals(f"group.{name}", [r.groups.get(name) for r in rows], precision) for name in sheet.groups
    ]
    columns += [
        pl.Series(
            f"participation.{name}",
            [r.participation.get(name) if isinstance(r, ParticipationRow) else None for r in rows],
            dtype=pl.String,
        )
        for name in sheet.participation
    ]
    return pl.DataFrame(columns)


def _check_names(rows: Sequence[Row], criteria: tuple[str, ...], groups: tuple[str, ...]) -> None:
    """A figure under a name the sheet does not list would have no column: refused, not dropped."""
    known_criteria, known_groups = set(criteria), set(groups)
    for row in rows:
        if not (row.points.keys() <= known_criteria and row.groups.keys() <= known_groups):
            extra = sorted((row.points.keys() - known_criteria) | (row.groups.keys() - known_groups))
            raise ValueError(f"no column for {extra}: the sheet lists {list(criteria)} and {list(groups)}")


def breakdown_frame(sheet: ScoreSheet) -> pl.DataFrame:
    """The breakdown: each distinct line built once, then gathered for every row that shares it."""
    precision = sheet.metadata.precision
    view = sheet.breakdown if isinstance(sheet.breakdown, Breakdown) else Breakdown(sheet.breakdown)
    tender_ids, bid_ids, lengths, distinct, distinct_numbers, line_numbers = view.columns()
    names = [name for name, _ in _BREAKDOWN_COLUMNS]
    if not distinct:
        return pl.DataFrame([_column(name, kind, [], precision) for name, kind in _BREAKDOWN_COLUMNS])
    owners = pl.DataFrame(
        [pl.Series("tender_id", tender_ids, dtype=pl.String), pl.Series("bid_id", bid_ids, dtype=pl.String)]
    )
    owner_numbers = pl.select(
        pl.int_range(0, len(lengths), dtype=pl.Int64).repeat_by(pl.Series(lengths)).explode()
    ).to_series()
    lines = pl.DataFrame(
        [
            pl.Series("criterion", [line[0] for line in distinct], dtype=pl.String),
            pl.Series("input", [line[1] for line in distinct], dtype=pl.String),
            pl.Series("fraction", [str(line[2]) for line in distinct], dtype=pl.String),
            pl.Series("evidence", [line[3] for line in distinct], dtype=pl.String),
            pl.Series("factor", [str(line[4]) for line in distinct], dtype=pl.String),
            decimals("points", [line[5] for line in distinct], precision),
            pl.Series("reason", [line[6] for line in distinct], dtype=pl.String),
        ]
    )
    places = pl.Series(distinct_numbers, dtype=pl.Int64).search_sorted(
        pl.Series(line_numbers, dtype=pl.Int64)
    )
    table = pl.concat([owners[owner_numbers], lines[places]], how="horizontal")
    return table.select(names)


def rejection_frame(rejections: Sequence[Rejection]) -> pl.DataFrame:
    """The rejections, in reading order."""
    return pl.DataFrame(_attribute_columns(rejections, _REJECTION_COLUMNS, 0))


def _attribute_columns(
    items: Sequence[Any], columns: tuple[tuple[str, Kind], ...], precision: int
) -> list[pl.Series]:
    """One column per named attribute of ``items`` (rows, rejections), read in C by ``attrgetter``."""
    return [_column(name, kind, list(map(attrgetter(name), items)), precision) for name, kind in columns]
