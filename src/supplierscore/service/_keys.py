"""API keys: made once, printed once, stored only as their SHA-256, checked in constant time.

The key file is JSON (``{"keys": [{"name", "role", "sha256", "created_at"}]}``) with mode 0600. A key is
``ss_`` followed by 32 random bytes in URL-safe base64 (:func:`secrets.token_urlsafe`): a hash of that much
randomness cannot be reversed or guessed, so storing the SHA-256 alone is enough (a slow password hash
is for secrets people choose). Checking compares the presented key's digest with every stored digest by
:func:`hmac.compare_digest`, without stopping at the first match, so the time taken says nothing about
which key, or how much of one, matched.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from supplierscore.errors import UsageError

ROLES = ("score", "admin")
"""``score`` may validate, score and read; ``admin`` may also register rulesets and replay runs."""

KEY_PREFIX = "ss_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key: who it is for, what it may do, and the SHA-256 of the key itself."""

    name: str
    role: str
    sha256: str
    created_at: str


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class KeyStore:
    """The keys a service accepts, read once from the key file."""

    def __init__(self, keys: list[ApiKey]) -> None:
        self.keys = keys

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> KeyStore:
        """Read a key file; UsageError when it is missing, unreadable, malformed or holds no key."""
        name = os.fspath(path)
        try:
            data = json.loads(Path(path).read_bytes())
        except OSError as error:
            raise UsageError(
                f"cannot read the key file {name}: {error.strerror or error}", path=name
            ) from None
        except ValueError:
            raise UsageError(f"the key file {name} is not JSON written by `supplierscore keys add`") from None
        keys = _parse(data, name)
        if not keys:
            raise UsageError(
                f"the key file {name} holds no key: add one with `supplierscore keys add {name} NAME`"
            )
        return cls(keys)

    def check(self, presented: str) -> ApiKey | None:
        """The key ``presented`` is, or None; every stored digest is compared, in constant time each."""
        digest = _digest(presented)
        found = None
        for key in self.keys:
            if hmac.compare_digest(digest, key.sha256):
                found = key
        return found


def _parse(data: Any, name: str) -> list[ApiKey]:
    entries = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f'the key file {name} has no "keys" list: make it with `supplierscore keys add`')
    keys = []
    for number, entry in enumerate(entries):
        try:
            key = ApiKey(
                str(entry["name"]), str(entry["role"]), str(entry["sha256"]), str(entry["created_at"])
            )
        except (TypeError, KeyError):
            raise UsageError(
                f"the key file {name}: entry {number} lacks name, role, sha256 or created_at"
            ) from None
        if key.role not in ROLES or not re.fullmatch(r"[0-9a-f]{64}", key.sha256):
            raise UsageError(f"the key file {name}: entry {number} has an unknown role or a malformed digest")
        keys.append(key)
    return keys


def add_key(path: str | os.PathLike[str], name: str, role: str = "score") -> str:
    """Make a new key named ``name`` with ``role``, store its SHA-256 in the key file ``path`` (created
    with mode 0600 when missing), and return the key: the only time it is ever seen."""
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}: use {' or '.join(ROLES)}")
    if not _NAME.fullmatch(name):
        raise UsageError(f"key name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    target = Path(path)
    keys = KeyStore.load(target).keys if target.exists() else []
    if any(k.name == name for k in keys):
        raise UsageError(f"the key file {target} already has a key named {name!r}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    keys.append(ApiKey(name, role, _digest(key), created))
    document = {
        "keys": [
            {"name": k.name, "role": k.role, "sha256": k.sha256, "created_at": k.created_at} for k in keys
        ]
    }
    _write_private(target, (json.dumps(document, indent=2) + "\n").encode())
    return key


def _write_private(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically, readable by its owner only (mode 0600)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise UsageError(
            f"cannot write the key file {target}: {error.strerror or error}", path=str(target)
        ) from None
