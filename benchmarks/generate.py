"""A seeded generator of realistic tender batches for the benchmarks.

``python benchmarks/generate.py --bids 100000 --out batch.ndjson`` writes tender documents of 2–60 bids
each, with the supplier profile mix of ``examples/tenders.ndjson`` (certified immigrant-owned,
self-declared, expired certificate, social enterprise, large firm with no diversity data, …) and about
2 % invalid bids (``--invalid``), one NDJSON line per tender. The same seed always gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LANGUAGES = ["en", "fr", "ar", "zh-Hans", "tl", "pa", "es", "uk", "fa", "so", "pt", "ur", "ta", "vi"]
OWNER_GROUPS = ["women", "disability", "indigenous", "racialized", "lgbtq", "veteran", "youth"]
ISSUERS = {
    "immigrant": "CAMSC",
    "women": "WBE Canada",
    "indigenous": "CCAB",
    "racialized": "CAMSC",
    "disability": "Inclusive Workplace and Supply Council of Canada",
    "lgbtq": "CGLCC",
    "social_enterprise": "Buy Social Canada",
    "living_wage": "Ontario Living Wage Network",
}
PROFILES = ["certified", "self_declared", "expired", "social_enterprise", "large_no_data", "mixed"]


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low * 100, high * 100) / 100:.2f}"


def _certificate(rng: random.Random, group: str, closing: str, expired: bool = False) -> dict[str, Any]:
    year = int(closing[:4])
    until = f"{year - 1}-12-31" if expired else f"{year + rng.randint(0, 2)}-12-31"
    return {
        "issuer": ISSUERS[group],
        "id": f"{ISSUERS[group][:4].upper().replace(' ', '')}-{rng.randint(1000, 99999)}",
        "covers": [group],
        "valid_from": f"{year - 3}-01-01",
        "valid_until": until,
    }


def make_bid(rng: random.Random, index: int, closing: str, budget: int) -> dict[str, Any]:
    """One valid bid with a profile drawn from the examples' mix."""
    profile = rng.choice(PROFILES)
    employees = rng.randint(1, 400)
    bid: dict[str, Any] = {
        "id": f"B-{index:03d}",
        "submitted_at": f"{closing[:8]}{rng.randint(1, 28):02d}T{rng.randint(8, 17):02d}:00:00Z",
        "supplier": {
            "id": f"S-{rng.randint(1, 10**7):07d}",
            "name": f"Supplier {rng.randint(1, 10**6)} Ltd.",
            "country": "CA",
            "size": rng.choice(["micro", "small", "medium", "large"]),
        },
        "price": {"amount": _money(rng, budget // 2, budget * 11 // 10), "currency": "CAD"},
        "quality": {"technical": rng.randint(40, 100), "delivery": rng.randint(40, 100)},
    }
    if profile == "large_no_data":
        return bid
    bid["ownership"] = {"immigrant": rng.choice([0, 10, 30, 51, 60, 100])}
    for group in rng.sample(OWNER_GROUPS, rng.randint(0, 2)):
        bid["ownership"][group] = rng.choice([25, 51, 100])
    bid["workforce"] = {
        "employees": employees,
        "immigrants": rng.randint(0, employees),
        "newcomer_hires_12m": rng.randint(0, employees // 4),
        "living_wage": rng.random() < 0.5,
        "credential_recognition": rng.random() < 0.4,
        "language_training": rng.random() < 0.4,
    }
    bid["languages"] = rng.sample(LANGUAGES, rng.randint(1, 5))
    if profile == "social_enterprise":
        bid["ownership"]["social_enterprise"] = True
        bid["certifications"] = [_certificate(rng, "social_enterprise", closing)]
    elif profile in ("certified", "mixed"):
        bid["certifications"] = [_certificate(rng, "immigrant", closing)]
        if bid["workforce"]["living_wage"] and profile == "mixed":
            bid["certifications"].append(_certificate(rng, "living_wage", closing))
    elif profile == "expired":
        bid["certifications"] = [_certificate(rng, "immigrant", closing, expired=True)]
    return bid


def _break(rng: random.Random, bid: dict[str, Any]) -> None:
    """Make a bid invalid in one of the ways real input is: a typo, a range, a type, a cross-field rule."""
    kind = rng.randrange(4)
    if kind == 0:
        bid["ownersip"] = bid.pop("ownership", {"immigrant": 51})
    elif kind == 1:
        bid.setdefault("ownership", {})["immigrant"] = 140
    elif kind == 2:
        bid["price"]["amount"] = "twelve"
    else:
        bid["workforce"] = {"employees": 3, "immigrants": 9}


def documents(bids: int, seed: int = 7, invalid: float = 0.02) -> Iterator[dict[str, Any]]:
    """Tender documents holding ``bids`` bids in all, tenders of 2–60 bids."""
    rng = random.Random(seed)
    made = 0
    tender = 0
    while made < bids:
        count = min(rng.randint(2, 60), bids - made)
        tender += 1
        closing = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        budget = rng.choice([20_000, 50_000, 120_000, 400_000, 1_500_000])
        header = {
            "id": f"T-{tender:07d}",
            "title": f"Tender {tender}",
            "closing_date": closing,
            "budget": {"amount": f"{budget}.00", "currency": "CAD"},
            "currency": "CAD",
            "buyer": "City of Example",
        }
        tender_bids = [make_bid(rng, i, closing, budget) for i in range(count)]
        for bid in tender_bids:
            if rng.random() < invalid:
                _break(rng, bid)
        made += count
        yield {"tender": header, "bids": tender_bids}


def write_batch(path: Path, bids: int, seed: int = 7, invalid: float = 0.02) -> Path:
    """Write the batch as NDJSON to ``path`` and return it."""
    with path.open("w", encoding="utf-8") as out:
        for document in documents(bids, seed, invalid):
            out.write(json.dumps(document, separators=(",", ":")))
            out.write("\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--invalid", type=float, default=0.02)
    parser.add_argument("--out", type=Path, default=Path("batch.ndjson"))
    args = parser.parse_args()
    write_batch(args.out, args.bids, args.seed, args.invalid)
    print(f"wrote {args.bids:,} bids to {args.out}")


if __name__ == "__main__":
    main()
