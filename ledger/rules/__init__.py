"""The core transaction kinds, one module per family."""

from __future__ import annotations

from ledger.registry import Registry
from ledger.rules import banks, reverse_waterfall, wallets, waterfall
from ledger.rules.transfer import transfer_rule


def core_registry() -> Registry:
    """A registry holding the core kinds; feature modules add theirs to it."""
    registry = Registry()
    for rule in (*banks.RULES, *wallets.RULES, *waterfall.RULES, *reverse_waterfall.RULES):
        registry.add(rule)
    registry.add(transfer_rule(registry))
    return registry
