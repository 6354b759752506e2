"""``tenge-bank``'s acts on its customers' wallets: open, freeze, list, and phones.

- ``open-wallet --wallet-id W --tier T --key K`` — register a customer's wallet;
- ``open-request --request 'tenge:open?v=1&n=…&w=…&k=…' --tier basic`` — the phone wallet
  (``web/``) shows this request as a QR code and as text; the bank opens the wallet it names;
- ``enrol-device --wallet-id W --key DEVICE_KEY`` — issue the device certificate (the tier's
  default offline limits, or less) and register it with ``device.enrol``; the phone then fetches
  it from ``GET /v1/offline/keys/{key}/device`` and funds a purse;
- ``freeze`` / ``unfreeze`` / ``wallets``.
"""

from __future__ import annotations

import argparse
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

from ledger.types import TIERS
from offline.params import OfflineLimits
from wallet import builders
from wallet.cli.args import (
    bounded_int,
    command,
    format_kzt,
    key_argument,
    parse_amount,
    parse_public_key,
)
from wallet.cli.common import LOCAL, CliError, Reply, Session, bank_unlocked, submitted
from wallet.offline.client import OfflineClient

PREFIX = "tenge:open?"


def add_customer_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register the customer commands on ``tenge-bank``."""
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
    opened = command(
        commands, "open-request", open_request, parent, "open the wallet a phone's request names"
    )
    opened.add_argument("--request", required=True, help="the phone's text: tenge:open?v=1&…")
    opened.add_argument("--tier", required=True, choices=TIERS)
    enrol = command(
        commands, "enrol-device", enrol_device, parent, "certify a phone for offline payments"
    )
    enrol.add_argument("--wallet-id", required=True, help="the wallet the device pays from")
    key_argument(enrol, "--key", "the device's public key (shown by the phone)")
    enrol.add_argument(
        "--max-purse", type=parse_amount, metavar="KZT", help="grant less than the tier's purse"
    )


def read_request(text: str, network: str) -> tuple[str, str]:
    """Wallet id and key of a ``tenge:open`` request for ``network``; CliError otherwise."""
    if not text.startswith(PREFIX):
        raise CliError(LOCAL, "bad_request", "not a wallet-opening request (tenge:open?…)")
    fields = {k: v[0] for k, v in parse_qs(text[len(PREFIX) :], strict_parsing=True).items()}
    if fields.get("v") != "1" or not {"n", "w", "k"} <= fields.keys():
        raise CliError(LOCAL, "bad_request", "the request lacks v=1, n, w or k")
    if fields["n"] != network:
        raise CliError(LOCAL, "wrong_network", f"the request is for {fields['n']}, not {network}")
    try:
        return fields["w"], parse_public_key(fields["k"])
    except argparse.ArgumentTypeError as error:
        raise CliError(LOCAL, "bad_request", str(error)) from error


def open_request(session: Session) -> Reply:
    """``open-wallet`` with the wallet id and key taken from the phone's request."""
    args = session.args
    args.wallet_id, args.key = read_request(args.request, session.network())
    args.mcc = args.region = None
    return open_wallet(session)


def enrol_device(session: Session) -> Reply:
    """Issue the device certificate with the tier's offline limits and register it."""

    args = session.args
    _, bank, key = bank_unlocked(session)
    offline = OfflineClient(session.client)
    tier = session.client.wallet(args.wallet_id, key).wallet.tier
    limits: OfflineLimits = offline.trust_view().params.tiers[tier]
    if args.max_purse is not None:
        if args.max_purse > limits.max_purse:
            allowed = format_kzt(limits.max_purse)
            raise CliError(LOCAL, "above_tier", f"the {tier} tier allows at most {allowed}")
        limits = OfflineLimits(
            max_purse=args.max_purse,
            max_voucher=min(limits.max_voucher, args.max_purse),
            max_vouchers=limits.max_vouchers,
            max_offline_hours=limits.max_offline_hours,
        )
    now_ms = time.time_ns() // 1_000_000
    certificate = offline.enrol(key, bank, args.wallet_id, args.key, limits, now_ms)
    lines = [
        f"enrolled device {args.key} for wallet {args.wallet_id} ({tier})",
        f"  max purse {format_kzt(limits.max_purse)}, max voucher {format_kzt(limits.max_voucher)}",
        f"  certificate {len(certificate)} bytes",
    ]
    data = {"wallet_id": args.wallet_id, "device_key": args.key, "tier": tier}
    return Reply({**data, "certificate": certificate.hex()}, lines)


def open_wallet(session: Session) -> Reply:
    args = session.args
    network, bank, key = bank_unlocked(session)
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
    network, _, key = bank_unlocked(session)
    wallet = session.args.wallet_id
    # A fresh nonce: freezing twice is two acts, not one idempotent retry.
    nonce = secrets.randbelow(2**53)
    tx = builders.wallet_update(network, key, wallet, nonce=nonce, status=status)
    return submitted(session, tx, f"wallet {wallet} is now {status}", wallet_id=wallet)


def wallets(session: Session) -> Reply:
    """One page of wallet ids (or all of them with ``--all``)."""
    args = session.args
    _, bank, key = bank_unlocked(session)
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
