"""``tenge-wallet``: a wallet holder's keys, balance, payments, history and receipts."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ledger.receipts import verify_receipt
from ledger.types import KZT
from wallet import builders
from wallet.cli.args import (
    Option,
    amount_argument,
    bounded_int,
    command,
    common_options,
    format_kzt,
    key_argument,
    parse_memo,
    parse_public_key,
    parse_txid,
    program,
)
from wallet.cli.assets import add_wallet_assets_commands
from wallet.cli.common import Reply, Session, wallet_unlocked
from wallet.cli.dvp import add_dvp_commands
from wallet.cli.keys import add_keys_commands
from wallet.cli.offline import add_offline_commands
from wallet.cli.privacy import add_privacy_commands, private_pay
from wallet.cli.waterfall import add_wallet_waterfall_commands

ENVIRONMENT = "TENGE_NODE, TENGE_KEYSTORE, TENGE_WALLET, TENGE_PASSWORD"


def options() -> list[Option]:
    """Common options plus the wallet id."""
    wallet = os.environ.get("TENGE_WALLET")
    return [
        *common_options("the wallet's keystore file [TENGE_KEYSTORE]"),
        (("--wallet",), {"default": wallet, "help": "wallet id at the ledger [TENGE_WALLET]"}),
    ]


def parser() -> argparse.ArgumentParser:
    """The ``tenge-wallet`` argument parser."""
    top, commands, parent = program(
        "tenge-wallet",
        "A digital tenge wallet: keys, balance, payments, history, receipts.",
        ENVIRONMENT,
        options(),
    )
    add_keys_commands(commands, parent, "your bank to open a wallet")
    command(commands, "balance", balance, parent, "the wallet's balance, tier and limits")
    paying = command(commands, "pay", pay, parent, "pay another wallet")
    key_argument(paying, "--to", "the payee's public key")
    amount_argument(paying)
    paying.add_argument("--memo", default="", type=parse_memo, help="a note (140 chars)")
    paying.add_argument(
        "--from-deposit",
        action="store_true",
        help="pay what the coins do not cover from the linked deposit (reverse waterfall)",
    )
    add_wallet_waterfall_commands(commands, parent)
    add_privacy_commands(commands, parent, paying)
    hist = command(commands, "history", history, parent, "the wallet's transactions, newest first")
    hist.add_argument("--limit", type=bounded_int(1, 500), default=20, help="page size")
    hist.add_argument("--before", help="cursor from the previous page: <height>.<index>")
    _add_receipt_commands(commands, parent)
    add_offline_commands(commands, parent)
    add_dvp_commands(add_wallet_assets_commands(commands, parent), parent)
    return top


def _add_receipt_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    receipt = commands.add_parser("receipt", help="receipts of committed transactions")
    receipt_sub = receipt.add_subparsers(dest="receipt_command", required=True, metavar="COMMAND")
    verify = command(receipt_sub, "verify", receipt_verify, parent, "verify a receipt offline")
    verify.add_argument("txid", type=parse_txid, help="transaction id (64 hex digits)")
    verify.add_argument(
        "--producer-key",
        action="append",
        type=parse_public_key,
        metavar="KEY",
        help="trust this block producer key (repeatable; default: keys from /v1/network)",
    )
    status_cmd = command(commands, "status", status, parent, "a transaction's status")
    status_cmd.add_argument("txid", type=parse_txid, help="transaction id (64 hex digits)")


def balance(session: Session) -> Reply:
    """The wallet's balances, tier, status and today's spending against its limits."""
    _, wallet, key = wallet_unlocked(session)
    view = session.client.wallet(wallet, key)
    record = view.wallet
    limits = session.client.network().limits.get(record.tier)
    data = {
        "wallet_id": wallet,
        "tier": record.tier,
        "status": record.status,
        "balances": view.balances,
        "spent_today": record.day_outflow,
    }
    lines = [f"wallet {wallet} ({record.tier}, {record.status})"]
    lines.append(f"  balance     {format_kzt(view.balances.get('KZT', 0))}")
    lines += [f"  {t:<10}  {n} units" for t, n in sorted(view.balances.items()) if t != "KZT"]
    lines.append(f"  spent today {format_kzt(record.day_outflow)}")
    if limits is not None:
        for name in ("per_payment", "daily", "balance_cap"):
            value = getattr(limits, name)
            lines.append(f"  {name.replace('_', ' '):<11} {format_kzt(value) if value else '-'}")
    return Reply(data, lines)


def pay(session: Session) -> Reply:
    """Sign a payment from the wallet's coins on this key, submit it, wait for the block
    (privately when ``--privacy private`` or the wallet's default says so)."""
    if (private := private_pay(session)) is not None:
        return private
    args = session.args
    network, wallet, key = wallet_unlocked(session)
    coins = [c for c in session.client.coins(wallet, key) if c.output.owner == key.public_hex]
    held = sum(c.output.amount for c in coins if c.output.token == KZT)
    if args.from_deposit and 0 < held < args.amount:
        tx = builders.pay_with_shortfall(network, coins, [key], args.to, args.amount, args.memo)
    else:
        tx = builders.pay(network, coins, [key], args.to, args.amount, key.public_hex, args.memo)
    result = session.client.submit(tx, wait=True).result
    data = {
        "txid": result.txid,
        "status": result.status,
        "height": result.height,
        "index": result.index,
        "to": args.to,
        "amount": args.amount,
    }
    where = f" in block {result.height}" if result.height is not None else ""
    lines = [
        f"paid {format_kzt(args.amount)} to {args.to}",
        f"  txid    {result.txid}",
        f"  status  {result.status}{where}",
    ]
    return Reply(data, lines)


def history(session: Session) -> Reply:
    """The wallet's transactions, newest first, one page."""
    args = session.args
    _, wallet, key = wallet_unlocked(session)
    page = session.client.history(wallet, key, limit=args.limit, before=args.before)
    entries = [
        {"txid": e.txid, "height": e.height, "index": e.index, "kind": e.kind, "delta": e.delta}
        for e in page.entries
    ]
    lines = [f"wallet {wallet}: {len(entries)} transactions, newest first"]
    lines += [
        f"  block {e.height:>8}  #{e.index:<4} {e.kind:<14} {_delta(e.delta):>22}  {e.txid}"
        for e in page.entries
    ]
    if page.next_before is not None:
        lines.append(f"more: --before {page.next_before}")
    return Reply({"wallet_id": wallet, "entries": entries, "next_before": page.next_before}, lines)


def _delta(delta: dict[str, int]) -> str:
    kzt = delta.get("KZT", 0)
    text = ("+" if kzt > 0 else "-" if kzt < 0 else " ") + format_kzt(abs(kzt))
    others = len([t for t in delta if t != "KZT"])
    return text + (f" (+{others} tokens)" if others else "")


def status(session: Session) -> Reply:
    """Where a transaction stands: pending, committed (with its block) or rejected."""
    result = session.client.status(session.args.txid)
    data = {
        "txid": result.txid,
        "status": result.status,
        "height": result.height,
        "index": result.index,
        "problem": None if result.problem is None else result.problem.document(),
    }
    lines = [f"{result.txid}: {result.status}"]
    if result.height is not None:
        lines.append(f"  block {result.height}, position {result.index}")
    if result.problem is not None:
        lines.append(f"  problem {result.problem.code}: {result.problem.detail}")
    return Reply(data, lines)


def receipt_verify(session: Session) -> Reply:
    """Fetch a receipt and check it here, trusting only the producer keys."""
    txid, pinned = session.args.txid, session.args.producer_key
    network = session.network()
    receipt = session.client.receipt(txid)
    trusted = pinned or list(session.client.network().producer_keys)
    verify_receipt(receipt, trusted, txid=txid, network=network)
    header = receipt.header
    source = "--producer-key" if pinned else "/v1/network"
    data = {
        "txid": txid,
        "verified": True,
        "network": network,
        "height": header.height,
        "index": receipt.index,
        "tx_count": header.tx_count,
        "tx_root": header.tx_root,
        "producer": header.producer,
        "trusted_keys_from": source,
    }
    lines = [
        f"receipt of {txid} verified",
        f"  network     {network}",
        f"  producer    {header.producer} (trusted, from {source})",
        f"  signature   Ed25519 over the header of block {header.height}: valid",
        f"  inclusion   Merkle path ({len(receipt.proof)} hashes) from the txid "
        f"(#{receipt.index} of {header.tx_count}) to tx_root {header.tx_root}",
    ]
    return Reply(data, lines)
