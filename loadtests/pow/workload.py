"""The comparison's workload: one network, funded payers, N pre-signed transfers.

Both systems receive byte-identical transactions. Setup (banks, wallets,
funding) is the *bootstrap*: committed to the permissioned ledger before the
clock starts and applied as the PoW chain's genesis state. The N transfers
each spend their own funding coin, so they are independent and can all be
signed before anything is timed. Keys are derived from the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ledger.crypto import KeyPair, sha256
from ledger.params import kzt, make_genesis
from ledger.types import Genesis, Output, Transaction
from wallet import builders
from wallet.builders import Coin

NETWORK = "kzt-pow-compare"
GENESIS_TIME_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
COIN_KZT = 10_000
COINS_PER_PAYER = 20
PAYMENTS_PER_PAYEE = 20
OUTPUTS_PER_FUNDING = 255  # plus one change output: the ledger's 256-output limit


@dataclass(frozen=True, slots=True)
class Workload:
    """Everything both systems are given, already signed."""

    seed: int
    genesis: Genesis
    producer: KeyPair
    bootstrap: tuple[Transaction, ...]
    transfers: tuple[Transaction, ...]
    payers: dict[str, KeyPair]
    """Payers' key pairs by public key (hex), to sign further payments in tests."""


def build_workload(n: int, seed: int) -> Workload:
    """``n`` transfers from "full"-tier payers to business payees, and their setup."""

    def key(name: str) -> KeyPair:
        """A key derived from the seed and a name."""
        return KeyPair.from_seed(sha256(f"pow-compare:{seed}:{name}".encode()))

    cb, producer, bank = key("central-bank"), key("producer"), key("bank")
    payers = [key(f"payer-{i}") for i in range(-(-n // COINS_PER_PAYER))]
    payees = [key(f"payee-{i}") for i in range(max(1, n // PAYMENTS_PER_PAYEE))]
    genesis = make_genesis(NETWORK, [cb.public_hex], [producer.public_hex], GENESIS_TIME_MS)
    setup = [
        builders.bank_register(
            NETWORK, cb, "bench-bank", "Bench Bank", [bank.public_hex], kzt(COIN_KZT) * (n + 1)
        ),
        builders.issue(
            NETWORK, cb, "bench-bank", [Output(owner=bank.public_hex, amount=kzt(COIN_KZT) * n)], 1
        ),
    ]
    for i, payer in enumerate(payers):
        setup.append(_open(bank, f"payer-{i}", "full", payer))
    for i, payee in enumerate(payees):
        setup.append(_open(bank, f"payee-{i}", "business", payee))
    funding, coins = _fund(setup[1], bank, [payers[i // COINS_PER_PAYER] for i in range(n)])
    rng = random.Random(seed)
    transfers = tuple(
        builders.pay(
            NETWORK,
            [coin],
            [payer],
            rng.choice(payees).public_hex,
            kzt(rng.randint(100, COIN_KZT // 2)),
            payer.public_hex,
            memo=f"payment {i}",
        )
        for i, (coin, payer) in enumerate(coins)
    )
    signers = {p.public_hex: p for p in payers}
    return Workload(seed, genesis, producer, (*setup, *funding), transfers, signers)


def _open(bank: KeyPair, wallet_id: str, tier: str, owner: KeyPair) -> Transaction:
    return builders.wallet_open(
        NETWORK,
        bank,
        "bench-bank",
        wallet_id,
        tier,  # type: ignore[arg-type]
        [owner.public_hex],
        mcc="5411" if tier == "business" else None,
    )


def _fund(
    issue: Transaction, bank: KeyPair, owners: list[KeyPair]
) -> tuple[list[Transaction], list[tuple[Coin, KeyPair]]]:
    """Chained transfers from the bank's reserve: one coin of COIN_KZT per owner entry."""
    funding: list[Transaction] = []
    coins: list[tuple[Coin, KeyPair]] = []
    reserve = builders.coins_of(issue, bank.public_hex)
    for start in range(0, len(owners), OUTPUTS_PER_FUNDING):
        batch = owners[start : start + OUTPUTS_PER_FUNDING]
        outputs = [Output(owner=o.public_hex, amount=kzt(COIN_KZT)) for o in batch]
        change = sum(c.output.amount for c in reserve) - kzt(COIN_KZT) * len(batch)
        if change:
            outputs.append(Output(owner=bank.public_hex, amount=change))
        tx = builders.transfer(NETWORK, reserve, outputs, [bank])
        funding.append(tx)
        created = builders.coins_of(tx)
        coins.extend(zip(created[: len(batch)], batch, strict=True))
        reserve = created[len(batch) :]
    return funding, coins
