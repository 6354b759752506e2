"""``python -m tools.offline_sim``: an offline pilot with cheaters, settled on a ledger.

    python -m tools.offline_sim --devices 200 --hours 24 --fraud 0.05 --seed 7 --json out.json

Phones pay each other offline for ``--hours`` (a random graph, realistic
amounts), ``--fraud`` of the devices are cloned or roll their counters back,
then every phone reconnects in a random order and deposits through the ledger
on LevelDB (``--data``, a temporary directory by default). Prints and writes
``{"vouchers", "value", "fraud_attempts", "detected", "attributed_correctly",
"honest_payee_loss", "reserve_used", "max_device_exposure", "exposure_bound",
"supply_conserved", ...}``. Amounts are tiyn.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ledger.audit import audit
from ledger.encoding import decode_json
from ledger.records import BankRecord
from ledger.state import StateView
from ledger.storage import schema
from ledger.storage.leveldb import LevelDBStore
from ledger.types import KZT, Output, Transaction
from offline.records import FraudRecord, PurseRecord, Slot, purse_key, slot_key
from offline.voucher import decode_voucher
from tools.offline_sim.simulation import Actor, Simulation
from wallet import builders
from wallet.offline import builders as ob
from wallet.offline.client import deposit_groups

RECONNECT_BATCH = 10


def reconnect(sim: Simulation, progress: Any = None) -> dict[str, int]:
    """Every phone, in random order: deposit, report evidence, defund; then claw-backs."""
    order = list(sim.actors)
    sim.rng.shuffle(order)
    refused: dict[str, int] = {}
    for start in range(0, len(order), RECONNECT_BATCH):
        batch = order[start : start + RECONNECT_BATCH]
        for txs in (_deposits(sim, batch), _reports(sim, batch), _defunds(sim, batch)):
            for outcome in sim.pilot.block(txs) if txs else ():
                if outcome.error is not None:
                    refused[outcome.error.code] = refused.get(outcome.error.code, 0) + 1
        if progress is not None:
            progress(min(start + RECONNECT_BATCH, len(order)), len(order))
    _drain(sim)
    _claw_back(sim)
    return refused


def _drain(sim: Simulation) -> None:
    """Half of the cheaters empty their wallet before their bank can claw back."""
    pilot = sim.pilot
    mule = pilot.add_wallet("mule", "halyk", "business", 0)
    txs = []
    for actor in sim.actors:
        coins = pilot.coins(actor.phone.wallet_key)
        if actor.cheat and coins and sim.rng.random() < 0.5:
            total = sum(c.output.amount for c in coins)
            outputs = [Output(owner=mule.public_hex, amount=total)]
            txs.append(builders.transfer(pilot.network, coins, outputs, [actor.phone.wallet_key]))
    if txs:
        pilot.commit(*txs)


def _deposits(sim: Simulation, batch: list[Actor]) -> list[Transaction]:
    txs = []
    for actor in batch:
        accepted = actor.inbox.accepted
        for start in range(0, len(accepted), 200):
            groups = deposit_groups(accepted[start : start + 200])
            txs.append(ob.deposit(sim.pilot.network, actor.phone.wallet_key, groups))
    return txs


def _reports(sim: Simulation, batch: list[Actor]) -> list[Transaction]:
    network = sim.pilot.network
    return [
        ob.fraud(
            network,
            actor.phone.wallet_key,
            found.purse.hex(),
            found.device,
            [decode_voucher(found.first), decode_voucher(found.second)],
        )
        for actor in batch
        for found in actor.inbox.evidence
    ]


def _defunds(sim: Simulation, batch: list[Actor]) -> list[Transaction]:
    txs = []
    for actor in batch:
        state, purse = actor.state, actor.state.purse
        if purse is None:
            continue
        txs.append(
            ob.purse_defund(
                sim.pilot.network,
                actor.phone.key,
                purse.purse_id.hex(),
                state.counter,
                state.spent,
                purse.funded - state.spent,
                actor.phone.wallet_key.public_hex,
            )
        )
    return txs


def _claw_back(sim: Simulation) -> None:
    pilot = sim.pilot
    txs = []
    for fraud in frauds(sim):
        record = _purse(sim, fraud.purse)
        payer = pilot.key(record.wallet_id)
        amount = min(record.owed, pilot.balance(payer))
        if amount > 0:
            bank = pilot.key(record.bank_id)
            txs.append(ob.clawback(pilot.network, bank, record.purse, pilot.coins(payer), amount))
    if txs:
        pilot.block(txs)


def frauds(sim: Simulation) -> Iterator[FraudRecord]:
    for _, raw in sim.pilot.store.iterate(schema.offline_key("fraud", "")):
        yield decode_json(raw, FraudRecord)


def _purse(sim: Simulation, purse: str) -> PurseRecord:
    found = StateView(sim.pilot.store).read(purse_key(purse), PurseRecord)
    assert found is not None
    return found


def honest_payee_loss(sim: Simulation) -> int:
    """Value of vouchers payees accepted offline that the ledger did not pay them."""
    view, lost = StateView(sim.pilot.store), 0
    for purse, counter, voucher_id, amount in sim.tally.accepted:
        slot = view.read(slot_key(purse, counter), Slot)
        paid = slot is not None and any(v.voucher_id == voucher_id.hex() for v in slot.vouchers)
        lost += 0 if paid else amount
    return lost


def report(sim: Simulation, refused_online: dict[str, int], seconds: float) -> dict[str, Any]:
    """The figures of the run."""
    pilot, tally = sim.pilot, sim.tally
    by_purse = {a.state.purse.purse_id.hex(): a for a in sim.actors if a.state.purse}
    by_purse.update(
        {a.phone.state.purse.purse_id.hex(): a for a in sim.actors if a.phone.state.purse}
    )
    statements = {
        r.purse: (r.last_counter, r.last_cumulative)
        for r in (_purse(sim, p) for p in by_purse)
        if r.last_counter is not None and r.last_cumulative is not None and r.defund_tx
    }
    attempts = {p for p in tally.double_spent(pilot.network, statements) if p in by_purse}
    records = list(frauds(sim))
    forked = {p for p, a in by_purse.items() if a.forks > 1}
    purses = [_purse(sim, p) for p in by_purse]
    exposure, bound = _exposure(purses, {p: a.forks for p, a in by_purse.items()})
    audited = audit(pilot.store, pilot.chain.registry)
    issued = sum(b.outstanding for b in _banks(sim))
    return {
        "devices": len(sim.actors),
        "vouchers": tally.vouchers,
        "value": tally.value,
        "fraud_attempts": len(attempts),
        "detected": len(attempts & {f.purse for f in records}),
        "attributed_correctly": sum(1 for f in records if f.purse in forked),
        "innocent_charged": sum(1 for f in records if f.purse not in forked),
        "fraud_records": len(records),
        "honest_payee_loss": honest_payee_loss(sim),
        "reserve_advanced": sum(r.advanced for r in purses),
        "clawed_back": sum(r.clawed for r in purses),
        "reserve_used": sum(r.advanced - r.clawed for r in purses),
        "max_device_exposure": exposure,
        "exposure_bound": bound,
        "supply_conserved": audited.ok and audited.supply.get(KZT, 0) == issued,
        "refused_offline": dict(sorted(tally.refused.items())),
        "refused_online": dict(sorted(refused_online.items())),
        "blocks": pilot.chain.tip.height,
        "seconds": round(seconds, 2),
    }


def _exposure(purses: list[PurseRecord], forks: dict[str, int]) -> tuple[int, int]:
    """The most any purse paid beyond what it held, and the bound of docs/offline.md:
    (chains - 1) x min(funded, max vouchers x max voucher) for the device that forked most."""
    exposure = max((r.advanced for r in purses), default=0)
    bound = max(
        (
            (forks[r.purse] - 1) * min(r.funded, r.limits.max_vouchers * r.limits.max_voucher)
            for r in purses
        ),
        default=0,
    )
    return exposure, bound


def _banks(sim: Simulation) -> list[BankRecord]:
    return [decode_json(raw, BankRecord) for _, raw in sim.pilot.store.iterate(schema.BANK)]


def progress_bar(label: str) -> Any:
    """A one-line progress bar on stderr (only when it is a terminal)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        filled = 30 * done // max(total, 1)
        sys.stderr.write(f"\r{label:<10} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def run(
    devices: int, hours: int, fraud: float, seed: int, data: str, quiet: bool
) -> dict[str, Any]:
    """Set up, pay offline, reconnect, report; on a LevelDB store in ``data``."""
    started = time.perf_counter()
    Path(data).mkdir(parents=True, exist_ok=True)
    store = LevelDBStore(str(Path(data) / "ledger"))
    try:
        sim = Simulation(store, devices, fraud, seed)
        sim.run_offline(hours, None if quiet else progress_bar("offline"))
        refused = reconnect(sim, None if quiet else progress_bar("reconnect"))
        return report(sim, refused, time.perf_counter() - started)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--fraud", type=float, default=0.05, help="share of devices that cheat")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--data", help="LevelDB directory (default: a temporary one)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="offline-sim-") as scratch:
        figures = run(
            args.devices, args.hours, args.fraud, args.seed, args.data or scratch, args.quiet
        )
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    ok = figures["honest_payee_loss"] == 0 and figures["supply_conserved"]
    return 0 if ok and figures["detected"] == figures["fraud_attempts"] else 1


if __name__ == "__main__":
    sys.exit(main())
