"""Country names and codes to ISO 3166-1 alpha-2, for OCDS addresses (``countryName``, ``country``).

pycountry knows every officially assigned code with its English names (``lookup`` also takes alpha-2,
alpha-3 and numeric codes, official and common names, in any case); its translations add the names
publishers write in their own language (ProZorro writes ``Україна``). A name neither knows is left out.
"""

from __future__ import annotations

import functools
import gettext
from functools import cache

import pycountry

LANGUAGES = ("uk", "ru", "es", "fr", "pt", "ro", "it", "de", "pl", "ka", "hy", "nl")
"""Languages whose country names are recognised besides English: those of OCDS publishers."""


def country_code(value: object) -> str | None:
    """The ISO 3166-1 alpha-2 code a country name or code stands for, or None when unknown."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _code(value.strip())


@functools.lru_cache(maxsize=4096)
def _code(text: str) -> str | None:
    """Cached: a package names few countries, and pycountry's lookup scans every country."""
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return _translated().get(text.casefold())


@cache
def _translated() -> dict[str, str]:
    names: dict[str, str] = {}
    for language in LANGUAGES:
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for country in pycountry.countries:
            for attribute in ("name", "official_name", "common_name"):
                english = getattr(country, attribute, None)
                if english:
                    names.setdefault(translation.gettext(english).casefold(), country.alpha_2)
    return names
