"""``tenge-bank`` commands for customers' phones: open a wallet from a phone's request, enrol a
phone as an offline device.

- ``open-request --request 'tenge:open?v=1&n=…&w=…&k=…' --tier basic`` — the phone wallet
  (``web/``) shows this request as a QR code and as text; the bank opens the wallet it names;
- ``enrol-device --wallet-id W --key DEVICE_KEY`` — issue the device certificate (the tier's
  default offline limits, or less) and register it with ``device.enrol``; the phone then fetches
  it from ``GET /v1/offline/keys/{key}/device`` and funds a purse.
"""

from __future__ import annotations

import argparse
import time
from typing import Any
from urllib.parse import parse_qs

from ledger.types import TIERS
from wallet.cli_args import command, format_kzt, key_argument, parse_amount, parse_public_key
from wallet.cli_common import LOCAL, CliError, Reply, Session

PREFIX = "tenge:open?"


def add_phone_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``open-request`` and ``enrol-device`` on ``tenge-bank``."""
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
    from wallet import cli_bank

    args = session.args
    args.wallet_id, args.key = read_request(args.request, session.network())
    args.mcc = args.region = None
    return cli_bank.open_wallet(session)


def enrol_device(session: Session) -> Reply:
    """Issue the device certificate with the tier's offline limits and register it."""
    from offline.params import OfflineLimits
    from wallet import cli_bank
    from wallet.offline import OfflineClient

    args = session.args
    _, bank, key = cli_bank.unlocked(session)
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
