"""The HTML report of a run: one self-contained file that opens from a USB stick.

Per tender: the ranking (rank, supplier, price, total, subtotal per group, evidence), a stacked bar per
bid of points by group, the ineligible and the rejected bids with their reasons; then the ruleset
(criteria, weights, labels, targets, policy share, digest) and the run. Tables carry every number; the
charts (inline SVG, drawn when the report is written) only illustrate and each has a text alternative.
No script, no external resource; the same sheet, ruleset and language give the same bytes.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from html import escape
from pathlib import Path

from supplierscore import __version__
from supplierscore import ruleset as rs
from supplierscore.report._html import (
    PALETTE,
    anchor,
    cell,
    evidence_words,
    method_words,
    page,
    status_words,
    table,
)
from supplierscore.report._i18n import Messages
from supplierscore.report._view import Bid, SheetView, TenderView

_BAR_WIDTH = 440
_LABEL_WIDTH = 90
_ROW_HEIGHT = 26


def render_report(view: SheetView, m: Messages) -> str:
    """The whole report as HTML text."""
    ruleset = view.ruleset
    title = m.text("Score report: {ruleset}", ruleset=ruleset.title)
    counts = view.metadata.get("counts", {})
    parts = [
        f"<header><h1>{escape(title)}</h1>\n",
        '<p class="meta">'
        + escape(
            m.text(
                "Run {run} · {tenders} tenders · {read} bids read: {scored} scored, {ineligible} ineligible, "
                "{rejected} rejected",
                run=view.metadata.get("run_id", "?"),
                tenders=len(view.tenders),
                read=counts.get("read", 0),
                scored=counts.get("scored", 0),
                ineligible=counts.get("ineligible", 0),
                rejected=counts.get("rejected", 0),
            )
        )
        + "</p>\n",
        _contents(view, m),
        "</header>\n<main>\n",
    ]
    parts += [_tender(view, tender, m) for tender in view.tenders]
    if view.unplaced:
        rows = [
            "<tr>" + cell(f"{r.source}:{r.line}" if r.line else r.source) + cell(r.reason) + "</tr>\n"
            for r in view.unplaced
        ]
        parts.append(f'<h2 id="unplaced">{escape(m.text("Lines that could not be read"))}</h2>\n')
        parts.append(
            table(
                m.text("Lines that could not be read"),
                [(m.text("Where"), False), (m.text("Reason"), False)],
                rows,
            )
        )
    parts.append(_targets(view, m))
    parts.append(_ruleset(view, m))
    parts.append(_run(view, m))
    parts.append("</main>\n")
    return page(m.language, title, "".join(parts))


def write_report(view: SheetView, m: Messages, path: Path) -> Path:
    """Write the report to ``path`` (UTF-8, ``\\n`` line ends) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(view, m), encoding="utf-8", newline="\n")
    return path


def _contents(view: SheetView, m: Messages) -> str:
    links = [
        f'<li><a href="#{anchor("tender", t.id)}">{escape(t.id)}</a>'
        + (f" – {escape(t.title)}" if t.title else "")
        + "</li>"
        for t in view.tenders
    ]
    links += [
        f'<li><a href="#targets">{escape(m.text("Targets"))}</a></li>',
        f'<li><a href="#ruleset">{escape(m.text("Ruleset"))}</a></li>',
        f'<li><a href="#run">{escape(m.text("Run"))}</a></li>',
    ]
    return f'<nav aria-label="{escape(m.text("Contents"))}"><ul>{"".join(links)}</ul></nav>\n'


def _label(view: SheetView, name: str, m: Messages) -> str:
    return view.ruleset.label(name, m.language)


def _tender(view: SheetView, tender: TenderView, m: Messages) -> str:
    ident = anchor("tender", tender.id)
    heading = tender.id + (f" – {tender.title}" if tender.title else "")
    out = [f'<section aria-labelledby="{ident}">\n<h2 id="{ident}">{escape(heading)}</h2>\n']
    summary = m.text(
        "{scored} scored, {ineligible} ineligible, {rejected} rejected.",
        scored=len(tender.ranked),
        ineligible=len(tender.ineligible),
        rejected=len(tender.rejected),
    )
    if tender.winner is not None:
        summary += " " + m.text(
            "Highest score: bid {bid} from {supplier}, {total} points.",
            bid=tender.winner.bid_id,
            supplier=tender.winner.supplier_name,
            total=m.number(tender.winner.total),
        )
    if tender.rejected and tender.winner is not None:
        summary += " " + m.text(
            "Bids of this tender were rejected when read: the ranking is among the others only."
        )
    out.append(f"<p>{escape(summary)}</p>\n")
    if tender.ranked:
        out.append(_ranking(view, tender, m))
        out.append(_chart(view, tender, m))
    if tender.ineligible:
        rows = [
            "<tr>"
            + cell(b.bid_id, header=True)
            + cell(b.supplier_name)
            + cell(_price(b, m), numeric=True, value=b.price)
            + cell("; ".join(b.reasons))
            + "</tr>\n"
            for b in tender.ineligible
        ]
        head = [
            (m.text("Bid"), False),
            (m.text("Supplier"), False),
            (m.text("Price offered"), True),
            (m.text("Why not eligible"), False),
        ]
        out.append(f"<h3>{escape(m.text('Ineligible bids'))}</h3>\n")
        out.append(table(m.text("Ineligible bids of tender {tender}", tender=tender.id), head, rows))
    if tender.rejected:
        rows = [
            "<tr>"
            + cell(r.bid_id or "–", header=True)
            + cell(f"{r.source}:{r.line}" if r.line else r.source)
            + cell(r.path)
            + cell(r.reason)
            + "</tr>\n"
            for r in tender.rejected
        ]
        head = [
            (m.text("Bid"), False),
            (m.text("File and line"), False),
            (m.text("Where"), False),
            (m.text("Reason"), False),
        ]
        out.append(f"<h3>{escape(m.text('Rejected bids'))}</h3>\n")
        out.append(table(m.text("Bids of tender {tender} rejected when read", tender=tender.id), head, rows))
    out.append("</section>\n")
    return "".join(out)


def _price(bid: Bid, m: Messages) -> str:
    if bid.price is None:
        return "–"
    return m.number(bid.price) + (f" {bid.currency}" if bid.currency else "")


def _ranking(view: SheetView, tender: TenderView, m: Messages) -> str:
    """The ranking table: a two-row head, with the group subtotals under one "points by group" head."""
    groups = view.ruleset.groups
    weights = {g: sum((c.weight for c in view.ruleset.criteria if c.group == g), Decimal(0)) for g in groups}
    spanned = [m.text("Rank"), m.text("Bid"), m.text("Supplier"), m.text("Price offered"), m.text("Total")]
    numeric = ' class="num"'
    first = "".join(
        f'<th scope="col" rowspan="2"{numeric if i in (0, 3, 4) else ""}>{escape(label)}</th>'
        for i, label in enumerate(spanned)
    )
    first += f'<th scope="colgroup" colspan="{len(groups)}">{escape(m.text("Points by group"))}</th>'
    first += f'<th scope="col" rowspan="2">{escape(m.text("Evidence"))}</th>'
    second = "".join(
        f'<th scope="col" class="num">{escape(_label(view, g, m))} '
        f'<span class="out-of">/{escape(m.number(weights[g].normalize()))}</span></th>'
        for g in groups
    )
    rows = []
    for bid in tender.ranked:
        klass = ' class="winner"' if bid.rank == 1 else ""
        rows.append(
            f'<tr{klass} data-tender="{escape(bid.tender_id)}" data-bid="{escape(bid.bid_id)}">'
            + cell(str(bid.rank), numeric=True)
            + cell(bid.bid_id, header=True)
            + f'<td class="name">{escape(bid.supplier_name)}</td>'
            + cell(_price(bid, m), numeric=True, value=bid.price)
            + cell(m.number(bid.total), numeric=True, value=bid.total).replace("<td", '<td data-total=""', 1)
            + "".join(
                cell(m.number(bid.groups.get(g)), numeric=True, value=bid.groups.get(g)) for g in groups
            )
            + f'<td class="badges">{_badges(view, bid, m)}</td></tr>\n'
        )
    caption = m.text("Ranking of tender {tender}", tender=tender.id)
    return (
        f'<div class="table-wrap"><table class="ranking"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{first}</tr><tr>{second}</tr></thead><tbody>\n{''.join(rows)}</tbody></table></div>\n"
    )


def _badges(view: SheetView, bid: Bid, m: Messages) -> str:
    by_status: dict[str, list[str]] = {}
    for line in bid.lines.values():
        if line.evidence != "none":
            by_status.setdefault(line.evidence, []).append(_label(view, line.criterion, m))
    marks = {"certified": "✓", "self-declared": "○", "expired": "✗", "not-yet-valid": "◷"}
    badges = []
    for status in ("certified", "self-declared", "expired", "not-yet-valid"):
        names = by_status.get(status)
        if names:
            words = f"{status_words(status, m)} ({len(names)})"
            badges.append(
                f'<span class="badge {status}" title="{escape(", ".join(names))}">'
                f'<span aria-hidden="true">{marks[status]} </span>{escape(words)}'
                f'<span class="sr">: {escape(", ".join(names))}</span></span>'
            )
    return "".join(badges) or "–"


def _chart(view: SheetView, tender: TenderView, m: Messages) -> str:
    """A horizontal stacked bar per ranked bid: its points by group, on a scale of 0 to 100."""
    groups = view.ruleset.groups
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    height = _ROW_HEIGHT * len(tender.ranked) + 24
    width = _LABEL_WIDTH + _BAR_WIDTH + 60
    ident = anchor("chart", tender.id)
    title = m.text("Points by group for each bid of tender {tender}", tender=tender.id)
    desc = (
        m.text("The same figures are in the ranking table above.")
        + " "
        + " ".join(
            m.text("{bid}: {total} points.", bid=b.bid_id, total=m.number(b.total)) for b in tender.ranked
        )
    )
    svg = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        'xmlns="http://www.w3.org/2000/svg" font-family="system-ui,Arial,sans-serif" font-size="13">',
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>',
    ]
    for tick in (0, 25, 50, 75, 100):
        x = _x(Decimal(tick))
        svg.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height - 18}" stroke="#bbb" stroke-width="1"/>')
        svg.append(f'<text x="{x}" y="{height - 4}" text-anchor="middle" fill="#333">{tick}</text>')
    for index, bid in enumerate(tender.ranked):
        y = index * _ROW_HEIGHT + 4
        svg.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" fill="#000">'
            f"{escape(bid.bid_id)}</text>"
        )
        start = Decimal(0)
        for group in groups:
            value = Decimal(bid.groups.get(group, "0"))
            if value <= 0:
                continue
            label = m.text(
                "{bid}, {group}: {points} points",
                bid=bid.bid_id,
                group=_label(view, group, m),
                points=m.number(bid.groups[group]),
            )
            svg.append(
                f'<rect x="{_x(start)}" y="{y}" width="{_w(value)}" height="{_ROW_HEIGHT - 8}" '
                f'fill="{colours[group]}" stroke="#fff" stroke-width="1">'
                f"<title>{escape(label)}</title></rect>"
            )
            start += value
        svg.append(f'<text x="{_x(start + 1)}" y="{y + 15}" fill="#000">{escape(m.number(bid.total))}</text>')
    svg.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch" style="background:{colours[g]}"></span>{escape(_label(view, g, m))}</li>'
        for g in groups
    )
    return (
        f"<figure>\n<figcaption>{escape(title)}</figcaption>\n{''.join(svg)}\n"
        f'<ul class="legend" aria-label="{escape(m.text("Groups"))}">{legend}</ul>\n</figure>\n'
    )


def _x(points: Decimal) -> str:
    return f"{_LABEL_WIDTH + points * _BAR_WIDTH / 100:.2f}"


def _w(points: Decimal) -> str:
    return f"{points * _BAR_WIDTH / 100:.2f}"


def _targets(view: SheetView, m: Messages) -> str:
    """The ruleset's targets, next to what this run's winners earned in each group outside price and
    quality (the sheet records points, not ownership, so the share of winners with points in a group is
    the measure it can give)."""
    ruleset = view.ruleset
    out = [f'<section aria-labelledby="targets">\n<h2 id="targets">{escape(m.text("Targets"))}</h2>\n']
    if ruleset.targets:
        rows = [
            "<tr>"
            + cell(_target_name(ruleset, name, m), header=True)
            + cell(m.percent(value), numeric=True, value=str(value))
            + "</tr>\n"
            for name, value in sorted(ruleset.targets.items())
        ]
        out.append(
            table(
                m.text("Targets set by the ruleset (they change no score)"),
                [(m.text("Target"), False), (m.text("Value"), True)],
                rows,
            )
        )
    else:
        out.append(f"<p>{escape(m.text('The ruleset sets no targets.'))}</p>\n")
    winners = [t.winner for t in view.tenders if t.winner is not None]
    social = [g for g in ruleset.groups if g not in rs.NOT_SOCIAL_GROUPS]
    if winners and social:
        rows = []
        for group in social:
            weight = sum((c.weight for c in ruleset.criteria if c.group == group), Decimal(0))
            earning = sum(1 for w in winners if Decimal(w.groups.get(group, "0")) > 0)
            full = sum(1 for w in winners if Decimal(w.groups.get(group, "0")) >= weight)
            rows.append(
                "<tr>"
                + cell(_label(view, group, m), header=True)
                + cell(f"{earning} / {len(winners)}", numeric=True)
                + cell(m.percent(Decimal(earning) / Decimal(len(winners))), numeric=True)
                + cell(f"{full} / {len(winners)}", numeric=True)
                + cell(m.percent(Decimal(full) / Decimal(len(winners))), numeric=True)
                + "</tr>\n"
            )
        head = [
            (m.text("Group"), False),
            (m.text("Winners with points"), True),
            (m.text("Share of winners"), True),
            (m.text("Winners with all the group's points"), True),
            (m.text("Share with all the points"), True),
        ]
        caption = m.text(
            "Results: the highest-scoring bid of each tender, by group outside price and quality (the sheet "
            "records points, not ownership: compare with the targets above)"
        )
        out.append(table(caption, head, rows))
    out.append("</section>\n")
    return "".join(out)


def _target_name(ruleset: rs.Ruleset, name: str, m: Messages) -> str:
    label = ruleset.labels.get(name, {}).get(m.language)
    return label or name.replace("_", " ")


def _ruleset(view: SheetView, m: Messages) -> str:
    ruleset = view.ruleset
    social = ruleset.social_weight
    bounds = m.text(
        "{share} points outside price and quality (the policy allows {low} to {high})",
        share=m.number(social),
        low=m.number(ruleset.policy.social_weight_min)
        if ruleset.policy.social_weight_min is not None
        else "0",
        high=m.number(ruleset.policy.social_weight_max)
        if ruleset.policy.social_weight_max is not None
        else "100",
    )
    facts = [
        (m.text("Title"), ruleset.title),
        (m.text("Ruleset"), f"{ruleset.id} {ruleset.version}"),
        (m.text("Policy share"), bounds),
        (
            m.text("Rounding"),
            m.text(
                "{places} decimals, {mode}",
                places=ruleset.precision,
                mode=m.text("halves rounded up")
                if ruleset.rounding == "half_up"
                else m.text("halves rounded to the even digit"),
            ),
        ),
    ]
    out = [f'<section aria-labelledby="ruleset">\n<h2 id="ruleset">{escape(m.text("Ruleset"))}</h2>\n<dl>']
    out += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts]
    out.append(f'<dt>SHA-256</dt><dd class="digest">{escape(ruleset.sha256)}</dd></dl>\n')
    rows = [
        "<tr>"
        + cell(ruleset.label(c.id, m.language), header=True)
        + f"<td><code>{escape(c.id)}</code></td>"
        + cell(ruleset.label(c.group, m.language))
        + cell(m.number(c.weight), numeric=True, value=str(c.weight))
        + cell(method_words(c, m))
        + cell(evidence_words(c, m))
        + "</tr>\n"
        for c in ruleset.criteria
    ]
    head = [
        (m.text("Criterion"), False),
        (m.text("Id"), False),
        (m.text("Group"), False),
        (m.text("Weight"), True),
        (m.text("How it scores"), False),
        (m.text("Evidence"), False),
    ]
    out.append(table(m.text("Criteria and weights (points out of 100)"), head, rows))
    if ruleset.gates:
        gates = "".join(
            f"<li><code>{escape(g.id)}</code>: {escape(g.reason or g.field)}</li>" for g in ruleset.gates
        )
        out.append(f"<h3>{escape(m.text('Eligibility gates'))}</h3>\n<ul>{gates}</ul>\n")
    out.append("</section>\n")
    return "".join(out)


def _run(view: SheetView, m: Messages) -> str:
    meta = view.metadata
    counts = Counter({k: v for k, v in meta.get("counts", {}).items() if isinstance(v, int)})
    facts = [
        (m.text("Run id"), meta.get("run_id", "")),
        (m.text("Created"), meta.get("created_at") or m.text("not recorded")),
        (m.text("Engine version"), meta.get("engine_version", "")),
        (m.text("Bids read"), str(counts["read"])),
        (m.text("Scored"), str(counts["scored"])),
        (m.text("Ineligible"), str(counts["ineligible"])),
        (m.text("Rejected"), str(counts["rejected"])),
        (m.text("Report written by"), f"supplierscore {__version__}"),
    ]
    out = [f'<section aria-labelledby="run">\n<h2 id="run">{escape(m.text("Run"))}</h2>\n<dl>']
    out += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts]
    inputs = m.text("Inputs (SHA-256)")
    note = m.text("The audit log of the run names each input file; the sheet keeps their combined digest.")
    digest = meta.get("input_sha256", "")
    out.append(
        f'<dt>{escape(inputs)}</dt><dd class="digest">{escape(digest)}</dd></dl>\n<p>{escape(note)}</p>\n'
    )
    out.append("</section>\n")
    return "".join(out)
