"""Writing a sheet of any size piece by piece, in final order, to the bytes a whole write gives."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from supplierscore.errors import OutputError, UsageError
from supplierscore.inputs import Rejection
from supplierscore.sheet._files import WRITE_ERRORS, publish, staging
from supplierscore.sheet._frames import breakdown_frame, rejection_frame, row_frame
from supplierscore.sheet._model import (
    _JSON_OPTIONS,
    BreakdownRow,
    Counts,
    Metadata,
    Row,
    ScoreSheet,
    _json_bytes,
)
from supplierscore.sheet._parquet import parquet_metadata
from supplierscore.sheet._tables import (
    _TABLE_MAKERS,
    TITLES,
    _beside,
    _csv_file,
    _LineFeedRecords,
    _Table,
    _tables,
    neutralise,
)

# --- Streaming: a sheet of any size, written piece by piece -------------------------------------------


MAX_PARTS = 1024
"""Parquet parts of one table kept apart at most; more are joined into one file. A streamed run makes a part
per chunk (1,024 chunks are about 15 million bids), and joining rewrites every part so far, so it is rare."""

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
        self.shape = sheet_shape(criteria, groups, precision, participation)
        self.precision = precision
        self.parts: dict[str, list[Path]] = {"Rows": [], "Breakdown": [], "Rejections": []}
        self.counts = {"Rows": 0, "Breakdown": 0, "Rejections": 0}
        self.made = {"Rows": 0, "Breakdown": 0, "Rejections": 0}
        self.sort_parquet = False
        """Set when Parquet parts came out of tender order (chunks whose tender ids interleave): each
        tender sits whole in one part, so a stable sort by tender id at close puts them in order."""

    def _piece(
        self, rows: list[Row], breakdown: Sequence[BreakdownRow], rejections: list[Rejection]
    ) -> ScoreSheet:
        return replace(self.shape, rows=rows, breakdown=breakdown, rejections=rejections)

    def add(self, rows: list[Row], breakdown: Sequence[BreakdownRow]) -> None:
        """Append the next rows and breakdown lines, already in the sheet's final order."""
        self._append(self._piece(rows, breakdown, []), ("Rows", "Breakdown"))

    def add_rejections(self, rejections: list[Rejection]) -> None:
        """Append the next rejections, in reading order."""
        self._append(self._piece([], [], rejections), ("Rejections",))

    def _append(self, piece: ScoreSheet, titles: tuple[str, ...]) -> None:
        """Add a piece to each table's one part file (JSON, CSV), or as a Parquet file of its own, the
        Parquet files joined into one every :data:`MAX_PARTS`: the temporary files stay few however many
        pieces come."""
        for title in titles:
            items: Sequence[Any] = getattr(piece, title.lower())
            if not items:
                continue
            if self.format == ".json":
                with self._part(title).open("ab") as part:
                    part.write(_json_items(piece, items, first=self.counts[title] == 0))
            elif self.format == ".csv":
                _csv_file(_TABLE_MAKERS[title](piece), self.workdir / "piece.csv")
                with (self.workdir / "piece.csv").open("rb") as source, self._part(title).open("ab") as part:
                    source.readline()  # each piece repeats the header, which close writes once
                    shutil.copyfileobj(source, part)
            else:
                self._add_parquet(title, _FRAME_MAKERS[title](piece))
            self.counts[title] += len(items)

    def _part(self, title: str) -> Path:
        """The one part file of a table (JSON, CSV), created empty the first time."""
        part = self.workdir / f"{title}{self.format}"
        if not self.parts[title]:
            self.parts[title].append(part)
        return part

    def _add_parquet(self, title: str, frame: pl.DataFrame) -> None:
        number = self.made[title] + 1
        part = self.workdir / f"{title}-{number:06d}.parquet"
        frame.write_parquet(part)
        self.add_parquet_part(title, part)

    def add_parquet_part(self, title: str, part: Path) -> None:
        """Append a Parquet file of the table ``title`` made elsewhere (by a worker scoring a chunk, from
        :func:`~supplierscore.sheet._frames.frames`); it becomes the writer's to delete."""
        parts = self.parts[title]
        number = self.made[title] = self.made[title] + 1
        parts.append(part)
        if len(parts) >= MAX_PARTS:
            joined = self.workdir / f"{title}-{number:06d}-joined.parquet"
            pl.scan_parquet(parts).sink_parquet(joined)
            for old in parts:
                old.unlink()
            parts[:] = [joined]

    def close(self, metadata: Metadata) -> list[Path]:
        """Join the pieces under the final names, with the metadata; returns every file written.

        The files are made under temporary names beside the sheet and renamed when all are complete."""
        sheet = ScoreSheet(
            metadata, self.shape.criteria, self.shape.groups, participation=self.shape.participation
        )
        try:
            with staging(self.path) as folder:
                staged = folder / self.path.name
                if self.format == ".json":
                    return publish([self._close_json(sheet, staged)], self.path)
                made = [
                    self._close_table(sheet, title, table, staged)
                    for title, table in zip(TITLES, _tables(sheet), strict=True)
                ]
                return publish(made, self.path)
        except WRITE_ERRORS as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            raise OutputError(f"cannot write {self.path}: {reason}", path=str(self.path)) from error

    def _close_json(self, sheet: ScoreSheet, target: Path) -> Path:
        head = _json_bytes({"metadata": sheet._metadata_dict()}).rstrip()[:-2]  # drop the closing "\n}"
        with target.open("wb") as out:
            out.write(head)
            for title in ("Rows", "Breakdown", "Rejections"):
                out.write(f',\n  "{title.lower()}": '.encode())
                if not self.parts[title]:
                    out.write(b"[]")
                    continue
                out.write(b"[")
                with self._part(title).open("rb") as piece:
                    shutil.copyfileobj(piece, out)
                out.write(b"\n  ]")
            out.write(b"\n}\n")
        return target

    def _close_table(self, sheet: ScoreSheet, title: str, empty: _Table, staged: Path) -> Path:
        target = _beside(staged, title)
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
                        shutil.copyfileobj(piece, out)
            return target
        metadata = parquet_metadata(sheet)
        if not parts:
            _FRAME_MAKERS[title](self._piece([], [], [])).write_parquet(target, metadata=metadata)
        elif self.sort_parquet and title != "Rejections":
            pl.scan_parquet(parts).sort("tender_id", maintain_order=True).sink_parquet(
                target, metadata=metadata
            )
        else:
            pl.scan_parquet(parts).sink_parquet(target, metadata=metadata)
        return target


def write_parquet_piece(
    rows: list[Row], breakdown: Sequence[BreakdownRow], shape: ScoreSheet, folder: Path, name: str
) -> dict[str, Path]:
    """Write rows and breakdown, in final order, as one Parquet part of each table for a
    :class:`SheetWriter` of the sheet ``shape`` (its criteria, groups, participation keys and precision):
    what a process scoring a chunk makes, so that no row passes through the process that writes."""
    piece = replace(shape, rows=rows, breakdown=breakdown, rejections=[])
    parts = {}
    for title in ("Rows", "Breakdown"):
        parts[title] = folder / f"{title}-{name}.parquet"
        _FRAME_MAKERS[title](piece).write_parquet(parts[title])
    return parts


def sheet_shape(
    criteria: tuple[str, ...], groups: tuple[str, ...], precision: int, participation: tuple[str, ...] = ()
) -> ScoreSheet:
    """An empty sheet that says which columns the tables have: what pieces of a sheet are made from."""
    meta = replace(_PLACEHOLDER, precision=precision)
    return ScoreSheet(meta, criteria, groups, participation=participation)


_FRAME_MAKERS: dict[str, Callable[[ScoreSheet], pl.DataFrame]] = {
    "Rows": row_frame,
    "Breakdown": breakdown_frame,
    "Rejections": lambda sheet: rejection_frame(sheet.rejections),
}


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
