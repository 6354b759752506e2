"""The holding-limit waterfall from the command line (decision 0016).

``tenge-bank``:

- ``link-deposit --wallet-id W --deposit REF`` / ``unlink-deposit --wallet-id W`` — link one of
  the bank's deposit accounts to a customer's wallet: payments over the wallet's cap then pay
  the excess to the bank, with a ``credit`` instruction in its feed;
- ``pool-fund --amount KZT`` / ``pool-withdraw --amount KZT`` — move reserve into the bank's
  waterfall pool, or back.

``tenge-wallet``:

- ``mandate --per-payment KZT`` / ``mandate --revoke`` — the holder's standing mandate for the
  reverse waterfall;
- ``pay --from-deposit`` — a payment larger than the wallet's coins names the shortfall, which
  the bank's pool pays under the mandate (a ``debit`` instruction in the bank's feed).
"""

from __future__ import annotations

import argparse
import secrets
from typing import Any

from ledger.types import KZT
from wallet import builders
from wallet.builders import Coin
from wallet.cli.args import amount_argument, command, format_kzt, parse_amount
from wallet.cli.common import Reply, Session, bank_unlocked, submitted, wallet_unlocked


def add_bank_waterfall_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register the bank's waterfall commands on ``tenge-bank``."""
    link = command(
        commands, "link-deposit", link_deposit, parent, "link a deposit account to a wallet"
    )
    link.add_argument("--wallet-id", required=True, help="a wallet this bank opened")
    link.add_argument("--deposit", required=True, help="the bank's own account reference")
    unlink = command(
        commands, "unlink-deposit", unlink_deposit, parent, "remove a wallet's deposit link"
    )
    unlink.add_argument("--wallet-id", required=True)
    amount_argument(
        command(commands, "pool-fund", pool_fund, parent, "move reserve into the waterfall pool")
    )
    amount_argument(
        command(commands, "pool-withdraw", pool_withdraw, parent, "take from the waterfall pool")
    )


def add_wallet_waterfall_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register the holder's mandate command on ``tenge-wallet``."""
    mandate = command(
        commands, "mandate", sign_mandate, parent, "the standing reverse-waterfall mandate"
    )
    which = mandate.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--per-payment", type=parse_amount, metavar="KZT", help="the most one payment may pull"
    )
    which.add_argument("--revoke", action="store_true", help="end the mandate")


def link_deposit(session: Session) -> Reply:
    return _link(session, session.args.deposit)


def unlink_deposit(session: Session) -> Reply:
    return _link(session, None)


def _link(session: Session, deposit: str | None) -> Reply:
    network, _, key = bank_unlocked(session)
    wallet = session.args.wallet_id
    nonce = secrets.randbelow(2**53)  # linking twice is two acts, not one retry
    tx = builders.link_deposit(network, key, wallet, deposit, nonce=nonce)
    what = (
        f"wallet {wallet} linked to deposit {deposit}" if deposit else f"wallet {wallet} unlinked"
    )
    return submitted(session, tx, what, wallet_id=wallet, deposit=deposit)


def _reserve(session: Session, bank: str) -> list[Coin]:
    key = session.key()
    coins = session.client.bank_coins(bank, key)
    return [c for c in coins if c.output.owner == key.public_hex and c.output.token == KZT]


def pool_fund(session: Session) -> Reply:
    network, bank, key = bank_unlocked(session)
    amount = session.args.amount
    coins = builders.select_coins(_reserve(session, bank), amount)
    tx = builders.pool_fund(network, bank, coins, amount, [key])
    return submitted(session, tx, f"{format_kzt(amount)} into the waterfall pool", amount=amount)


def pool_withdraw(session: Session) -> Reply:
    network, bank, key = bank_unlocked(session)
    amount = session.args.amount
    tx = builders.pool_withdraw(network, key, bank, amount, nonce=secrets.randbelow(2**53))
    return submitted(session, tx, f"{format_kzt(amount)} from the waterfall pool", amount=amount)


def sign_mandate(session: Session) -> Reply:
    network, wallet, key = wallet_unlocked(session)
    limit = None if session.args.revoke else session.args.per_payment
    tx = builders.reverse_mandate(network, [key], wallet, limit, nonce=secrets.randbelow(2**53))
    what = "mandate revoked" if limit is None else f"mandate: up to {format_kzt(limit)} a payment"
    return submitted(session, tx, what, wallet_id=wallet, per_payment=limit)
