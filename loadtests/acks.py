"""The acknowledgement log: every transaction a load run saw answered "committed".

Locust appends one line per acknowledgement (``txid height kind``) to the file
named by ``TENGE_LOAD_ACKS``, flushing each line, so the file survives a
crash of the load generator. After the run, :func:`read_acks` gives the
txids that must all be found in the stopped node's ledger.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TextIO

ENV = "TENGE_LOAD_ACKS"


class AckLog:
    """Appends acknowledgements to a file (if one is named) and keeps them in memory."""

    def __init__(self, path: str | None) -> None:
        self._file: TextIO | None = open(path, "a", encoding="ascii") if path else None  # noqa: SIM115
        self._lock = threading.Lock()
        self.txids: list[str] = []

    @classmethod
    def from_environment(cls) -> AckLog:
        """The log named by ``TENGE_LOAD_ACKS``, or an in-memory one."""
        return cls(os.environ.get(ENV))

    def record(self, txid: str, height: int | None, kind: str) -> None:
        """One transaction acknowledged as committed at ``height``."""
        with self._lock:
            self.txids.append(txid)
            if self._file is not None:
                self._file.write(f"{txid} {height if height is not None else '-'} {kind}\n")
                self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_acks(path: Path) -> dict[str, int | None]:
    """Acknowledged txid -> height it was acknowledged at (None if not given)."""
    acks: dict[str, int | None] = {}
    if not path.exists():
        return acks
    for line in path.read_text(encoding="ascii").splitlines():
        txid, height, *_ = line.split()
        acks[txid] = None if height == "-" else int(height)
    return acks


def kinds_of(path: Path) -> dict[str, int]:
    """How many acknowledgements of each kind the log holds."""
    counts: dict[str, int] = {}
    if path.exists():
        for line in path.read_text(encoding="ascii").splitlines():
            kind = line.split()[2]
            counts[kind] = counts.get(kind, 0) + 1
    return counts
