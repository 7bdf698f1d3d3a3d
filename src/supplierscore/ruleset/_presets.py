"""Bundled presets: published policies shipped as rulesets in ``rules/presets/``, selected as ``preset:NAME``.

Every command that takes a ruleset takes ``preset:NAME`` too, because :func:`load_ruleset` resolves it
here: ``load_ruleset("preset:uk-ppn002-social-value")`` loads ``rules/presets/uk-ppn002-social-value.yaml``
from inside the installed package. An unknown name is a usage error that lists the names there are.

>>> "toronto-social-procurement" in preset_names()
True
>>> preset_path("nowhere")
Traceback (most recent call last):
...
supplierscore.errors.UsageError: unknown preset "nowhere"; the presets are: cities-of-migration, ...
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from supplierscore.errors import UsageError
from supplierscore.resources import package_file

PRESET_PREFIX = "preset:"
PRESET_SUFFIX = ".yaml"


def preset_names() -> list[str]:
    """The names of the bundled presets, sorted."""
    folder = package_file("rules", "presets")
    return sorted(p.name.removesuffix(PRESET_SUFFIX) for p in folder.glob(f"*{PRESET_SUFFIX}"))


def preset_path(name: str) -> Path:
    """The file of the bundled preset ``name``; a :class:`UsageError` listing the presets when unknown."""
    names = preset_names()
    if name not in names:
        listed = ", ".join(names)
        raise UsageError(f'unknown preset "{name}"; the presets are: {listed}', preset=name, presets=names)
    return package_file("rules", "presets", f"{name}{PRESET_SUFFIX}")


def is_preset(source: object) -> bool:
    """Whether ``source`` names a preset (``preset:NAME``) rather than a file."""
    return isinstance(source, str) and source.startswith(PRESET_PREFIX)


@dataclass(frozen=True, slots=True)
class PresetInfo:
    """What ``rules list`` shows of a preset: its name, title, jurisdiction and sources (id, title, url)."""

    name: str
    ruleset_id: str
    version: str
    title: str
    jurisdiction: str | None
    sources: tuple[tuple[str, str, str], ...]


def list_presets() -> list[PresetInfo]:
    """Every bundled preset, loaded and checked (a broken preset raises its RulesetError), by name."""
    from supplierscore.ruleset._load import load_ruleset  # _load resolves preset names through this module

    found = []
    for name in preset_names():
        ruleset = load_ruleset(f"{PRESET_PREFIX}{name}")
        sources = tuple((key, s.title, s.url) for key, s in ruleset.sources.items())
        found.append(
            PresetInfo(name, ruleset.id, ruleset.version, ruleset.title, ruleset.jurisdiction, sources)
        )
    return found
