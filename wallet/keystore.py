"""An Ed25519 seed encrypted at rest: Argon2id for the key, SecretBox for the seal.

A keystore is one small JSON file, written once with mode 0600 and never
overwritten. Its format (version 1)::

    {
      "format": "tenge-keystore",
      "version": 1,
      "public_key": "<64 hex>",            Ed25519 public key of the sealed seed
      "kdf": {
        "name": "argon2id",               libsodium crypto_pwhash, ALG_ARGON2ID13
        "opslimit": 3,                    passes over memory
        "memlimit": 268435456,            bytes of memory
        "salt": "<32 hex>"                16 random bytes
      },
      "cipher": {
        "name": "xsalsa20poly1305",       libsodium crypto_secretbox
        "nonce": "<48 hex>",              24 random bytes
        "ciphertext": "<96 hex>"          the 32-byte seed plus a 16-byte tag
      },
      "label": "alice's phone",           optional, free text
      "wallet_id": "w-123",               optional, the ledger wallet it belongs to
      "network": "kzt-devnet"             optional, the network it is meant for
    }

The 32-byte SecretBox key is ``argon2id.kdf(32, password, salt, opslimit,
memlimit)``; the plaintext is the raw 32-byte Ed25519 seed (RFC 8032 private
key). A bank in another language reads the file with any libsodium binding.

What is authenticated: the seed (by the Poly1305 tag) and the public key
(after decryption it must equal the key derived from the seed). ``label``,
``wallet_id`` and ``network`` are plaintext hints; tampering with them cannot
leak or change the key, only mislead the holder about where it is used.

Exceptions: :class:`KeystoreError` is the base; :class:`WrongPassword` (the tag
does not verify: wrong password or altered ciphertext), :class:`KeystoreExists`
(refusing to overwrite) and :class:`KeystoreCorrupt` (unreadable file,
unknown version, parameters out of bounds, public key mismatch).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.secret
import nacl.utils

from ledger.crypto import KeyPair

log = logging.getLogger("wallet.keystore")

FORMAT = "tenge-keystore"
VERSION = 1
Strength = Literal["interactive", "moderate", "sensitive"]
STRENGTHS: dict[str, tuple[int, int]] = {
    "interactive": (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
    "sensitive": (argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE),
}
# A file may not ask for more than "sensitive": a hostile keystore must not
# be able to make the wallet allocate unbounded memory.
MAX_OPSLIMIT, MAX_MEMLIMIT = STRENGTHS["sensitive"]


class KeystoreError(Exception):
    """Base of every keystore failure."""


class WrongPassword(KeystoreError):
    """The password does not open the keystore (or its ciphertext was altered)."""


class KeystoreExists(KeystoreError):
    """A file already exists where a keystore was to be written."""


class KeystoreCorrupt(KeystoreError):
    """The file is not a readable keystore of a supported version."""


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id parameters stored beside the ciphertext."""

    opslimit: int
    memlimit: int
    salt: bytes

    @classmethod
    def fresh(cls, strength: Strength = "moderate") -> KdfParams:
        """Parameters of a named libsodium strength with a new random salt."""
        opslimit, memlimit = STRENGTHS[strength]
        return cls(opslimit, memlimit, nacl.utils.random(argon2id.SALTBYTES))

    def derive(self, password: str | bytes) -> bytes:
        """The SecretBox key for ``password`` (slow on purpose)."""
        secret = password.encode("utf-8") if isinstance(password, str) else password
        return argon2id.kdf(
            nacl.secret.SecretBox.KEY_SIZE, secret, self.salt, self.opslimit, self.memlimit
        )


@dataclass(frozen=True, slots=True)
class Keystore:
    """One sealed key pair and its plaintext description."""

    public_key: str
    kdf: KdfParams
    nonce: bytes
    ciphertext: bytes
    label: str | None = None
    wallet_id: str | None = None
    network: str | None = None

    # -- named constructors --------------------------------------------------

    @classmethod
    def seal(
        cls,
        password: str | bytes,
        keypair: KeyPair | None = None,
        *,
        kdf: KdfParams | None = None,
        label: str | None = None,
        wallet_id: str | None = None,
        network: str | None = None,
    ) -> Keystore:
        """A keystore holding ``keypair`` (a fresh one if None), not yet on disk."""
        if not password:
            raise KeystoreError("the password must not be empty")
        keys = keypair or KeyPair.generate()
        params = kdf or KdfParams.fresh()
        sealed = nacl.secret.SecretBox(params.derive(password)).encrypt(keys.seed)
        return cls(
            keys.public_hex, params, sealed.nonce, sealed.ciphertext, label, wallet_id, network
        )

    @classmethod
    def create(
        cls,
        path: str | Path,
        password: str | bytes,
        keypair: KeyPair | None = None,
        *,
        kdf: KdfParams | None = None,
        label: str | None = None,
        wallet_id: str | None = None,
        network: str | None = None,
    ) -> Keystore:
        """Seal a key pair (fresh if None) and write it to ``path`` (0600, no overwrite)."""
        keystore = cls.seal(
            password, keypair, kdf=kdf, label=label, wallet_id=wallet_id, network=network
        )
        keystore.save(path)
        return keystore

    @classmethod
    def load(cls, path: str | Path) -> Keystore:
        """Read a keystore file; the seed stays sealed until :meth:`unlock`."""
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            if isinstance(error, FileNotFoundError):
                raise KeystoreError(f"no keystore at {path}") from error
            raise KeystoreCorrupt(f"{path}: {error}") from error
        return cls.from_document(document)

    @classmethod
    def from_document(cls, document: Any) -> Keystore:
        """The keystore described by a decoded JSON document (validated)."""
        try:
            return _parse(document)
        except (KeyError, TypeError, ValueError) as error:
            raise KeystoreCorrupt(f"not a keystore: {error}") from error

    # -- use -------------------------------------------------------------------

    def unlock(self, password: str | bytes) -> KeyPair:
        """The key pair, if ``password`` opens the seal; :class:`WrongPassword` if not."""
        box = nacl.secret.SecretBox(self.kdf.derive(password))
        try:
            seed = box.decrypt(self.ciphertext, self.nonce)
        except nacl.exceptions.CryptoError as error:
            raise WrongPassword("wrong password (or the keystore was altered)") from error
        keypair = KeyPair.from_seed(seed)
        if keypair.public_hex != self.public_key:
            raise KeystoreCorrupt("the sealed seed does not match the stored public key")
        return keypair

    def document(self) -> dict[str, Any]:
        """The JSON document of this keystore (see the module docstring)."""
        document: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "public_key": self.public_key,
            "kdf": {
                "name": "argon2id",
                "opslimit": self.kdf.opslimit,
                "memlimit": self.kdf.memlimit,
                "salt": self.kdf.salt.hex(),
            },
            "cipher": {
                "name": "xsalsa20poly1305",
                "nonce": self.nonce.hex(),
                "ciphertext": self.ciphertext.hex(),
            },
        }
        for name in ("label", "wallet_id", "network"):
            if getattr(self, name) is not None:
                document[name] = getattr(self, name)
        return document

    def save(self, path: str | Path) -> None:
        """Write the file with mode 0600; :class:`KeystoreExists` if ``path`` exists."""
        write_new_file(Path(path), (json.dumps(self.document(), indent=2) + "\n").encode())
        log.info("keystore written path=%s public_key=%s", path, self.public_key)


def write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` atomically with mode 0600, never replacing an existing file.

    The bytes go to a private temporary file first, which is then hard-linked
    into place: ``link`` fails if the name exists, and a crash leaves either
    no keystore or a complete one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        raise KeystoreExists(f"{path} already exists; refusing to overwrite it")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{nacl.utils.random(4).hex()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError as error:
        raise KeystoreExists(f"{path} already exists; refusing to overwrite it") from error
    finally:
        temporary.unlink(missing_ok=True)


def _parse(document: Any) -> Keystore:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("missing 'format': 'tenge-keystore'")
    if document.get("version") != VERSION:
        raise ValueError(f"unsupported version {document.get('version')!r}")
    kdf, cipher = document["kdf"], document["cipher"]
    if kdf["name"] != "argon2id" or cipher["name"] != "xsalsa20poly1305":
        raise ValueError("unsupported kdf or cipher")
    params = KdfParams(
        _bounded(kdf["opslimit"], 1, MAX_OPSLIMIT),
        _bounded(kdf["memlimit"], argon2id.MEMLIMIT_MIN, MAX_MEMLIMIT),
        _hex(kdf["salt"], argon2id.SALTBYTES),
    )
    return Keystore(
        public_key=_hex(document["public_key"], 32).hex(),
        kdf=params,
        nonce=_hex(cipher["nonce"], nacl.secret.SecretBox.NONCE_SIZE),
        ciphertext=_hex(cipher["ciphertext"], 32 + nacl.secret.SecretBox.MACBYTES),
        label=_optional_text(document, "label"),
        wallet_id=_optional_text(document, "wallet_id"),
        network=_optional_text(document, "network"),
    )


def _bounded(value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"parameter {value!r} outside [{low}, {high}]")
    return value


def _hex(value: Any, size: int) -> bytes:
    raw = bytes.fromhex(value) if isinstance(value, str) else b""
    if len(raw) != size or value != raw.hex():
        raise ValueError(f"expected {size} bytes as lowercase hex")
    return raw


def _optional_text(document: dict[str, Any], name: str) -> str | None:
    value = document.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string")
    return value
