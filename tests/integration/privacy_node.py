"""A validator node in this process, on LevelDB, behind the real app, reached through the SDK.

The same objects a node's writer builds (chain, producer, ledger service with
the privacy handlers) serve a Flask app; the SDK talks to it through httpx's
WSGI transport. Keys come from :mod:`tests.harness`; the validator's seed,
the escrow ceremony and the authorities from :mod:`tests.privacy_cast`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx

from api.app import create_app
from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.params import kzt, make_genesis
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Output, Tier, Transaction
from node.composition import full_registry
from node.producer import Producer
from node.service import LedgerService
from privacy import escrow
from privacy.params import default_params
from privacy.types import Authority, PrivacyConfigure
from tests.harness import NETWORK, T0, key
from tests.privacy_cast import AUTHORITIES, ESCROW_SEED, THRESHOLD, validator
from wallet import builders
from wallet.client import TengeClient
from wallet.privacy.client import PrivateWallet


class PrivacyNode:
    """Chain, producer, service and app on one LevelDB directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.validator = validator()
        genesis = make_genesis(
            NETWORK, [key("central-bank").public_hex], [key("producer").public_hex], T0
        )
        self.store = LevelDBStore(str(path))
        self.chain = Chain(self.store, full_registry(self.validator), genesis)
        self.producer = Producer(self.chain, key("producer"), max_wait_ms=5).start()
        self.service = LedgerService(self.chain, self.producer)
        self.app = create_app(self.service, self.chain.registry)
        transport = httpx.WSGITransport(app=self.app)
        self.client = TengeClient("http://testserver", transport=transport)
        self.escrow_public, self.shares = escrow.ceremony(AUTHORITIES, THRESHOLD, seed=ESCROW_SEED)

    def close(self) -> None:
        self.client.close()
        self.producer.stop()
        self.store.close()

    def commit(self, tx: Transaction) -> None:
        result = self.client.submit(tx, wait=True).result
        assert result.status == "committed", result

    def configure(self) -> None:
        authorities = [Authority(name=n, key=key(n).public_hex) for n in AUTHORITIES]
        params = default_params(self.validator.secrets, self.escrow_public, authorities, THRESHOLD)
        self.commit(
            Transaction.create(NETWORK, PrivacyConfigure(params=params), [key("central-bank")])
        )

    def bank(self, bank_id: str, reserve: int = kzt(10_000_000)) -> KeyPair:
        cb, bank = key("central-bank"), key(bank_id)
        self.commit(
            builders.bank_register(NETWORK, cb, bank_id, bank_id, [bank.public_hex], reserve)
        )
        self.commit(
            builders.issue(NETWORK, cb, bank_id, [Output(owner=bank.public_hex, amount=reserve)], 1)
        )
        return bank

    def wallet(
        self, wallet_id: str, bank_id: str, tier: Tier = "basic", funds: int = 0
    ) -> PrivateWallet:
        owner, bank = key(wallet_id), key(bank_id)
        self.commit(
            builders.wallet_open(NETWORK, bank, bank_id, wallet_id, tier, [owner.public_hex])
        )
        if funds:
            coins = self.client.bank_coins(bank_id, bank)
            self.commit(
                builders.pay(NETWORK, coins, [bank], owner.public_hex, funds, bank.public_hex)
            )
        return PrivateWallet(self.client, wallet_id, owner)

    def dump(self) -> dict[bytes, bytes]:
        """Every key and value in the store (all prefixes)."""
        return {k: v for p in range(256) for k, v in self.store.iterate(bytes([p]))}


def running(path: Path) -> Iterator[PrivacyNode]:
    node = PrivacyNode(path)
    try:
        node.configure()
        yield node
    finally:
        node.close()
