"""The cost of ``score --analysis``: the analysis per bid next to scoring alone, in the same run.

``python benchmarks/bench_analysis.py --bids 10000`` generates (once) a seeded batch with
``benchmarks/generate.py`` (tenders of 2–60 bids, the examples' profile mix), reads it, then in one
process times scoring (:func:`supplierscore.score`) and the analysis (:func:`supplierscore.engine.analyse`:
flags, robustness, counterfactuals) of the same batch, and the analysis' three parts separately. It
prints microseconds per bid scored and writes ``benchmarks/out/analysis-<bids>.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from generate import write_batch  # noqa: E402

from supplierscore import read_bids, score  # noqa: E402
from supplierscore.engine import analyse  # noqa: E402
from supplierscore.engine._counterfactual import TenderState, bid_counterfactuals  # noqa: E402
from supplierscore.engine._flags import tender_flags  # noqa: E402
from supplierscore.engine._methods import compile_ruleset  # noqa: E402
from supplierscore.engine._robustness import robustness  # noqa: E402
from supplierscore.engine._tender import score_results  # noqa: E402
from supplierscore.ruleset import default_ruleset_path, load_ruleset  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    path = out / f"batch-{args.bids}-seed{args.seed}.ndjson"
    if not path.exists():
        write_batch(path, args.bids, seed=args.seed)
    ruleset = load_ruleset(default_ruleset_path())
    batch = read_bids([path])
    tenders = sorted(batch.tenders, key=lambda t: t.id)
    bids = batch.valid

    started = time.perf_counter()
    sheet = score(batch, ruleset)
    scoring = time.perf_counter() - started

    started = time.perf_counter()
    analysis = analyse(batch, ruleset)
    analysing = time.perf_counter() - started

    parts = {"flags": 0.0, "robustness": 0.0, "counterfactuals": 0.0}
    for tender in tenders:
        ranked, ineligible, prices = score_results(tender, ruleset)
        state = TenderState(tender, ruleset, compile_ruleset(ruleset), ranked, ineligible, prices)
        moment = time.perf_counter()
        tender_flags(tender, [r.bid for r in ranked], ruleset)
        parts["flags"] += time.perf_counter() - moment
        moment = time.perf_counter()
        robustness(tender, ruleset, state.plan.criteria, ranked, prices, state.compare)
        parts["robustness"] += time.perf_counter() - moment
        moment = time.perf_counter()
        for position in range(len(ranked)):
            bid_counterfactuals(state, position)
        parts["counterfactuals"] += time.perf_counter() - moment

    eligible = sum(1 for row in sheet.rows if row.eligible)
    transfers = sum(1 for t in analysis["tenders"] if t["robustness"]["transfer"] is not None)
    incomplete = sum(1 for t in analysis["tenders"] if not t["robustness"]["transfer_search_complete"])
    report = {
        "bids_valid": bids,
        "tenders": len(tenders),
        "eligible": eligible,
        "score_seconds": round(scoring, 3),
        "analysis_seconds": round(analysing, 3),
        "score_us_per_bid": round(scoring / bids * 1e6, 1),
        "analysis_us_per_bid": round(analysing / bids * 1e6, 1),
        "ratio": round(analysing / scoring, 1),
        "parts_us_per_bid": {k: round(v / bids * 1e6, 1) for k, v in parts.items()},
        "tenders_with_a_transfer": transfers,
        "transfer_searches_stopped": incomplete,
        "python": platform.python_version(),
    }
    (out / f"analysis-{args.bids}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"{bids:,} valid bids in {len(tenders):,} tenders ({eligible:,} eligible)")
    print(f"  score + rank           {scoring:9.2f} s  {report['score_us_per_bid']:10,.1f} µs/bid")
    print(f"  analysis               {analysing:9.2f} s  {report['analysis_us_per_bid']:10,.1f} µs/bid")
    for name, value in report["parts_us_per_bid"].items():
        print(f"    {name:<20} {'':>11}  {value:10,.1f} µs/bid")
    print(f"  analysis / scoring     {report['ratio']:.1f}×")
    print(f"  tenders whose winner a weight transfer changes: {transfers:,}; searches stopped: {incomplete}")


if __name__ == "__main__":
    main()
