"""Reading inputs into a :class:`Batch`: files, folders, standard input, chunks, and the collector.

The collector turns each parsed line into tenders and rejections, applying the schema and the cross-field
rules, so that every bid read ends in exactly one pile.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import io
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from supplierscore.errors import UsageError
from supplierscore.inputs._batch import (
    _BOM,
    MAX_BIDS,
    MAX_ID_LENGTH,
    MAX_LINE_BYTES,
    Batch,
    FileSummary,
    InputBytes,
    Rejection,
    Tender,
    _LineError,
)
from supplierscore.inputs._duplicates import bids_with_duplicate_keys
from supplierscore.inputs._expand import _expand_inputs, _is_single_document
from supplierscore.inputs._fastjson import _UNPROVEN, fast_document, parse_line, plain
from supplierscore.inputs._gather import (
    repeated_content,
    spread_document,
)
from supplierscore.inputs._lines import bounded_lines, read_bounded, too_long
from supplierscore.inputs._parse import _parse_line
from supplierscore.inputs._spreadsheet import is_spreadsheet
from supplierscore.inputs._validate import (
    _bid_rule_errors,
    _escape,
    _header_rule_errors,
    _json_type,
    _tender_currency,
    _validator,
    schema_errors,
)
from supplierscore.limits import MAX_REASON, clip, text_problem, value_problems

# ---------------------------------------------------------------------------------------------------
# Public entry points


def read_bids(
    inputs: Iterable[str | os.PathLike[str] | InputBytes], *, stdin: BinaryIO | None = None
) -> Batch:
    """Read and validate every bid in ``inputs`` (files, folders, ``"-"`` for standard input, or
    :class:`InputBytes`).

    Raises :class:`~supplierscore.errors.UsageError` for a missing or unreadable input or an
    unsupported file type; every problem inside a file becomes a :class:`Rejection` instead.
    """
    with paused_gc():
        return _merge(list(iter_batches(inputs, stdin=stdin)))


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while bids or rows are built in bulk.

    Parsed documents, tenders, rows and breakdown lines hold no reference cycles, so reference counting
    frees them all the same; without the pause the collector rescans the millions of young objects of a
    large batch again and again (measured: 40 % of scoring time at 100,000 bids).

    On the way out the objects made during the pause join the oldest generation at once (freeze, then
    unfreeze, unless the program froze objects of its own): merely enabling would have the very next
    collection scan them all as young (measured: 0.6 s after reading 100,000 bids).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def iter_batches(
    inputs: Iterable[str | os.PathLike[str] | InputBytes],
    *,
    chunk_lines: int | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Batch]:
    """Read like :func:`read_bids`, handing over a :class:`Batch` every ``chunk_lines`` lines, so a batch
    of any size is read in constant memory. A tender is one line, so a chunk never splits one.

    Each chunk's ``files`` holds that chunk's share of each file's counts; a file's digest comes with
    its last share.
    """
    plan = plan_reading(inputs, chunk_lines=chunk_lines, stdin=stdin)
    for chunk in plan.chunks:
        yield read_chunk(chunk, plan.duplicates)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of lines of one input, read into one :class:`Batch`; a whole file when not chunked.

    ``path`` names the file to read, or ``data`` holds the input itself (standard input, InputBytes).
    """

    source: str
    path: str | None
    data: bytes | None
    offset: int
    first_line: int
    lines: int | None
    sha256: str
    last: bool
    empty: bool
    notes: tuple[str, ...] = ()
    refused: str | None = None
    parsed: list[Any] | None = dataclasses.field(default=None, repr=False, compare=False)
    """Unchunked NDJSON only: each line's document when the first pass proved it exact (else
    ``_UNPROVEN``), so that it is not parsed twice; taken (and dropped) as it is read."""


@dataclass(frozen=True, slots=True)
class ReadPlan:
    """The chunks to read, in order, and the tender ids that appear more than once in all the input."""

    chunks: list[Chunk]
    duplicates: frozenset[str]


def plan_reading(
    inputs: Iterable[str | os.PathLike[str] | InputBytes],
    *,
    chunk_lines: int | None = None,
    stdin: BinaryIO | None = None,
    spill: Path | None = None,
) -> ReadPlan:
    """The first pass over the input: each file's SHA-256, where every ``chunk_lines``-th line starts,
    and the tender ids that appear more than once, the one rule that spans the whole input.

    orjson reads a line in a few microseconds; a line it refuses (NaN, a huge integer) is parsed the
    careful way, and one that neither can parse has no tender id (it is rejected on the second pass).
    With ``spill``, inputs held in memory are written there, so chunks can be read by other processes.
    With neither ``chunk_lines`` nor ``spill`` (one process reads everything, as :func:`read_bids`), a
    line is parsed once: the fast reader's proven documents are kept for :func:`read_chunk`.
    """
    chunks: list[Chunk] = []
    ids: list[str | None] = []
    inputs = list(inputs)
    resolved, notes = _expand_inputs(inputs, stdin)
    if not resolved:
        given = ", ".join(i.name if isinstance(i, InputBytes) else os.fspath(i) for i in inputs)
        skipped = f" ({'; '.join(notes)})" if notes else ""
        raise UsageError(f"no input files to read in {given or 'the inputs given'}{skipped}")
    for number, (name, source) in enumerate(resolved):
        if isinstance(source, bytes) and spill is not None:
            copy = spill / f"input-{number:04d}"
            copy.write_bytes(source)
            source = copy
        chunks += _plan_file(name, source, chunk_lines, ids, keep=not chunk_lines and spill is None)
    repeated_content([(c.source, c.sha256) for c in chunks if c.last])
    if all(c.empty for c in chunks):
        raise UsageError(f"no tenders in the input: {', '.join(c.source for c in chunks if c.last)} empty")
    chunks[0] = dataclasses.replace(chunks[0], notes=tuple(notes))
    return ReadPlan(chunks, _repeated(ids))


def _plan_file(
    name: str, source: Path | bytes, chunk_lines: int | None, ids: list[str | None], *, keep: bool
) -> list[Chunk]:
    digest = hashlib.sha256()
    starts = [(0, 1)]
    offset = lines = 0
    parsed: list[Any] | None = None
    with _open(name, source) as stream:
        if is_spreadsheet(name):
            from supplierscore.inputs._sheets import plan_spreadsheet  # loaded for spreadsheets only

            sha256, found, empty = plan_spreadsheet(
                name, stream.read(), None if isinstance(source, bytes) else str(source)
            )
            ids += found
            path, data = (None, source) if isinstance(source, bytes) else (str(source), None)
            return [Chunk(name, path, data, 0, 1, None, sha256, True, empty)]
        if _is_single_document(name):
            whole, offset = read_bounded(stream, digest)
            if offset <= MAX_LINE_BYTES:
                ids.append(_tender_id(_quick_parse(whole.removeprefix(_BOM))))
            lines = int(bool(whole.strip()))
        else:
            unparsed_first = False
            parsed = [] if keep else None
            for number, (raw, length) in enumerate(bounded_lines(stream, digest), start=1):
                offset += length
                document = _UNPROVEN
                if raw.strip():
                    lines += 1
                    if length <= MAX_LINE_BYTES:
                        body = raw.removeprefix(_BOM) if number == 1 else raw
                        if parsed is not None:
                            document = fast_document(body.rstrip(b"\r\n"))
                        found = _quick_parse(body) if document is _UNPROVEN else document
                        unparsed_first = unparsed_first or (lines == 1 and found is None)
                        ids.append(_tender_id(found))
                if parsed is not None:
                    parsed.append(document)
                if chunk_lines and number % chunk_lines == 0 and stream.peek(1):
                    starts.append((offset, number + 1))
            spread = None
            if unparsed_first and lines > 1 and offset <= MAX_LINE_BYTES:
                stream.seek(0)
                spread = spread_document(stream.read(), lines)
            if spread is not None:
                path, data = (None, source) if isinstance(source, bytes) else (str(source), None)
                return [Chunk(name, path, data, 0, 1, None, digest.hexdigest(), True, False, refused=spread)]
    path, data = (None, source) if isinstance(source, bytes) else (str(source), None)
    return [
        Chunk(
            name,
            path,
            data,
            start,
            first,
            chunk_lines if i < len(starts) - 1 else None,
            digest.hexdigest(),
            i == len(starts) - 1,
            lines == 0,
            parsed=parsed,
        )
        for i, (start, first) in enumerate(starts)
    ]


def _open(name: str, source: Path | str | bytes) -> io.BufferedReader:
    if isinstance(source, bytes):
        return io.BufferedReader(io.BytesIO(source))
    try:
        return open(source, "rb")
    except OSError as error:
        raise UsageError(f"input cannot be read: {name}: {error.strerror}", path=name) from error


def read_chunk(chunk: Chunk, duplicates: frozenset[str] = frozenset()) -> Batch:
    """Read and validate one chunk; ``duplicates`` are the tender ids the plan found more than once."""
    collector = _Collector(duplicates)
    summary = collector.start_file(chunk.source)
    collector.batch.warnings.extend(chunk.notes)
    if chunk.refused is not None:
        collector.reject_line(summary, 1, "", chunk.refused)
        summary.sha256 = chunk.sha256
        return collector.batch
    with _open(chunk.source, chunk.data if chunk.data is not None else str(chunk.path)) as stream:
        try:
            stream.seek(chunk.offset)
            if is_spreadsheet(chunk.source):
                from supplierscore.inputs._sheets import read_spreadsheet  # loaded for spreadsheets only

                read_spreadsheet(collector, summary, chunk.source, stream.read(), chunk.path)
            elif _is_single_document(chunk.source):
                collector.read_single(*read_bounded(stream))
            else:
                offset = chunk.offset
                for line_no, (raw, length) in enumerate(bounded_lines(stream), start=chunk.first_line):
                    offset = collector.read_line(line_no, raw, offset, length, _take(chunk, line_no))
                    if chunk.lines is not None and line_no + 1 >= chunk.first_line + chunk.lines:
                        break
        except OSError as error:
            raise UsageError(
                f"input cannot be read: {chunk.source}: {error.strerror}", path=chunk.source
            ) from error
    if chunk.last:
        summary.sha256 = chunk.sha256
        if chunk.empty:
            collector.batch.warnings.append(f"{chunk.source}: no bids found (empty file)")
    return collector.batch


def _take(chunk: Chunk, line_no: int) -> Any:
    """The first pass's proven document of a line, dropped from the chunk as it is handed over."""
    index = line_no - chunk.first_line
    if chunk.parsed is None or index >= len(chunk.parsed):
        return _UNPROVEN
    document, chunk.parsed[index] = chunk.parsed[index], _UNPROVEN
    return document


def _merge(batches: list[Batch]) -> Batch:
    """One Batch from the chunks of one read, with one summary per file."""
    merged = Batch()
    files: dict[str, FileSummary] = {}
    for batch in batches:
        merged.tenders += batch.tenders
        merged.rejections += batch.rejections
        merged.warnings += batch.warnings
        add_shares(files, batch.files)
    merged.files = list(files.values())
    return merged


def add_shares(files: dict[str, FileSummary], shares: Iterable[FileSummary]) -> None:
    """Add chunks' shares of file counts into one summary per file (keyed by source)."""
    for share in shares:
        whole = files.setdefault(share.source, FileSummary(share.source))
        whole.sha256 = share.sha256 or whole.sha256
        whole.read += share.read
        whole.valid += share.valid
        whole.rejected += share.rejected


def read_documents(documents: Iterable[Any] | Mapping[str, Any], *, source: str = "<memory>") -> Batch:
    """Validate tender documents already in memory (for embedding); line numbers count documents from 1.

    ``documents`` is a list (or any iterable) of tender documents, or one document on its own. Numbers
    should be ``Decimal``, ``int`` or decimal strings: a ``float`` has already lost the digits an exact
    score needs, so the bid holding one is rejected at the float's JSON Pointer (a float in the tender
    header rejects the tender's bids). Parse JSON text with :func:`~supplierscore.inputs.parse_json`,
    which reads numbers as ``Decimal``.

    >>> batch = read_documents({"tender": {"id": "T-1"}, "bids": [{"id": "B-1", "price": {"amount": 9.5}}]})
    >>> [r.path for r in batch.rejections if "float" in r.reason]
    ['/bids/0/price/amount']
    """
    if isinstance(documents, Mapping):
        documents = [documents]
    elif isinstance(documents, str | bytes | os.PathLike) or not isinstance(documents, Iterable):
        raise UsageError(
            f"read_documents expects tender documents (dicts, or a list of them), not "
            f"{type(documents).__name__}: to read files, use read_bids([path, ...])"
        )
    documents = list(documents)
    collector = _Collector(_repeated(_tender_id(d) for d in documents))
    summary = collector.start_file(source)
    for line_no, document in enumerate(documents, start=1):
        found = [] if plain(document) else _unreadable_values(document)
        collector.add_document(summary, line_no, document, found)
    return collector.batch


def _unreadable_values(document: Any) -> list[tuple[str, str]]:
    """The values out of bounds and the floats in a document given in memory, with their pointers."""
    floats = [(pointer, _FLOAT_REASON.format(value)) for pointer, value in _floats(document, "")]
    return [*value_problems(document), *floats]


# ---------------------------------------------------------------------------------------------------
# Collecting results


def _tender_id(document: Any) -> str | None:
    header = document.get("tender") if isinstance(document, dict) else None
    tender_id = header.get("id") if isinstance(header, dict) else None
    return tender_id if isinstance(tender_id, str) else None


def _repeated(ids: Iterable[str | None]) -> frozenset[str]:
    counts = Counter(i for i in ids if i is not None)
    return frozenset(i for i, n in counts.items() if n > 1)


def _quick_parse(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            return _parse_line(raw, offset=0)[0]
        except _LineError:
            return None


class _Collector:
    """Reads documents into a :class:`Batch`, keeping every count in step with every rejection."""

    def __init__(self, duplicate_tender_ids: frozenset[str]) -> None:
        self.batch = Batch()
        self.duplicates = duplicate_tender_ids
        self.summary: FileSummary | None = None

    def start_file(self, source: str) -> FileSummary:
        self.summary = FileSummary(source)
        self.batch.files.append(self.summary)
        return self.summary

    def read_single(self, data: bytes, length: int | None = None) -> None:
        """Read a ``.json`` file: one tender document, a BOM allowed; ``length`` is the file's size
        when ``data`` holds only its first bytes (:func:`read_bounded`)."""
        assert self.summary is not None
        if length is not None and length > MAX_LINE_BYTES:
            self.reject_line(self.summary, 1, "", too_long(length, "the file"))
            return
        if not data.strip():
            return
        self._add_raw(
            self.summary, 1, data.removeprefix(_BOM), offset=len(_BOM) if data.startswith(_BOM) else 0
        )

    def read_line(
        self, line_no: int, raw: bytes, offset: int, length: int | None = None, parsed: Any = _UNPROVEN
    ) -> int:
        """Read one NDJSON line starting at byte ``offset``; returns the offset of the next. ``length`` is
        the line's length when ``raw`` holds only its first bytes (:func:`bounded_lines`); ``parsed`` is
        its document when the first pass proved it exact."""
        assert self.summary is not None
        if length is not None and length > MAX_LINE_BYTES:
            self.reject_line(self.summary, line_no, "", too_long(length))
            return offset + length
        body = raw.removeprefix(_BOM) if line_no == 1 else raw
        if parsed is not _UNPROVEN:
            self.add_document(self.summary, line_no, parsed, [])
        elif body.strip():
            start = offset + (len(raw) - len(body))
            self._add_raw(self.summary, line_no, body.rstrip(b"\r\n"), offset=start)
        return offset + len(raw)

    def _add_raw(self, summary: FileSummary, line_no: int, raw: bytes, *, offset: int) -> None:
        try:
            document, out_of_bounds = parse_line(raw, offset=offset)
        except _LineError as error:
            split = bids_with_duplicate_keys(raw) if error.reason.startswith("duplicate key") else None
            if split is None:
                self.reject_line(summary, line_no, error.path, error.reason)
            else:
                self.add_document(summary, line_no, split[0], known=split[1])
            return
        self.add_document(summary, line_no, document, out_of_bounds)

    def reject_line(self, summary: FileSummary, line_no: int, path: str, reason: str) -> None:
        summary.read += 1
        summary.rejected += 1
        self.batch.rejections.append(
            Rejection(
                summary.source, line_no, None, None, None, clip(path, MAX_REASON), clip(reason, MAX_REASON)
            )
        )

    def add_document(
        self,
        summary: FileSummary,
        line_no: int,
        document: Any,
        out_of_bounds: list[tuple[str, str]] | None = None,
        known: dict[int, list[tuple[str, str]]] | None = None,
    ) -> None:
        """Validate one tender document: its header, then each bid, then the cross-field rules.

        ``out_of_bounds`` are the values the parser found out of bounds (found here when not given); a bid
        holding one is rejected for it without further checks, and one in the header rejects every bid.
        ``known`` holds other problems found while parsing, by bid index (a duplicate key inside a bid).
        """
        if out_of_bounds is None:
            out_of_bounds = [] if plain(document) else list(value_problems(document))
        bids = document.get("bids") if isinstance(document, dict) else None
        if not isinstance(bids, list):
            self.reject_line(summary, line_no, "", _not_a_document(document))
            return
        tender_id = _shown_id(_tender_id(document))
        if len(bids) > MAX_BIDS:
            summary.read += len(bids)
            summary.rejected += len(bids)
            reason = (
                f"{len(bids):,} bids in one tender, over the limit of {MAX_BIDS:,}: the tender is rejected "
                "whole, without checking its bids one by one"
            )
            self.batch.rejections.append(
                Rejection(summary.source, line_no, None, tender_id, None, "/bids", reason)
            )
            return
        bid_problems: dict[int, list[tuple[str, str]]] = defaultdict(list, known or {})
        outside = _sort_out_of_bounds(out_of_bounds, bid_problems)
        header = document.get("tender")
        header_problems = outside or self._header_problems(document)
        summary.read += len(bids)
        currency = _tender_currency(header) if not header_problems and isinstance(header, dict) else None
        valid = _validator("bid.schema.json").is_valid
        for index, bid in enumerate(bids):
            if index in bid_problems:  # known from parsing (out of bounds, a duplicate key): not validated
                continue
            errors = [] if valid(bid) else schema_errors(bid, "bid.schema.json")
            if not errors:  # the cross-field rules, on a schema-valid bid only
                errors = _bid_rule_errors(bid, currency)
            if errors:
                bid_problems[index].extend((f"/bids/{index}{pointer}", reason) for pointer, reason in errors)
        _duplicate_bid_ids(bids, bid_problems)
        if not header_problems and currency is None:
            _mixed_currencies(bids, bid_problems)
        shown = [(p, f"tender header: {r}") for p, r in header_problems]
        good: list[int] = []
        for index, bid in enumerate(bids):
            problems = shown + bid_problems[index] if index in bid_problems else shown
            if problems:
                self._reject_bid(summary, line_no, index, tender_id, bid, problems)
            else:
                good.append(index)
        if not header_problems and isinstance(header, dict):
            self.batch.tenders.append(Tender(header, [bids[i] for i in good], summary.source, line_no))
            summary.valid += len(good)

    def _header_problems(self, document: dict[str, Any]) -> list[tuple[str, str]]:
        problems = [
            (
                f"/{_escape(key)}",
                f'unknown property "{key}" in the tender document (expected "tender", "bids")',
            )
            for key in document
            if key not in ("tender", "bids")
        ]
        if "tender" not in document:
            return [*problems, ("", 'missing required property "tender"')]
        header_errors = schema_errors(document["tender"], "tender.schema.json")
        problems.extend((f"/tender{p}", r) for p, r in header_errors)
        if not header_errors:
            problems.extend(_header_rule_errors(document["tender"]))
        tender_id = _tender_id(document)
        if tender_id in self.duplicates:
            reason = f'tender id "{tender_id}" appears more than once in the input; ids must be unique'
            problems.append(("/tender/id", reason))
        return problems

    def _reject_bid(
        self,
        summary: FileSummary,
        line_no: int,
        index: int,
        tender_id: str | None,
        bid: Any,
        problems: list[tuple[str, str]],
    ) -> None:
        bid_id = _shown_id(bid.get("id") if isinstance(bid, dict) else None)
        summary.rejected += 1
        for path, reason in problems:
            self.batch.rejections.append(
                Rejection(
                    summary.source,
                    line_no,
                    index,
                    tender_id,
                    bid_id,
                    clip(path, MAX_REASON),
                    clip(reason, MAX_REASON),
                )
            )


def _shown_id(value: Any) -> str | None:
    """An id as a rejection names it: valid Unicode text, cut to the longest valid id (an invalid id
    is often the very thing rejected, and can be of any length)."""
    if not isinstance(value, str) or text_problem(value) is not None:
        return None
    return clip(value, MAX_ID_LENGTH)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and text_problem(value) is None


def _sort_out_of_bounds(
    found: list[tuple[str, str]], bid_problems: dict[int, list[tuple[str, str]]]
) -> list[tuple[str, str]]:
    """File each out-of-bounds value under its bid (``/bids/N/...``); return those outside any bid."""
    outside = []
    for pointer, reason in found:
        steps = pointer.split("/", 3)
        if len(steps) >= 3 and steps[1] == "bids" and steps[2].isdigit():
            bid_problems[int(steps[2])].append((pointer, reason))
        else:
            outside.append((pointer, reason))
    return outside


def _duplicate_bid_ids(bids: list[Any], problems: dict[int, list[tuple[str, str]]]) -> None:
    given = [b.get("id") for b in bids if isinstance(b, dict)]
    texts = [i for i in given if isinstance(i, str)]
    if len(set(texts)) == len(texts):  # the usual case: no id given twice, whichever ids are valid text
        return
    ids = [b.get("id") if isinstance(b, dict) and _is_text(b.get("id")) else None for b in bids]
    seen = Counter(i for i in ids if i is not None)
    for index, bid_id in enumerate(ids):
        if bid_id is not None and seen[bid_id] > 1:
            reason = f'bid id "{bid_id}" appears {seen[bid_id]} times in this tender; ids must be unique'
            problems[index].append((f"/bids/{index}/id", reason))


def _mixed_currencies(bids: list[Any], problems: dict[int, list[tuple[str, str]]]) -> None:
    """With no tender currency, the valid bids must share one; otherwise prices cannot be compared."""
    currencies = {bids[i]["price"]["currency"] for i in range(len(bids)) if i not in problems}
    if len(currencies) > 1:
        listed = ", ".join(sorted(currencies))
        for index in range(len(bids)):
            if index not in problems:
                reason = f"the tender names no currency and its bids use several ({listed})"
                problems[index].append((f"/bids/{index}/price/currency", reason))


def _not_a_document(document: Any) -> str:
    if isinstance(document, dict):
        return 'not a tender document: expected an object with "tender" and a "bids" array'
    return f"not a tender document: expected an object, got {_json_type(document)}"


_FLOAT_REASON = (
    "the number {!r} is a float, which has already lost the digits an exact score needs: give numbers "
    "as Decimal, int or decimal strings (supplierscore.inputs.parse_json reads JSON that way)"
)


def _floats(value: Any, pointer: str) -> Iterator[tuple[str, float]]:
    """The JSON Pointer and value of every float in ``value``, in document order."""
    if isinstance(value, float):
        yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _floats(item, f"{pointer}/{_escape(str(key))}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _floats(item, f"{pointer}/{index}")
