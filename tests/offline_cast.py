"""The usual cast of offline-payment tests: a pilot network, a bank, two phones.

The device keys are software keys: in production they live in a secure
element that refuses to clone them or rewind their counter; these tests
play both the honest phone and the cheater with copies of its state.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.crypto import KeyPair
from ledger.storage import KeyValueStore
from ledger.storage.memory import MemoryStore
from offline.bundle import Bundle
from offline.device import DeviceState, pay
from offline.params import default_tier_limits, kzt
from offline.trust import TrustStore
from offline.voucher import SignedVoucher
from tools.offline_sim.pilot import Phone, Pilot
from wallet.offline import builders as ob

BASIC = default_tier_limits()["basic"]


@dataclass
class Cast:
    """A pilot with the bank ``halyk``, Alice's funded phone, and payees Bob and Carol."""

    pilot: Pilot
    bank: KeyPair
    alice: Phone
    bob: KeyPair
    carol: KeyPair
    trust: TrustStore

    @property
    def network(self) -> str:
        return self.pilot.network

    @property
    def purse(self) -> str:
        assert self.alice.state.purse is not None
        return self.alice.state.purse.purse_id.hex()

    def now(self, after_ms: int = 60_000) -> int:
        """A phone's clock, shortly after the ledger's last block."""
        return self.pilot.time_ms + after_ms

    def pay(
        self, to: KeyPair, amount: int, state: DeviceState | None = None, after_ms: int = 60_000
    ) -> tuple[Bundle, DeviceState]:
        """Alice's device pays (from ``state``, a copy, if given: a clone or a rollback)."""
        return pay(state or self.alice.state, self.alice.key, to.public, amount, self.now(after_ms))

    def deposit(self, payee: KeyPair, *vouchers: SignedVoucher, signer: KeyPair | None = None):  # type: ignore[no-untyped-def]
        """A deposit transaction of Alice's vouchers, signed by the payee (or ``signer``)."""
        group = (self.purse, self.alice.key.public_hex, list(vouchers))
        return ob.deposit(self.network, signer or payee, [group])


def cast(store: KeyValueStore | None = None, purse: int = kzt(30_000)) -> Cast:
    """Set the cast up on ``store`` (memory by default)."""
    pilot = Pilot(store or MemoryStore())
    bank = pilot.add_bank("halyk", reserve=kzt(10_000_000), guarantee=kzt(1_000_000))
    pilot.add_wallet("alice", "halyk", "basic", kzt(100_000))
    bob = pilot.add_wallet("bob", "halyk", "full", kzt(1_000))
    carol = pilot.add_wallet("carol", "halyk", "full", 0)
    alice = pilot.fund(pilot.enrol("alice", "halyk", BASIC), purse)
    return Cast(pilot, bank, alice, bob, carol, pilot.trust())
