"""A simulated offline pilot: phones pay each other offline, some cheat, all reconnect.

Every phone is a wallet with a certified device and a funded purse, and a
payee that verifies what it receives with :func:`offline.verify.verify_bundle`
(no network). During the offline hours random payers pay random payees
realistic amounts; a share of the devices cheats — a *clone* (a copy of the
device with its key keeps paying other people) or a *rollback* (the device
rewinds its counter and pays again). Then the phones reconnect in a random
order: each deposits what it accepted, reports fraud evidence it holds and
defunds its purse, and banks claw back what their reserves advanced. All of
it through the real ledger (:class:`tools.offline_sim.pilot.Pilot`, any store).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from ledger.errors import TengeError
from ledger.storage import KeyValueStore
from offline.device import DeviceState, pay
from offline.inbox import Inbox
from offline.params import HOUR_MS, default_params, default_tier_limits, kzt
from offline.proofs import after_statement, pair_fraud
from offline.trust import TrustStore
from offline.verify import VerifyCache
from offline.voucher import SignedVoucher, decode_voucher
from tools.offline_sim.pilot import Phone, Pilot

BANKS = ("halyk", "kaspi", "forte")
Progress = Callable[[int, int], None]


@dataclass
class Actor:
    """One phone: its device (and any rogue copy), its inbox as a payee."""

    phone: Phone
    state: DeviceState
    cheat: str | None = None
    """``clone`` or ``rollback`` for the devices that cheat."""
    rogue: DeviceState | None = None
    """The clone's state, or the snapshot a rollback rewinds to."""
    forks: int = 1
    inbox: Inbox = field(default_factory=Inbox)
    cache: VerifyCache = field(default_factory=VerifyCache)


@dataclass
class Tally:
    """What happened offline, counted as it happens."""

    vouchers: int = 0
    value: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    accepted: list[tuple[str, int, bytes, int]] = field(default_factory=list)
    """(purse hex, counter, voucher id, amount) of every voucher a payee accepted."""
    delivered: dict[str, dict[bytes, SignedVoucher]] = field(default_factory=dict)
    """Per purse, the vouchers payees accepted or kept as evidence, by id."""

    def deliver(self, signed: SignedVoucher, network: str) -> None:
        purse = signed.voucher.purse.hex()
        self.delivered.setdefault(purse, {})[signed.voucher_id(network)] = signed

    def double_spent(self, network: str, statements: dict[str, tuple[int, int]]) -> set[str]:
        """Purses whose vouchers in payees' hands no honest device signs together: two
        of one counter, a broken chain, or one beyond the device's defund statement."""
        found = set()
        for purse, vouchers in self.delivered.items():
            ordered = sorted(vouchers.values(), key=lambda s: s.voucher.counter)
            pairs = itertools.pairwise(ordered)
            last, total = statements.get(purse, (1 << 30, 1 << 62))
            if any(pair_fraud(a, b, network) for a, b in pairs) or any(
                after_statement(v, last, total) for v in ordered
            ):
                found.add(purse)
        return found


class Simulation:
    """The pilot, its phones, and the offline period."""

    def __init__(self, store: KeyValueStore, devices: int, fraud: float, seed: int) -> None:
        self.rng = random.Random(seed)
        params = default_params()
        params = msgspec.structs.replace(params, crl_max_age_ms=96 * HOUR_MS)
        self.pilot = Pilot(store, network="kzt-sim", params=params)
        self.tally = Tally()
        self.actors = self._cast(devices, fraud)
        self.trust: TrustStore = self.pilot.trust()

    def _cast(self, devices: int, fraud: float) -> list[Actor]:
        pilot, limits = self.pilot, default_tier_limits()["full"]
        per_bank = -(-devices // len(BANKS))
        for bank_id in BANKS:
            guarantee = kzt(300_000) * per_bank  # a full purse maximum per device
            reserve = guarantee + kzt(200_000) * per_bank + kzt(10_000_000)
            pilot.add_bank(bank_id, reserve=reserve, guarantee=guarantee)
        actors = []
        for index in range(devices):
            bank_id, wallet_id = BANKS[index % len(BANKS)], f"phone-{index:05d}"
            pilot.add_wallet(wallet_id, bank_id, "full", kzt(200_000))
            phone = pilot.enrol(wallet_id, bank_id, limits)
            phone = pilot.fund(phone, kzt(self.rng.randrange(5_000, 50_001, 500)))
            cheat = self.rng.choice(("clone", "rollback")) if self.rng.random() < fraud else None
            actors.append(Actor(phone, phone.state, cheat))
        return actors

    # -- offline -----------------------------------------------------------------------

    def run_offline(self, hours: int, progress: Progress | None = None) -> None:
        """Random payments for ``hours`` with no network; cheaters fork once."""
        start = self.pilot.time_ms + 60_000
        events = max(1, int(len(self.actors) * hours * 0.6))
        times = sorted(start + self.rng.randrange(hours * HOUR_MS) for _ in range(events))
        fork_at = {id(a): self.rng.randrange(events // 3 + 1) for a in self.actors}
        for step, now in enumerate(times):
            payer = self.rng.choice(self.actors)
            if payer.cheat and payer.forks == 1 and step >= fork_at[id(payer)]:
                self._fork(payer)
            payee = self.rng.choice([a for a in self.actors if a is not payer])
            use_rogue = payer.rogue is not None and self.rng.random() < 0.5
            self._pay(payer, payee, now, use_rogue)
            if progress is not None:
                progress(step + 1, len(times))

    def _fork(self, actor: Actor) -> None:
        # a clone is a copy that pays from now on; a rollback keeps this snapshot to rewind to
        actor.rogue = actor.state
        actor.forks += 1

    def _amount(self, available: int, limit: int, greedy: bool) -> int:
        median = 9.0 if greedy else 7.2  # ~8,100 KZT for a cheater's copy, ~1,300 KZT otherwise
        amount = int(self.rng.lognormvariate(median, 0.9)) * 100
        return max(100, min(amount, limit, available))

    def _pay(self, payer: Actor, payee: Actor, now: int, use_rogue: bool) -> None:
        state = payer.rogue if use_rogue and payer.rogue is not None else payer.state
        limits = state.device.limits
        if state.available < 100:
            return
        amount = self._amount(state.available, limits.max_voucher, use_rogue)
        try:
            bundle, after = pay(state, payer.phone.key, payee.phone.wallet_key.public, amount, now)
        except TengeError as error:
            self._refused(error.code)
            return
        if use_rogue:
            payer.rogue = after
            if payer.cheat == "rollback":  # the rewound device is the device from now on
                payer.state, payer.rogue = after, None
        else:
            payer.state = after
        self._receive(payee, bundle.encode(), now)

    def _receive(self, payee: Actor, data: bytes, now: int) -> None:
        trust, key = self.trust, payee.phone.wallet_key.public
        try:
            accepted, payee.inbox = payee.inbox.receive(data, trust, key, now, payee.cache)
        except TengeError as error:
            before = len(payee.inbox.evidence)
            payee.inbox = payee.inbox.with_evidence(data, error)
            if len(payee.inbox.evidence) > before:
                kept = payee.inbox.evidence[-1]
                self.tally.deliver(decode_voucher(kept.second), self.trust.network)
            self._refused(error.code)
            return
        signed = accepted.bundle.voucher
        v = signed.voucher
        voucher_id = signed.voucher_id(trust.network)
        self.tally.accepted.append((v.purse.hex(), v.counter, voucher_id, v.amount))
        self.tally.deliver(signed, trust.network)
        self.tally.vouchers += 1
        self.tally.value += v.amount

    def _refused(self, code: str) -> None:
        self.tally.refused[code] = self.tally.refused.get(code, 0) + 1
