"""Which transaction kinds this node runs: the core plus every feature module.

Writer and API workers both build their registry here, so they always decode
and check the same kinds.
"""

from __future__ import annotations

import contracts
import offline
from ledger.registry import Registry
from ledger.rules import core_registry


def full_registry() -> Registry:
    """The registry of a production node."""
    registry = core_registry()
    contracts.register(registry)
    offline.register(registry)
    return registry
