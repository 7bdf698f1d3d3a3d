"""What the report and the letters share: escaping, the page shell with its inline style, and words for
ruleset methods and evidence in the reader's language."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from html import escape

from supplierscore import ruleset as rs
from supplierscore.report._i18n import Messages

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Okabe and Ito's eight colours, told apart by readers with every common colour-vision deficiency."""

STYLE = """
:root{--ink:#1b1b1b;--muted:#4d4d4d;--rule:#c8c8c8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:var(--ink);
background:#fff;margin:0 auto;padding:1rem;max-width:90rem}
h1{font-size:1.55rem;line-height:1.2;margin:.2rem 0 .6rem}
h2{font-size:1.25rem;border-top:3px solid var(--ink);padding-top:.5rem;margin:2rem 0 .5rem}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
p,li{max-width:48rem}
.meta{color:var(--muted)}
.table-wrap{overflow-x:auto;max-width:100%;margin:.4rem 0 1rem;position:relative}
table{border-collapse:collapse;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.2rem 0 .4rem;caption-side:top}
th,td{border-bottom:1px solid var(--rule);padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid var(--ink)}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th.num{white-space:normal}
tbody th{white-space:nowrap}
td.name{min-width:8.5rem}
table:not(.ranking) td:last-child{min-width:14rem}
.out-of{font-weight:400;color:var(--muted)}
tr.winner td,tr.winner th{font-weight:600}
.badge{display:inline-block;border:1px solid var(--ink);border-radius:.7rem;padding:0 .45rem;font-size:.78rem;
margin:0 .2rem .2rem 0}
td.badges{min-width:8.5rem}
table.ranking{font-size:.85rem}
.badge.certified{background:#e6f2ea}.badge.self-declared{background:#f4f4f4}
.badge.expired,.badge.not-yet-valid{background:#fbe9dd;border-style:dashed}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
figure{margin:.5rem 0 1rem}
figcaption{font-size:.88rem;color:var(--muted);margin-bottom:.3rem}
svg{display:block;width:100%;max-width:46rem;height:auto}
.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.2rem 1rem;font-size:.85rem}
.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #000;vertical-align:-.1em;
margin-right:.3em}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.digest{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
dl{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.15rem 1rem;margin:.4rem 0}
dt{font-weight:600}dd{margin:0;min-width:0;overflow-wrap:anywhere}
@media (max-width:40rem){h1{font-size:1.25rem}h2{font-size:1.1rem}body{padding:.6rem}}
@page{size:A4;margin:14mm}
@media print{body{font-size:9.5pt;max-width:none;padding:0}.table-wrap{overflow:visible}
h2{break-after:avoid}tr,figure,dl{break-inside:avoid}table{font-size:8.5pt}
table.ranking{font-size:7pt}th,td{padding:.1rem .2rem}.num{white-space:normal}
td.name,td.badges,table:not(.ranking) td:last-child{min-width:0}
.badge{font-size:6.5pt;padding:0 .25rem}svg{max-width:120mm}}
"""


def anchor(prefix: str, text: str) -> str:
    """An element id made from user text: ids hold no spaces, so other characters are replaced and a
    short digest keeps ids apart that would then clash."""
    kept = re.sub(r"[^A-Za-z0-9_-]+", "_", text)
    if kept != text:
        kept += "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{prefix}-{kept}"


def page(language: str, title: str, body: str) -> str:
    """A whole HTML document: no script, no external resource, style inline."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


def table(caption: str, head: list[tuple[str, bool]], rows: list[str], css: str = "") -> str:
    """A captioned table in a scrolling wrapper; ``head`` is (label, numeric) per column, ``rows`` are
    ready ``<tr>`` elements."""
    cells = "".join(f'<th scope="col"{_num(numeric)}>{escape(label)}</th>' for label, numeric in head)
    klass = f' class="{css}"' if css else ""
    return (
        f'<div class="table-wrap"><table{klass}><caption>{escape(caption)}</caption>'
        f"<thead><tr>{cells}</tr></thead><tbody>\n{''.join(rows)}</tbody></table></div>\n"
    )


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def cell(text: str, numeric: bool = False, value: str | None = None, header: bool = False) -> str:
    """One escaped cell; ``value`` (an exact figure) goes in ``data-value`` for programs and tests."""
    data = f' data-value="{escape(value)}"' if value is not None else ""
    if header:
        return f'<th scope="row"{_num(numeric)}{data}>{escape(text)}</th>'
    return f"<td{_num(numeric)}{data}>{escape(text)}</td>"


def method_words(criterion: rs.Criterion, m: Messages) -> str:
    """How a criterion turns its input into a fraction, in words."""
    method = criterion.method
    n = m.number
    if isinstance(method, rs.Linear):
        return m.text(
            "linear: no points at {start}, full points at {end}", start=n(method.from_), end=n(method.to)
        )
    if isinstance(method, rs.Threshold):
        return m.text("full points at {value} or more", value=n(method.at_least))
    if isinstance(method, rs.Bands):
        bands = ", ".join(
            m.text("from {value}: {share}", value=n(b.at_least), share=m.percent(b.score))
            for b in method.bands
        )
        return m.text("bands: {bands}", bands=bands)
    if isinstance(method, rs.Boolean):
        return m.text("full points for yes")
    if isinstance(method, rs.Lookup):
        return m.text("points from a list of answers")
    if isinstance(method, rs.Panel):
        return m.text("evaluation panel mark out of {top}", top=n(method.max))
    if isinstance(method, rs.Count):
        return m.text("one share for each item counted, full points at {count}", count=method.to)
    if isinstance(method, rs.PriceLinear):
        return m.text("full points at the lowest price, none at {times} times it", times=n(method.zero_at))
    return m.text("lowest eligible price divided by the price")


def evidence_words(criterion: rs.Criterion, m: Messages) -> str:
    """What evidence a criterion asks for, in words; a dash when none."""
    rule = criterion.evidence
    if rule is None:
        return "–"
    return m.text(
        "a certificate from {issuers}; a claim without one counts {share}",
        issuers=", ".join(rule.issuers),
        share=m.percent(rule.self_declared),
    )


def status_words(status: str, m: Messages) -> str:
    """An evidence status in words."""
    words = {
        "certified": m.text("certified"),
        "self-declared": m.text("self-declared"),
        "expired": m.text("certificate expired"),
        "not-yet-valid": m.text("certificate not yet valid"),
        "none": m.text("no evidence needed"),
    }
    return words.get(status, status)


def fixed(value: Decimal, places: int) -> str:
    """A decimal with exactly ``places`` decimals, the way the sheet prints points."""
    return f"{value:.{places}f}"
