"""Writing a score sheet as OCDS: a release package with one release per tender and every bid's result.

Each release's ``bids.details[]`` (the bids extension) holds every bid of the tender: ``status`` is
``valid`` for an eligible bid and ``disqualified`` for one that failed a gate or was rejected, ``hasRank``
and ``rank`` give its place, and the namespaced object ``supplierscore`` holds its total, points per
criterion, subtotals per group and the reasons it was disqualified. ``tender.awardCriteria`` is
``ratedCriteria`` and ``awardCriteriaDetails`` names the ruleset (id, version, SHA-256); the package
declares the bids extension. Every package is checked against the OCDS 1.1.5 release package schema
with the bids extension patched in (:func:`validate_release_package`, offline) before it is written.

From the sheet alone the releases carry the results; given the tenders the sheet was scored from
(:class:`~supplierscore.inputs.Tender`, as reading gives them), they also carry each tender's title,
budget and closing date, and each bid's price, date and supplier details, so that importing the export
gives back the same tenders, bids and prices. A closing date is written as the start of that day, UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
import pycountry

from supplierscore.errors import OutputError
from supplierscore.inputs import (
    BIDS_EXTENSION_URL,
    OCDS_VERSION,
    RELEASE_SCHEMA_URL,
    Tender,
    release_package_schema,
    release_schema,
)

NAMESPACE = "supplierscore"
"""The key of the namespaced object that holds supplierscore's own figures in a bid and a tender."""

EPOCH = "1970-01-01T00:00:00Z"
SCALES = {"micro": "micro", "small": "sme", "medium": "sme", "large": "large"}


def ocds_release_package(sheet: dict[str, Any], tenders: Sequence[Tender] = ()) -> dict[str, Any]:
    """The sheet (in its JSON form, ``ScoreSheet.to_dict()`` or a loaded ``.json`` sheet) as an OCDS
    release package; ``tenders`` add the tender and bid details the sheet does not hold.

    ``publishedDate`` is the sheet's ``created_at``, or 1970-01-01 when it has none (a sheet holds no
    wall-clock time, so that identical runs give identical files: set ``SOURCE_DATE_EPOCH`` to date it).
    """
    meta = sheet["metadata"]
    published = meta.get("created_at") or EPOCH
    by_id = {t.id: t for t in tenders}
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in sheet["rows"]:
        rows.setdefault(row["tender_id"], []).append(row)
    rejected: dict[str, dict[tuple[int | None, str], list[str]]] = {}
    for r in sheet.get("rejections", []):
        if r.get("tender_id") and r.get("bid_id"):
            rejected.setdefault(r["tender_id"], {}).setdefault((r.get("index"), r["bid_id"]), []).append(
                r["reason"]
            )
    releases = [
        _release(tender_id, rows.get(tender_id, []), rejected.get(tender_id, {}), by_id.get(tender_id), meta)
        for tender_id in sorted(set(rows) | set(rejected))
    ]
    for release in releases:
        release["date"] = published
    return {
        "uri": f"urn:supplierscore:run:{meta['run_id']}",
        "version": OCDS_VERSION,
        "extensions": [BIDS_EXTENSION_URL],
        "publishedDate": published,
        "publisher": {"name": f"supplierscore {meta['engine_version']}"},
        "releases": releases,
    }


def _release(
    tender_id: str,
    rows: list[dict[str, Any]],
    rejected: dict[tuple[int | None, str], list[str]],
    tender: Tender | None,
    meta: dict[str, Any],
) -> dict[str, Any]:
    ruleset = meta["ruleset"]
    header = tender.header if tender is not None else {}
    bids_in = {b["id"]: b for b in tender.bids} if tender is not None else {}
    parties: dict[str, dict[str, Any]] = {}
    details = [_scored_bid(row, bids_in.get(row["bid_id"]), parties) for row in rows]
    for (_, bid_id), reasons in sorted(rejected.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1])):
        details.append(
            {
                "id": bid_id,
                "status": "disqualified",
                "hasRank": False,
                NAMESPACE: {"eligible": False, "rejected": True, "reasons": reasons},
            }
        )
    out_tender: dict[str, Any] = {"id": tender_id}
    if "title" in header:
        out_tender["title"] = header["title"]
    if "budget" in header:
        out_tender["value"] = _value(header["budget"])
    elif "currency" in header:
        out_tender["value"] = {"currency": header["currency"]}
    if "closing_date" in header:
        out_tender["tenderPeriod"] = {"endDate": f"{header['closing_date']}T00:00:00Z"}
    out_tender["awardCriteria"] = "ratedCriteria"
    out_tender["awardCriteriaDetails"] = (
        f"Bids scored by supplierscore {meta['engine_version']} under ruleset {ruleset['id']} version "
        f"{ruleset['version']} (SHA-256 {ruleset['sha256']}); each bid's points per criterion are in "
        f"bids.details[].{NAMESPACE}."
    )
    out_tender[NAMESPACE] = {
        "run_id": meta["run_id"],
        "ruleset": {"id": ruleset["id"], "version": ruleset["version"], "sha256": ruleset["sha256"]},
        "precision": meta.get("precision"),
        "rounding": meta.get("rounding"),
    }
    release: dict[str, Any] = {
        "ocid": tender_id,
        "id": f"{tender_id}/supplierscore/{meta['run_id']}",
        "date": EPOCH,
        "tag": ["tenderUpdate"],
        "initiationType": "tender",
    }
    if "buyer" in header:
        release["buyer"] = {"name": header["buyer"]}
    if parties:
        release["parties"] = list(parties.values())
    release["tender"] = out_tender
    release["bids"] = {"details": details}
    return release


def _scored_bid(
    row: dict[str, Any], bid: dict[str, Any] | None, parties: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    supplier = (bid or {}).get("supplier", {"id": row["supplier_id"], "name": row["supplier_name"]})
    party = parties.setdefault(supplier["id"], {"id": supplier["id"], "name": supplier["name"], "roles": []})
    if "tenderer" not in party["roles"]:
        party["roles"].append("tenderer")
    country = pycountry.countries.get(alpha_2=supplier.get("country", "")) if "country" in supplier else None
    if country is not None:
        party["address"] = {"countryName": country.name}
    if supplier.get("size") in SCALES:
        party["details"] = {"scale": SCALES[supplier["size"]]}
    out: dict[str, Any] = {"id": row["bid_id"]}
    if bid is not None and "submitted_at" in bid:
        out["date"] = bid["submitted_at"]
    out["status"] = "valid" if row["eligible"] else "disqualified"
    out["tenderers"] = [{"id": supplier["id"], "name": supplier["name"]}]
    if bid is not None:
        out["value"] = _value(bid["price"])
    out["hasRank"] = row["rank"] is not None
    if row["rank"] is not None:
        out["rank"] = row["rank"]
    out[NAMESPACE] = {
        "eligible": row["eligible"],
        "total": row["total"],
        "points": row["points"],
        "groups": row["groups"],
        "reasons": row["reasons"],
    }
    return out


def _value(money: dict[str, Any]) -> dict[str, Any]:
    """A price or budget as an OCDS Value: the amount a JSON number with exactly its digits."""
    return {"amount": Decimal(str(money["amount"])), "currency": money["currency"]}


def ocds_bytes(package: dict[str, Any]) -> bytes:
    """The package as UTF-8 JSON, two-space indent, numbers printed with exactly their digits."""
    return orjson.dumps(package, default=_number, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value).encode())
    raise TypeError(f"{type(value).__name__} has no place in OCDS output")


@cache
def _validator() -> Any:
    def retrieve(uri: str) -> Any:
        if uri.rstrip("#") == RELEASE_SCHEMA_URL:
            return release_schema()
        raise ValueError(f"schemas are never fetched, and {uri} is not shipped")

    return jsonschema_rs.validator_for(release_package_schema(), retriever=retrieve, validate_formats=True)


def validate_release_package(package: dict[str, Any]) -> list[str]:
    """Every way ``package`` breaks the OCDS 1.1 release package schema with the bids extension, as
    ``pointer: message`` lines (empty when valid). Offline: the schemas are the shipped files."""
    return [
        f"/{'/'.join(str(step) for step in error.instance_path)}: {error.message}"
        for error in _validator().iter_errors(package)
    ]


def write_ocds(sheet: dict[str, Any], path: str | Path, tenders: Sequence[Tender] = ()) -> Path:
    """Write the sheet as a validated OCDS release package to ``path``."""
    package = ocds_release_package(sheet, tenders)
    problems = validate_release_package(package)
    if problems:
        raise OutputError(f"the OCDS export does not validate: {problems[0]}", problems=problems)
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(ocds_bytes(package))
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}", path=str(target)) from error
    return target
