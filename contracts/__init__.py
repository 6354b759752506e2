"""Programmable money: special-purpose tokens and contract templates.

Everything here plugs into the ledger through its registry: fifteen
transaction kinds (``program.*``, ``escrow.*``, ``meter.*``, ``mandate.*``),
each a :class:`~ledger.registry.TxRule` with its own validator, and the token
policy that the core ``transfer`` consults for special-purpose tokens. Rules
are declarative data checked by plain functions; there is no ``eval`` and no
user code on the ledger.

Modules: ``policy`` (the policy type, token ids, the rules), ``types`` and
``templates`` (wire bodies), ``records`` (state), ``programs``,
``token_policy``, ``escrow``, ``metering``, ``mandates`` (the kinds),
``queries`` (read-only views for the API), ``errors``. The wire modules
(``policy``, ``types``, ``templates``, ``errors``) import nothing but ledger
types, so a phone can carry them; this package's ``__init__`` imports the
rules only when :func:`register` runs.
"""

from __future__ import annotations

from ledger.registry import Registry


def register(registry: Registry) -> None:
    """Add every contract kind to ``registry`` and install the token policy."""
    from contracts import escrow, mandates, metering, programs
    from contracts.token_policy import ProgramPolicy

    for module in (programs, escrow, metering, mandates):
        for rule in module.RULES:
            registry.add(rule)
    registry.token_policy = ProgramPolicy()
