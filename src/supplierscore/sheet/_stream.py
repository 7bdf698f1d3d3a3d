"""Writing a sheet of any size piece by piece, in final order, to the bytes a whole write gives."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from supplierscore.errors import OutputError, UsageError
from supplierscore.inputs import Rejection
from supplierscore.sheet._model import (
    _JSON_OPTIONS,
    BreakdownRow,
    Counts,
    Metadata,
    Row,
    ScoreSheet,
    _json_bytes,
)
from supplierscore.sheet._parquet import _series
from supplierscore.sheet._tables import (
    _TABLE_MAKERS,
    _beside,
    _csv_file,
    _LineFeedRecords,
    _Table,
    _tables,
    neutralise,
)

# --- Streaming: a sheet of any size, written piece by piece -------------------------------------------


STREAMABLE = frozenset({".json", ".csv", ".parquet"})
"""Formats a run can write piece by piece, in constant memory (XLSX is built in memory by nature)."""


class SheetWriter:
    """Writes a score sheet in pieces, in final order, to the same bytes (JSON, CSV) or the same
    content (Parquet, whose row groups follow the pieces) as :meth:`ScoreSheet.write` would.

    Rows and breakdown arrive tender by tender (:meth:`add`), rejections as they are found
    (:meth:`add_rejections`); the metadata, known last, comes with :meth:`close`. Pieces wait in
    ``workdir`` until then, so memory holds one piece at a time.
    """

    def __init__(
        self,
        path: Path,
        criteria: tuple[str, ...],
        groups: tuple[str, ...],
        precision: int,
        workdir: Path,
        participation: tuple[str, ...] = (),
    ) -> None:
        if path.suffix.lower() not in STREAMABLE:
            raise UsageError(
                f"cannot stream {path.suffix or 'a file without extension'}: use .json, .csv, .parquet"
            )
        self.path, self.workdir = path, workdir
        self.format = path.suffix.lower()
        self.shape = ScoreSheet(_PLACEHOLDER, criteria, groups, participation=participation)
        self.precision = precision
        self.parts: dict[str, list[Path]] = {"Rows": [], "Breakdown": [], "Rejections": []}
        self.counts = {"Rows": 0, "Breakdown": 0, "Rejections": 0}

    def _piece(
        self, rows: list[Row], breakdown: list[BreakdownRow], rejections: list[Rejection]
    ) -> ScoreSheet:
        meta = replace(_PLACEHOLDER, precision=self.precision)
        shape = self.shape
        return ScoreSheet(
            meta, shape.criteria, shape.groups, rows, breakdown, rejections, shape.participation
        )

    def add(self, rows: list[Row], breakdown: list[BreakdownRow]) -> None:
        """Append the next rows and breakdown lines, already in the sheet's final order."""
        self._append(self._piece(rows, breakdown, []), ("Rows", "Breakdown"))

    def add_rejections(self, rejections: list[Rejection]) -> None:
        """Append the next rejections, in reading order."""
        self._append(self._piece([], [], rejections), ("Rejections",))

    def _append(self, piece: ScoreSheet, titles: tuple[str, ...]) -> None:
        for title in titles:
            items: Sequence[Any] = getattr(piece, title.lower())
            if not items:
                continue
            part = self.workdir / f"{title}-{len(self.parts[title]):06d}{self.format}"
            if self.format == ".json":
                part.write_bytes(_json_items(piece, items, first=self.counts[title] == 0))
            else:
                table = _TABLE_MAKERS[title](piece)
                if self.format == ".csv":
                    _csv_file(table, part)
                else:
                    columns = [_series(table, i, self.precision) for i in range(len(table.columns))]
                    pl.DataFrame(columns).write_parquet(part)
            self.parts[title].append(part)
            self.counts[title] += len(items)

    def close(self, metadata: Metadata) -> list[Path]:
        """Join the pieces under the final names, with the metadata; returns every file written."""
        sheet = ScoreSheet(
            metadata, self.shape.criteria, self.shape.groups, participation=self.shape.participation
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.format == ".json":
                return [self._close_json(sheet)]
            return [
                self._close_table(sheet, title, table)
                for title, table in zip(("Rows", "Breakdown", "Rejections"), _tables(sheet), strict=True)
            ]
        except OSError as error:
            raise OutputError(
                f"cannot write {self.path}: {error.strerror or error}", path=str(self.path)
            ) from error

    def _close_json(self, sheet: ScoreSheet) -> Path:
        head = _json_bytes({"metadata": sheet._metadata_dict()}).rstrip()[:-2]  # drop the closing "\n}"
        with self.path.open("wb") as out:
            out.write(head)
            for title in ("Rows", "Breakdown", "Rejections"):
                out.write(f',\n  "{title.lower()}": '.encode())
                if not self.parts[title]:
                    out.write(b"[]")
                    continue
                out.write(b"[")
                for part in self.parts[title]:
                    with part.open("rb") as piece:
                        shutil.copyfileobj(piece, out)
                out.write(b"\n  ]")
            out.write(b"\n}\n")
        return self.path

    def _close_table(self, sheet: ScoreSheet, title: str, empty: _Table) -> Path:
        target = _beside(self.path, empty)
        parts = self.parts[title]
        if self.format == ".csv":
            with target.open("wb") as out:
                header = io.StringIO()
                csv.writer(_LineFeedRecords(header), lineterminator="\r\n").writerow(
                    [neutralise(name) for name, _ in empty.columns]
                )
                out.write(header.getvalue().encode("utf-8"))
                for part in parts:
                    with part.open("rb") as piece:
                        piece.readline()  # each piece repeats the header
                        shutil.copyfileobj(piece, out)
            return target
        metadata = {"supplierscore.metadata": json.dumps(sheet._metadata_dict(), ensure_ascii=False)}
        if not parts:
            columns = [_series(empty, i, self.precision) for i in range(len(empty.columns))]
            pl.DataFrame(columns).write_parquet(target, metadata=metadata)
        else:
            pl.scan_parquet(parts).sink_parquet(target, metadata=metadata)
        return target


def _json_items(piece: ScoreSheet, items: Sequence[Any], *, first: bool) -> bytes:
    """List members laid out exactly as inside the whole sheet's JSON (four spaces deep), comma-led
    unless they open the list."""
    body = b",".join(
        b"\n    "
        + orjson.dumps(item, default=piece._json_default, option=_JSON_OPTIONS).replace(b"\n", b"\n    ")
        for item in items
    )
    return body if first else b"," + body


_PLACEHOLDER = Metadata("", None, "", "", "", "", "", Counts(0, 0, 0, 0), 0, "half_up")
