"""Customizable anonymity: the payer chooses open, private or anonymous for each payment.

- **open** is the core ``transfer``: parties and amount visible to settlement participants.
- **private** (``private.transfer``): blocks and state hold nullifiers, hiding
  commitments, sealed envelopes and the validator's attestation; the validator
  (the central bank's block producer) checks the plaintext transiently.
- **anonymous** (``anon.withdraw`` / ``anon.spend``): bearer tokens of fixed
  denominations issued blindly with the RFC 9497 VOPRF (ristretto255-SHA512).
- **disclosure** (``privacy.disclose``): k of n named authorities record why
  they open one private transfer; the escrow key is split with SLIP-39.
- ``privacy.configure``: the central bank's parameters.

Everything plugs in through the registry (:func:`register`); ``ledger/`` has
no privacy special case. Phone-side modules (``types``, ``notes``,
``envelopes``, ``requests``, ``voprf``, ``wallet``, ``client``) import ledger
types only; the validator's (``validator``, ``prepare``, ``book``) and the
rules' modules are loaded by :func:`register` and the node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.registry import Registry

if TYPE_CHECKING:
    from privacy.validator import Validator


def register(registry: Registry, validator: Validator | None = None) -> None:
    """Add the privacy kinds and writer calls; on the validator's node, also its plaintext
    checks, its guard and the calls that need its secrets."""
    from privacy.calls import calls
    from privacy.limits import open_payment_guard
    from privacy.rules import rules

    for rule in rules(registry, validator):
        registry.add(rule)
    for call in calls(validator):
        registry.add_call(call)
    if validator is not None:
        registry.guards.append(open_payment_guard(validator.book))
