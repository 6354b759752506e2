"""Random offline exchange graphs with clones and rollbacks, reconnecting in random order.

Hypothesis plays three phones that pay three payees offline, copies devices
(a clone keeps paying with the same key), rewinds their counters, defunds
purses, and reconnects payees in any order to deposit what they accepted and
report what they refused. The software keystore stands in for a secure
element: that is the only reason a device can be cloned at all here. After
every step:

- supply is exactly conserved (outputs + purses + reserves);
- every voucher a payee accepted offline and deposited is paid in full;
- no fraud record names a device that did not sign conflicting vouchers;
- every double spend whose vouchers reached the ledger is recorded and
  attributed to the device that signed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ledger.audit import audit, check_money
from ledger.errors import TengeError
from ledger.state import StateView
from ledger.storage.memory import MemoryStore
from offline.bundle import decode_bundle
from offline.device import DeviceState, pay
from offline.inbox import Inbox
from offline.params import OfflineLimits, kzt
from offline.records import FraudRecord, PurseRecord, Slot, fraud_key, purse_key, slot_key
from offline.trust import TrustStore
from offline.voucher import SignedVoucher, decode_voucher
from tools.offline_sim.pilot import Phone, Pilot
from wallet.offline import builders as ob
from wallet.offline.client import deposit_groups

PHONES, PAYEES = 3, 3
LIMITS = OfflineLimits(
    max_purse=kzt(5_000), max_voucher=kzt(1_500), max_vouchers=20, max_offline_hours=96
)


@dataclass
class Device:
    """A phone's device and every copy of it a cheater runs (instance 0 is the phone)."""

    phone: Phone
    instances: list[DeviceState]
    history: list[DeviceState]
    signed: dict[int, set[bytes]] = field(default_factory=dict)
    """Counter -> ids of the vouchers any copy signed."""
    statement: tuple[int, int] | None = None

    @property
    def purse(self) -> str:
        assert self.phone.state.purse is not None
        return self.phone.state.purse.purse_id.hex()

    def beyond_statement(self, vouchers: list[SignedVoucher]) -> bool:
        """Some of these vouchers contradict the device's defund statement."""
        if self.statement is None:
            return False
        last, total = self.statement
        return any(v.voucher.counter > last or v.voucher.cumulative > total for v in vouchers)

    def cheated(self, vouchers: list[SignedVoucher]) -> bool:
        """Two vouchers of one counter, or one beyond the defund statement."""
        doubled = any(len(ids) > 1 for ids in self.signed.values())
        return doubled or self.beyond_statement(vouchers)


class OfflineMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.pilot = Pilot(MemoryStore())
        self.bank = self.pilot.add_bank("halyk", reserve=kzt(10_000_000), guarantee=kzt(100_000))
        self.devices: list[Device] = []
        for index in range(PHONES):
            self.pilot.add_wallet(f"phone{index}", "halyk", "full", kzt(20_000))
            phone = self.pilot.fund(self.pilot.enrol(f"phone{index}", "halyk", LIMITS), kzt(5_000))
            self.devices.append(Device(phone, [phone.state], [phone.state]))
        self.payees = [
            self.pilot.add_wallet(f"payee{i}", "halyk", "full", 0) for i in range(PAYEES)
        ]
        self.inboxes = [Inbox() for _ in range(PAYEES)]
        self.deposited: list[set[bytes]] = [set() for _ in range(PAYEES)]
        self.vouchers: dict[bytes, SignedVoucher] = {}
        self.trust: TrustStore = self.pilot.trust()
        self.clock = self.pilot.time_ms + 60_000

    # -- offline ---------------------------------------------------------------------

    @rule(
        phone=st.integers(0, PHONES - 1),
        copy=st.integers(0, 3),
        payee=st.integers(0, PAYEES - 1),
        amount=st.integers(1, kzt(400)),
        minutes=st.integers(0, 30),
    )
    def pay_offline(self, phone: int, copy: int, payee: int, amount: int, minutes: int) -> None:
        device = self.devices[phone]
        copy = min(copy, len(device.instances) - 1)
        state = device.instances[copy]
        self.clock += minutes * 60_000
        try:
            bundle, after = pay(
                state, device.phone.key, self.payees[payee].public, amount, self.clock
            )
        except TengeError:
            return  # the device's own limits said no
        device.instances[copy] = after
        device.history.append(after)
        signed = bundle.voucher
        voucher_id = signed.voucher_id(self.pilot.network)
        self.vouchers[voucher_id] = signed
        device.signed.setdefault(signed.voucher.counter, set()).add(voucher_id)
        inbox, data = self.inboxes[payee], bundle.encode()
        try:
            _, self.inboxes[payee] = inbox.receive(
                data, self.trust, self.payees[payee].public, self.clock
            )
        except TengeError as error:
            self.inboxes[payee] = inbox.with_evidence(data, error)

    @rule(
        phone=st.integers(0, PHONES - 1),
        payee=st.integers(0, PAYEES - 1),
        amount=st.integers(1, kzt(400)),
    )
    def pay_again(self, phone: int, payee: int, amount: int) -> None:
        """Payments are the common case: a second rule makes them twice as likely."""
        self.pay_offline(phone, 0, payee, amount, 1)

    @rule()
    def reconnect_everyone(self) -> None:
        for payee in range(PAYEES):
            self.reconnect(payee)

    @rule(phone=st.integers(0, PHONES - 1), copy=st.integers(0, 3))
    def clone(self, phone: int, copy: int) -> None:
        device = self.devices[phone]
        device.instances.append(device.instances[copy % len(device.instances)])

    @rule(phone=st.integers(0, PHONES - 1), back=st.integers(0, 20))
    def roll_back(self, phone: int, back: int) -> None:
        device = self.devices[phone]
        device.instances[0] = device.history[max(0, len(device.history) - 1 - back)]

    # -- online ----------------------------------------------------------------------

    @rule(payee=st.integers(0, PAYEES - 1))
    def reconnect(self, payee: int) -> None:
        key, inbox = self.payees[payee], self.inboxes[payee]
        todo = [b for b in inbox.accepted if b not in self.deposited[payee]]
        if todo:
            (outcome,) = self.pilot.block(
                [ob.deposit(self.pilot.network, key, deposit_groups(todo))]
            )
            assert outcome.error is None, f"an honest payee's deposit was refused: {outcome.error}"
            self.deposited[payee].update(todo)
        for found in inbox.evidence:
            vouchers = [decode_voucher(found.first), decode_voucher(found.second)]
            report = ob.fraud(self.pilot.network, key, found.purse.hex(), found.device, vouchers)
            self.pilot.block([report])  # refused once a fraud is already on record

    @rule(phone=st.integers(0, PHONES - 1))
    def defund(self, phone: int) -> None:
        device = self.devices[phone]
        state = device.instances[0]
        if state.purse is None or device.statement is not None:
            return
        tx = ob.purse_defund(
            self.pilot.network,
            device.phone.key,
            state.purse.purse_id.hex(),
            state.counter,
            state.spent,
            state.purse.funded - state.spent,
            device.phone.wallet_key.public_hex,
        )
        (outcome,) = self.pilot.block([tx])
        if outcome.error is None:
            device.statement = (state.counter, state.spent)
            device.instances[0] = DeviceState(state.network, state.certificate)

    # -- what must always hold -----------------------------------------------------------

    @invariant()
    def supply_is_conserved(self) -> None:
        _, _, problems = check_money(self.pilot.store)
        assert not problems, problems

    @invariant()
    def deposited_vouchers_are_paid_in_full(self) -> None:
        view = StateView(self.pilot.store)
        for payee, done in enumerate(self.deposited):
            expected = 0
            for data in done:
                signed = decode_bundle(data).voucher
                v = signed.voucher
                slot = view.read(slot_key(v.purse.hex(), v.counter), Slot)
                voucher_id = signed.voucher_id(self.pilot.network).hex()
                assert slot is not None and voucher_id in {s.voucher_id for s in slot.vouchers}
                expected += v.amount
            assert self.pilot.balance(self.payees[payee]) == expected

    @invariant()
    def frauds_name_exactly_the_cheaters(self) -> None:
        view = StateView(self.pilot.store)
        for device in self.devices:
            record = view.read(fraud_key(device.purse), FraudRecord)
            settled = self._settled(view, device.purse)
            if record is not None:
                event(f"fraud recorded: {record.kind}")
                assert (
                    record.serial == device.phone.serial
                    and record.wallet_id == device.phone.wallet_id
                )
                assert device.cheated(settled), "an innocent device was charged"
            if self._conflict_on_ledger(settled, device):
                assert record is not None, "a double spend on the ledger went undetected"

    def _settled(self, view: StateView, purse: str) -> list[SignedVoucher]:
        record = view.read(purse_key(purse), PurseRecord)
        assert record is not None
        if record.advanced:
            event("the bank's reserve paid an honest payee")
        found = []
        for counter in record.counters:
            slot = view.read(slot_key(purse, counter), Slot)
            assert slot is not None
            found += [self.vouchers[bytes.fromhex(s.voucher_id)] for s in slot.vouchers]
        return found

    def _conflict_on_ledger(self, settled: list[SignedVoucher], device: Device) -> bool:
        counters = [v.voucher.counter for v in settled]
        if len(counters) != len(set(counters)):
            return True
        return device.beyond_statement(settled)

    def teardown(self) -> None:
        if hasattr(self, "pilot"):
            report = audit(self.pilot.store, self.pilot.chain.registry)
            assert report.ok, report.problems


TestOfflineMachine = OfflineMachine.TestCase
TestOfflineMachine.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
