"""The files supplierscore ships inside its package: JSON Schemas and the bundled rulesets.

They live in the package (``src/supplierscore/schemas``, ``src/supplierscore/rules``; the top-level
``schemas/`` and ``rules/`` are links to them) so that an installed wheel works from any directory.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


def package_file(*parts: str) -> Path:
    """The path of a file shipped in the package, e.g. ``package_file("rules", "x.yaml")``."""
    return Path(str(resources.files("supplierscore").joinpath(*parts)))


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A bundled JSON Schema by file name (``"bid.schema.json"``), parsed once and cached."""
    loaded: dict[str, Any] = json.loads(package_file("schemas", name).read_text(encoding="utf-8"))
    return loaded
