"""``transfer``: move value between keys — distribution, payments, defunding."""

from __future__ import annotations

from collections.abc import Iterable

from ledger.errors import ValueNotConserved
from ledger.records import WalletRecord
from ledger.registry import Effect, Pending, Registry, TxRule, expect
from ledger.rules.limits import active_owners, check_limits, wallet_flows
from ledger.rules.waterfall import split_excess
from ledger.state import StateView
from ledger.types import KZT, Output, Transfer
from ledger.validation import body_of, require_signers


class WalletsEffect(Effect, frozen=True):
    """Wallets whose balance and daily counters change."""

    wallets: tuple[WalletRecord, ...] = ()


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


def transfer_rule(registry: Registry) -> TxRule:
    """The transfer kind, consulting the registry's policy for special tokens."""

    def check_transfer(pending: Pending, state: StateView) -> Effect:
        body = body_of(pending.tx, Transfer)
        payers = {o.owner for o in pending.spent}
        require_signers(pending.tx, payers)
        special = check_conservation(pending.spent, body.outputs) - {KZT}
        owners = active_owners([*payers, *(o.owner for o in body.outputs)], state)
        flows = wallet_flows(pending.spent, body.outputs, owners)
        if special:
            registry.token_policy.check_transfer(pending, special, flows, state)
        split = split_excess(body.outputs, flows, owners, state)
        if split is not None:  # the waterfall: linked payees' excess goes to their banks
            owners = {**owners, **split.bank_keys}
            flows = wallet_flows(pending.spent, split.outputs, owners)
        wallets = check_limits(flows, state, pending.block)
        banks = tuple(dict.fromkeys(o.id for o in owners.values() if o.kind == "bank"))
        return WalletsEffect(
            parties=tuple(w.wallet_id for w in wallets),
            banks=banks,
            wallets=wallets,
            instructions=() if split is None else split.instructions,
            outputs=None if split is None else split.outputs,
        )

    return TxRule(kind="transfer", body=Transfer, check=check_transfer, apply=apply_wallets)
