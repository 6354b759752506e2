"""The encrypted keystore: round trip, refusals, tampering, file mode."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import nacl.pwhash.argon2id as argon2id
import nacl.utils
import pytest

from ledger.crypto import KeyPair
from wallet.keystore import (
    KdfParams,
    Keystore,
    KeystoreCorrupt,
    KeystoreError,
    KeystoreExists,
    WrongPassword,
)

PASSWORD = "correct horse battery staple"


def fast_kdf() -> KdfParams:
    """The cheapest Argon2id parameters libsodium allows: tests only."""
    return KdfParams(argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN, nacl.utils.random(16))


def make(path: Path, keypair: KeyPair | None = None, **hints: str) -> Keystore:
    return Keystore.create(path, PASSWORD, keypair, kdf=fast_kdf(), **hints)


def tamper(path: Path, section: str, field: str) -> None:
    document = json.loads(path.read_text())
    raw = bytearray(bytes.fromhex(document[section][field]))
    raw[0] ^= 0x01
    document[section][field] = raw.hex()
    path.write_text(json.dumps(document))


def test_keystore_round_trip_returns_the_same_key_pair(tmp_path: Path) -> None:
    original = KeyPair.generate()
    path = tmp_path / "alice.json"
    make(path, original, label="alice", wallet_id="w-1", network="kzt-test")
    loaded = Keystore.load(path)
    assert loaded.unlock(PASSWORD) == original
    assert (loaded.public_key, loaded.label, loaded.wallet_id, loaded.network) == (
        original.public_hex,
        "alice",
        "w-1",
        "kzt-test",
    )


def test_keystore_file_documents_its_parameters_and_never_holds_the_seed(tmp_path: Path) -> None:
    keys = KeyPair.generate()
    path = tmp_path / "k.json"
    make(path, keys)
    text = path.read_text()
    document = json.loads(text)
    assert (document["format"], document["version"]) == ("tenge-keystore", 1)
    assert document["kdf"]["name"] == "argon2id"
    assert document["kdf"]["opslimit"] == argon2id.OPSLIMIT_MIN
    assert document["cipher"]["name"] == "xsalsa20poly1305"
    assert document["public_key"] == keys.public_hex
    assert keys.seed.hex() not in text


def test_default_strength_is_moderate() -> None:
    params = KdfParams.fresh()
    assert (params.opslimit, params.memlimit) == (
        argon2id.OPSLIMIT_MODERATE,
        argon2id.MEMLIMIT_MODERATE,
    )


def test_wrong_password_raises_wrong_password(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    make(path)
    with pytest.raises(WrongPassword):
        Keystore.load(path).unlock("not the password")


def test_tampered_ciphertext_does_not_open(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    make(path)
    tamper(path, "cipher", "ciphertext")
    with pytest.raises(WrongPassword):
        Keystore.load(path).unlock(PASSWORD)


def test_tampered_salt_does_not_open(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    make(path)
    tamper(path, "kdf", "salt")
    with pytest.raises(WrongPassword):
        Keystore.load(path).unlock(PASSWORD)


def test_swapped_public_key_is_detected_on_unlock(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    make(path)
    document = json.loads(path.read_text())
    document["public_key"] = KeyPair.generate().public_hex
    path.write_text(json.dumps(document))
    with pytest.raises(KeystoreCorrupt):
        Keystore.load(path).unlock(PASSWORD)


def test_keystore_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    make(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["k.json"], "no temporary file is left"


def test_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    first = make(path)
    before = path.read_bytes()
    with pytest.raises(KeystoreExists):
        make(path)
    assert path.read_bytes() == before
    assert Keystore.load(path).unlock(PASSWORD).public_hex == first.public_key


def test_a_symlink_in_the_way_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("precious")
    (tmp_path / "k.json").symlink_to(target)
    with pytest.raises(KeystoreExists):
        make(tmp_path / "k.json")
    assert target.read_text() == "precious"


def test_empty_password_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError):
        Keystore.create(tmp_path / "k.json", "", kdf=fast_kdf())
    assert not (tmp_path / "k.json").exists()


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"format": "something-else"},
        {"kdf": {"name": "argon2id", "opslimit": 1, "memlimit": 2**40, "salt": "00" * 16}},
        {"public_key": "zz" * 32},
        {"label": 7},
    ],
    ids=["version", "format", "memlimit-too-large", "bad-hex", "label-type"],
)
def test_malformed_keystore_is_corrupt(tmp_path: Path, change: dict[str, object]) -> None:
    path = tmp_path / "k.json"
    make(path)
    document = {**json.loads(path.read_text()), **change}
    path.write_text(json.dumps(document))
    with pytest.raises(KeystoreCorrupt):
        Keystore.load(path)


def test_missing_or_garbage_file_is_a_keystore_error(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError):
        Keystore.load(tmp_path / "absent.json")
    (tmp_path / "junk.json").write_text("not json")
    with pytest.raises(KeystoreCorrupt):
        Keystore.load(tmp_path / "junk.json")
