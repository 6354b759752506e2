"""An offline-payments pilot in one process: a chain, the central bank, banks, phones.

Used by the simulation, the benchmark and the tests: it drives the real
ledger (any store: memory or LevelDB) through signed transactions only, and
hands out what phones hold (device state, trust store). Keys derive from
names (test networks only). The central bank's and banks' keys are real
ledger keys; they are also the PKI's keys (docs/decisions/0006-offline-pki.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256
from ledger.encoding import decode_json
from ledger.errors import TengeError
from ledger.params import make_genesis
from ledger.queries import holdings_of_key
from ledger.receipts import make_receipt
from ledger.records import Locked
from ledger.rules import core_registry
from ledger.state import StateView
from ledger.storage import KeyValueStore, schema
from ledger.types import Output, Tier, Transaction
from node.ordering import Outcome
from node.producer import produce_now
from offline import register
from offline.certs import bank_ca_certificate, device_certificate, revocation_list, root_certificate
from offline.device import DeviceState, Purse
from offline.params import DAY_MS, OfflineLimits, OfflineParams, default_params
from offline.records import (
    SETUP,
    BankOffline,
    CrlRecord,
    DeviceRecord,
    SetupRecord,
    crl_key,
    device_key,
    reserve_lock,
)
from offline.records import bank_key as offline_bank_key
from offline.trust import TrustStore
from offline.types import PurseFund
from wallet import builders
from wallet.builders import Coin
from wallet.offline import builders as ob

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@dataclass(frozen=True)
class Phone:
    """A device as its owner holds it: its key (in a secure element, in production) and state."""

    wallet_id: str
    bank_id: str
    key: KeyPair
    wallet_key: KeyPair
    state: DeviceState

    @property
    def serial(self) -> str:
        return self.state.device.serial_hex


class Pilot:
    """One chain and the actors of an offline pilot."""

    def __init__(
        self,
        store: KeyValueStore,
        network: str = "kzt-pilot",
        params: OfflineParams | None = None,
        time_ms: int = T0,
    ) -> None:
        self.network, self.time_ms, self.nonce = network, time_ms, 0
        self.cb, self.producer = self.key("central-bank"), self.key("producer")
        genesis = make_genesis(network, [self.cb.public_hex], [self.producer.public_hex], time_ms)
        registry = core_registry()
        register(registry)
        self.chain = Chain(store, registry, genesis)
        if StateView(store).read(SETUP, SetupRecord) is None:
            root = root_certificate(self.cb, network, time_ms)
            self.commit(ob.setup(network, self.cb, root, params or default_params()))

    @property
    def store(self) -> KeyValueStore:
        return self.chain.store

    def key(self, name: str) -> KeyPair:
        """A deterministic key for a name (pilot networks only)."""
        return KeyPair.from_seed(sha256(f"{self.network}:key:{name}".encode()))

    def block(self, txs: Sequence[Transaction], advance_ms: int = 1000) -> list[Outcome]:
        """Verify, check and commit one block at the pilot's clock."""
        self.time_ms += advance_ms
        return produce_now(self.chain, self.producer, txs, self.time_ms)

    def commit(self, *txs: Transaction, advance_ms: int = 1000) -> list[Outcome]:
        """One block; raise the first refusal."""
        outcomes = self.block(txs, advance_ms)
        for outcome in outcomes:
            if outcome.error is not None:
                raise outcome.error
        return outcomes

    def refusal(self, tx: Transaction) -> TengeError:
        """Submit ``tx`` alone; the error that refused it (AssertionError if committed)."""
        (outcome,) = self.block([tx])
        if outcome.error is None:
            raise AssertionError("committed, expected a refusal")
        return outcome.error

    def coins(self, owner: KeyPair | str) -> list[Coin]:
        public = owner if isinstance(owner, str) else owner.public_hex
        return [Coin(point=h.point, output=h.output) for h in holdings_of_key(self.store, public)]

    def balance(self, owner: KeyPair | str) -> int:
        return sum(c.output.amount for c in self.coins(owner))

    def locked(self, lock_id: str) -> int:
        found = StateView(self.store).read(schema.locked_key(lock_id), Locked)
        return found.amount if found else 0

    # -- the cast ------------------------------------------------------------------

    def add_bank(self, bank_id: str, reserve: int, guarantee: int) -> KeyPair:
        """Register a bank, issue ``reserve``, certify its CA, lock ``guarantee``, publish a CRL."""
        bank = self.key(bank_id)
        self.nonce += 1
        self.commit(
            builders.bank_register(
                self.network, self.cb, bank_id, bank_id, [bank.public_hex], reserve * 10
            ),
        )
        issue = [Output(owner=bank.public_hex, amount=reserve)]
        ca = bank_ca_certificate(self.cb, self.network, bank_id, bank.public_hex, self.time_ms)
        self.commit(
            builders.issue(self.network, self.cb, bank_id, issue, self.nonce),
            ob.bank_ca(self.network, self.cb, bank_id, ca),
        )
        if guarantee:
            self.commit(ob.reserve_fund(self.network, bank, bank_id, self.coins(bank), guarantee))
        self.publish_crl(bank_id)
        return bank

    def add_wallet(self, wallet_id: str, bank_id: str, tier: Tier, funds: int) -> KeyPair:
        owner, bank = self.key(wallet_id), self.key(bank_id)
        opened = builders.wallet_open(
            self.network, bank, bank_id, wallet_id, tier, [owner.public_hex]
        )
        self.commit(opened)
        if funds:
            pay = builders.pay(
                self.network, self.coins(bank), [bank], owner.public_hex, funds, bank.public_hex
            )
            self.commit(pay)
        return owner

    def certificate(
        self, wallet_id: str, bank_id: str, device: KeyPair, limits: OfflineLimits
    ) -> bytes:
        """A device certificate from the bank's CA (its ledger key)."""
        serial = int.from_bytes(sha256(device.public)[:8], "big") >> 1 | 1
        return device_certificate(
            self.key(bank_id), bank_id, wallet_id, device.public_hex, limits, self.time_ms, serial
        )

    def enrol(self, wallet_id: str, bank_id: str, limits: OfflineLimits, name: str = "") -> Phone:
        """The bank certifies a new device of the wallet and enrols it on the ledger."""
        device = self.key(f"device:{wallet_id}:{name}")
        certificate = self.certificate(wallet_id, bank_id, device, limits)
        self.commit(ob.enrol(self.network, self.key(bank_id), certificate))
        state = DeviceState(self.network, certificate)
        return Phone(wallet_id, bank_id, device, self.key(wallet_id), state)

    def fund(self, phone: Phone, amount: int) -> Phone:
        """Fund a purse on the phone; the phone keeps the funding body and its receipt."""
        coins = self.coins(phone.wallet_key)
        tx = ob.purse_fund(self.network, [phone.wallet_key], coins, phone.key.public_hex, amount)
        self.commit(tx)
        receipt = make_receipt(self.store, self.network, tx.txid)
        assert receipt is not None and isinstance(tx.body, PurseFund)
        purse = Purse(funding=tx.body_bytes, receipt=receipt)
        return Phone(
            phone.wallet_id, phone.bank_id, phone.key, phone.wallet_key, phone.state.funded(purse)
        )

    def publish_crl(self, bank_id: str, valid_ms: int = 7 * DAY_MS) -> None:
        """The bank publishes a CRL listing every device the ledger revoked."""
        view = StateView(self.store)
        offline = view.read(offline_bank_key(bank_id), BankOffline)
        assert offline is not None
        revoked = []
        for serial in offline.revoked:
            record = view.read(device_key(serial), DeviceRecord)
            assert record is not None
            revoked.append((int(serial, 16), record.revoked_at or self.time_ms))
        last = view.read(crl_key(bank_id), CrlRecord)
        number = (last.number if last else 0) + 1
        crl = revocation_list(
            self.key(bank_id), bank_id, number, revoked, self.time_ms, self.time_ms + valid_ms
        )
        self.commit(ob.publish_crl(self.network, self.key(bank_id), bank_id, crl))

    def trust(self) -> TrustStore:
        """What a phone downloads at sync: root, bank CAs, CRLs, producer keys, parameters."""
        view = StateView(self.store)
        setup = view.read(SETUP, SetupRecord)
        assert setup is not None
        cas, crls = {}, {}
        for _, raw in self.store.iterate(offline_bank_key("")):
            record = decode_json(raw, BankOffline)
            cas[record.bank_id] = bytes.fromhex(record.ca)
            crl = view.read(crl_key(record.bank_id), CrlRecord)
            if crl is not None:
                crls[record.bank_id] = bytes.fromhex(crl.crl)
        return TrustStore.build(
            self.network,
            self.chain.genesis.producer_keys,
            setup.params,
            bytes.fromhex(setup.root),
            cas,
            crls,
        )

    def reserve(self, bank_id: str) -> int:
        return self.locked(reserve_lock(bank_id))
