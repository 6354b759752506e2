"""Real node processes for tests: the test network's genesis and keys, a free port.

The process helper itself is :class:`loadtests.netkit.NodeProcess`, shared with
the load tools.
"""

from __future__ import annotations

from pathlib import Path

from loadtests.netkit import ROOT, NodeProcess, free_port
from loadtests.netkit import prepare as prepare_network
from tests.harness import NETWORK, key

__all__ = ["ROOT", "NodeProcess", "free_port", "prepare"]


def prepare(data: Path) -> None:
    """A data directory for the test network (test central bank and producer keys)."""
    prepare_network(data, NETWORK, key("central-bank"), key("producer"))
