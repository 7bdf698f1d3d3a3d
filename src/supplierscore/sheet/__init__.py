"""The score sheet: what a run produces, and the writers that put it in files.

A :class:`ScoreSheet` holds **rows** (one per scored bid: rank, total, points per criterion, subtotals
per group), the **breakdown** (one row per bid and criterion: input, fraction, evidence, factor, points
and a plain-language reason), the **rejections** from reading, and **metadata** (run id, engine and
ruleset versions, digests, counts). Its JSON form is ``schemas/scoresheet.schema.json``; money and points
leave as decimal strings with exactly the ruleset's precision, never floats.

Writers are chosen by the output's extension (:data:`WRITERS`); every writer is deterministic, so the
same inputs, ruleset and engine version give byte-identical files. Each returns the files it wrote:

- ``.json``: the whole sheet in one file, the contract other programs read.
- ``.csv``: ``NAME.csv`` holds the rows flattened to one column per criterion (``points.<id>``) and per
  group (``group.<name>``), and per participation key (``participation.<group>``) when the ruleset counts
  supply-chain participation; ``NAME.breakdown.csv`` and ``NAME.rejections.csv`` sit beside it. Figures are
  the exact decimal strings.
- ``.xlsx``: one workbook for people (sheets Rows, Subtotals, Breakdown, Rejections, Metadata): headers
  are the ruleset's labels (:attr:`ScoreSheet.labels`), each row shows the tender's title and the price,
  group subtotals sit on their own sheet so no row adds up to twice its total, and figures, prices,
  inputs, fractions and factors are numbers, so they sort and sum, shown with their decimals; the exact
  strings are in JSON and CSV.
- ``.parquet``: the same three tables as CSV in three files, figures as ``Decimal(38, precision)``, and
  the run's metadata in each file's key-value metadata.

Spreadsheets run what looks like a formula, and names and reasons come from bidders, so every text field
of CSV that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``
(:func:`neutralise`, after OWASP's advice on CSV injection). XLSX needs no such guard and gets none: its
text cells are typed strings, which no spreadsheet runs, so a name shows exactly as the bidder wrote it.
JSON and Parquet keep text exactly as it came.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from supplierscore import _lazy

if TYPE_CHECKING:
    from supplierscore.sheet._breakdown import Breakdown, Line
    from supplierscore.sheet._files import WRITE_ERRORS, check_output
    from supplierscore.sheet._model import (
        BidResult,
        BreakdownRow,
        Counts,
        Exact,
        Metadata,
        ParticipationRow,
        Row,
        ScoreSheet,
    )
    from supplierscore.sheet._read import load_sheet, parse_sheet
    from supplierscore.sheet._stream import STREAMABLE, SheetWriter, sheet_shape, write_parquet_piece
    from supplierscore.sheet._tables import neutralise
    from supplierscore.sheet._writers import WRITERS, write_rejections

__all__ = [
    "STREAMABLE",
    "WRITERS",
    "WRITE_ERRORS",
    "BidResult",
    "Breakdown",
    "BreakdownRow",
    "Counts",
    "Exact",
    "Line",
    "Metadata",
    "ParticipationRow",
    "Row",
    "ScoreSheet",
    "SheetWriter",
    "check_output",
    "load_sheet",
    "neutralise",
    "parse_sheet",
    "sheet_shape",
    "write_parquet_piece",
    "write_rejections",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = _lazy(
        __name__,
        {
            "supplierscore.sheet._breakdown": ("Breakdown", "Line"),
            "supplierscore.sheet._files": (
                "WRITE_ERRORS",
                "check_output",
            ),
            "supplierscore.sheet._model": (
                "BidResult",
                "BreakdownRow",
                "Counts",
                "Exact",
                "Metadata",
                "ParticipationRow",
                "Row",
                "ScoreSheet",
            ),
            "supplierscore.sheet._read": (
                "load_sheet",
                "parse_sheet",
            ),
            "supplierscore.sheet._stream": (
                "STREAMABLE",
                "SheetWriter",
                "sheet_shape",
                "write_parquet_piece",
            ),
            "supplierscore.sheet._tables": ("neutralise",),
            "supplierscore.sheet._writers": (
                "WRITERS",
                "write_rejections",
            ),
        },
    )
