"""Holding limits with waterfall: a wallet's excess over its cap goes to its bank.

A wallet's bank may link a deposit account at the bank to the wallet
(``wallet.link_deposit``). A transfer that would push a linked wallet over its
tier's balance cap is then not refused: :func:`split_excess` pays the excess to
the bank's first reserve key in the same transaction, and a
:class:`~ledger.records.WaterfallInstruction` (``credit``) in the bank's feed
tells it to credit the deposit account with that amount. The payer never sees
the payee's cap; value is only redirected, so supply is untouched.

The split keeps the body's output positions, so the payer's change stays where
it signed it: a payee output the excess covers whole is paid to the bank
instead, and the one the excess covers in part is reduced and the rest added
as one more output at the end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from ledger.errors import UnknownWallet
from ledger.records import KeyOwner, WalletRecord, WaterfallInstruction
from ledger.registry import Pending, TxRule, WalletFlow
from ledger.rules.banks import require_bank, require_bank_signer
from ledger.rules.wallets import WalletEffect, apply_wallet
from ledger.state import StateView
from ledger.types import KZT, DepositLink, Output
from ledger.validation import body_of

MAX_OUTPUTS = 256
"""A transaction creates at most this many outputs (an outpoint's index is one byte)."""


class Split(msgspec.Struct, frozen=True):
    """A transfer's outputs after the waterfall, and the banks' instructions."""

    outputs: tuple[Output, ...]
    instructions: tuple[WaterfallInstruction, ...]
    bank_keys: dict[str, KeyOwner]
    """The reserve keys the split pays, with their owners."""


# -- wallet.link_deposit ----------------------------------------------------------


def check_link(pending: Pending, state: StateView) -> WalletEffect:
    """The wallet's own bank links (or unlinks) one of its deposit accounts."""
    body = body_of(pending.tx, DepositLink)
    wallet = state.wallet(body.wallet_id)
    if wallet is None:
        raise UnknownWallet(wallet_id=body.wallet_id)
    require_bank_signer(pending.tx, require_bank(wallet.bank_id, state), "wallet.link_deposit")
    mandate = None if body.deposit is None else wallet.mandate  # unlinking ends the mandate
    linked = msgspec.structs.replace(wallet, deposit=body.deposit, mandate=mandate)
    return WalletEffect(parties=(wallet.wallet_id,), wallet=linked)


# -- the split ------------------------------------------------------------------


def split_excess(
    outputs: Sequence[Output],
    flows: Mapping[str, WalletFlow],
    owners: Mapping[str, KeyOwner],
    state: StateView,
) -> Split | None:
    """Pay each linked payee's excess over its balance cap to its bank; None when no
    payee needs it (or none can take it: the transfer is then checked as it is)."""
    over = [found for w in sorted(flows) if (found := _excess(w, flows[w], state)) is not None]
    if not over:  # nearly every transfer
        return None
    paid = list(outputs)
    extra: list[Output] = []
    instructions: list[WaterfallInstruction] = []
    bank_keys: dict[str, KeyOwner] = {}
    for wallet, excess, bank_key in over:
        wallet_id = wallet.wallet_id
        payee = KeyOwner(kind="wallet", id=wallet_id)
        mine = [i for i, o in enumerate(paid) if o.token == KZT and owners[o.owner] == payee]
        if sum(paid[i].amount for i in mine) < excess:
            continue  # the excess is in special-purpose tokens: the cap refuses it
        extra += _redirect(paid, mine, excess, bank_key)
        instructions.append(_credit(wallet, excess))
        bank_keys[bank_key] = KeyOwner(kind="bank", id=wallet.bank_id)
    if not instructions or len(paid) + len(extra) > MAX_OUTPUTS:
        return None
    return Split(tuple(paid + extra), tuple(instructions), bank_keys)


def _excess(
    wallet_id: str, flow: WalletFlow, state: StateView
) -> tuple[WalletRecord, int, str] | None:
    """The linked wallet, what it would receive over its cap, and its bank's reserve key."""
    if not flow.received:  # a payer: nothing to read
        return None
    wallet = state.wallet(wallet_id)
    if wallet is None or wallet.deposit is None:
        return None
    cap = state.limits(wallet.tier).balance_cap
    if cap is None:
        return None
    excess = flow.received - max(cap - wallet.balance - wallet.held, 0)
    bank = state.bank(wallet.bank_id)
    if excess <= 0 or bank is None or bank.status != "active":
        return None
    return wallet, excess, bank.keys[0]


def _redirect(paid: list[Output], mine: list[int], excess: int, bank_key: str) -> list[Output]:
    """Move ``excess`` of the outputs at ``mine`` (last first) to ``bank_key`` in place;
    returns the output to append when one is split."""
    for index in reversed(mine):
        output = paid[index]
        if output.amount <= excess:
            paid[index] = Output(owner=bank_key, amount=output.amount)
            excess -= output.amount
        else:
            paid[index] = Output(owner=output.owner, amount=output.amount - excess)
            return [Output(owner=bank_key, amount=excess)]
        if not excess:
            break
    return []


def _credit(wallet: WalletRecord, amount: int) -> WaterfallInstruction:
    if wallet.deposit is None:  # _excess returns linked wallets only
        raise TypeError(f"wallet {wallet.wallet_id} has no linked deposit")
    return WaterfallInstruction(
        bank_id=wallet.bank_id,
        wallet_id=wallet.wallet_id,
        deposit=wallet.deposit,
        direction="credit",
        amount=amount,
    )


RULES = (TxRule("wallet.link_deposit", DepositLink, check_link, apply_wallet),)
