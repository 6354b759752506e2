"""Key files of a node: a 32-byte Ed25519 seed as hex, readable by the owner only."""

from __future__ import annotations

import os
from pathlib import Path

from ledger.crypto import KeyPair


def write_key(path: str | Path, key: KeyPair) -> None:
    """Store a seed with mode 0600; never overwrite an existing key."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.seed.hex() + "\n")


def read_key(path: str | Path) -> KeyPair:
    """The key pair whose seed is stored in ``path``."""
    seed = bytes.fromhex(Path(path).read_text().strip())
    if len(seed) != 32:
        raise ValueError(f"{path}: expected a 32-byte hex seed")
    return KeyPair.from_seed(seed)
