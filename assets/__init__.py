"""Secured digital assets (Kazakhstan's 2023 Law on Digital Assets) on the ledger.

Rights to goods, services or intellectual property — a warehouse receipt for
grain, say — issued only by platform operators the National Bank licenses,
each asset class carrying its issuer's identity and the hashes of the proof
of its rights and of its terms, held in wallets as outputs of ``asset:``
tokens, every movement a ledger transaction, and sold against digital tenge
by delivery versus payment: one transaction, signed by both parties, that
settles both legs or neither. An asset is never money: no payment,
issuance, redemption or conversion accepts it as tenge.

Six kinds plug into the registry (``asset.license``, ``asset.create``,
``asset.issue``, ``asset.transfer``, ``asset.dvp``, ``asset.retire``), and
:class:`~assets.gate.AssetGate` goes in front of the token policy. Modules:
``types`` (terms, token ids, bodies) and ``errors`` are pure, for phones;
``records`` (state), ``changes``, ``platform`` and ``movement`` (the
kinds), ``gate``, ``queries`` (read models for the API). Design:
``docs/digital-assets.md``, ``docs/decisions/0014-digital-assets.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assets import errors as errors  # the asset codes join the error tree on import

if TYPE_CHECKING:  # a phone imports this package without the ledger's rules
    from ledger.registry import Registry


def register(registry: Registry) -> None:
    """Add every asset kind to ``registry`` and put the asset gate before its token policy.

    Register after ``contracts`` (which installs the programs' policy), so the
    gate guards that policy rather than being replaced by it.
    """
    from assets import movement, platform
    from assets.gate import AssetGate

    for module in (platform, movement):
        for rule in module.RULES:
            registry.add(rule)
    registry.token_policy = AssetGate(registry.token_policy)
