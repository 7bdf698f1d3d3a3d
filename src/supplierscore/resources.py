"""The files supplierscore ships inside its package: JSON Schemas and the bundled rulesets.

They live in the package (``src/supplierscore/schemas``, ``src/supplierscore/rules``; the top-level
``schemas/`` and ``rules/`` are links to them) so that an installed wheel works from any directory.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


def package_file(*parts: str) -> Path:
    """The path of a file shipped in the package, e.g. ``package_file("rules", "x.yaml")``.

    A pip-installed package is always a folder on disk (never zipped), so a path beside this module works.
    """
    return PACKAGE_DIR.joinpath(*parts)


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A bundled JSON Schema by file name (``"bid.schema.json"``), parsed once and cached."""
    # Decimal, not float: the pure-Python oracle cannot divide a Decimal instance by a float multipleOf.
    text = package_file("schemas", name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text, parse_float=Decimal)
    return loaded
