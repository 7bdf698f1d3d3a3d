"""Reading tender documents and validating every bid: the first stage of a run.

A run reads files of tender documents (``{"tender": {...}, "bids": [...]}``) and splits every bid read
into exactly one of two piles: **valid** (handed on to scoring) or **rejected** (a :class:`Rejection`
naming the file, line, bid index, bid id, JSON Pointer and a plain-language reason). Nothing is dropped
silently, so ``read == valid + rejected`` always holds (:attr:`Batch.reconciles`).

Formats: ``.json`` holds one tender document, ``.ndjson``/``.jsonl`` one per line; ``.xlsx`` (and
``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``) and ``.csv`` hold them as tables keyed by field paths, each
rejection naming its sheet and cell (``_sheets``); a folder means its files of those kinds in sorted
order; ``-`` means standard input, read as NDJSON. :func:`write_workbook` and :func:`write_csv_tables`
write tender documents as those tables (for ``convert`` and ``template``).

Limits (each breach is a rejection of the line, never a crash): a line may be at most
:data:`MAX_LINE_BYTES` long and nest at most :data:`MAX_DEPTH` arrays and objects deep. Numbers are parsed
as :class:`decimal.Decimal` (never float); duplicate keys in one object, ``NaN`` and ``Infinity`` are
refused as ambiguous. A line that cannot be parsed counts as **one** rejected bid, since its bids cannot
be told apart.

Example:
    >>> batch = read_documents([{"tender": {"id": "T-1"}, "bids": [{"id": "B-1"}]}])
    >>> (batch.read, batch.valid, batch.rejected)
    (1, 0, 1)
    >>> batch.rejections[0].reason
    'missing required property "supplier"'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from supplierscore import _lazy

if TYPE_CHECKING:
    from supplierscore.inputs._batch import (
        MAX_DEPTH,
        MAX_LINE_BYTES,
        STDIN,
        SUPPORTED_SUFFIXES,
        Batch,
        FileSummary,
        InputBytes,
        Rejection,
        Tender,
    )
    from supplierscore.inputs._ocds import OcdsImport, import_ocds
    from supplierscore.inputs._ocds_detect import looks_like_ocds
    from supplierscore.inputs._ocds_report import ImportReport, NotBid, OcdsFileReport, Placeholder
    from supplierscore.inputs._ocds_schema import (
        BIDS_EXTENSION_URL,
        OCDS_VERSION,
        RELEASE_SCHEMA_URL,
        release_package_schema,
        release_schema,
    )
    from supplierscore.inputs._parse import parse_json
    from supplierscore.inputs._read import (
        Chunk,
        ReadPlan,
        add_shares,
        iter_batches,
        paused_gc,
        plan_reading,
        read_bids,
        read_chunk,
        read_documents,
    )
    from supplierscore.inputs._validate import schema_errors
    from supplierscore.inputs._workbook import (
        document_json,
        document_tables,
        write_csv_tables,
        write_workbook,
    )

__all__ = [
    "BIDS_EXTENSION_URL",
    "MAX_DEPTH",
    "MAX_LINE_BYTES",
    "OCDS_VERSION",
    "RELEASE_SCHEMA_URL",
    "STDIN",
    "SUPPORTED_SUFFIXES",
    "Batch",
    "Chunk",
    "FileSummary",
    "ImportReport",
    "InputBytes",
    "NotBid",
    "OcdsFileReport",
    "OcdsImport",
    "Placeholder",
    "ReadPlan",
    "Rejection",
    "Tender",
    "add_shares",
    "document_json",
    "document_tables",
    "import_ocds",
    "iter_batches",
    "looks_like_ocds",
    "parse_json",
    "paused_gc",
    "plan_reading",
    "read_bids",
    "read_chunk",
    "read_documents",
    "release_package_schema",
    "release_schema",
    "schema_errors",
    "write_csv_tables",
    "write_workbook",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = _lazy(
        __name__,
        {
            "supplierscore.inputs._batch": (
                "MAX_DEPTH",
                "MAX_LINE_BYTES",
                "STDIN",
                "SUPPORTED_SUFFIXES",
                "Batch",
                "FileSummary",
                "InputBytes",
                "Rejection",
                "Tender",
            ),
            "supplierscore.inputs._ocds": ("OcdsImport", "import_ocds"),
            "supplierscore.inputs._ocds_detect": ("looks_like_ocds",),
            "supplierscore.inputs._ocds_report": (
                "ImportReport",
                "NotBid",
                "OcdsFileReport",
                "Placeholder",
            ),
            "supplierscore.inputs._ocds_schema": (
                "BIDS_EXTENSION_URL",
                "OCDS_VERSION",
                "RELEASE_SCHEMA_URL",
                "release_package_schema",
                "release_schema",
            ),
            "supplierscore.inputs._parse": ("parse_json",),
            "supplierscore.inputs._read": (
                "Chunk",
                "ReadPlan",
                "add_shares",
                "iter_batches",
                "paused_gc",
                "plan_reading",
                "read_bids",
                "read_chunk",
                "read_documents",
            ),
            "supplierscore.inputs._validate": ("schema_errors",),
            "supplierscore.inputs._workbook": (
                "document_json",
                "document_tables",
                "write_csv_tables",
                "write_workbook",
            ),
        },
    )
