"""Message catalogs: the fixed text of reports and letters, one gettext ``.po`` file per language.

The catalogs sit in ``locale/<lang>/LC_MESSAGES/supplierscore.po`` inside the package (so ``pip install``
ships them) and are read with Babel's ``.po`` reader when first needed: no compile step, and a
translator edits one text file. A message id is the English text, with ``{name}`` placeholders filled
by :meth:`Messages.text`. A message missing from a catalog is an error, never silent English in a
French letter; the tests render every letter and report in every language.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from importlib import resources

from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from supplierscore.errors import UsageError

DOMAIN = "supplierscore"


def available_languages() -> tuple[str, ...]:
    """The languages that have a catalog, sorted: ``("en", "fr")``."""
    root = resources.files("supplierscore.report").joinpath("locale")
    return tuple(
        sorted(
            entry.name for entry in root.iterdir() if entry.joinpath("LC_MESSAGES", f"{DOMAIN}.po").is_file()
        )
    )


class Messages:
    """One language's catalog, plus the number formats of that language."""

    def __init__(self, language: str, table: dict[str, str]) -> None:
        self.language = language
        self._table = table

    def text(self, message: str, **values: object) -> str:
        """The translation of ``message`` with ``values`` put in its ``{name}`` placeholders."""
        try:
            translated = self._table[message]
        except KeyError:
            raise KeyError(f"message {message!r} is missing from the {self.language} catalog") from None
        return translated.format(**values) if values else translated

    def number(self, value: str | Decimal | None, places: int | None = None) -> str:
        """A decimal as this language writes it (``82.54``, ``82,54``), keeping every digit given;
        ``places`` fixes the decimals. None is a dash."""
        if value is None:
            return "–"
        exact = Decimal(value)
        if places is None:
            exponent = exact.as_tuple().exponent
            places = max(0, -exponent) if isinstance(exponent, int) else 0
        pattern = "#,##0" + ("." + "0" * places if places else "")
        return format_decimal(exact, format=pattern, locale=self.language, decimal_quantization=True)

    def percent(self, value: Decimal, places: int = 1) -> str:
        """A fraction as a percentage (0.15 → ``15 %``, ``15 %`` in French with a narrow space)."""
        shown = format_decimal(value * 100, format="#,##0." + "#" * places, locale=self.language)
        return self.text("{value} %", value=shown)


def messages(language: str) -> Messages:
    """The catalog for ``language``; an unknown language is a :class:`UsageError` listing those there are."""
    known = available_languages()
    if language not in known:
        raise UsageError(f"no messages for language {language!r}: available languages are {', '.join(known)}")
    return _load(language)


@functools.lru_cache(maxsize=8)
def _load(language: str) -> Messages:
    path = resources.files("supplierscore.report").joinpath("locale", language, "LC_MESSAGES", f"{DOMAIN}.po")
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    table = {
        str(entry.id): str(entry.string)
        for entry in catalog
        if entry.id and isinstance(entry.id, str) and entry.string and not entry.fuzzy
    }
    return Messages(language, table)
