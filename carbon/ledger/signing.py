"""Signed reports: the operator's Ed25519 key signs each issued version's ``manifest.json``.

The manifest names every other document of a version by its SHA-256 (results, tenant
statements, operating update, the HTML the PDF was laid out from) and the ledger head the
version was chained onto, so one signature over its bytes covers all of them. The
signature is ``signature.json`` beside the manifest (embedded in the PDF and written in
the version folder), and the ledger row records it too. Anyone holding the public key
checks it (``carbon verify --public-key``); a forger who rewrites the results, re-hashes
the manifest and re-chains the ledger cannot sign the new manifest.

Keys are PEM files: the private key PKCS#8 without encryption, readable by its owner only
(mode 0600; a key readable by others is refused), the public key SubjectPublicKeyInfo. A
key is named by its fingerprint, ``sha256:`` and the SHA-256 (hex) of its 32 raw bytes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from carbon.core.errors import OutputExistsError, SigningKeyError

__all__ = [
    "ALGORITHM",
    "PRIVATE_KEY_NAME",
    "PUBLIC_KEY_NAME",
    "SIGNATURE_FILE",
    "SIGNED_FILE",
    "Signer",
    "check_signature",
    "embedded_names",
    "fingerprint",
    "load_public_key",
    "load_signer",
    "new_key_pair",
    "signature_file",
    "signing_record",
    "write_new",
]

ALGORITHM = "Ed25519"
#: The file a signature covers, and the file the signature is kept in.
SIGNED_FILE = "manifest.json"
SIGNATURE_FILE = "signature.json"
#: The names ``carbon keys new`` writes.
PRIVATE_KEY_NAME = "carbon-signing-key.pem"
PUBLIC_KEY_NAME = "carbon-signing-key.pub.pem"


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """``sha256:<hex>`` of the key's 32 raw bytes: how reports and the ledger name a key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Signer:
    """An operator's private key, loaded from `path`."""

    key: Ed25519PrivateKey
    path: Path

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key.public_key())

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)


# --------------------------------------------------------------------------- key files


def write_new(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` atomically with `mode`; refuse if `path` exists.

    The bytes go to a temporary file in the same folder, flushed, then hard-linked to
    `path` (which fails if `path` exists), so a reader sees the whole file or none.
    """
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)  # fails if the target exists: never overwrites
        except FileExistsError:
            raise OutputExistsError(
                f"{path} already exists; it is never overwritten (choose another --out)",
                path=path,
                reason="exists",
            ) from None
    finally:
        _unlink_quietly(temp)


def _unlink_quietly(path: str | Path) -> None:
    """Remove `path` if it is there."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def new_key_pair(folder: Path) -> tuple[Path, Path]:
    """Generate an Ed25519 key pair into `folder`: the private key (mode 0600) and the public key.

    Returns the two paths. Refuses (nothing written) when either file exists.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / PRIVATE_KEY_NAME, folder / PUBLIC_KEY_NAME
    for path in (private_path, public_path):
        if path.exists():
            raise OutputExistsError(
                f"{path} already exists; a key file is never overwritten (choose another --out)",
                path=path,
                reason="key-exists",
            )
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    write_new(private_path, private_pem, 0o600)
    try:
        write_new(public_path, public_pem, 0o644)
    except BaseException:
        _unlink_quietly(private_path)
        raise
    return private_path, public_path


def _read_key_file(path: Path, what: str) -> bytes:
    path = Path(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            f"{path}: cannot read the {what} ({exc.strerror or exc})", path=path
        ) from None


def load_signer(path: Path) -> Signer:
    """The private key at `path` (PEM, PKCS#8, unencrypted, Ed25519, not readable by others)."""
    path = Path(path)
    data = _read_key_file(path, "private signing key")
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise SigningKeyError(
            f"{path}: the private signing key is readable by others (mode "
            f"{stat.S_IMODE(path.stat().st_mode):o}); make it private with chmod 600",
            path=path,
            reason="signing-key-mode",
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise SigningKeyError(
            f"{path}: the private key is encrypted; an unencrypted PKCS#8 PEM file is expected "
            "(as 'carbon keys new' writes)",
            path=path,
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise SigningKeyError(
            f"{path}: not a PEM private key (an Ed25519 key as 'carbon keys new' writes is "
            "expected)",
            path=path,
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"{path}: a {type(key).__name__.removeprefix('_')} key; Ed25519 is expected",
            path=path,
        )
    return Signer(key=key, path=path)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The public key at `path` (PEM SubjectPublicKeyInfo, Ed25519)."""
    path = Path(path)
    data = _read_key_file(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        hint = " (this is a private key: pass the .pub.pem file)" if b"PRIVATE KEY" in data else ""
        raise SigningKeyError(
            f"{path}: not a PEM public key{hint}; the Ed25519 public key 'carbon keys new' "
            "writes is expected",
            path=path,
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path}: not an Ed25519 public key", path=path)
    return key


# --------------------------------------------------------------------------- signatures


def signing_record(signer: Signer) -> dict[str, str]:
    """What the manifest records about its own signature (known before it is signed)."""
    return {
        "algorithm": ALGORITHM,
        "public_key_fingerprint": signer.fingerprint,
        "signed_file": SIGNED_FILE,
        "signature_file": SIGNATURE_FILE,
    }


def signature_file(signer: Signer, manifest_bytes: bytes) -> dict[str, str]:
    """``signature.json``: the Ed25519 signature of the manifest's exact bytes (base64)."""
    return {
        "algorithm": ALGORITHM,
        "public_key_fingerprint": signer.fingerprint,
        "signed_file": SIGNED_FILE,
        "signed_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
        "signature": base64.b64encode(signer.sign(manifest_bytes)).decode("ascii"),
    }


def embedded_names(base: Sequence[str], manifest: dict[str, Any]) -> list[str]:
    """The files a disclosure PDF embeds, sorted: `base`, and the signature when signed."""
    names = set(base)
    if isinstance(manifest.get("signing"), dict):
        names.add(SIGNATURE_FILE)
    return sorted(names)


def check_signature(
    public_key: Ed25519PublicKey, manifest_bytes: bytes, signature: bytes | None
) -> list[str]:
    """What is wrong with a manifest's signature against `public_key`; empty when it holds."""
    if signature is None:
        return [
            f"the PDF embeds no {SIGNATURE_FILE}: the report was not signed, or its signature "
            "was removed"
        ]
    try:
        record = json.loads(signature)
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
        raw = base64.b64decode(str(record.get("signature")), validate=True)
    except (ValueError, binascii.Error) as exc:
        return [f"{SIGNATURE_FILE} does not parse ({exc})"]
    problems = []
    if record.get("algorithm") != ALGORITHM:
        problems.append(f"{SIGNATURE_FILE} names algorithm {record.get('algorithm')!r}")
    given = fingerprint(public_key)
    if record.get("public_key_fingerprint") != given:
        problems.append(
            f"signed with key {record.get('public_key_fingerprint')}, not with the given public "
            f"key {given} (wrong key)"
        )
    try:
        public_key.verify(raw, manifest_bytes)
    except InvalidSignature:
        if problems:  # another key's signature: it cannot verify, nothing more to say
            return problems
        problems.append(
            f"the Ed25519 signature does not verify over the embedded {SIGNED_FILE} with key "
            f"{given}: the manifest was altered after signing, or it was signed with another key"
        )
    return problems
