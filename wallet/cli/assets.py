"""``tenge-bank assets …`` and ``tenge-wallet assets …``: secured digital assets.

``tenge-bank assets`` (a keystore of the National Bank's, or of a bank):

- ``license --wallet-id W --licence NBK-…`` — the National Bank licenses a platform operator
  (``--withdraw`` takes the licence back);
- ``holdings --wallet-id W`` — a customer's digital assets (the bank's signed read);
- ``show ASSET`` — a class's terms, issuer, operator and totals.

``tenge-wallet assets`` (a platform operator's or a holder's wallet):

- ``create`` — register a class: issuer, rights, the SHA-256 of the rights proof and the
  terms (files), unit, ``--items`` for unique items;
- ``issue --asset ID --to KEY --units N | --item ITEM`` — the operator issues;
- ``holdings``, ``show ASSET``, ``send --asset TOKEN --to KEY --units N``;
- ``offer``, ``accept``, ``settle`` — delivery versus payment (:mod:`wallet.cli.dvp`).

An ``ASSET`` is a class id (64 hex digits); a ``TOKEN`` is ``asset:`` and 64 hex digits, or
a class id for the units of a class of units.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

from assets.types import AssetClass, Issuer, class_id, item_token, unit_token
from ledger.crypto import sha256
from ledger.types import Output
from wallet.assets import builders as a
from wallet.assets.client import Assets
from wallet.cli.args import MAX_TIYN, bounded_int, command, key_argument
from wallet.cli.common import (
    LOCAL,
    CliError,
    Reply,
    Session,
    submitted,
    wallet_id,
    wallet_unlocked,
)

_HEX32 = re.compile(r"[0-9a-f]{64}")
_TOKEN = re.compile(r"asset:[0-9a-f]{64}")
UNITS = bounded_int(1, MAX_TIYN)


def parse_asset(text: str) -> str:
    """A class id: 64 hex digits."""
    if _HEX32.fullmatch(text.lower()) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an asset class id (64 hex digits)")
    return text.lower()


def parse_token(text: str) -> str:
    """``asset:`` and 64 hex digits, or a class id standing for the units of its class."""
    lowered = text.lower()
    if _TOKEN.fullmatch(lowered):
        return lowered
    if _HEX32.fullmatch(lowered):
        return unit_token(lowered)
    raise argparse.ArgumentTypeError(f"{text!r} is not an asset token (asset:<64 hex>)")


def add_bank_assets_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``assets`` and its subcommands on ``tenge-bank``."""
    sub = _group(commands)
    licensed = command(sub, "license", license_platform, parent, "license a platform operator")
    licensed.add_argument("--wallet-id", required=True, help="the operator's wallet")
    licensed.add_argument("--licence", required=True, help="the licence's number")
    licensed.add_argument("--withdraw", action="store_true", help="take the licence back")
    held = command(sub, "holdings", bank_holdings, parent, "a customer's digital assets")
    held.add_argument("--wallet-id", required=True)
    _show(sub, parent)


def add_wallet_assets_commands(commands: Any, parent: argparse.ArgumentParser) -> Any:
    """Register ``assets`` and its subcommands on ``tenge-wallet``; returns the group
    (the DvP commands of :mod:`wallet.cli.dvp` join it)."""
    sub = _group(commands)
    made = command(sub, "create", create_class, parent, "register an asset class (operator)")
    made.add_argument("--name", required=True, help="what the asset is, e.g. 'Wheat, class 3'")
    made.add_argument("--issuer-name", required=True, help="the issuer's legal name")
    made.add_argument("--issuer-bin", required=True, help="the issuer's BIN (12 digits)")
    made.add_argument("--rights", required=True, choices=("goods", "services", "ip"))
    made.add_argument("--rights-proof", required=True, help="the document proving the rights")
    made.add_argument("--terms", required=True, help="the terms document")
    made.add_argument("--unit", required=True, help="what one unit is, e.g. tonne")
    made.add_argument("--items", action="store_true", help="unique items, not units")
    made.add_argument("--series", type=bounded_int(0, MAX_TIYN), default=0)
    issued = command(sub, "issue", issue, parent, "issue units or an item (operator)")
    issued.add_argument("--asset", required=True, type=parse_asset, metavar="ASSET")
    key_argument(issued, "--to", "the holder's public key")
    what = issued.add_mutually_exclusive_group(required=True)
    what.add_argument("--units", type=UNITS, help="units of a class of units")
    what.add_argument("--item", help="the item's number, for a class of items")
    command(sub, "holdings", holdings, parent, "the wallet's digital assets")
    _show(sub, parent)
    sent = command(sub, "send", send, parent, "move units or an item to another wallet")
    token_units(sent)
    key_argument(sent, "--to", "the recipient's public key")
    return sub


def _group(commands: Any) -> Any:
    group = commands.add_parser("assets", help="secured digital assets")
    return group.add_subparsers(dest="assets_command", required=True, metavar="COMMAND")


def _show(sub: Any, parent: argparse.ArgumentParser) -> None:
    shown = command(sub, "show", show_class, parent, "an asset class: terms, issuer, totals")
    shown.add_argument("asset", type=parse_asset, metavar="ASSET")


def token_units(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--asset", required=True, type=parse_token, metavar="TOKEN")
    parser.add_argument("--units", required=True, type=UNITS, help="1 for an item")


# -- tenge-bank --------------------------------------------------------------------------


def license_platform(session: Session) -> Reply:
    """``asset.license`` signed by the keystore's key (one of the National Bank's)."""
    args = session.args
    key = session.key()
    nonce = time.time_ns() // 1_000_000  # any number that makes a repeat distinct
    granted = not args.withdraw
    tx = a.asset_license(session.network(), key, args.wallet_id, args.licence, nonce, granted)
    verb = "licensed" if granted else "withdrew the licence of"
    what = f"{verb} {args.wallet_id} ({args.licence})"
    return submitted(session, tx, what, wallet_id=args.wallet_id, granted=granted)


def bank_holdings(session: Session) -> Reply:
    """A customer's assets, read with the bank's key."""
    return _holdings(session, session.args.wallet_id, session.key())


# -- tenge-wallet: the operator ------------------------------------------------------------


def _digest(path: str) -> str:
    return sha256(Path(path).read_bytes()).hex()


def create_class(session: Session) -> Reply:
    """``asset.create`` with the hashes of the two documents."""
    args = session.args
    network, _, key = wallet_unlocked(session)
    if re.fullmatch(r"[0-9]{12}", args.issuer_bin) is None:
        raise CliError(LOCAL, "bad_bin", f"{args.issuer_bin!r} is not a BIN (12 digits)")
    terms = AssetClass(
        platform=key.public_hex,
        issuer=Issuer(name=args.issuer_name, bin=args.issuer_bin),
        name=args.name,
        rights=args.rights,
        rights_proof=_digest(args.rights_proof),
        terms=_digest(args.terms),
        unit=args.unit,
        form="items" if args.items else "units",
        series=args.series,
    )
    asset = class_id(terms)
    reply = submitted(session, a.asset_create(network, key, terms), f"registered {args.name}")
    reply.data.update(asset=asset, token=None if args.items else unit_token(asset))
    reply.lines.append(f"  asset   {asset}")
    return reply


def issue(session: Session) -> Reply:
    """``asset.issue`` of units, or of one item."""
    args = session.args
    network, _, key = wallet_unlocked(session)
    if args.item is None:
        tx = a.asset_issue(network, key, args.asset, [Output(owner=args.to, amount=args.units)])
        token, what = unit_token(args.asset), f"issued {args.units} units to {args.to}"
    else:
        tx = a.asset_issue_items(network, key, args.asset, [(args.item, args.to)])
        token, what = item_token(args.asset, args.item), f"issued item {args.item} to {args.to}"
    return submitted(session, tx, what, token=token, to=args.to)


# -- tenge-wallet: holders ------------------------------------------------------------------


def _holdings(session: Session, wallet: str, key: Any) -> Reply:
    found = Assets(session.client).holdings(wallet, key)
    rows = [
        {"token": h.token, "units": h.units, "name": h.name, "unit": h.unit, "item": h.item}
        for h in found.holdings
    ]
    lines = [f"wallet {wallet}: {len(rows)} digital asset(s)"]
    lines += [
        f"  {h.units:>12} {h.unit:<8} {h.name}"
        + (f" — item {h.item}" if h.item else "")
        + f"\n               {h.token}"
        for h in found.holdings
    ]
    return Reply({"wallet_id": wallet, "holdings": rows}, lines)


def holdings(session: Session) -> Reply:
    """The wallet's digital assets."""
    return _holdings(session, wallet_id(session), session.key())


def show_class(session: Session) -> Reply:
    """A class as the public sees it."""
    view = Assets(session.client).asset(session.args.asset)
    terms = view.terms
    data = {
        "asset": view.asset,
        "name": terms.name,
        "issuer": {"name": terms.issuer.name, "bin": terms.issuer.bin},
        "rights": terms.rights,
        "rights_proof": terms.rights_proof,
        "terms": terms.terms,
        "unit": terms.unit,
        "form": terms.form,
        "platform": view.platform,
        "licensed": view.licensed,
        "outstanding": view.outstanding,
        "token": view.token,
    }
    lines = [
        f"{terms.name} ({terms.form}, unit {terms.unit})",
        f"  issuer       {terms.issuer.name}, BIN {terms.issuer.bin}",
        f"  rights to    {terms.rights}; proof sha256 {terms.rights_proof}",
        f"  terms        sha256 {terms.terms}",
        f"  platform     {view.platform} ({'licensed' if view.licensed else 'NOT licensed'})",
        f"  outstanding  {view.outstanding} of {view.issued} issued",
    ]
    return Reply(data, lines)


def own_coins(session: Session, token: str) -> tuple[str, Any, list[Any]]:
    network, wallet, key = wallet_unlocked(session)
    coins = [
        c
        for c in session.client.coins(wallet, key)
        if c.output.owner == key.public_hex and c.output.token == token
    ]
    return network, key, coins


def send(session: Session) -> Reply:
    """``asset.transfer`` from this key's coins of the token."""
    args = session.args
    network, key, coins = own_coins(session, args.asset)
    tx = a.asset_transfer(network, coins, [key], args.asset, args.to, args.units)
    what = f"sent {args.units} of {args.asset} to {args.to}"
    return submitted(session, tx, what, to=args.to, units=args.units)
