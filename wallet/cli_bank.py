"""``tenge-bank``: a bank's operators open and freeze wallets, distribute, redeem, list."""

from __future__ import annotations

import argparse
import csv
import os
import secrets
from pathlib import Path
from typing import Any

from ledger.crypto import KeyPair
from ledger.types import TIERS, Output, Transaction
from wallet import builders
from wallet.builders import Coin
from wallet.cli_args import (
    Option,
    amount_argument,
    bounded_int,
    command,
    common_options,
    format_kzt,
    key_argument,
    parse_amount,
    parse_memo,
    parse_public_key,
    program,
)
from wallet.cli_bank_phone import add_phone_commands
from wallet.cli_common import LOCAL, CliError, Reply, Session
from wallet.cli_keys import add_keys_commands

ENVIRONMENT = "TENGE_NODE, TENGE_KEYSTORE, TENGE_BANK, TENGE_PASSWORD"
# One output of every transfer is the change back to the reserve.
OUTPUTS_PER_TX = 255


def options() -> list[Option]:
    """Common options plus the bank id."""
    bank = os.environ.get("TENGE_BANK")
    return [
        *common_options("the bank's keystore file [TENGE_KEYSTORE]"),
        (("--bank",), {"default": bank, "help": "the bank's id at the ledger [TENGE_BANK]"}),
    ]


def parser() -> argparse.ArgumentParser:
    """The ``tenge-bank`` argument parser."""
    top, commands, parent = program(
        "tenge-bank",
        "Digital tenge back office: wallets, distribution, redemption.",
        ENVIRONMENT,
        options(),
    )
    add_keys_commands(commands, parent, "the central bank to register it as a bank key")
    _add_wallet_commands(commands, parent)
    add_phone_commands(commands, parent)
    give = command(commands, "distribute", distribute, parent, "pay from the bank's reserve")
    key_argument(give, "--to", "the recipient's public key")
    amount_argument(give)
    give.add_argument("--memo", default="", type=parse_memo, help="a note (140 chars)")
    batch = command(
        commands, "distribute-batch", distribute_batch, parent, "pay many keys from a CSV file"
    )
    batch.add_argument("--file", required=True, help="CSV lines: public_key,amount (KZT)")
    amount_argument(command(commands, "redeem", redeem, parent, "return KZT to the central bank"))
    command(commands, "reserve", reserve, parent, "the bank's reserve balance")
    return top


def _add_wallet_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    opened = command(commands, "open-wallet", open_wallet, parent, "register a customer's wallet")
    opened.add_argument("--wallet-id", required=True, help="the pseudonymous wallet id")
    opened.add_argument("--tier", required=True, choices=TIERS)
    key_argument(opened, "--key", "the holder's public key")
    opened.add_argument("--mcc", help="merchant category code (4 digits), for merchants")
    opened.add_argument("--region", help="ISO 3166-2 region, e.g. KZ-ALA")
    for name, handler in (("freeze", freeze), ("unfreeze", unfreeze)):
        cmd = command(commands, name, handler, parent, f"{name} a wallet of this bank")
        cmd.add_argument("--wallet-id", required=True)
    listed = command(commands, "wallets", wallets, parent, "the wallets this bank has opened")
    listed.add_argument("--limit", type=bounded_int(1, 1000), default=100, help="page size")
    listed.add_argument("--after", help="only wallet ids after this one (next page)")
    listed.add_argument("--all", action="store_true", help="follow every page")


def bank_id(session: Session) -> str:
    if not session.args.bank:
        raise CliError(LOCAL, "no_bank", "pass --bank or set TENGE_BANK")
    return str(session.args.bank)


def unlocked(session: Session) -> tuple[str, str, KeyPair]:
    """Network id, bank id and the bank's unlocked key."""
    bank = bank_id(session)
    key = session.key()
    return session.network(), bank, key


def submitted(session: Session, tx: Transaction, what: str, **data: object) -> Reply:
    """Submit, wait for the block, and describe the outcome."""
    result = session.client.submit(tx, wait=True).result
    lines = [what, f"  txid    {result.txid}", f"  status  {result.status}"]
    if result.height is not None:
        lines[-1] += f" in block {result.height}"
    body = {"txid": result.txid, "status": result.status, "height": result.height, **data}
    return Reply(body, lines)


def open_wallet(session: Session) -> Reply:
    args = session.args
    network, bank, key = unlocked(session)
    tx = builders.wallet_open(
        network, key, bank, args.wallet_id, args.tier, [args.key], args.mcc, args.region
    )
    what = f"opened wallet {args.wallet_id} ({args.tier}) for key {args.key}"
    return submitted(session, tx, what, wallet_id=args.wallet_id, tier=args.tier, key=args.key)


def freeze(session: Session) -> Reply:
    return _set_status(session, "frozen")


def unfreeze(session: Session) -> Reply:
    return _set_status(session, "active")


def _set_status(session: Session, status: str) -> Reply:
    network, _, key = unlocked(session)
    wallet = session.args.wallet_id
    # A fresh nonce: freezing twice is two acts, not one idempotent retry.
    nonce = secrets.randbelow(2**53)
    tx = builders.wallet_update(network, key, wallet, nonce=nonce, status=status)
    return submitted(session, tx, f"wallet {wallet} is now {status}", wallet_id=wallet)


def reserve_coins(session: Session, bank: str, key: KeyPair) -> list[Coin]:
    """The reserve coins on the key this operator holds."""
    return [c for c in session.client.bank_coins(bank, key) if c.output.owner == key.public_hex]


def distribute(session: Session) -> Reply:
    args = session.args
    network, bank, key = unlocked(session)
    coins = reserve_coins(session, bank, key)
    tx = builders.pay(network, coins, [key], args.to, args.amount, key.public_hex, args.memo)
    what = f"distributed {format_kzt(args.amount)} to {args.to}"
    return submitted(session, tx, what, to=args.to, amount=args.amount)


def read_payouts(path: str) -> list[Output]:
    """``public_key,amount`` rows; a header row, blank lines and ``#`` comments are skipped."""
    payouts = []
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            cells = [cell.strip() for cell in row]
            if not cells or not cells[0] or cells[0].startswith("#"):
                continue
            if number == 1 and cells[0].lower() == "public_key":
                continue
            payouts.append(_payout(path, number, cells))
    if not payouts:
        raise CliError(LOCAL, "bad_csv", f"{path}: no payouts")
    return payouts


def _payout(path: str, number: int, cells: list[str]) -> Output:
    try:
        if len(cells) != 2:
            raise ValueError("expected public_key,amount")
        return Output(owner=parse_public_key(cells[0]), amount=parse_amount(cells[1]))
    except (ValueError, argparse.ArgumentTypeError) as error:
        raise CliError(LOCAL, "bad_csv", f"{path}:{number}: {error}") from error


def distribute_batch(session: Session) -> Reply:
    """Every payout of the file, up to 255 outputs per transaction, each committed in turn."""
    payouts = read_payouts(session.args.file)
    network, bank, key = unlocked(session)
    txids, lines = [], []
    for start in range(0, len(payouts), OUTPUTS_PER_TX):
        chunk = payouts[start : start + OUTPUTS_PER_TX]
        total = sum(o.amount for o in chunk)
        coins = builders.select_coins(reserve_coins(session, bank, key), total)
        change = sum(c.output.amount for c in coins) - total
        outputs = [*chunk, Output(owner=key.public_hex, amount=change)] if change else chunk
        tx = builders.transfer(network, coins, outputs, [key])
        what = f"distributed {format_kzt(total)} to {len(chunk)} keys"
        reply = submitted(session, tx, what)
        txids.append(reply.data["txid"])
        lines += reply.lines
    total = sum(o.amount for o in payouts)
    lines.append(f"done: {len(payouts)} payouts, {format_kzt(total)}, {len(txids)} transactions")
    return Reply({"txids": txids, "payouts": len(payouts), "amount": total}, lines)


def redeem(session: Session) -> Reply:
    args = session.args
    network, bank, key = unlocked(session)
    coins = builders.select_coins(reserve_coins(session, bank, key), args.amount)
    tx = builders.redeem(network, bank, coins, args.amount, [key])
    what = f"redeemed {format_kzt(args.amount)} to the central bank"
    return submitted(session, tx, what, amount=args.amount)


def reserve(session: Session) -> Reply:
    _, bank, key = unlocked(session)
    coins = session.client.bank_coins(bank, key)
    total = sum(c.output.amount for c in coins if c.output.token == "KZT")
    lines = [f"bank {bank} reserve: {format_kzt(total)} in {len(coins)} outputs"]
    return Reply({"bank_id": bank, "reserve": total, "outputs": len(coins)}, lines)


def wallets(session: Session) -> Reply:
    """One page of wallet ids (or all of them with ``--all``)."""
    args = session.args
    _, bank, key = unlocked(session)
    found: list[str] = []
    after = args.after
    while True:
        page = session.client.bank_wallets(bank, key, limit=args.limit, after=after)
        found += page.wallet_ids
        after = page.next_after
        if after is None or not args.all:
            break
    lines = [f"bank {bank}: {len(found)} wallets", *(f"  {w}" for w in found)]
    if after is not None:
        lines.append(f"more: --after {after}")
    return Reply({"bank_id": bank, "wallet_ids": found, "next_after": after}, lines)
