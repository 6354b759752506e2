"""Phone wallet benchmark: time to interactive, in-browser sign-and-submit latency, shell size.

``python -m loadtests.bench_wallet [--payments 100 --cold 5 --json PATH]``

Against a real node on loopback (a fresh network in a temporary directory), with Debian's
Chromium driven by Playwright at a 360x780 phone viewport, it measures:

- **time to interactive** from a cold cache (a fresh browser profile each run, no service
  worker yet): from navigation start to the app's first usable screen (the
  ``tenge-interactive`` performance mark), with what the page transferred; and the same
  after the service worker cached the shell (a warm start);
- **sign-and-submit latency** of ``--payments`` payments made in the browser: build and sign
  the transfer (WebCrypto Ed25519), submit with ``?wait=commit``, verify the receipt (block
  signature and Merkle path); p50 and p99 of each part and of the whole;
- the same payments made by the Python SDK from this process (httpx, libsodium): the
  machine's ceiling for one payment's round trip through this node, and the ratio;
- **app shell size**: the files the service worker precaches, raw and gzip (level 9), and the
  part a cold start fetches before the first screen.

It prints what it measured and the load average of the (shared) machine.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from ledger.params import kzt
from ledger.receipts import verify_receipt
from ledger.types import Output
from loadtests.netkit import NETWORK, ROOT, NodeProcess, key, prepare
from wallet import builders
from wallet.client import TengeClient

DIST = ROOT / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 780}
PASSPHRASE = "benchmark passphrase"
BANK = key("bench-bank")
CB = key("central-bank")

PAY_IN_BROWSER = """async ({ to, count }) => {
  const { signTransaction, transferBody } = await import('./lib/ledger.js');
  const { verifyReceipt } = await import('./lib/receipt.js');
  const w = window.tengeWallet;
  await w.refresh();
  let coins = w.coins.filter((c) => c.output.owner === w.key.publicHex);
  const rows = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const body = transferBody(coins, to, 100, w.key.publicHex);
    const tx = await signTransaction(w.network, body, [w.key]);
    const t1 = performance.now();
    const answer = await w.node.submit(tx.envelope);
    const t2 = performance.now();
    const ok = (await verifyReceipt(answer.receipt, w.pinned.producer_keys, tx.txid, w.network)).ok;
    const t3 = performance.now();
    if (!ok || answer.result.status !== 'committed') throw new Error('payment not verified');
    const change = tx.body.outputs[1];
    coins = [{ point: { txid: tx.txid, index: 1 }, output: change }];
    rows.push([t1 - t0, t2 - t1, t3 - t2, t3 - t0]);
  }
  return rows;
}"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values), 2),
        "p99": round(percentile(values, 0.99), 2),
        "mean": round(statistics.fmean(values), 2),
    }


def found_network(node: NodeProcess) -> None:
    """A bank with a reserve; the SDK payer's and the payee's wallets."""
    with TengeClient(node.url) as client:
        reserve = Output(owner=BANK.public_hex, amount=kzt(10_000_000))
        for tx in (
            builders.bank_register(
                NETWORK, CB, "bench-bank", "Bench", [BANK.public_hex], kzt(10**9)
            ),
            builders.issue(NETWORK, CB, "bench-bank", [reserve], 1),
            builders.wallet_open(
                NETWORK, BANK, "bench-bank", "payee", "business", [key("payee").public_hex]
            ),
            builders.wallet_open(
                NETWORK, BANK, "bench-bank", "sdk", "full", [key("sdk").public_hex]
            ),
        ):
            assert client.submit(tx, wait=True).result.status == "committed"
        distribute(client, key("sdk").public_hex, kzt(10_000))


def distribute(client: TengeClient, to: str, amount: int) -> None:
    coins = client.bank_coins("bench-bank", BANK)
    tx = builders.pay(NETWORK, coins, [BANK], to, amount, BANK.public_hex)
    assert client.submit(tx, wait=True).result.status == "committed"


def cold_start(browser: Browser, url: str) -> dict[str, float]:
    """One start with an empty profile: time to the first screen and bytes transferred."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(f"{url}/wallet/")
    page.get_by_role("heading", name="A wallet on this phone").wait_for()
    figures = page.evaluate(
        """() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const resources = performance.getEntriesByType('resource');
        return {
          tti_ms: performance.getEntriesByName('tenge-interactive')[0].startTime,
          dom_content_loaded_ms: nav.domContentLoadedEventEnd,
          transferred_bytes: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0),
          files: 1 + resources.length,
        };
      }"""
    )
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now the service worker serves the shell
    page.get_by_role("heading", name="A wallet on this phone").wait_for()
    figures["warm_tti_ms"] = page.evaluate(
        "performance.getEntriesByName('tenge-interactive')[0].startTime"
    )
    context.close()
    return figures


def browser_payments(browser: Browser, node: NodeProcess, count: int) -> list[list[float]]:
    """Create a wallet in the app, have the bank open and fund it, pay ``count`` times."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(f"{node.url}/wallet/")
    page.get_by_label("Passphrase (at least 10 characters)").fill(PASSPHRASE)
    page.get_by_label("The same passphrase again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create wallet").click()
    page.get_by_role("heading", name="Ask your bank to open it").wait_for()
    wallet_id, public = page.evaluate(
        "[window.tengeWallet.walletId, window.tengeWallet.key.publicHex]"
    )
    with TengeClient(node.url) as client:
        opened = builders.wallet_open(NETWORK, BANK, "bench-bank", wallet_id, "full", [public])
        assert client.submit(opened, wait=True).result.status == "committed"
        distribute(client, public, kzt(10_000))
    page.locator("#balance").filter(has_text="10,000.00").wait_for(timeout=30_000)
    rows: list[list[float]] = page.evaluate(
        PAY_IN_BROWSER, {"to": key("payee").public_hex, "count": count}
    )
    context.close()
    return rows


def sdk_payments(node: NodeProcess, count: int) -> list[float]:
    """The same payments from Python: sign, submit and wait, verify the receipt."""
    payer = key("sdk")
    times = []
    with TengeClient(node.url) as client:
        producers = client.network().producer_keys
        coins = client.coins("sdk", payer)
        for _ in range(count):
            started = time.perf_counter()
            tx = builders.pay(
                NETWORK, coins, [payer], key("payee").public_hex, 100, payer.public_hex
            )
            done = client.submit(tx, wait=True)
            assert done.receipt is not None
            verify_receipt(done.receipt, producers, tx.txid.hex(), NETWORK)
            times.append((time.perf_counter() - started) * 1000)
            coins = builders.coins_of(tx, payer.public_hex)
    return times


def shell_size(fetched_at_start: int) -> dict[str, int]:
    """Raw and gzip bytes of every precached file, and of the index page's first load."""
    files = json.loads((DIST / "build.json").read_text())["files"]
    paths = [DIST / "wallet" / ("index.html" if f == "./" else f) for f in files]
    paths.append(DIST / "wallet" / "sw.js")
    raw = sum(p.stat().st_size for p in paths)
    packed = sum(len(gzip.compress(p.read_bytes(), 9)) for p in paths)
    return {
        "files": len(paths),
        "bytes": raw,
        "gzip_bytes": packed,
        "cold_start_transferred": fetched_at_start,
    }


def run(payments: int, colds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        prepare(data)
        node = NodeProcess(data).start()
        try:
            found_network(node)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                starts = [cold_start(browser, node.url) for _ in range(colds)]
                rows = browser_payments(browser, node, payments)
                browser.close()
            sdk = sdk_payments(node, payments)
        finally:
            node.stop()
    total = [r[3] for r in rows]
    return {
        "viewport": PHONE,
        "cold_starts": colds,
        "tti_ms": summary([s["tti_ms"] for s in starts]),
        "dom_content_loaded_ms": summary([s["dom_content_loaded_ms"] for s in starts]),
        "warm_tti_ms": summary([s["warm_tti_ms"] for s in starts]),
        "payments": payments,
        "browser_sign_ms": summary([r[0] for r in rows]),
        "browser_submit_commit_ms": summary([r[1] for r in rows]),
        "browser_verify_receipt_ms": summary([r[2] for r in rows]),
        "browser_payment_ms": summary(total),
        "sdk_payment_ms": summary(sdk),
        "browser_over_sdk_p50": round(statistics.median(total) / statistics.median(sdk), 2),
        "shell": shell_size(int(statistics.median(s["transferred_bytes"] for s in starts))),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def report(figures: dict[str, Any]) -> str:
    s = figures["shell"]
    p50 = {k: v["p50"] for k, v in figures.items() if isinstance(v, dict) and "p50" in v}
    pay, sdk = figures["browser_payment_ms"], figures["sdk_payment_ms"]
    lines = [
        f"phone wallet, {figures['viewport']['width']}x{figures['viewport']['height']}, Chromium",
        f"time to interactive, cold cache ({figures['cold_starts']} runs): p50 {p50['tti_ms']} ms "
        f"(DOMContentLoaded {p50['dom_content_loaded_ms']} ms); "
        f"warm (service worker) p50 {p50['warm_tti_ms']} ms",
        f"sign-and-submit in the browser, {figures['payments']} payments: "
        f"p50 {pay['p50']} ms, p99 {pay['p99']} ms (p50: sign {p50['browser_sign_ms']}, "
        f"submit+commit {p50['browser_submit_commit_ms']}, "
        f"verify receipt {p50['browser_verify_receipt_ms']} ms)",
        f"the same from the Python SDK: p50 {sdk['p50']} ms, p99 {sdk['p99']} ms; "
        f"browser/SDK p50 ratio {figures['browser_over_sdk_p50']}",
        f"app shell: {s['files']} files, {s['bytes']:,} bytes, {s['gzip_bytes']:,} gzip; "
        f"a cold start transfers {s['cold_start_transferred']:,} bytes "
        "(uncompressed: the node does not gzip)",
        f"load average {figures['load_average']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=100)
    parser.add_argument("--cold", type=int, default=5, help="cold starts to time")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    if not (DIST / "build.json").exists():
        print("web/dist is missing: run `make web`", file=sys.stderr)
        return 2
    figures = run(args.payments, args.cold)
    print(report(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
