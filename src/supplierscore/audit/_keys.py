"""Ed25519 signing keys: key pairs on disk, key ids, and the message a checkpoint signature covers."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from supplierscore.audit._files import _write_all
from supplierscore.audit._records import SIGNATURE_CONTEXT, _sha256, canonical
from supplierscore.errors import UsageError

# ---------------------------------------------------------------------------------------------------
# Keys


@dataclass(frozen=True, slots=True)
class KeyFiles:
    """Where :func:`keygen` wrote a key pair, and the public key's id."""

    private: Path
    public: Path
    key_id: str


def key_id(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key: what a checkpoint names its signer by."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _sha256(raw)


def keygen(private_path: str | os.PathLike[str]) -> KeyFiles:
    """Write a new Ed25519 key pair: ``private_path`` (PEM, mode 0600) and ``private_path.pub`` (PEM).

    Refuses to overwrite either file: losing a signing key would make old checkpoints unverifiable.
    """
    private = Path(private_path)
    public = private.with_name(private.name + ".pub")
    for path in (private, public):
        if path.exists():
            raise UsageError(f"{path} already exists: refusing to overwrite a key", path=str(path))
    key = Ed25519PrivateKey.generate()
    secret = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    shown = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        private.parent.mkdir(parents=True, exist_ok=True)
        _create_file(private, secret, 0o600)
        _create_file(public, shown, 0o644)
    except OSError as error:
        raise UsageError(
            f"cannot write the key pair {private}: {error.strerror or error}", path=str(private)
        ) from error
    return KeyFiles(private, public, key_id(key.public_key()))


def _create_file(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the start (never briefly readable by others), then fsync."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def load_signing_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Read an Ed25519 private key (PEM) written by :func:`keygen`."""
    key = _load_key(path, serialization.load_pem_private_key, "private")
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path} is not an Ed25519 private key", path=str(path))
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """Read an Ed25519 public key (PEM) written by :func:`keygen`."""
    key = _load_key(path, serialization.load_pem_public_key, "public")
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{path} is not an Ed25519 public key", path=str(path))
    return key


def _load_key(path: str | os.PathLike[str], loader: Callable[..., Any], kind: str) -> Any:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UsageError(
            f"cannot read {kind} key {path}: {error.strerror or error}", path=str(path)
        ) from error
    try:
        if kind == "private":
            return loader(data, password=None)
        return loader(data)
    except (ValueError, TypeError) as error:
        raise UsageError(f"{path} is not a PEM {kind} key: {error}", path=str(path)) from error


def _signed_message(record: Mapping[str, Any]) -> bytes:
    """What a checkpoint's signature covers: every field but the signature and the hash."""
    body = {k: v for k, v in record.items() if k not in ("signature", "hash")}
    return SIGNATURE_CONTEXT + canonical(body)
