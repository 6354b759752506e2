"""``make run``: a narrated demo network on LevelDB, then a node serving it.

``python -m tools.demo --data ./data`` tells the story step by step — the
National Bank admits two banks and issues, the banks open wallets of every
tier and distribute, people pay, an over-limit payment and a double spend are
refused with their codes, money is programmed, payments go private and
anonymous, warehouse receipts for grain are sold delivery versus payment,
supply is audited — and then starts a real node on
the same data and prints where to look. Keys are derived from fixed names
(demo only: anyone can recompute them; the demo keystores' password is
``demo``), so a second run finds the same network and carries on.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ledger.audit import audit, print_report
from ledger.chain import Chain
from ledger.encoding import canonical
from ledger.params import kzt, make_genesis
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Genesis, Output
from node.composition import full_registry
from node.config import NodeConfig
from node.keyfiles import write_key
from node.supervisor import Node
from tools.demo.assets import digital_assets
from tools.demo.cast import (
    BANKS,
    CENTRAL_BANK,
    DEMO_PASSWORD,
    GENESIS_TIME_MS,
    NETWORK,
    PRODUCER,
    WALLETS,
    Demo,
    demo_key,
    fmt,
)
from tools.demo.contracts import programmable_money
from tools.demo.privacy import demo_validator, privacy_levels
from wallet import builders
from wallet.keystore import KdfParams, Keystore


def found_network(demo: Demo) -> None:
    print("1. The National Bank admits two commercial banks and issues digital tenge to them")
    txs = [
        builders.bank_register(
            NETWORK, CENTRAL_BANK, bank_id, name, [demo_key(bank_id).public_hex], kzt(1_000_000_000)
        )
        for bank_id, name in BANKS.items()
    ]
    demo.say(demo.block(txs), [f"register {n}" for n in BANKS.values()])
    issues = [
        builders.issue(
            NETWORK,
            CENTRAL_BANK,
            b,
            [Output(owner=demo_key(b).public_hex, amount=kzt(100_000_000))],
            1,
        )
        for b in BANKS
    ]
    demo.say(demo.block(issues), [f"issue {fmt(kzt(100_000_000))} to {b}" for b in BANKS])

    print("2. Banks open pseudonymous wallets of different tiers and distribute money")
    opens = [
        builders.wallet_open(
            NETWORK, demo_key(bank), bank, name, tier, [demo_key(name).public_hex], mcc=mcc
        )
        for name, (bank, tier, mcc) in WALLETS.items()
    ]
    demo.say(demo.block(opens), [f"open {n} ({t}) at {b}" for n, (b, t, _) in WALLETS.items()])
    amounts = {
        "aigerim": 150_000,
        "daniyar": 800_000,
        "askar": 5_000_000,
        "dastarkhan-cafe": 10_000,
    }
    for name, amount in amounts.items():
        bank = WALLETS[name][0]
        demo.say(
            demo.block([demo.pay(bank, name, kzt(amount))]),
            [f"{bank} -> {name} {fmt(kzt(amount))}"],
        )


def everyday_payments(demo: Demo) -> str | None:
    print("3. People pay each other and a cafe")
    last = None
    steps = [
        ("aigerim", "dastarkhan-cafe", 4_500, "lunch"),
        ("daniyar", "aigerim", 20_000, "rent share"),
        ("askar", "daniyar", 250_000, "car repair"),
    ]
    for payer, payee, amount, memo in steps:
        tx = demo.pay(payer, payee, kzt(amount), memo)
        outcomes = demo.block([tx])
        demo.say(outcomes, [f"{payer} -> {payee} {fmt(kzt(amount))} ({memo})"])
        if outcomes[0].committed:
            last = tx.txid.hex()
    return last


def refusals(demo: Demo) -> None:
    print("4. The ledger itself enforces the rules")
    over = demo.pay("aigerim", "askar", kzt(60_000))
    demo.say(demo.block([over]), ["aigerim (anonymous tier) pays 60,000.00 KZT; the cap is 50,000"])
    key = demo_key("aigerim")
    coin = max(demo.coins(key), key=lambda c: c.output.amount)
    first = builders.pay(
        NETWORK, [coin], [key], demo_key("dastarkhan-cafe").public_hex, kzt(1_000), key.public_hex
    )
    second = builders.pay(
        NETWORK, [coin], [key], demo_key("daniyar").public_hex, kzt(1_000), key.public_hex
    )
    demo.say(demo.block([first]), ["aigerim spends a coin at the cafe"])
    demo.say(demo.block([second]), ["aigerim spends the same coin again (double spend)"])
    freeze = builders.wallet_update(
        NETWORK, demo_key("kaspi"), "daniyar", nonce=demo.time_ms, status="frozen"
    )
    demo.say(demo.block([freeze]), ["Kaspi freezes daniyar's wallet"])
    demo.say(
        demo.block([demo.pay("daniyar", "aigerim", kzt(100))]),
        ["daniyar tries to pay while frozen"],
    )
    thaw = builders.wallet_update(
        NETWORK, demo_key("kaspi"), "daniyar", nonce=demo.time_ms, status="active"
    )
    demo.say(demo.block([thaw]), ["Kaspi unfreezes daniyar's wallet"])


def redemption(demo: Demo) -> None:
    print("5. Kaspi returns 1,000,000.00 KZT to the National Bank (supply shrinks)")
    key = demo_key("kaspi")
    tx = builders.redeem(NETWORK, "kaspi", demo.coins(key), kzt(1_000_000), [key])
    demo.say(demo.block([tx]), ["kaspi redeems 1,000,000.00 KZT"])


def narrate(data_dir: str) -> str | None:
    """Found the network (first run) or carry on (later runs); returns a fresh payment's txid."""
    path = os.path.join(data_dir, "ledger")
    os.makedirs(path, exist_ok=True)
    store = LevelDBStore(path)
    genesis = make_genesis(
        NETWORK, [CENTRAL_BANK.public_hex], [PRODUCER.public_hex], GENESIS_TIME_MS
    )
    validator = demo_validator()
    chain = Chain(store, full_registry(validator), genesis)
    print(f"Digital tenge ledger demo — network {NETWORK}, data in {os.path.abspath(path)}")
    demo = Demo(chain, chain.tip.time_ms)
    try:
        if chain.tip.height == 0:
            found_network(demo)
            last = everyday_payments(demo)
            refusals(demo)
            redemption(demo)
            programmable_money(demo)
            privacy_levels(demo, validator, data_dir)
            digital_assets(demo)
        else:
            # The story is told once; later runs add a day's payments and serve the same data.
            print(f"Resuming the network found at height {chain.tip.height}")
            last = everyday_payments(demo)
        print("9. Balances")
        for name in WALLETS:
            print(f"  {name:<16} {fmt(demo.balance(name)):>20}")
        print("10. Audit: replay every block from genesis and check supply")
        report = audit(store, chain.registry)
        print_report(report)
        if not report.ok:
            raise SystemExit(1)
        write_node_files(data_dir, genesis)
        return last
    finally:
        store.close()


def write_node_files(data_dir: str, genesis: Genesis) -> None:
    """What ``tenge-node run`` reads: the genesis, the producer key, demo keystores."""
    root = Path(data_dir)
    (root / "genesis.json").write_bytes(canonical(genesis))
    keys = root / "keys"
    for name, key in (("producer", PRODUCER), ("central-bank", CENTRAL_BANK)):
        if not (keys / f"{name}.key").exists():
            write_key(keys / f"{name}.key", key)
    kdf = KdfParams.fresh("interactive")  # demo keys are public anyway; keep the CLI quick
    for name in [*WALLETS, *BANKS]:
        target = keys / f"{name}.keystore"
        if not target.exists():
            wallet_id = name if name in WALLETS else None
            Keystore.create(
                target,
                DEMO_PASSWORD,
                demo_key(name),
                kdf=kdf,
                label=name,
                wallet_id=wallet_id,
                network=NETWORK,
            )


def print_commands(url: str, data_dir: str, txid: str | None) -> None:
    keys = os.path.join(data_dir, "keys")
    payee = demo_key("dastarkhan-cafe").public_hex
    print()
    print(f"The node is serving {url} — browse the API at {url}/docs (Ctrl-C stops it).")
    print(f"Phone wallet: {url}/wallet/ — explorer: {url}/explorer/ (docs/wallet-app.md)")
    print("Try, in another terminal:")
    print(f"  curl -s {url}/v1/supply")
    print(
        f"  TENGE_PASSWORD={DEMO_PASSWORD} .venv/bin/tenge-wallet --node {url} "
        f"--keystore {keys}/aigerim.keystore pay --to {payee} --amount 1500.00"
    )
    if txid:
        print(f"  .venv/bin/tenge-wallet --node {url} receipt verify {txid}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Narrated demo network of the digital tenge. TENGE_DATA_DIR, TENGE_HOST "
        "and TENGE_PORT set the defaults, as they do for tenge-node; flags win."
    )
    env = os.environ
    parser.add_argument(
        "--data",
        default=env.get("TENGE_DATA_DIR", "./data"),
        help="data directory (LevelDB, keys); default $TENGE_DATA_DIR or ./data",
    )
    parser.add_argument("--host", default=env.get("TENGE_HOST", "127.0.0.1"))
    # argparse applies ``type`` to a string default too: a bad TENGE_PORT is a usage error.
    parser.add_argument("--port", type=int, default=env.get("TENGE_PORT", "8080"))
    parser.add_argument("--check", action="store_true", help="stop once the node is up")
    args = parser.parse_args(argv)
    txid = narrate(args.data)
    config = NodeConfig(data_dir=args.data, host=args.host, port=args.port, log_level="WARNING")
    node = Node(config)
    node.start()
    if not node.wait_ready():
        node.stop()
        print(f"the node did not come up on {config.url} (is the port free?)", file=sys.stderr)
        return 1
    print_commands(config.url, args.data, txid)
    if args.check:
        node.stop()
        return 0
    return node.run_until_signalled()


if __name__ == "__main__":
    sys.exit(main())
