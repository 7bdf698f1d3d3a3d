"""The ruleset conformance suite: small cases worked out by hand, each in its own file.

Every ``tests/conformance/*.yaml`` holds a ``ruleset``, the ``tenders`` (tender documents) and what the
score sheet must say (``expect``), with the arithmetic written in comments. This one parametrized test
runs them all through the public API and compares digit for digit:

- ``expect.rows``: the sheet's rows, in order (tender id, then rank, then ineligible bids by id); each
  expected row lists only the fields it checks (``bid_id``, ``rank``, ``eligible``, ``total``, ``points``,
  ``groups``, ``reasons``), compared exactly as the JSON sheet prints them.
- ``expect.breakdown`` (optional): rows matched by ``bid_id`` and ``criterion``, fields compared exactly.
- ``expect.counts`` (optional): the metadata counts.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from supplierscore import read_documents, score
from supplierscore.ruleset import parse_ruleset

CASES = sorted((Path(__file__).parent / "conformance").glob("*.yaml"))


class _DecimalLoader(yaml.SafeLoader):
    """Safe YAML whose numbers with a fraction are exact Decimals, as bids and rulesets need."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(loader.construct_scalar(node))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_DecimalLoader)
    return case


def _subset(actual: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: actual.get(key) for key in expected}


def test_there_are_at_least_25_cases() -> None:
    """The suite covers every method, evidence state, rounding mode, tie-breaker and gate operator."""
    assert len(CASES) >= 25


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_conformance_case(path: Path) -> None:
    """The sheet matches the hand-worked expectation exactly."""
    case = _load(path)
    ruleset = parse_ruleset(case["ruleset"], source=str(path))
    sheet = score(read_documents(case["tenders"], source=path.name), ruleset).to_dict()
    expect = case["expect"]
    assert [_subset(row, want) for row, want in zip(sheet["rows"], expect["rows"], strict=False)] == expect[
        "rows"
    ]
    assert len(sheet["rows"]) == len(expect["rows"]), "the sheet has a different number of rows"
    by_key = {(line["bid_id"], line["criterion"]): line for line in sheet["breakdown"]}
    for want in expect.get("breakdown", []):
        line = by_key.get((want["bid_id"], want["criterion"]))
        assert line is not None, f"no breakdown for {want['bid_id']} / {want['criterion']}"
        assert _subset(line, want) == want
    if "counts" in expect:
        assert sheet["metadata"]["counts"] == expect["counts"]
