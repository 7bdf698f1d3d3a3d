"""Rulesets a service knows, by SHA-256 and by ``id@version``.

The bundled default is always there. With a rules folder, every ``.yaml``/``.yml``/``.json`` in it is
loaded at start, and each ruleset registered over HTTP is saved there as ``<sha256>.json`` (its canonical
form, which loads back to the same digest), so it survives a restart; without one, registered rulesets
live as long as the process. An ``id@version`` names one ruleset only: registering different content
under a name already taken is refused, so a caller who asks for ``cities-of-migration@1.0.0`` always
gets the same rules.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

from supplierscore.errors import UsageError
from supplierscore.ruleset import Ruleset, load_ruleset

SHA256 = re.compile(r"[0-9a-f]{64}")


class Conflict(UsageError):
    """``id@version`` already names a ruleset with other content."""

    def __init__(self, name: str, existing: str) -> None:
        super().__init__(
            f"{name} already names the ruleset {existing}: give changed rules a new version",
            existing=existing,
        )
        self.existing = existing


class Registry:
    """The rulesets a service scores under; safe to use from several threads."""

    def __init__(self, default: Ruleset, folder: Path | None = None) -> None:
        self.default = default
        self.folder = folder
        self._by_digest: dict[str, Ruleset] = {}
        self._lock = threading.Lock()
        self.add(default)
        if folder is not None:
            self._load_folder(folder)

    def _load_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            try:
                folder.mkdir(parents=True)
            except OSError as error:
                raise UsageError(
                    f"cannot make the rules folder {folder}: {error.strerror or error}"
                ) from None
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in (".yaml", ".yml", ".json"):
                try:
                    self.add(load_ruleset(path))  # a broken file stops the start, naming its problems
                except Conflict as error:
                    raise UsageError(f"{path}: {error}", path=str(path)) from None

    def add(self, ruleset: Ruleset) -> bool:
        """Register ``ruleset``; True when it is new. :class:`Conflict` when its id@version is taken."""
        with self._lock:
            if ruleset.sha256 in self._by_digest:
                return False
            name = f"{ruleset.id}@{ruleset.version}"
            for other in self._by_digest.values():
                if f"{other.id}@{other.version}" == name:
                    raise Conflict(name, other.sha256)
            self._by_digest[ruleset.sha256] = ruleset
            return True

    def save(self, ruleset: Ruleset) -> None:
        """Keep a registered ruleset in the rules folder (when there is one), atomically."""
        if self.folder is None:
            return
        target = self.folder / f"{ruleset.sha256}.json"
        if target.exists():
            return
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".registering-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(ruleset.canonical_json)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def find(self, name: str | None) -> Ruleset | None:
        """The ruleset a digest or ``id@version`` names; the default for None; None when unknown."""
        if name is None:
            return self.default
        with self._lock:
            if SHA256.fullmatch(name):
                return self._by_digest.get(name)
            return next((r for r in self._by_digest.values() if f"{r.id}@{r.version}" == name), None)

    def all(self) -> list[Ruleset]:
        """Every registered ruleset, by id, then version, then digest."""
        with self._lock:
            return sorted(self._by_digest.values(), key=lambda r: (r.id, r.version, r.sha256))
