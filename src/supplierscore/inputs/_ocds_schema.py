"""The OCDS 1.1 release schema with the bids extension patched in, from the files shipped in the package.

``schemas/ocds/`` holds the Open Contracting Data Standard's own files (Apache 2.0, see the ``LICENSE``
files there): ``release-schema.json`` and ``release-package-schema.json`` of OCDS 1.1.5, and the bids
extension's ``release-schema.json``, which OCDS applies to the release schema as a JSON Merge Patch
(RFC 7386). Nothing is fetched: ocdsmerge is handed this schema, and the export is validated against it.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from supplierscore.resources import package_file

OCDS_VERSION = "1.1"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
BIDS_EXTENSION_URL = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/extension.json"
)


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(package_file("schemas", "ocds", name).read_text(encoding="utf-8"))
    return loaded


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: objects merge key by key, ``null`` removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@cache
def release_schema() -> dict[str, Any]:
    """The OCDS 1.1 release schema with the bids extension merged in (do not modify: it is shared)."""
    patched: dict[str, Any] = merge_patch(
        _load("release-schema.json"), _load("bids-extension-release-schema.json")
    )
    return patched


@cache
def release_package_schema() -> dict[str, Any]:
    """The OCDS 1.1 release package schema; its ``releases`` items refer to :data:`RELEASE_SCHEMA_URL`."""
    return _load("release-package-schema.json")
