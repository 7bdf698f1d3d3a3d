"""One OCDS release (compiled) → tender documents, one per (ocid, lot), with where each bid came from.

The mapping, field by field (a field not listed has no place in a tender document and is counted in the
report's ``unmapped_fields``):

==============================================  =========================================================
OCDS                                            tender document
==============================================  =========================================================
``ocid`` (and ``tender.lots[].id``)             ``tender.id``: the ocid, or ``ocid/lot-id`` per lot
``tender.title`` (a lot's ``title``)            ``tender.title`` (cut to 300 characters, noted)
``tender.tenderPeriod.endDate``                 ``tender.closing_date``: the date in its own offset
``tender.value`` (a lot's ``value``)            ``tender.budget`` and ``tender.currency``; 0 and 0.01
                                                are placeholders, treated as absent and listed
``buyer.name`` (or the party with role buyer)   ``tender.buyer`` (cut to 200 characters)
``bids.details[].id``                           ``bid.id``
``bids.details[].date``                         ``bid.submitted_at`` (RFC 3339 with an offset, or
                                                the bid is rejected naming the value)
``bids.details[].value``                        ``bid.price``; no amount is a rejection, "no price"
``bids.details[].tenderers[0]`` → ``parties``   ``bid.supplier``: id (or ``scheme-id`` of its
                                                ``identifier``), name, ``address.countryName`` or
                                                ``address.country`` as ISO 3166-1 alpha-2,
                                                ``details.scale`` micro/large as size (``sme`` says
                                                small *or* medium, so size is left out, and counted)
``bids.details[].relatedLots``/``relatedLot``   which lot's tender document the bid goes to
``bids.details[].status``                       invited/withdrawn: not a bid; disqualified and
                                                variants: rejected with the status as reason
==============================================  =========================================================

A **joint bid** (several tenderers) is scored as the bid of its first tenderer, the lead partner, as OCDS
lists it: its id, name, country and register entry are the lead's; the partners are listed in the
report. OCDS 1.0 puts whole organisations in ``tenderers`` (no ``parties``): they are read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from supplierscore.inputs._countries import country_code
from supplierscore.inputs._ocds_report import ImportReport, NotBid, OcdsFileReport, Placeholder
from supplierscore.inputs._validate import _escape

NOT_BIDS = frozenset({"invited", "withdrawn"})
SCORED = frozenset({"pending", "valid", "active", "qualified"})
DISQUALIFIED = frozenset(
    {"disqualified", "notqualified", "unqualified", "rejected", "invalid", "unsuccessful"}
)
"""Statuses, written lower case without ``-``, ``_`` or spaces (``not-qualified`` is ``notqualified``)."""

PLACEHOLDER_BUDGETS = (Decimal(0), Decimal("0.01"))
SIZES = {"micro": "micro", "large": "large"}
TITLE_MAX, BUYER_MAX = 300, 200
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(T.*)?")

MAPPED = {
    "release": {
        "ocid",
        "id",
        "date",
        "tag",
        "initiationType",
        "tender",
        "bids",
        "parties",
        "buyer",
        "language",
    },
    "tender": {"title", "tenderPeriod", "value", "lots"},
    "lot": {"id", "title", "value", "tenderPeriod"},
    "bid": {"id", "date", "value", "tenderers", "status", "relatedLots", "relatedLot"},
    "party": {"id", "name", "identifier", "address", "details", "roles"},
}
"""The fields read from each kind of object; any other field is counted as having no mapping."""


@dataclass(slots=True)
class Origin:
    """Where one bid of a tender document came from in the OCDS file, for rejections and the register."""

    line: int | None
    index: int
    pointer: str
    supplier: str
    keys: tuple[str, ...]


@dataclass(slots=True)
class Mapped:
    """One tender document made from a release (or a lot of it), with each bid's origin."""

    document: dict[str, Any]
    source: str
    line: int | None
    tender_pointer: str
    id_pointer: str
    origins: list[Origin] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportRejection:
    """A bid the import itself refuses (no price, a bad date, a disqualified status, an unknown lot)."""

    source: str
    line: int | None
    index: int
    tender_id: str
    bid_id: str | None
    path: str
    reason: str


@dataclass(slots=True)
class Release:
    """A release to map: its content, file position, and where its parts are (pointers)."""

    data: dict[str, Any]
    source: str
    line: int | None
    pointer: str
    bid_pointers: dict[int, tuple[int | None, str]] = field(default_factory=dict)
    """For a release compiled from several, each bid's line and pointer in the release it last appeared in."""


def map_release(
    release: Release, file: OcdsFileReport, report: ImportReport, rejections: list[ImportRejection]
) -> list[Mapped]:
    """Map one release: count everything into ``file``/``report``, append import rejections."""
    data = release.data
    ocid = _text(data.get("ocid")) or "(no ocid)"
    tender = _object(data.get("tender"))
    _count_unmapped(report, "release", data)
    _count_unmapped(report, "tender", tender)
    parties = _parties(data.get("parties"), release.pointer)
    lots = [lot for lot in tender.get("lots") or [] if isinstance(lot, dict)]
    tender_pointer = f"{release.pointer}/tender"
    by_lot: dict[str | None, Mapped] = {}
    if lots:
        for number, lot in enumerate(tender.get("lots") or []):
            if isinstance(lot, dict):
                _count_unmapped(report, "lot", lot)
                lot_id = _text(lot.get("id")) or str(number)
                lot_pointer = f"{tender_pointer}/lots/{number}"
                header = _header(
                    f"{ocid}/{lot_id}", tender, (lot, lot_pointer), data, parties, release, report
                )
                by_lot[lot_id] = Mapped(
                    {"tender": header, "bids": []},
                    release.source,
                    release.line,
                    lot_pointer,
                    f"{lot_pointer}/id",
                )
    else:
        by_lot[None] = Mapped(
            {"tender": _header(ocid, tender, None, data, parties, release, report), "bids": []},
            release.source,
            release.line,
            tender_pointer,
            f"{release.pointer}/ocid",
        )
    file.tenders += len(by_lot)
    details = (data.get("bids") or {}).get("details") if isinstance(data.get("bids"), dict) else None
    for index, bid in enumerate(details if isinstance(details, list) else []):
        where = release.bid_pointers.get(index, (release.line, f"{release.pointer}/bids/details/{index}"))
        file.bids += 1
        _map_bid(index, bid, where, ocid, by_lot, parties, release, file, report, rejections)
    return list(by_lot.values())


def _header(
    tender_id: str,
    tender: dict[str, Any],
    lot_at: tuple[dict[str, Any], str] | None,
    release: dict[str, Any],
    parties: dict[str, tuple[str, dict[str, Any]]],
    where: Release,
    report: ImportReport,
) -> dict[str, Any]:
    header: dict[str, Any] = {"id": tender_id}
    lot, lot_pointer = lot_at if lot_at is not None else (None, "")
    title = _text((lot or {}).get("title")) or _text(tender.get("title"))
    if title:
        if len(title) > TITLE_MAX:
            report.notes.append(f"tender {tender_id}: title cut to {TITLE_MAX} characters")
            title = title[: TITLE_MAX - 1] + "…"
        header["title"] = title
    period = (lot or {}).get("tenderPeriod") or tender.get("tenderPeriod")
    end = period.get("endDate") if isinstance(period, dict) else None
    if end is not None:
        found = _DATE.fullmatch(end) if isinstance(end, str) else None
        if found:
            header["closing_date"] = found.group(1)
        else:
            report.notes.append(
                f"tender {tender_id}: tenderPeriod.endDate {_quoted(end)} is no date: left out"
            )
    value, value_pointer = tender.get("value"), f"{where.pointer}/tender/value"
    if lot is not None and (lot.get("value") is not None or len(tender.get("lots") or []) > 1):
        # a lot's budget is its own: the tender's value covers every lot
        value, value_pointer = lot.get("value"), f"{lot_pointer}/value"
        tender_value = tender.get("value")
        if value is None and isinstance(tender_value, dict) and tender_value.get("currency"):
            value = {"currency": tender_value["currency"]}
    currency = value.get("currency") if isinstance(value, dict) else None
    if isinstance(currency, str) and currency:
        header["currency"] = currency
    amount = value.get("amount") if isinstance(value, dict) else None
    if amount is not None and not isinstance(amount, bool):
        if _placeholder(amount):
            path = f"{value_pointer}/amount"
            report.placeholders.append(Placeholder(where.source, where.line, tender_id, path, str(amount)))
        elif isinstance(currency, str) and currency:
            header["budget"] = {"amount": amount, "currency": currency}
        else:
            report.notes.append(f"tender {tender_id}: budget {amount} names no currency: left out")
    buyer = release.get("buyer")
    name = _text(buyer.get("name")) if isinstance(buyer, dict) else None
    if name is None:
        name = next(
            (_text(p.get("name")) for _, p in parties.values() if "buyer" in (p.get("roles") or [])), None
        )
    if name:
        header["buyer"] = name if len(name) <= BUYER_MAX else name[: BUYER_MAX - 1] + "…"
    return header


def _map_bid(
    index: int,
    bid: Any,
    where: tuple[int | None, str],
    ocid: str,
    by_lot: dict[str | None, Mapped],
    parties: dict[str, tuple[str, dict[str, Any]]],
    release: Release,
    file: OcdsFileReport,
    report: ImportReport,
    rejections: list[ImportRejection],
) -> None:
    line, pointer = where
    if not isinstance(bid, dict):
        rejections.append(
            ImportRejection(release.source, line, index, ocid, None, pointer, "a bid must be an object")
        )
        file.rejected += 1
        return
    _count_unmapped(report, "bid", bid)
    bid_id = _text(bid.get("id"))
    problems: list[tuple[str, str]] = []
    target, lot_problem = _lot_of(bid, by_lot, pointer)
    tender_id = target.document["tender"]["id"] if target is not None else ocid
    status = bid.get("status")
    norm = re.sub(r"[\s_-]", "", status).casefold() if isinstance(status, str) else None
    if norm in NOT_BIDS:
        report.not_bids.append(NotBid(release.source, line, tender_id, bid_id, pointer, str(status)))
        file.not_bids += 1
        return
    if norm in DISQUALIFIED:  # the publisher's verdict is the one reason given
        reason = f'the publisher gave the bid the status "{status}"'
        rejections.append(
            ImportRejection(release.source, line, index, tender_id, bid_id, f"{pointer}/status", reason)
        )
        file.rejected += 1
        return
    if norm is not None and norm not in SCORED:
        report.unknown_statuses[str(status)] += 1
    if lot_problem:
        problems.append(lot_problem)
    bid_out: dict[str, Any] = {}
    if bid_id is not None:
        bid_out["id"] = bid_id
    date = bid.get("date")
    if date is not None:
        if isinstance(date, str) and _RFC3339.fullmatch(date):
            bid_out["submitted_at"] = date
        else:
            problems.append(
                (
                    f"{pointer}/date",
                    f"date {_quoted(date)} is not an RFC 3339 date-time with a time-zone offset",
                )
            )
    value = bid.get("value")
    amount = value.get("amount") if isinstance(value, dict) else None
    if amount is None:
        problems.append(
            (f"{pointer}/value/amount" if isinstance(value, dict) else f"{pointer}/value", "no price")
        )
    else:
        bid_out["price"] = {"amount": amount}
        if isinstance(value, dict) and value.get("currency") is not None:
            bid_out["price"]["currency"] = value["currency"]
    supplier, supplier_pointer, keys = _supplier(bid, pointer, parties, report, tender_id, bid_id)
    if supplier is None:
        problems.append((f"{pointer}/tenderers", "no tenderer: the bid names no supplier"))
    else:
        bid_out["supplier"] = supplier
    if problems or target is None:
        for path, reason in problems:
            rejections.append(ImportRejection(release.source, line, index, tender_id, bid_id, path, reason))
        file.rejected += 1
        return
    target.document["bids"].append(bid_out)
    target.origins.append(Origin(line, index, pointer, supplier_pointer, keys))


def _lot_of(
    bid: dict[str, Any], by_lot: dict[str | None, Mapped], pointer: str
) -> tuple[Mapped | None, tuple[str, str] | None]:
    """The tender document a bid belongs to, or None and why not."""
    if None in by_lot:
        return by_lot[None], None
    related = bid.get("relatedLots")
    field_name = "relatedLots"
    if related is None and bid.get("relatedLot") is not None:
        related, field_name = [bid["relatedLot"]], "relatedLot"
    lot_ids = [_text(r) for r in related] if isinstance(related, list) else []
    if not lot_ids:
        if len(by_lot) == 1:
            return next(iter(by_lot.values())), None
        return None, (f"{pointer}/relatedLots", f"the bid names no lot, and the tender has {len(by_lot)}")
    if len(lot_ids) > 1:
        listed = ", ".join(str(i) for i in lot_ids)
        reason = f"the bid names several lots ({listed}) with one value: its price for each lot is unknown"
        return None, (f"{pointer}/{field_name}", reason)
    if lot_ids[0] not in by_lot:
        return None, (
            f"{pointer}/{field_name}",
            f'the bid names lot "{lot_ids[0]}", which the tender does not have',
        )
    return by_lot[lot_ids[0]], None


def _parties(parties: Any, release_pointer: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Parties by id (numeric ids as text), with each one's pointer."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for number, party in enumerate(parties if isinstance(parties, list) else []):
        if isinstance(party, dict) and _text(party.get("id")) is not None:
            found.setdefault(str(_text(party.get("id"))), (f"{release_pointer}/parties/{number}", party))
    return found


def _supplier(
    bid: dict[str, Any],
    pointer: str,
    parties: dict[str, tuple[str, dict[str, Any]]],
    report: ImportReport,
    tender_id: str,
    bid_id: str | None,
) -> tuple[dict[str, Any] | None, str, tuple[str, ...]]:
    """The bid's supplier from its first tenderer, resolved through ``parties``; its pointer; the keys
    its register entry may have."""
    tenderers = bid.get("tenderers")
    base = f"{pointer}/tenderers"
    if isinstance(tenderers, dict):  # an object where an array belongs
        tenderers, first = [tenderers], base
    else:
        first = f"{base}/0"
    if not isinstance(tenderers, list) or not tenderers or not isinstance(tenderers[0], dict):
        return None, base, ()
    if len(tenderers) > 1:
        partners = [_text(t.get("id")) or _text(t.get("name")) for t in tenderers if isinstance(t, dict)]
        report.joint_bids.append(
            {"tender_id": tender_id, "bid_id": bid_id, "path": base, "tenderers": partners}
        )
    reference = tenderers[0]
    party_id = _text(reference.get("id"))
    where, party = parties.get(party_id, (first, reference)) if party_id is not None else (first, reference)
    if party is not reference:
        _count_unmapped(report, "party", party)
    identifier = party.get("identifier") if isinstance(party.get("identifier"), dict) else None
    if identifier is None and isinstance(reference.get("identifier"), dict):
        identifier = reference["identifier"]
    scheme_id = bare_id = None
    if identifier is not None and _text(identifier.get("id")) is not None:
        bare_id = _text(identifier.get("id"))
        scheme = _text(identifier.get("scheme"))
        scheme_id = f"{scheme}-{_text(identifier.get('id'))}" if scheme else _text(identifier.get("id"))
    supplier_id = party_id or scheme_id
    supplier: dict[str, Any] = {}
    if supplier_id is not None:
        supplier["id"] = supplier_id
    name = _text(party.get("name")) or _text(reference.get("name"))
    if name is None and identifier is not None:
        name = _text(identifier.get("legalName"))
    if name is not None:
        supplier["name"] = name
    address = _object(party.get("address"))
    country_value = address.get("country") or address.get("countryName")
    if country_value is not None:
        code = country_code(country_value)
        if code is None and address.get("country") and address.get("countryName"):
            code = country_code(address["countryName"])
        if code is not None:
            supplier["country"] = code
        else:
            report.countries_not_recognised[str(country_value)] += 1
    details = _object(party.get("details"))
    scale = details.get("scale")
    if isinstance(scale, str) and scale:
        if scale in SIZES:
            supplier["size"] = SIZES[scale]
        else:
            report.sizes_left_out[scale] += 1
    keys = tuple(k for k in dict.fromkeys((supplier_id, party_id, scheme_id, bare_id)) if k is not None)
    return supplier, where, keys


def _count_unmapped(report: ImportReport, kind: str, data: Any) -> None:
    if isinstance(data, dict):
        known = MAPPED[kind]
        for key in data:
            if key not in known:
                report.unmapped[f"{kind}.{key}"] += 1


def _text(value: Any) -> str | None:
    """A string or an integer id as text (numeric party ids are common); anything else is None."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def pointer_of(*steps: str | int) -> str:
    """A JSON Pointer from its steps, escaped."""
    return "".join(f"/{_escape(str(step))}" for step in steps)


def _quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _placeholder(amount: Any) -> bool:
    """Whether a budget amount (a number, or a decimal string as some publishers write it) is 0 or 0.01."""
    try:
        return isinstance(amount, Decimal | int | str) and Decimal(str(amount)) in PLACEHOLDER_BUDGETS
    except InvalidOperation:
        return False
