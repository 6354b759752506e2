"""The fast path of the dominant kind: a plain KZT transfer between active wallets.

Nearly every transaction a node orders is one: KZT from one wallet's outputs to
other wallets' keys, the payer's change back, nothing else. The general path
(``check_spends``, the transfer rule's check, the guards, the core's
``apply_transaction``) decides it in some two hundred short Python calls, most of
them asking again what an earlier one already knew. :func:`plain_transfer` decides
it in one, and writes exactly what the general path writes: the same keys, the same
values, in the same order (decision record 0021).

It never refuses anything itself. A transfer that is not plain (another token, a
bank's key, a shortfall, a payee with a linked deposit) or that the general path
would refuse (an input missing, the wrong signers, value not conserved, a key
unregistered, a wallet frozen, a tier limit) returns False before anything is
written, and the general path then decides it with its own error. What it accepts
the general path accepts with the same writes:
``tests/property/test_plain_transfer_props.py`` runs random sequences of transfers,
refused ones among them, through both on copies of one state.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from ledger.records import HistoryNote, TxLocation, WalletRecord
from ledger.registry import BlockContext, Guard, Pending
from ledger.rules.limits import first_breach
from ledger.state import StateView
from ledger.storage import schema as s
from ledger.types import KZT, Output, Transaction, Transfer
from ledger.validation import contained

_replace = msgspec.structs.replace
_KIND = "transfer"  # the tag of Transfer, which registry.add checks against its rule


def plain_transfer(
    tx: Transaction, view: StateView, block: BlockContext, position: int, guards: Sequence[Guard]
) -> bool:
    """Check and apply ``tx`` at ``position`` when it is a plain transfer that passes;
    False, with nothing written, for the general path to decide it.

    ``guards``: the registry's producer guards when the block is being produced (none
    on a replay); they run between the check and the writes, as in the general path.
    """
    body = tx.body
    if type(body) is not Transfer or body.shortfall is not None:
        return False
    spent: list[Output] = []
    spent_txids: list[bytes] = []
    for point in body.inputs:
        spent_txid = bytes.fromhex(point.txid)
        output = view.output(spent_txid, point.index)
        if output is None or output.token != KZT:
            return False
        spent.append(output)
        spent_txids.append(spent_txid)
    payers = {o.owner for o in spent}
    if payers != {sig.key for sig in tx.signatures}:
        return False
    outputs = body.outputs
    wallets = _wallets_of(spent, outputs, view)
    if wallets is None:
        return False
    updated = _counted(wallets, view, block.day)
    if updated is None:
        return False
    if guards:
        pending = Pending(tx=tx, spent=tuple(spent), block=block)
        for guard in guards:
            contained(tx, "guard", guard, pending, view)
    _write(tx, body, view, block.height, position, spent, spent_txids, updated)
    return True


def _wallets_of(
    spent: list[Output], outputs: tuple[Output, ...], view: StateView
) -> dict[str, tuple[WalletRecord, int]] | None:
    """Each active wallet the transfer touches with its net KZT flow, in the order the
    general path meets them; None when value is not conserved, when any output is not
    KZT, or when any key is not an active wallet's."""
    keys: dict[str, WalletRecord] = {}
    found: dict[str, tuple[WalletRecord, int]] = {}
    balance = 0
    for sign, side in ((-1, spent), (1, outputs)):
        for output in side:
            if output.token != KZT:
                return None
            wallet = keys.get(output.owner)
            if wallet is None:
                owner = view.key_owner(output.owner)
                if owner is None or owner.kind != "wallet":
                    return None
                wallet = view.wallet(owner.id)
                if wallet is None or wallet.status != "active":
                    return None
                keys[output.owner] = wallet
            amount = sign * output.amount
            balance += amount
            net = found.get(wallet.wallet_id)
            found[wallet.wallet_id] = (wallet, amount if net is None else net[1] + amount)
    return found if balance == 0 else None


def _counted(
    wallets: dict[str, tuple[WalletRecord, int]], view: StateView, day: int
) -> list[tuple[WalletRecord, int]] | None:
    """Each wallet with its new balance and day counters, and its net flow, by wallet id;
    None when a tier limit refuses the transfer or a payee's excess could go to its bank."""
    updated = []
    for wallet_id in sorted(wallets):
        wallet, net = wallets[wallet_id]
        sent, received = (-net, 0) if net < 0 else (0, net)
        if received and wallet.deposit is not None:  # the waterfall may split the payment
            return None
        spent_today = wallet.day_outflow if wallet.day == day else 0
        limits = view.limits(wallet.tier)
        if first_breach(wallet, limits, sent, received, spent_today) is not None:
            return None
        counted = _replace(
            wallet,
            balance=wallet.balance + received - sent,
            day=day,
            day_outflow=spent_today + sent,
        )
        updated.append((counted, net))
    return updated


def _write(
    tx: Transaction,
    body: Transfer,
    view: StateView,
    height: int,
    position: int,
    spent: list[Output],
    spent_txids: list[bytes],
    wallets: list[tuple[WalletRecord, int]],
) -> None:
    """The general path's writes, in its order: inputs spent, outputs created, wallets,
    the txid index, history notes, the banks' feeds."""
    journal = view.journal()
    txid = tx.txid
    for point, output, spent_txid in zip(body.inputs, spent, spent_txids, strict=True):
        journal[s.output_key(spent_txid, point.index)] = None
        owner = bytes.fromhex(output.owner)
        journal[s.owner_output_key(owner, spent_txid, point.index)] = None
    created = body.outputs
    for index, output in enumerate(created):
        journal[s.output_key(txid, index)] = output
        journal[s.owner_output_key(bytes.fromhex(output.owner), txid, index)] = b""
    for wallet, _ in wallets:
        journal[s.wallet_key(wallet.wallet_id)] = wallet
    journal[s.tx_key(txid)] = TxLocation(height=height, index=position, outputs=len(created))
    txid_hex = txid.hex()
    for wallet, net in wallets:
        note = HistoryNote(txid=txid_hex, kind=_KIND, delta={KZT: net} if net else {})
        journal[s.history_key(wallet.wallet_id, height, position)] = note
    subs: dict[str, int] = {}
    for wallet, _ in wallets:
        sub = subs.get(wallet.bank_id, 0)
        subs[wallet.bank_id] = sub + 1
        journal[s.feed_key(wallet.bank_id, height, position, sub)] = wallet.wallet_id.encode()
