"""Reading OCDS: release and record packages, bare releases and records, JSON Lines of any of them.

The shapes, and what is taken from each:

- **release package** (``{"releases": [...]}``): releases grouped by ``ocid``; several releases of one
  ocid are compiled into one with ocdsmerge (offline: it is handed the shipped schema);
- **record package** (``{"records": [...]}``): each record's ``compiledRelease``, or its ``releases``
  compiled when it has none (a record of linked releases only has nothing to read, and is noted);
- a bare **release** (``{"ocid": ...}``) or **record** (``{"ocid": ..., "compiledRelease": ...}``);
- **JSON Lines** (``.jsonl``/``.ndjson``) of any of those, one per line.

Each compiled release maps to tender documents (see :mod:`._ocds_map`), the supplier register and the
panel marks are merged in, and the documents go through :func:`read_documents`, the validation every
input gets. Its rejections are given back with JSON Pointers into the OCDS file instead of the tender
document (``/releases/0/bids/details/3/value/amount``), and ``index`` is the bid's place in
``bids.details``. Numbers are read with :func:`parse_json`, so an amount keeps its published digits.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplierscore.errors import UsageError
from supplierscore.inputs._batch import Batch, FileSummary, Rejection, Tender, _LineError
from supplierscore.inputs._ocds_map import ImportRejection, Mapped, Release, map_release
from supplierscore.inputs._ocds_merge import Marks, Register, apply_marks, apply_register
from supplierscore.inputs._ocds_report import ImportReport, OcdsFileReport
from supplierscore.inputs._ocds_schema import release_schema
from supplierscore.inputs._parse import _parse_line
from supplierscore.inputs._read import paused_gc, read_documents


@dataclass(slots=True)
class OcdsImport:
    """An OCDS import: the batch to score (validated, rejections pointing into the OCDS files) and the
    import report."""

    batch: Batch
    report: ImportReport
    documents: list[dict[str, Any]] = field(default_factory=list)
    """The tender documents with their valid bids, as ``convert --from ocds`` writes them."""


def import_ocds(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    suppliers: str | os.PathLike[str] | None = None,
    marks: str | os.PathLike[str] | None = None,
) -> OcdsImport:
    """Read OCDS files into a validated :class:`Batch` and an :class:`ImportReport`.

    ``suppliers`` is a supplier register, ``marks`` a file of panel marks (see :mod:`._ocds_merge`).
    Raises :class:`~supplierscore.errors.UsageError` for a missing or unreadable file, a file that is no
    OCDS at all, or a bad register; a bad bid is a rejection instead.
    """
    register = Register.load(suppliers) if suppliers is not None else None
    panel = Marks.load(marks) if marks is not None else None
    report = ImportReport()
    mapped: list[Mapped] = []
    refused: list[ImportRejection] = []
    with paused_gc():
        for path in _expand(inputs):
            file = OcdsFileReport(str(path))
            report.files.append(file)
            for release in _releases(path, file, report):
                mapped += map_release(release, file, report, refused)
        if register is not None:
            report.register = apply_register(register, mapped)
        if panel is not None:
            report.marks = apply_marks(panel, mapped)
        batch = _validate(mapped, refused, report)
    for extra in (register, panel):
        if extra is not None:
            batch.files.append(FileSummary(extra.source, extra.sha256))
    report.rejections = [r.to_dict() for r in batch.rejections]
    documents = [{"tender": t.header, "bids": t.bids} for t in batch.tenders]
    return OcdsImport(batch, report, documents)


def _expand(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.suffix.lower() in (".json", ".jsonl", ".ndjson"))
        elif not path.exists():
            raise UsageError(f"input not found: {path}", path=str(path))
        elif path.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
            raise UsageError(f"OCDS is read from .json, .jsonl or .ndjson files, not {path}", path=str(path))
        else:
            found.append(path)
    return found


def _releases(path: Path, file: OcdsFileReport, report: ImportReport) -> list[Release]:
    """Every compiled release of one file, each with its pointers into the file."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"input cannot be read: {path}: {error.strerror}", path=str(path)) from error
    file.sha256 = hashlib.sha256(data).hexdigest()
    source = str(path)
    values: list[tuple[int | None, Any]]
    if path.suffix.lower() == ".json":
        values = [(None, _parse(data, source, None))]
    else:
        values = [
            (number, _parse(raw, source, number))
            for number, raw in enumerate(data.splitlines(), start=1)
            if raw.strip()
        ]
    shapes: Counter[str] = Counter()
    versions: set[str] = set()
    loose: list[tuple[Release, str]] = []  # releases to group by ocid
    releases: list[Release] = []
    for line, value in values:
        shape, version = _shape(value, source, line)
        shapes[shape] += 1
        versions.add(version)
        if shape == "release package":
            for i, rel in enumerate(value.get("releases") or []):
                if isinstance(rel, dict):
                    loose.append((Release(rel, source, line, f"/releases/{i}"), str(rel.get("ocid"))))
        elif shape == "release":
            loose.append((Release(value, source, line, ""), str(value.get("ocid"))))
        elif shape == "record package":
            for i, record in enumerate(value.get("records") or []):
                releases += _from_record(record, source, line, f"/records/{i}", report)
        else:
            releases += _from_record(value, source, line, "", report)
    releases += _compile_loose(loose, report)
    plural = ", ".join(f"{shape}s" if n > 1 else shape for shape, n in sorted(shapes.items()))
    file.shape = ", ".join(sorted(shapes)) if path.suffix.lower() == ".json" else f"JSON Lines of {plural}"
    if not shapes:
        file.shape = "empty"
        report.notes.append(f"{source}: empty file, no releases or records")
    file.ocds_version = ", ".join(sorted(versions))
    return releases


def _parse(raw: bytes, source: str, line: int | None) -> Any:
    """The OCDS value in ``raw``; numbers out of bounds are left to the tender documents' own check
    (:func:`~supplierscore.inputs.read_documents` rejects the bid that holds one, at its pointer)."""
    try:
        document, _out_of_bounds = _parse_line(raw.removeprefix(b"\xef\xbb\xbf"), offset=0)
        return document
    except _LineError as error:
        where = f"{source}:{line}" if line is not None else source
        hint = (
            " (a larger package can be read as JSON Lines of releases)"
            if "over the limit" in error.reason
            else ""
        )
        raise UsageError(f"{where} cannot be read: {error.reason}{hint}", path=source) from None


def _shape(value: Any, source: str, line: int | None) -> tuple[str, str]:
    where = f"{source}:{line}" if line is not None else source
    if not isinstance(value, dict):
        raise UsageError(f"{where} is not OCDS: expected a package, release or record object", path=source)
    if isinstance(value.get("releases"), list) and "ocid" not in value:
        return "release package", _version(value)
    if isinstance(value.get("records"), list):
        return "record package", _version(value)
    if "ocid" in value:
        record = "compiledRelease" in value or isinstance(value.get("releases"), list)
        return ("record" if record else "release"), "not stated"
    raise UsageError(
        f"{where} is not OCDS: no releases, records or ocid (a tender document? drop --from ocds)",
        path=source,
    )


def _version(package: dict[str, Any]) -> str:
    version = package.get("version")
    return version if isinstance(version, str) else "1.0 (no version field)"


def _from_record(
    record: Any, source: str, line: int | None, pointer: str, report: ImportReport
) -> list[Release]:
    if not isinstance(record, dict):
        report.notes.append(f"{source}{pointer}: a record must be an object: skipped")
        return []
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict):
        return [Release(compiled, source, line, f"{pointer}/compiledRelease")]
    full = [
        (Release(r, source, line, f"{pointer}/releases/{i}"), str(r.get("ocid", record.get("ocid"))))
        for i, r in enumerate(record.get("releases") or [])
        if isinstance(r, dict) and ("tender" in r or "bids" in r or "parties" in r)
    ]
    if not full:
        report.notes.append(
            f"{source}{pointer}: record {record.get('ocid')} has no compiledRelease and only linked "
            "releases (urls): nothing to read"
        )
        return []
    return _compile_loose(full, report)


def _compile_loose(loose: Sequence[tuple[Release, str]], report: ImportReport) -> list[Release]:
    """One release per ocid: as it is when alone, compiled with ocdsmerge when there are several."""
    by_ocid: dict[str, list[Release]] = defaultdict(list)
    for release, ocid in loose:
        by_ocid[ocid].append(release)
    compiled: list[Release] = []
    for ocid, group in by_ocid.items():
        if len(group) == 1:
            compiled.append(group[0])
            continue
        compiled.append(_compile(ocid, group, report))
    return compiled


def _compile(ocid: str, group: list[Release], report: ImportReport) -> Release:
    """Compile several releases of one ocid; each bid points into the last release that holds it."""
    from ocdsmerge.exceptions import OCDSMergeError  # only when releases must be compiled

    first = group[0]
    try:
        merged = _merger().create_compiled_release([r.data for r in group])
    except (OCDSMergeError, TypeError, KeyError) as error:
        last = group[-1]
        report.notes.append(
            f"{first.source}: ocid {ocid}: {len(group)} releases cannot be compiled ({error}): the last, "
            f"at {last.pointer}, is read alone"
        )
        return last
    ordered = sorted(group, key=lambda r: str(r.data.get("date", "")))
    where: dict[str, tuple[int | None, str]] = {}
    for release in ordered:
        for k, bid in enumerate(_details(release.data)):
            if isinstance(bid, dict) and bid.get("id") is not None:
                where[str(bid["id"])] = (release.line, f"{release.pointer}/bids/details/{k}")
    last = ordered[-1]
    pointers = {
        k: where.get(str(bid.get("id")), (last.line, f"{last.pointer}/bids/details/{k}"))
        for k, bid in enumerate(_details(merged))
        if isinstance(bid, dict)
    }
    report.compiled[first.source] += 1
    return Release(merged, first.source, ordered[-1].line, ordered[-1].pointer, pointers)


def _details(release: dict[str, Any]) -> list[Any]:
    bids = release.get("bids")
    details = bids.get("details") if isinstance(bids, dict) else None
    return details if isinstance(details, list) else []


def _merger() -> Any:
    import ocdsmerge

    return ocdsmerge.Merger(schema=release_schema())


# ---------------------------------------------------------------------------------------------------
# Validation, with the rejections' paths taken back into the OCDS files

_HEADER_FIELDS = {
    "/title": "/title",
    "/closing_date": "/tenderPeriod/endDate",
    "/budget": "/value",
    "/currency": "/value/currency",
}
_BID = re.compile(r"/bids/([0-9]+)(/[^/]*)?(/.*)?")
_SUPPLIER_FIELDS = {"/id": "/id", "/name": "/name", "/country": "/address", "/size": "/details/scale"}
_FROM_REGISTER = {"/ownership", "/workforce", "/certifications", "/languages", "/supply_chain"}


def _validate(mapped: list[Mapped], refused: list[ImportRejection], report: ImportReport) -> Batch:
    checked = read_documents([m.document for m in mapped], source="<ocds>")
    batch = Batch(warnings=checked.warnings)
    for tender in checked.tenders:
        made = mapped[tender.line - 1]
        batch.tenders.append(Tender(tender.header, tender.bids, made.source, made.line or 1))
    rejections = [
        Rejection(r.source, r.line, r.index, r.tender_id, r.bid_id, r.path, r.reason) for r in refused
    ]
    rejected_bids: set[tuple[str, int | None, int]] = {(r.source, r.line, r.index) for r in refused}
    engine_rejected: Counter[str] = Counter()
    for r in checked.rejections:
        made = mapped[(r.line or 1) - 1]
        assert r.index is not None, "every document is built well-formed, so only bids are rejected"
        origin = made.origins[r.index]
        path, reason = _translate(r.path, made, origin.pointer, origin.supplier, r.reason)
        key = (made.source, origin.line, origin.index)
        if key not in rejected_bids:
            rejected_bids.add(key)
            engine_rejected[made.source] += 1
        rejections.append(
            Rejection(made.source, origin.line, origin.index, r.tender_id, r.bid_id, path, reason)
        )
    order = {f.source: n for n, f in enumerate(report.files)}
    rejections.sort(key=lambda r: (order.get(r.source, 0), r.line or 0, r.index or 0))
    batch.rejections = rejections
    valid: Counter[str] = Counter()
    for tender in batch.tenders:
        valid[tender.source] += len(tender.bids)
    for file in report.files:
        file.rejected += engine_rejected[file.source]
        file.imported = valid[file.source]
        batch.files.append(
            FileSummary(file.source, file.sha256, file.imported + file.rejected, file.imported, file.rejected)
        )
    return batch


def _translate(path: str, made: Mapped, bid: str, supplier: str, reason: str) -> tuple[str, str]:
    """A tender document's JSON Pointer as one into the OCDS file (and the reason, saying its source)."""
    if path == "/tender/id":
        return made.id_pointer, reason
    if path.startswith("/tender"):
        rest = path[len("/tender") :]
        for mine, theirs in _HEADER_FIELDS.items():
            if rest == mine or rest.startswith(mine + "/"):
                return made.tender_pointer + theirs + rest[len(mine) :], reason
        return made.tender_pointer, reason
    found = _BID.fullmatch(path)
    if found is None:
        return bid, reason
    top, rest = found.group(2) or "", found.group(3) or ""
    if top == "/submitted_at":
        return f"{bid}/date", reason
    if top == "/price":
        return f"{bid}/value{rest}", reason
    if top == "/supplier":
        mine = rest.split("/")[1] if rest else ""
        return supplier + _SUPPLIER_FIELDS.get(f"/{mine}", ""), reason
    if top in _FROM_REGISTER:
        return bid, f"supplier register entry, {top[1:]}{rest}: {reason}"
    if top == "/quality":
        return bid, f"panel marks{rest}: {reason}"
    return bid + top, reason
