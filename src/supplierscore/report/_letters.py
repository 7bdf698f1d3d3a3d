"""Debrief letters: one per bidder, in HTML and Markdown, in the reader's language.

A letter gives the bid's rank and total; each criterion's points beside the highest-scoring bid's, with
how they were set; the evidence that was missing, expired or not yet valid and exactly what a valid
certificate would have added; and how to ask for a review. Fixed text comes from the message catalogs,
criterion names from the ruleset's labels, so a French letter holds no English but the bidders' own data.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path

from supplierscore import __version__
from supplierscore import ruleset as rs
from supplierscore.report._html import fixed, method_words, page, status_words
from supplierscore.report._i18n import Messages
from supplierscore.report._view import Bid, Line, Rejected, SheetView, TenderView


@dataclass(frozen=True, slots=True)
class Table:
    """A table of a letter: caption, column heads (label, numeric), and rows of cell texts."""

    caption: str
    head: list[tuple[str, bool]]
    rows: list[list[str]]


Block = tuple[str, str] | Table
"""A letter is a list of blocks: ``("h1" | "h2" | "p" | "li", text)`` or a :class:`Table`."""


@dataclass(frozen=True, slots=True)
class Letter:
    """One bidder's letter, ready to render."""

    tender_id: str
    bid_id: str
    title: str
    blocks: list[Block]


def letters_for(
    view: SheetView, m: Messages, tender_id: str | None = None, bid_id: str | None = None
) -> list[Letter]:
    """Every bidder's letter (or those of one tender, or one bid), in tender and rank order."""
    tenders = [view.tender(tender_id)] if tender_id is not None else view.tenders
    out: list[Letter] = []
    for tender in tenders:
        for bid in [*tender.ranked, *tender.ineligible]:
            if bid_id in (None, bid.bid_id):
                out.append(_scored_letter(view, tender, bid, m))
        for rejected in tender.rejected:
            if rejected.bid_id is not None and bid_id in (None, rejected.bid_id):
                out.append(_rejected_letter(view, tender, rejected, m))
    return out


def _opening(view: SheetView, tender: TenderView, bid_id: str, who: str, m: Messages) -> list[Block]:
    blocks: list[Block] = [("h1", m.text("Evaluation of your bid {bid}", bid=bid_id))]
    about = (
        m.text("Tender {tender}: {title}", tender=tender.id, title=tender.title)
        if tender.title
        else m.text("Tender {tender}", tender=tender.id)
    )
    blocks.append(("p", about))
    blocks.append(("p", m.text("Dear {supplier},", supplier=who)))
    return blocks


def _scored_letter(view: SheetView, tender: TenderView, bid: Bid, m: Messages) -> Letter:
    blocks = _opening(view, tender, bid.bid_id, bid.supplier_name, m)
    winner = tender.winner
    if not bid.eligible:
        blocks.append(
            ("p", m.text("Your bid did not meet a mandatory requirement, so it was not scored or ranked."))
        )
        blocks += [("li", reason) for reason in bid.reasons]
    else:
        assert bid.total is not None and winner is not None and winner.total is not None
        placed = m.text(
            "Your bid ranked {rank} of {count} with {total} points out of 100.",
            rank=bid.rank,
            count=len(tender.ranked),
            total=m.number(bid.total),
        )
        if bid is not winner:
            gap = Decimal(winner.total) - Decimal(bid.total)
            placed += " " + m.text(
                "The highest-scoring bid, {bid} from {supplier}, earned {total} points: "
                "{gap} more than yours.",
                bid=winner.bid_id,
                supplier=winner.supplier_name,
                total=m.number(winner.total),
                gap=m.number(fixed(gap, view.precision)),
            )
        else:
            placed += " " + m.text("It is the highest-scoring bid of this tender.")
        blocks.append(("p", placed))
        blocks.append(_criteria_table(view, tender, bid, winner, m))
        blocks += _evidence(view, bid, m)
    blocks += _review(view, tender, bid.bid_id, m)
    return Letter(tender.id, bid.bid_id, m.text("Evaluation of your bid {bid}", bid=bid.bid_id), blocks)


def _rejected_letter(view: SheetView, tender: TenderView, rejected: Rejected, m: Messages) -> Letter:
    assert rejected.bid_id is not None
    blocks = _opening(view, tender, rejected.bid_id, m.text("bidder"), m)
    blocks.append(
        ("p", m.text("Your bid could not be evaluated: it did not pass the checks on its content."))
    )
    blocks.append(("li", f"{rejected.path}: {rejected.reason}"))
    blocks += _review(view, tender, rejected.bid_id, m)
    return Letter(
        tender.id, rejected.bid_id, m.text("Evaluation of your bid {bid}", bid=rejected.bid_id), blocks
    )


def _criteria_table(view: SheetView, tender: TenderView, bid: Bid, winner: Bid, m: Messages) -> Table:
    rows = []
    for criterion in view.ruleset.criteria:
        line = bid.lines.get(criterion.id)
        mine = bid.points.get(criterion.id, "0")
        best = winner.points.get(criterion.id, "0")
        difference = Decimal(mine) - Decimal(best)
        rows.append(
            [
                view.ruleset.label(criterion.id, m.language),
                m.number(criterion.weight),
                m.number(mine),
                m.number(best),
                ("+" if difference > 0 else "") + m.number(fixed(difference, view.precision)),
                "–" if line is None else reason(line, criterion, m),
            ]
        )
    head = [
        (m.text("Criterion"), False),
        (m.text("Weight"), True),
        (m.text("Your points"), True),
        (m.text("Highest-scoring bid"), True),
        (m.text("Difference"), True),
        (m.text("How your points were set"), False),
    ]
    caption = m.text("Your points beside those of the highest-scoring bid ({bid})", bid=winner.bid_id)
    return Table(caption, head, rows)


def reason(line: Line, criterion: rs.Criterion, m: Messages) -> str:
    """How one criterion's points were set, in words of the reader's language, from the breakdown's
    figures (the sheet's own reason is in English, for auditors)."""
    if line.input is None:
        return m.text("no value was given: no points")
    value = {"true": m.text("yes"), "false": m.text("no")}.get(line.input, line.input)
    if _PLAIN_NUMBER.fullmatch(line.input):
        value = m.number(line.input)
    share = m.percent(Decimal(line.fraction))
    words = m.text(
        "{value}: {share} of the criterion's points ({rule})",
        value=value,
        share=share,
        rule=method_words(criterion, m),
    )
    factor = m.percent(Decimal(line.factor))
    evidence = {
        "certified": m.text("certificate valid on the closing date"),
        "self-declared": m.text("no certificate: a claim counts {factor}", factor=factor),
        "expired": m.text(
            "certificate expired before the closing date: counts as a claim, {factor}", factor=factor
        ),
        "not-yet-valid": m.text(
            "certificate valid only after the closing date: counts as a claim, {factor}", factor=factor
        ),
    }.get(line.evidence)
    return m.text("{result}; {evidence}", result=words, evidence=evidence) if evidence else words


def _evidence(view: SheetView, bid: Bid, m: Messages) -> list[Block]:
    blocks: list[Block] = [("h2", m.text("Evidence"))]
    added = Decimal(0)
    items: list[Block] = []
    for criterion in view.ruleset.criteria:
        more = view.would_add(bid, criterion.id)
        if more is None:
            continue
        assert criterion.evidence is not None
        added += more
        items.append(
            (
                "li",
                m.text(
                    "{criterion} ({status}): a certificate {issuers}, valid on the closing date, would have "
                    "added {points} points.",
                    criterion=view.ruleset.label(criterion.id, m.language),
                    status=status_words(bid.lines[criterion.id].evidence, m),
                    issuers=_issuers(criterion.evidence.issuers, m),
                    points=m.number(fixed(more, view.precision)),
                ),
            )
        )
    if not items:
        blocks.append(("p", m.text("No valid certificate would have added points to your bid.")))
        return blocks
    blocks += items
    assert bid.total is not None
    blocks.append(
        (
            "p",
            m.text(
                "Together, {points} points: a total of {total} instead of {now}.",
                points=m.number(fixed(added, view.precision)),
                total=m.number(fixed(Decimal(bid.total) + added, view.precision)),
                now=m.number(bid.total),
            ),
        )
    )
    return blocks


def _review(view: SheetView, tender: TenderView, bid_id: str, m: Messages) -> list[Block]:
    ruleset = view.ruleset
    return [
        ("h2", m.text("Asking for a review")),
        (
            "p",
            m.text(
                "If you believe a figure in this letter is wrong, you may ask the buyer for a review "
                "within the period set in the tender documents. Please quote tender {tender}, bid {bid} "
                "and run {run}.",
                tender=tender.id,
                bid=bid_id,
                run=view.metadata.get("run_id", ""),
            ),
        ),
        (
            "p",
            m.text(
                "Anyone can check these figures: the ruleset {ruleset} {version} (SHA-256 {digest}) and the "
                "run's audit log give the same points again.",
                ruleset=ruleset.id,
                version=ruleset.version,
                digest=ruleset.sha256,
            ),
        ),
        ("p", m.text("Written by supplierscore {version}.", version=__version__)),
    ]


# --- Rendering -----------------------------------------------------------------------------------------


def to_html(letter: Letter, m: Messages) -> str:
    """The letter as a self-contained HTML page."""
    parts: list[str] = ["<main>\n"]
    listing = False
    for block in letter.blocks:
        if listing and (isinstance(block, Table) or block[0] != "li"):
            parts.append("</ul>\n")
            listing = False
        if isinstance(block, Table):
            head = "".join(
                f'<th scope="col"{_numeric(numeric)}>{escape(label)}</th>' for label, numeric in block.head
            )
            body = "".join(_html_row(row, block) for row in block.rows)
            parts.append(
                f'<div class="table-wrap"><table><caption>{escape(block.caption)}</caption><thead><tr>{head}'
                f"</tr></thead><tbody>\n{body}</tbody></table></div>\n"
            )
            continue
        kind, text = block
        if kind == "li":
            if not listing:
                parts.append("<ul>\n")
                listing = True
            parts.append(f"<li>{escape(text)}</li>\n")
        else:
            parts.append(f"<{kind}>{escape(text)}</{kind}>\n")
    if listing:
        parts.append("</ul>\n")
    parts.append("</main>\n")
    return page(m.language, letter.title, "".join(parts))


def _numeric(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _html_row(row: list[str], block: Table) -> str:
    """A table row whose first cell heads the row."""
    cells = [f'<th scope="row">{escape(row[0])}</th>']
    cells += [f"<td{_numeric(block.head[i][1])}>{escape(text)}</td>" for i, text in enumerate(row) if i]
    return "<tr>" + "".join(cells) + "</tr>\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_BLOCK_START = re.compile(r"^([-+#>=]|[0-9]+[.)])")
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _issuers(issuers: list[str], m: Messages) -> str:
    if len(issuers) == 1:
        return m.text("from {issuer}", issuer=issuers[0])
    return m.text("from one of {issuers}", issuers=", ".join(issuers))


def _md(text: str, block: bool = True) -> str:
    """Text safe in Markdown and still easy to read raw: inline markup characters escaped, no raw HTML
    (``<`` ``>`` ``&`` as entities), nothing that starts a list or heading, no line break that would end a
    table row."""
    text = escape(text, quote=False).replace("\r", " ").replace("\n", " ")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _BLOCK_START.sub(r"\\\1", text) if block else text


def to_markdown(letter: Letter) -> str:
    """The letter as Markdown (CommonMark with pipe tables)."""
    lines: list[str] = []
    for block in letter.blocks:
        if isinstance(block, Table):
            lines.append(f"\n{_md(block.caption)}\n")
            lines.append("| " + " | ".join(_md(label, block=False) for label, _ in block.head) + " |")
            lines.append("| " + " | ".join("---:" if numeric else "---" for _, numeric in block.head) + " |")
            lines += ["| " + " | ".join(_md(text, block=False) for text in row) + " |" for row in block.rows]
            lines.append("")
            continue
        kind, text = block
        if kind != "li" and lines and lines[-1].startswith("- "):
            lines.append("")  # a paragraph right after a list would continue its last item
        prefix = {"h1": "# ", "h2": "\n## ", "li": "- "}.get(kind, "")
        lines.append(f"{prefix}{_md(text)}" + ("" if kind == "li" else "\n"))
    return "\n".join(lines).rstrip("\n") + "\n"


def file_stem(tender_id: str, bid_id: str) -> str:
    """A safe file name for a letter: ids keep letters, digits, ``.``, ``_`` and ``-``; anything else (a
    ``/`` or ``..`` from a bidder's file) is replaced, and a short digest keeps such names apart."""

    def clean(text: str) -> str:
        kept = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "_"
        if kept != text:
            kept += "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
        return kept

    return f"{clean(tender_id)}/{clean(bid_id)}"


def write_letters(letters: list[Letter], m: Messages, folder: Path) -> list[Path]:
    """Write each letter as ``DIR/<tender>/<bid>.<lang>.html`` and ``.md``; returns the files written."""
    written: list[Path] = []
    for letter in letters:
        stem = folder / f"{file_stem(letter.tender_id, letter.bid_id)}.{m.language}"
        stem.parent.mkdir(parents=True, exist_ok=True)
        html = stem.with_name(stem.name + ".html")
        markdown = stem.with_name(stem.name + ".md")
        html.write_text(to_html(letter, m), encoding="utf-8", newline="\n")
        markdown.write_text(to_markdown(letter), encoding="utf-8", newline="\n")
        written += [html, markdown]
    return written
