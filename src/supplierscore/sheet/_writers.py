"""Writers by extension, for whole sheets and for rejections alone."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from supplierscore.inputs import Rejection
from supplierscore.sheet._model import ScoreSheet, _dispatch, _json_bytes, _write_json
from supplierscore.sheet._tables import _csv_file, _rejection_table, _write_csv

Writer = Callable[[ScoreSheet, Path], list[Path]]


def _write_parquet(sheet: ScoreSheet, path: Path) -> list[Path]:
    from supplierscore.sheet._parquet import _write_parquet as write  # polars loads for Parquet only

    return write(sheet, path)


def _write_xlsx(sheet: ScoreSheet, path: Path) -> list[Path]:
    from supplierscore.sheet._xlsx import _write_xlsx as write  # xlsxwriter loads for XLSX only

    return write(sheet, path)


WRITERS: dict[str, Writer] = {
    ".csv": _write_csv,
    ".json": _write_json,
    ".parquet": _write_parquet,
    ".xlsx": _write_xlsx,
}
"""Writers by lower-case file extension."""


# --- Rejections alone (``supplierscore validate --out``) ----------------------------------------------


def write_rejections(rejections: Sequence[Rejection], path: str | os.PathLike[str]) -> list[Path]:
    """Save rejections without a sheet: ``.json`` as ``{"rejections": [...]}`` (the sheet's member of that
    name), ``.csv`` with the columns of ``NAME.rejections.csv``. Returns the file written."""
    return _dispatch(_REJECTION_WRITERS, rejections, path)


def _rejections_json(rejections: Sequence[Rejection], path: Path) -> list[Path]:
    path.write_bytes(_json_bytes({"rejections": [rejection.to_dict() for rejection in rejections]}))
    return [path]


def _rejections_csv(rejections: Sequence[Rejection], path: Path) -> list[Path]:
    return [_csv_file(_rejection_table(rejections), path)]


_REJECTION_WRITERS: dict[str, Callable[[Sequence[Rejection], Path], list[Path]]] = {
    ".csv": _rejections_csv,
    ".json": _rejections_json,
}
