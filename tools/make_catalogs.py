"""Regenerate the message catalogs' English entries from the code, keeping every translation.

Run ``python tools/make_catalogs.py`` after adding or changing a message in ``src/supplierscore/report``:
it collects every ``m.text("...")`` message, writes ``en`` with each message as its own translation, and
adds the new messages to every other catalog with an empty translation (which the tests then report as
missing). Babel writes the files.
"""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

FIXED_DATE = datetime(2026, 11, 30, tzinfo=UTC)
"""Dates in the catalogs' headers are fixed, so regenerating an unchanged catalog changes no byte."""
ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "supplierscore" / "report"


def messages() -> list[tuple[str, str]]:
    """Every message of the report package with the file and line where it is first used."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "text"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return sorted(found.items())


def main() -> int:
    found = messages()
    for folder in sorted((PACKAGE / "locale").iterdir()):
        path = folder / "LC_MESSAGES" / "supplierscore.po"
        old = {}
        if path.exists():
            with path.open("rb") as file:
                old = {m.id: m.string for m in read_po(file) if m.id}
        catalog = Catalog(
            locale=folder.name,
            domain="supplierscore",
            project="supplierscore",
            header_comment=f"# supplierscore: fixed text of reports and letters ({folder.name}).\n"
            "# English entries are made by tools/make_catalogs.py; translations are edited here by hand.",
            copyright_holder="the supplierscore authors",
            creation_date=FIXED_DATE,
            revision_date=FIXED_DATE,
            last_translator="the supplierscore authors",
            language_team=f"{folder.name} <none>",
            fuzzy=False,
        )
        for message, where in found:
            text = message if folder.name == "en" else old.get(message, "")
            file, line = where.rsplit(":", 1)
            catalog.add(message, text, locations=[(file, int(line))])
        with path.open("wb") as file:
            write_po(file, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
        missing = [m for m, _ in found if not catalog[m].string]
        print(f"{path.relative_to(ROOT)}: {len(found)} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
