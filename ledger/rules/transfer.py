"""``transfer``: move value between keys — distribution, payments, defunding.

A transfer also carries the holding-limit waterfall both ways: a linked payee's
excess over its cap goes to its bank (``ledger.rules.waterfall``), and a payer's
``shortfall`` comes from its bank's pool under its mandate
(``ledger.rules.reverse_waterfall``).
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.errors import ValueNotConserved
from ledger.records import WalletRecord
from ledger.registry import Effect, Pending, Registry, TxRule, Write, expect
from ledger.rules.limits import active_owners, check_limits, wallet_flows
from ledger.rules.plain_transfer import plain_transfer
from ledger.rules.reverse_waterfall import draw_shortfall
from ledger.rules.waterfall import split_excess
from ledger.state import StateView
from ledger.types import KZT, Output, Transfer
from ledger.validation import body_of, require_signers


class WalletsEffect(Effect, frozen=True):
    """Wallets whose balance and daily counters change, and other records written."""

    wallets: tuple[WalletRecord, ...] = ()
    writes: tuple[Write, ...] = ()
    """Further records (a bank's waterfall pool a shortfall drew from)."""


def check_conservation(spent: Iterable[Output], created: Iterable[Output]) -> set[str]:
    """Per token, inputs equal outputs exactly; returns the tokens moved."""
    inputs: dict[str, int] = {}
    outputs: dict[str, int] = {}
    for totals, items in ((inputs, spent), (outputs, created)):
        for output in items:
            totals[output.token] = totals.get(output.token, 0) + output.amount
    if inputs == outputs:
        return set(inputs)
    for token in sorted(inputs.keys() | outputs.keys()):
        if inputs.get(token, 0) != outputs.get(token, 0):
            raise ValueNotConserved(
                token=token, inputs=inputs.get(token, 0), outputs=outputs.get(token, 0)
            )
    return set(inputs)


def apply_wallets(pending: Pending, effect: Effect, state: StateView) -> None:
    """Store the wallets a checked transaction updated."""
    effect = expect(effect, WalletsEffect)
    for wallet in effect.wallets:
        state.put_wallet(wallet)
    for key, value in effect.writes:
        state.write(key, value)


def _funding(pending: Pending, body: Transfer) -> tuple[Output, ...]:
    """What pays for the outputs: the inputs, and the shortfall the pool adds."""
    if body.shortfall is None:
        return pending.spent
    pulled = Output(owner=pending.spent[0].owner, amount=body.shortfall)
    return (*pending.spent, pulled)


def transfer_rule(registry: Registry) -> TxRule:
    """The transfer kind, consulting the registry's policy for special tokens."""

    def check_transfer(pending: Pending, state: StateView) -> Effect:
        body = body_of(pending.tx, Transfer)
        payers = {o.owner for o in pending.spent}
        require_signers(pending.tx, payers)
        special = check_conservation(_funding(pending, body), body.outputs) - {KZT}
        owners = active_owners([*payers, *(o.owner for o in body.outputs)], state)
        flows = wallet_flows(pending.spent, body.outputs, owners)
        if special:
            registry.token_policy.check_transfer(pending, special, flows, state)
        split = split_excess(body.outputs, flows, owners, state)
        if split is not None:  # the waterfall: linked payees' excess goes to their banks
            owners = {**owners, **split.bank_keys}
            flows = wallet_flows(pending.spent, split.outputs, owners)
        instructions = () if split is None else split.instructions
        writes: tuple[Write, ...] = ()
        if body.shortfall is not None:  # the reverse waterfall: the pool pays the rest
            draw = draw_shortfall(pending, owners, flows, state)
            flows = {**flows, draw.flow.wallet_id: draw.flow}
            instructions, writes = (*instructions, draw.instruction), (draw.pool,)
        wallets = check_limits(flows, state, pending.block)
        banks = tuple(dict.fromkeys(o.id for o in owners.values() if o.kind == "bank"))
        return WalletsEffect(
            parties=tuple(w.wallet_id for w in wallets),
            banks=banks,
            wallets=wallets,
            instructions=instructions,
            outputs=None if split is None else split.outputs,
            writes=writes,
        )

    return TxRule(
        kind="transfer", body=Transfer, check=check_transfer, apply=apply_wallets,
        fast=plain_transfer,
    )  # fmt: skip
