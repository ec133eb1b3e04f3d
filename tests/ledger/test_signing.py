"""Ed25519 keys and manifest signatures (carbon.ledger.signing)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from carbon.core.errors import OutputExistsError, SigningKeyError
from carbon.ledger.signing import (
    SIGNATURE_FILE,
    check_signature,
    embedded_names,
    load_public_key,
    load_signer,
    new_key_pair,
    signature_file,
    signing_record,
)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return new_key_pair(tmp_path_factory.mktemp("keys"))


def test_a_new_key_pair_is_private_and_never_overwritten(pair: tuple[Path, Path]) -> None:
    private, public = pair
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    before = private.read_bytes()
    with pytest.raises(OutputExistsError, match="never overwritten"):
        new_key_pair(private.parent)
    assert private.read_bytes() == before
    assert sorted(p.name for p in private.parent.iterdir()) == sorted([private.name, public.name])


def test_a_signed_manifest_verifies_and_an_altered_one_does_not(pair: tuple[Path, Path]) -> None:
    private, public = pair
    signer = load_signer(private)
    manifest = json.dumps({"report_id": "x-v1", "signing": signing_record(signer)}).encode()
    signature = json.dumps(signature_file(signer, manifest)).encode()
    key = load_public_key(public)
    assert check_signature(key, manifest, signature) == []
    altered = manifest.replace(b"x-v1", b"x-v2")
    (problem,) = check_signature(key, altered, signature)
    assert "manifest was altered" in problem
    (absent,) = check_signature(key, manifest, None)
    assert f"embeds no {SIGNATURE_FILE}" in absent
    assert check_signature(key, manifest, b"{not json")[0].startswith(f"{SIGNATURE_FILE} does not")


def test_another_key_is_named_as_the_wrong_key(pair: tuple[Path, Path], tmp_path: Path) -> None:
    manifest = b'{"report_id": "x-v1"}'
    signature = json.dumps(signature_file(load_signer(pair[0]), manifest)).encode()
    _, other = new_key_pair(tmp_path)
    (problem,) = check_signature(load_public_key(other), manifest, signature)
    assert "wrong key" in problem


def test_key_files_that_are_not_usable_are_refused(pair: tuple[Path, Path], tmp_path: Path) -> None:
    private, public = pair
    with pytest.raises(SigningKeyError, match="this is a private key"):
        load_public_key(private)
    not_private = tmp_path / "public.pem"
    not_private.write_bytes(public.read_bytes())
    os.chmod(not_private, 0o600)
    with pytest.raises(SigningKeyError, match="not a PEM private key"):
        load_signer(not_private)
    with pytest.raises(SigningKeyError, match="cannot read"):
        load_signer(tmp_path / "absent.pem")
    loose = tmp_path / "loose.pem"
    loose.write_bytes(private.read_bytes())
    os.chmod(loose, 0o644)
    with pytest.raises(SigningKeyError, match="readable by others"):
        load_signer(loose)


def test_the_signature_is_embedded_only_when_signed() -> None:
    base = ("results.json", "results.csv", "manifest.json")
    assert embedded_names(base, {}) == ["manifest.json", "results.csv", "results.json"]
    assert SIGNATURE_FILE in embedded_names(base, {"signing": {"algorithm": "Ed25519"}})
