"""How a node becomes the validator: the seed file next to the producer key.

``keys/privacy-validator.key`` holds a 32-byte hex seed (mode 0600, like the
producer key), created on the writer's first start; the writer derives the
validator's secrets from it (:class:`~privacy.validator.ValidatorSecrets`)
and attests with the producer key.
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


def load_validator(data_dir: str | Path, attest: KeyPair) -> Validator:
    """The validator of this node; a node without a seed makes one on first start.

    The seed is useless until the central bank's parameters name the keys
    derived from it (``privacy.configure``): until then private requests are
    refused with ``privacy_not_configured``.
    """
    path = seed_path(data_dir)
    if not path.exists():
        create_seed(data_dir)
    seed = bytes.fromhex(path.read_text().strip())
    if len(seed) != 32:
        raise ValueError(f"{path}: expected a 32-byte hex seed")
    return Validator(ValidatorSecrets.derive(attest, seed))
