"""Reports people read: an HTML report of a run and a debrief letter to every bidder.

Both start from a JSON score sheet and the ruleset it was scored under (the sheet names the ruleset's
digest; :func:`sheet_view` refuses any other), since labels, weights and targets live in the ruleset.

- :func:`write_report`: one self-contained HTML file (inline style, inline SVG charts, no script, no
  network): per tender the ranking, a stacked bar of points by group, ineligible and rejected bids; then
  the targets, the ruleset and the run.
- :func:`letters_for` and :func:`write_letters`: per bidder, in HTML and Markdown, the rank and total,
  each criterion beside the highest-scoring bid's, what valid evidence would have added, and how to ask
  for a review.

Fixed text comes from gettext catalogs (``locale/<lang>/LC_MESSAGES/supplierscore.po``, read with Babel):
:func:`messages` gives one language's, :func:`available_languages` lists them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from supplierscore import _lazy

if TYPE_CHECKING:
    from supplierscore.report._i18n import Messages, available_languages, messages
    from supplierscore.report._letters import Letter, letters_for, to_html, to_markdown, write_letters
    from supplierscore.report._report import render_report, write_report
    from supplierscore.report._view import Bid, SheetView, TenderView, sheet_view

__all__ = [
    "Bid",
    "Letter",
    "Messages",
    "SheetView",
    "TenderView",
    "available_languages",
    "letters_for",
    "messages",
    "render_report",
    "sheet_view",
    "to_html",
    "to_markdown",
    "write_letters",
    "write_report",
]

if not TYPE_CHECKING:
    __getattr__, __dir__ = _lazy(
        __name__,
        {
            "supplierscore.report._i18n": (
                "Messages",
                "available_languages",
                "messages",
            ),
            "supplierscore.report._letters": (
                "Letter",
                "letters_for",
                "to_html",
                "to_markdown",
                "write_letters",
            ),
            "supplierscore.report._report": (
                "render_report",
                "write_report",
            ),
            "supplierscore.report._view": (
                "Bid",
                "SheetView",
                "TenderView",
                "sheet_view",
            ),
        },
    )
