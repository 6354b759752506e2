"""Which transaction kinds this node runs: the core plus every feature module.

Writer and API workers both build their registry here, so they always decode
and check the same kinds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import assets
import contracts
import offline
import privacy
from ledger.registry import Registry
from ledger.rules import core_registry

if TYPE_CHECKING:
    from privacy.validator import Validator


def full_registry(validator: Validator | None = None) -> Registry:
    """The registry of a production node; the writer passes its privacy validator, if any."""
    registry = core_registry()
    contracts.register(registry)
    assets.register(registry)  # after contracts: its gate guards the programs' policy
    offline.register(registry)
    privacy.register(registry, validator)
    return registry
