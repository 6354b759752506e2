"""Frozen records the ledger keeps in state, beside the outputs themselves.

They are stored as canonical JSON (the same encoding as transactions), so the
state digest is reproducible by any implementation of ``docs/encoding.md``.
"""

from __future__ import annotations

from typing import Literal

from ledger.encoding import Amount, Hex32, Tiyn, Wire
from ledger.storage.schema import locked_key
from ledger.types import DepositRef, Tier


class BankRecord(Wire, frozen=True):
    """A commercial bank admitted by the central bank."""

    bank_id: str
    name: str
    keys: tuple[Hex32, ...]
    issuance_limit: Tiyn
    status: Literal["active", "suspended"] = "active"
    issued: int = 0
    redeemed: int = 0

    @property
    def outstanding(self) -> int:
        """KZT issued to this bank and not yet redeemed."""
        return self.issued - self.redeemed


class WalletRecord(Wire, frozen=True):
    """A pseudonymous wallet: its bank, tier, keys and running limit counters."""

    wallet_id: str
    bank_id: str
    tier: Tier
    keys: tuple[Hex32, ...]
    status: Literal["active", "frozen"] = "active"
    mcc: str | None = None
    region: str | None = None
    balance: int = 0
    day: int = 0
    day_outflow: int = 0
    held: int = 0
    """Value of this wallet held outside its outputs (an offline purse), in tiyn.

    ``balance`` is the money (KZT and special-purpose tokens, not digital
    assets) the wallet's keys hold in outputs; the balance cap of its tier
    applies to ``balance + held``.
    """
    deposit: DepositRef | None = None
    """The linked deposit account at the wallet's bank (``wallet.link_deposit``): a payment
    over the balance cap pays the excess to the bank (waterfall) instead of being refused."""
    mandate: Amount | None = None
    """The most one payment may pull from the bank's waterfall pool under the wallet's
    standing mandate (``wallet.reverse_mandate``, reverse waterfall), in tiyn; None: none."""


class KeyOwner(Wire, frozen=True):
    """Who a registered public key belongs to.

    ``wallet`` and ``bank`` keys hold and spend outputs. Feature modules may
    register keys of their own kinds (``device``: an offline payment device,
    ``id`` its certificate serial); such keys never hold outputs.
    """

    kind: Literal["wallet", "bank", "device"]
    id: str

    @property
    def holds_outputs(self) -> bool:
        """True for the kinds outputs may be paid to: wallets and banks."""
        return self.kind in ("wallet", "bank")


class HistoryNote(Wire, frozen=True):
    """What a wallet's history index keeps per transaction (outside the digest)."""

    txid: str
    kind: str
    delta: dict[str, int] = {}
    """Per token, what the wallet's outputs gained (positive) or lost, in tiyn."""


class WaterfallInstruction(Wire, frozen=True):
    """What the ledger tells a bank to do off-ledger with a wallet's linked deposit account.

    ``credit``: a payment would have pushed the wallet over its tier's holding cap, so the
    excess was paid to the bank's reserve; the bank credits the deposit account with it
    (waterfall). ``debit``: the wallet paid more than it held and the bank's waterfall pool
    paid the shortfall under the wallet's standing mandate; the bank debits the deposit
    account (reverse waterfall).
    """

    bank_id: str
    wallet_id: str
    deposit: DepositRef
    """The bank's own reference of the linked deposit account (no personal data)."""
    direction: Literal["credit", "debit"]
    amount: Amount
    """In tiyn."""


class FeedNote(Wire, frozen=True):
    """A bank's feed entry that is not simply one of its wallets' history (outside the digest):
    the bank's own reserve moving, or a waterfall instruction."""

    txid: str
    kind: str
    delta: dict[str, int] = {}
    """Per token, what the bank's reserve keys gained (positive) or lost, in tiyn."""
    instruction: WaterfallInstruction | None = None


class TxLocation(Wire, frozen=True):
    """Where a committed transaction sits, and how many outputs it created."""

    height: int
    index: int
    outputs: int


class SupplyRecord(Wire, frozen=True):
    """Running totals of one token: created and destroyed, in tiyn."""

    issued: int = 0
    redeemed: int = 0

    @property
    def outstanding(self) -> int:
        """What should be held in unspent outputs of this token."""
        return self.issued - self.redeemed


class Locked(Wire, frozen=True):
    """Value the ledger holds outside unspent outputs (a program's backing, an escrow).

    Feature modules book it under ``schema.locked_key``; the audit adds it to
    the unspent outputs of its token, so supply stays exactly conserved.
    """

    token: str
    amount: int


def lock_record(lock_id: str, token: str, amount: int) -> tuple[bytes, Locked | None]:
    """The write that books ``amount`` under a lock; an emptied lock is deleted.

    A negative amount is a rule's bug (its check must refuse first): ValueError,
    which refuses that one transaction as ``rule_failed``.
    """
    if amount < 0:
        raise ValueError(f"lock {lock_id} would go negative ({amount})")
    return locked_key(lock_id), Locked(token=token, amount=amount) if amount else None


class ChainTip(Wire, frozen=True):
    """The last committed block: where production and replay resume."""

    height: int
    block_hash: Hex32
    state_digest: Hex32
    time_ms: int
