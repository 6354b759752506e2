"""How a node becomes the validator: the seed file next to the producer key.

``keys/privacy-validator.key`` holds a 32-byte hex seed (mode 0600, like the
producer key); with it, the writer derives the validator's secrets
(:class:`~privacy.validator.ValidatorSecrets`) and attests with the producer
key. A node without the file replicates private transfers but cannot build
blocks with them.
"""

from __future__ import annotations

import os
from pathlib import Path

from ledger.crypto import KeyPair
from privacy.validator import Validator, ValidatorSecrets

SEED_FILE = "privacy-validator.key"


def seed_path(data_dir: str | Path) -> Path:
    """Where a node keeps the validator's seed."""
    return Path(data_dir) / "keys" / SEED_FILE


def create_seed(data_dir: str | Path, seed: bytes | None = None) -> Path:
    """Write a fresh (or the given) seed with mode 0600; never overwrite one."""
    target = seed_path(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write((seed or os.urandom(32)).hex() + "\n")
    return target


def load_validator(data_dir: str | Path, attest: KeyPair) -> Validator | None:
    """The validator of this node, if it holds the seed."""
    path = seed_path(data_dir)
    if not path.exists():
        return None
    seed = bytes.fromhex(path.read_text().strip())
    if len(seed) != 32:
        raise ValueError(f"{path}: expected a 32-byte hex seed")
    return Validator(ValidatorSecrets.derive(attest, seed))
