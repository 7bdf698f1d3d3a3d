"""What an OCDS import found: per file its shape and version, and every bid's fate.

Every bid in ``bids.details`` ends in exactly one of three piles: **imported** (in a tender document and
valid), **not a bid** (status ``invited`` or ``withdrawn``: listed, never scored) or **rejected** (with a
JSON Pointer into the OCDS file). ``bids == imported + not_bids + rejected`` for every file
(:attr:`OcdsFileReport.reconciles`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class NotBid:
    """A ``bids.details`` entry whose status says it is no bid (``invited``, ``withdrawn``)."""

    source: str
    line: int | None
    tender_id: str
    bid_id: str | None
    path: str
    status: str


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A value real data uses to mean "unknown" (a budget of 0 or 0.01), treated as absent."""

    source: str
    line: int | None
    tender_id: str
    path: str
    value: str


@dataclass(slots=True)
class OcdsFileReport:
    """One OCDS input file: its shape, its OCDS version, and how its bids ended."""

    source: str
    shape: str = ""
    ocds_version: str = ""
    sha256: str = ""
    tenders: int = 0
    bids: int = 0
    imported: int = 0
    not_bids: int = 0
    rejected: int = 0

    @property
    def reconciles(self) -> bool:
        """Whether every bid of the file is imported, not a bid, or rejected."""
        return self.bids == self.imported + self.not_bids + self.rejected

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "shape": self.shape,
            "ocds_version": self.ocds_version,
            "sha256": self.sha256,
            "tenders": self.tenders,
            "bids": self.bids,
            "imported": self.imported,
            "not_bids": self.not_bids,
            "rejected": self.rejected,
        }


@dataclass(slots=True)
class ImportReport:
    """Everything an OCDS import wants its reader to know, printed and saved as ``--report FILE.json``.

    ``rejections`` are the batch's rejections (they carry JSON Pointers into the OCDS files);
    ``unmapped`` counts, per field name (``tender.procurementMethod``), the objects that had a field the
    import does not use; ``notes`` are one-line remarks (a compiled record, a budget without currency).
    """

    files: list[OcdsFileReport] = field(default_factory=list)
    not_bids: list[NotBid] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    unmapped: Counter[str] = field(default_factory=Counter)
    unknown_statuses: Counter[str] = field(default_factory=Counter)
    countries_not_recognised: Counter[str] = field(default_factory=Counter)
    sizes_left_out: Counter[str] = field(default_factory=Counter)
    joint_bids: list[dict[str, Any]] = field(default_factory=list)
    compiled: Counter[str] = field(default_factory=Counter)
    """Per file, how many ocids had several releases, compiled into one with ocdsmerge."""
    notes: list[str] = field(default_factory=list)
    register: dict[str, Any] | None = None
    marks: dict[str, Any] | None = None
    rejections: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        """Whether every file's bids are accounted for."""
        return all(f.reconciles for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``--report FILE.json``), in a fixed order."""
        totals = {
            key: sum(getattr(f, key) for f in self.files)
            for key in ("tenders", "bids", "imported", "not_bids", "rejected")
        }
        return {
            "totals": totals,
            "files": [f.to_dict() for f in self.files],
            "not_bids": [_as_dict(n) for n in self.not_bids],
            "rejections": self.rejections,
            "placeholders_treated_as_absent": [_as_dict(p) for p in self.placeholders],
            "unmapped_fields": dict(sorted(self.unmapped.items())),
            "unknown_statuses": dict(sorted(self.unknown_statuses.items())),
            "countries_not_recognised": dict(sorted(self.countries_not_recognised.items())),
            "sizes_left_out": dict(sorted(self.sizes_left_out.items())),
            "joint_bids": self.joint_bids,
            "compiled_with_ocdsmerge": dict(self.compiled),
            "register": self.register,
            "marks": self.marks,
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        """The report in a few plain lines, as ``score`` and ``convert`` print it."""
        out = []
        for f in self.files:
            out.append(
                f"{f.source}: {f.shape}, OCDS {f.ocds_version or 'version not stated'}: {f.tenders:,} "
                f"tender(s), {f.bids:,} bid(s): {f.imported:,} imported, {f.not_bids:,} not bids, "
                f"{f.rejected:,} rejected"
            )
        if self.not_bids:
            statuses = Counter(n.status for n in self.not_bids)
            listed = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
            out.append(f"  not bids (listed in the report, not scored): {listed}")
        if self.placeholders:
            out.append(f"  placeholder budgets treated as absent: {len(self.placeholders):,}")
        if self.unknown_statuses:
            listed = ", ".join(f'"{s}" ×{n}' for s, n in sorted(self.unknown_statuses.items()))
            out.append(f"  unknown bid statuses (scored): {listed}")
        if self.countries_not_recognised:
            listed = ", ".join(f'"{c}" ×{n}' for c, n in sorted(self.countries_not_recognised.items()))
            out.append(f"  countries not recognised (left out): {listed}")
        if self.sizes_left_out:
            listed = ", ".join(f'"{c}" ×{n}' for c, n in sorted(self.sizes_left_out.items()))
            out.append(f"  supplier sizes left out: {listed}")
        for source, count in self.compiled.items():
            out.append(f"  {source}: {count:,} ocid(s) with several releases compiled into one (ocdsmerge)")
        if self.joint_bids:
            out.append(f"  joint bids (scored under their lead tenderer): {len(self.joint_bids):,}")
        for name, part in (("supplier register", self.register), ("panel marks", self.marks)):
            if part is not None:
                missing = sum(part["bids_without_entry"].values())
                out.append(f"  {name} {part['source']}: {missing:,} bid(s) without an entry")
        if self.unmapped:
            out.append(f"  fields with no mapping: {', '.join(sorted(self.unmapped))}")
        out.extend(f"  note: {note}" for note in self.notes)
        return out


def _as_dict(item: NotBid | Placeholder) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__slots__}
