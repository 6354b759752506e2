"""The cast of a Locust run, founded through the node's API before the load starts.

With the wallet SDK and the network's central bank key, :func:`found_cast`
registers banks whose keys are the reserve *desks* of the bank operators,
issues their reserves, opens the wallets of retail households (one tier-0 and
one tier-1 wallet each) and of merchants with freshly generated keys, and
funds them. Every key is generated here, at test start; nothing is
hard-coded but the network's own root key, which a test network hands out.
Simulated users then claim a household or a desk from a :class:`Pool`, so
each owns its coins exclusively.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ledger.crypto import KeyPair
from ledger.params import kzt
from ledger.types import Output, Tier, TierLimits, Transaction
from loadtests.coins import CoinBook
from wallet import builders
from wallet.builders import coins_of
from wallet.client import TengeClient

T = TypeVar("T")

TIER_FUNDS = {"anonymous": kzt(200_000), "basic": kzt(1_000_000), "business": 0}
DESK_COINS = 8  # a desk distributes a batch of this many transfers, one coin each
DESK_COIN = kzt(1_000_000)
KEYS_PER_BANK = 8  # the ledger's limit; one of them is the bank's treasury key
FUNDING_CHUNK = 200  # outputs per funding transfer (an output index is one byte)
MAX_BATCH = 2000  # the API's limit per batch request


@dataclass
class OwnedWallet:
    """A wallet the load owns: its id, tier, key and the coins it may spend."""

    wallet_id: str
    tier: Tier
    book: CoinBook

    @property
    def key(self) -> KeyPair:
        return self.book.owner


@dataclass
class Desk:
    """One reserve key of a bank, operated by one simulated back office."""

    bank_id: str
    book: CoinBook

    @property
    def key(self) -> KeyPair:
        return self.book.owner


@dataclass
class Bank:
    """A bank founded for the run: a treasury key that funds wallets, and its desks."""

    bank_id: str
    treasury: KeyPair
    desks: list[Desk]


class Pool(Generic[T]):
    """Items handed out once each; a simulated user claims one for its lifetime."""

    def __init__(self, items: Sequence[T]) -> None:
        self._items = list(items)

    def claim(self) -> T:
        if not self._items:
            raise LookupError("the cast has no unclaimed item left; found a larger cast")
        return self._items.pop(0)

    def __len__(self) -> int:
        return len(self._items)


@dataclass
class Cast:
    """Everything the simulated users share: network facts and the claimable parts."""

    network: str
    producer_keys: tuple[str, ...]
    limits: dict[str, TierLimits]
    households: Pool[tuple[OwnedWallet, ...]]
    desks: Pool[Desk]
    merchants: list[OwnedWallet]
    retail_keys: list[str]
    acknowledged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CastSize:
    """How many households, merchants and desks to found."""

    households: int
    merchants: int
    desks: int

    @classmethod
    def for_users(cls, users: int, shares: dict[str, float]) -> CastSize:
        """Enough for ``users`` split by the classes' weight shares (a household each, at worst)."""
        return cls(
            households=max(1, users),
            merchants=max(2, math.ceil(users * shares["merchant"]) + 1),
            desks=min(max(1, users), max(3, math.ceil(users * shares["bank"]) + 2)),
        )


def commit_all(client: TengeClient, txs: Sequence[Transaction], timeout: float = 30.0) -> None:
    """Submit ``txs`` in batches and wait until every one is committed; raise otherwise."""
    results = [
        result
        for start in range(0, len(txs), MAX_BATCH)
        for result in client.submit_batch(txs[start : start + MAX_BATCH], wait=True).results
    ]
    deadline = time.monotonic() + timeout
    for result in results:
        status = result
        while status.status == "pending" and time.monotonic() < deadline:
            time.sleep(0.05)
            status = client.status(result.txid)
        if status.status != "committed":
            raise RuntimeError(f"founding transaction {result.txid} {status.status}: {status}")


def _wallet(wallet_id: str, tier: Tier) -> OwnedWallet:
    return OwnedWallet(wallet_id, tier, CoinBook(KeyPair.generate()))


def _plan_wallets(
    tag: str, size: CastSize
) -> tuple[list[tuple[OwnedWallet, ...]], list[OwnedWallet]]:
    households: list[tuple[OwnedWallet, ...]] = [
        (_wallet(f"{tag}-h{i}-t0", "anonymous"), _wallet(f"{tag}-h{i}-t1", "basic"))
        for i in range(size.households)
    ]
    merchants = [_wallet(f"{tag}-m{i}", "business") for i in range(size.merchants)]
    return households, merchants


def _register_banks(
    client: TengeClient, network: str, cb: KeyPair, tag: str, desks: int
) -> list[Bank]:
    """At least two banks, each with a treasury key and up to seven desk keys."""
    count = max(2, math.ceil(desks / (KEYS_PER_BANK - 1)))
    banks = []
    for number in range(count):
        bank_id = f"{tag}-bank{number}"
        share = desks // count + (1 if number < desks % count else 0)
        own_desks = [Desk(bank_id, CoinBook(KeyPair.generate())) for _ in range(share)]
        banks.append(Bank(bank_id, KeyPair.generate(), own_desks))
    txs = [
        builders.bank_register(
            network,
            cb,
            bank.bank_id,
            f"Load bank {bank.bank_id}",
            [bank.treasury.public_hex, *(d.key.public_hex for d in bank.desks)],
            kzt(10**11),
        )
        for bank in banks
    ]
    commit_all(client, txs)
    return banks


def _open_wallets(
    client: TengeClient,
    network: str,
    banks: list[Bank],
    wallets: Sequence[OwnedWallet],
) -> dict[str, list[OwnedWallet]]:
    """Open every wallet at a bank, round robin; returns the wallets of each bank."""
    by_bank: dict[str, list[OwnedWallet]] = {b.bank_id: [] for b in banks}
    txs = []
    for number, wallet in enumerate(wallets):
        bank = banks[number % len(banks)]
        by_bank[bank.bank_id].append(wallet)
        txs.append(
            builders.wallet_open(
                network,
                bank.treasury,
                bank.bank_id,
                wallet.wallet_id,
                wallet.tier,
                [wallet.key.public_hex],
            )
        )
    commit_all(client, txs)
    return by_bank


def _fund_bank(
    client: TengeClient,
    network: str,
    cb: KeyPair,
    bank: Bank,
    wallets: Sequence[OwnedWallet],
) -> None:
    """Issue a bank's desk coins and treasury, then pay each wallet its starting funds."""
    treasury, desks = bank.treasury, bank.desks
    funded = [w for w in wallets if TIER_FUNDS[w.tier] > 0]
    chunks = [funded[i : i + FUNDING_CHUNK] for i in range(0, len(funded), FUNDING_CHUNK)]
    outputs = [
        Output(owner=d.key.public_hex, amount=DESK_COIN) for d in desks for _ in range(DESK_COINS)
    ]
    outputs += [
        Output(owner=treasury.public_hex, amount=sum(TIER_FUNDS[w.tier] for w in chunk))
        for chunk in chunks
    ]
    issue = builders.issue(network, cb, bank.bank_id, outputs, nonce=1)
    commit_all(client, [issue])
    for desk in desks:
        desk.book.settle(issue)
    reserve = coins_of(issue, treasury.public_hex)
    transfers = [
        builders.transfer(
            network,
            [coin],
            [Output(owner=w.key.public_hex, amount=TIER_FUNDS[w.tier]) for w in chunk],
            [treasury],
        )
        for coin, chunk in zip(reserve, chunks, strict=True)
    ]
    if transfers:
        commit_all(client, transfers)
    for tx in transfers:
        for wallet in wallets:
            wallet.book.settle(tx)


def found_cast(
    client: TengeClient, central_bank: KeyPair, size: CastSize, tag: str | None = None
) -> Cast:
    """Banks, desks, households and merchants on the node behind ``client``, funded."""
    info = client.network()
    network, tag = info.network, tag or f"l{secrets.token_hex(3)}"
    households, merchants = _plan_wallets(tag, size)
    banks = _register_banks(client, network, central_bank, tag, size.desks)
    wallets = [*(w for h in households for w in h), *merchants]
    by_bank = _open_wallets(client, network, banks, wallets)
    for bank in banks:
        _fund_bank(client, network, central_bank, bank, by_bank[bank.bank_id])
    return Cast(
        network=network,
        producer_keys=info.producer_keys,
        limits=dict(info.limits),
        households=Pool(households),
        desks=Pool([d for bank in banks for d in bank.desks]),
        merchants=merchants,
        retail_keys=[w.key.public_hex for h in households for w in h],
    )
