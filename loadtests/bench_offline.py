"""Offline payments benchmark: bundle verification, deposits, and byte sizes, on one core.

``python -m loadtests.bench_offline --json PATH [--devices 200 --vouchers 100 --cpu 0]``

In one process pinned to one CPU it (1) sets up a pilot on LevelDB in a
temporary directory (a bank, ``--devices`` certified and funded phones, ten
payees), (2) has every device sign ``--vouchers`` vouchers (outside the
clock), then measures:

- **ceiling**: raw Ed25519 verifications/s (libsodium) on this core;
- **cold**: full bundle verifications/s with nothing cached — CBOR decode,
  device certificate parse and signature, CRL status and freshness, funding
  body hash, receipt signature and Merkle path, voucher signature and limits.
  A cold bundle costs three Ed25519 verifications, so ``cold_ratio`` is
  ``cold / (ceiling / 3)``;
- **cached**: the same with the certificate and funding receipt cached (a
  payee's second voucher from a purse): one Ed25519 verification, so
  ``cached_ratio = cached / ceiling``;
- **deposits**: vouchers/s committed through the ledger: deposit transactions
  of 100 vouchers, 20 per block, each block verified (voucher and transaction
  signatures), checked against state and committed in one synced LevelDB batch;
- the byte sizes of a voucher and a bundle, and the bundle's QR version.

It prints what it measured and the load average of the (shared) machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import segno

from ledger.crypto import KeyPair, verify
from ledger.receipts import make_receipt
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Output, Transaction
from node.producer import produce_now
from offline.bundle import Bundle
from offline.certs import device_certificate
from offline.device import DeviceState, Purse, pay
from offline.params import default_tier_limits, kzt
from offline.pki import load_device
from offline.verify import VerifyCache, verify_bundle
from tools.offline_sim.pilot import Pilot
from wallet import builders
from wallet.offline import builders as ob

PAYEES = 10
PER_DEPOSIT, PER_BLOCK = 100, 20


def pin(cpu: int) -> str:
    """Run on one CPU (Linux); what was done, for the report."""
    try:
        os.sched_setaffinity(0, {cpu})
        return f"pinned to cpu {cpu}"
    except (AttributeError, OSError) as error:
        return f"not pinned ({error})"


def found(pilot: Pilot, devices: int) -> tuple[list[tuple[KeyPair, DeviceState]], list[KeyPair]]:
    """A bank, ``devices`` full-tier wallets with funded purses, and the payees."""
    network, limits = pilot.network, default_tier_limits()["full"]
    bank = pilot.add_bank("bench", reserve=kzt(10**9), guarantee=kzt(300_000) * devices)
    owners = [pilot.key(f"w{i}") for i in range(devices)]
    payees = [pilot.key(f"p{i}") for i in range(PAYEES)]
    people = [(f"w{i}", k) for i, k in enumerate(owners)] + [
        (f"p{i}", k) for i, k in enumerate(payees)
    ]
    opens = [
        builders.wallet_open(network, bank, "bench", w, "full", [k.public_hex]) for w, k in people
    ]
    pilot.commit(*opens)
    gifts = [Output(owner=k.public_hex, amount=kzt(200_000)) for k in owners]
    pilot.commit(
        builders.transfer(
            network, pilot.coins(bank), [*gifts, *_change(pilot, bank, gifts)], [bank]
        )
    )
    keys = [pilot.key(f"device{i}") for i in range(devices)]
    certificates = [
        device_certificate(bank, "bench", f"w{i}", d.public_hex, limits, pilot.time_ms, i + 1)
        for i, d in enumerate(keys)
    ]
    pilot.commit(*(ob.enrol(network, bank, c) for c in certificates))
    funds = [
        ob.purse_fund(network, [o], pilot.coins(o), d.public_hex, kzt(100_000))
        for o, d in zip(owners, keys, strict=True)
    ]
    pilot.commit(*funds)
    phones = []
    for tx, device, certificate in zip(funds, keys, certificates, strict=True):
        receipt = make_receipt(pilot.store, network, tx.txid)
        assert receipt is not None
        state = DeviceState(network, certificate).funded(Purse(tx.body_bytes, receipt))
        phones.append((device, state))
    return phones, payees


def _change(pilot: Pilot, bank: KeyPair, gifts: list[Any]) -> list[Any]:
    total = sum(c.output.amount for c in pilot.coins(bank))
    return [Output(owner=bank.public_hex, amount=total - sum(g.amount for g in gifts))]


def sign_all(
    phones: list[tuple[KeyPair, DeviceState]], payees: list[KeyPair], count: int, now: int
) -> list[Bundle]:
    """Every device pays ``count`` vouchers round-robin to the payees."""
    bundles = []
    for index, (device, state) in enumerate(phones):
        for n in range(count):
            payee = payees[(index + n) % len(payees)]
            bundle, state = pay(state, device, payee.public, 100 + n, now + n)
            bundles.append(bundle)
    return bundles


def rate(label: str, items: int, work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    print(f"{label:<10} {items / seconds:>10,.0f}/s  ({items:,} in {seconds:.2f} s)", flush=True)
    return items / seconds


def measure(devices: int, vouchers: int, folder: str) -> dict[str, Any]:
    store = LevelDBStore(str(Path(folder) / "ledger"))
    try:
        pilot = Pilot(store, network="kzt-bench")
        phones, payees = found(pilot, devices)
        trust, now = pilot.trust(), pilot.time_ms + 60_000
        bundles = sign_all(phones, payees, vouchers, now)
        encoded = [(b.encode(), b.voucher.voucher.payee) for b in bundles]
        figures = _verification(encoded, trust, now, vouchers)
        figures["deposits_per_s"] = _deposits(pilot, bundles, payees)
        sample = encoded[0][0]
        figures.update(
            voucher_bytes=max(len(b.voucher.raw) for b in bundles),
            bundle_bytes=len(sample),
            bundle_qr_version=segno.make(sample, error="l", micro=False).version,
            vouchers=len(bundles),
            devices=devices,
        )
        return figures
    finally:
        store.close()


def _verification(
    encoded: list[tuple[bytes, bytes]], trust: Any, now: int, per_device: int
) -> dict[str, Any]:
    key = KeyPair.from_seed(bytes(32))
    message, signature = b"m" * 120, key.sign(b"m" * 120)
    n = len(encoded)
    ceiling = rate("ed25519", n, lambda: [verify(key.public, message, signature) for _ in range(n)])
    cold = rate("cold", n, lambda: [verify_bundle(d, trust, p, now) for d, p in encoded])
    cache = VerifyCache()
    for data, payee in encoded[::per_device]:  # each device's first bundle warms the cache
        verify_bundle(data, trust, payee, now, None, cache)
    cached = rate(
        "cached", n, lambda: [verify_bundle(d, trust, p, now, None, cache) for d, p in encoded]
    )
    return {
        "ed25519_per_s": round(ceiling),
        "cold_per_s": round(cold),
        "cached_per_s": round(cached),
        "cold_ratio": round(cold / (ceiling / 3), 3),
        "cached_ratio": round(cached / ceiling, 3),
    }


def _deposits(pilot: Pilot, bundles: list[Bundle], payees: list[KeyPair]) -> float:
    """Deposit transactions of 100 vouchers of one payee, 20 per block, all committed."""
    by_payee: dict[bytes, list[Bundle]] = {}
    for bundle in bundles:
        by_payee.setdefault(bundle.voucher.voucher.payee, []).append(bundle)
    keys = {p.public: p for p in payees}
    txs: list[Transaction] = []
    for payee, mine in by_payee.items():
        for start in range(0, len(mine), PER_DEPOSIT):
            chunk = mine[start : start + PER_DEPOSIT]
            groups: dict[str, list[Any]] = {}
            for b in chunk:
                groups.setdefault(b.voucher.voucher.purse.hex(), []).append(b.voucher)
            device = {b.voucher.voucher.purse.hex(): _device_key(b) for b in chunk}
            txs.append(
                ob.deposit(
                    pilot.network, keys[payee], [(p, device[p], v) for p, v in groups.items()]
                )
            )
    count = len(bundles)
    blocks = [txs[i : i + PER_BLOCK] for i in range(0, len(txs), PER_BLOCK)]

    def run() -> None:
        for block in blocks:
            pilot.time_ms += 1000
            outcomes = produce_now(pilot.chain, pilot.producer, block, pilot.time_ms)
            bad = [o.error for o in outcomes if o.error is not None]
            assert not bad, bad[0]

    return round(rate("deposits", count, run))


def _device_key(bundle: Bundle) -> str:
    return load_device(bundle.certificate).key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--vouchers", type=int, default=100, help="per device")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU to pin to")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    pinned = pin(args.cpu)
    load_before = os.getloadavg()
    print(f"offline bench: {pinned}, load average {load_before[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-offline-") as folder:
        figures = measure(args.devices, args.vouchers, folder)
    figures.update(
        cpu=pinned,
        loadavg_before=[round(x, 2) for x in load_before],
        loadavg_after=[round(x, 2) for x in os.getloadavg()],
        python=sys.version.split()[0],
        cores=os.cpu_count(),
        targets={
            "cold_per_s": 3000,
            "cached_per_s": 8000,
            "deposits_per_s": 5000,
            "voucher_bytes": 220,
        },
    )
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
