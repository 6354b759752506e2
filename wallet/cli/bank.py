"""``tenge-bank``: a bank's operators distribute, redeem, see the reserve; act on customers'
wallets (:mod:`wallet.cli.customers`); digital assets (:mod:`wallet.cli.assets`)."""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

from ledger.crypto import KeyPair
from ledger.types import Output
from wallet import builders
from wallet.builders import Coin
from wallet.cli.args import (
    Option,
    amount_argument,
    command,
    common_options,
    format_kzt,
    key_argument,
    parse_amount,
    parse_memo,
    parse_public_key,
    program,
)
from wallet.cli.assets import add_bank_assets_commands
from wallet.cli.common import LOCAL, CliError, Reply, Session, bank_unlocked, submitted
from wallet.cli.customers import add_customer_commands
from wallet.cli.feed import add_feed_commands
from wallet.cli.keys import add_keys_commands
from wallet.cli.statement import add_statement_commands
from wallet.cli.waterfall import add_bank_waterfall_commands

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
    add_customer_commands(commands, parent)
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
    add_bank_assets_commands(commands, parent)
    add_feed_commands(commands, parent)
    add_statement_commands(commands, parent)
    add_bank_waterfall_commands(commands, parent)
    return top


def reserve_coins(session: Session, bank: str, key: KeyPair) -> list[Coin]:
    """The reserve coins on the key this operator holds."""
    return [c for c in session.client.bank_coins(bank, key) if c.output.owner == key.public_hex]


def distribute(session: Session) -> Reply:
    args = session.args
    network, bank, key = bank_unlocked(session)
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
    network, bank, key = bank_unlocked(session)
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
    network, bank, key = bank_unlocked(session)
    coins = builders.select_coins(reserve_coins(session, bank, key), args.amount)
    tx = builders.redeem(network, bank, coins, args.amount, [key])
    what = f"redeemed {format_kzt(args.amount)} to the central bank"
    return submitted(session, tx, what, amount=args.amount)


def reserve(session: Session) -> Reply:
    _, bank, key = bank_unlocked(session)
    coins = session.client.bank_coins(bank, key)
    total = sum(c.output.amount for c in coins if c.output.token == "KZT")
    lines = [f"bank {bank} reserve: {format_kzt(total)} in {len(coins)} outputs"]
    return Reply({"bank_id": bank, "reserve": total, "outputs": len(coins)}, lines)
