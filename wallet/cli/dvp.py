"""``tenge-wallet assets offer | accept | settle``: delivery versus payment from the command line.

One transaction, signed by both parties, swaps the asset for tenge. The
seller's ``offer`` writes its half (its coins of the token, the price, the
buyer's key, an optional deadline) to a file; the buyer's ``accept``
completes it with the buyer's KZT and change, signs, and writes the signed
envelope; the seller's ``settle`` checks the envelope is exactly its offer
(:func:`wallet.assets.builders.require_offer`: a lowered price or other
coins are refused before signing), countersigns and submits.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from assets.types import AssetDvp
from ledger.encoding import canonical, decode_canonical, decode_strict
from ledger.errors import EncodingError, TengeError
from ledger.types import SignedTransaction, Transaction, txid_of
from ledger.validation import validate_signatures
from wallet.assets import builders as a
from wallet.cli.args import bounded_int, command, format_kzt, key_argument, parse_amount
from wallet.cli.assets import own_coins, token_units
from wallet.cli.common import LOCAL, REFUSED, CliError, Reply, Session, submitted, wallet_unlocked


def add_dvp_commands(sub: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``offer``, ``accept`` and ``settle`` in the ``assets`` group."""
    offered = command(sub, "offer", offer, parent, "seller: offer units for tenge, DvP")
    token_units(offered)
    offered.add_argument("--price", required=True, type=parse_amount, metavar="KZT")
    key_argument(offered, "--buyer", "the buyer's public key (receives the asset)")
    offered.add_argument("--valid-minutes", type=bounded_int(1, 10_080), help="a deadline")
    offered.add_argument("--out", required=True, help="where to write the offer")
    accepted = command(sub, "accept", accept, parent, "buyer: pay for an offer, sign")
    accepted.add_argument("--offer", required=True, help="the seller's offer file")
    accepted.add_argument("--out", required=True, help="where to write the signed DvP")
    settled = command(sub, "settle", settle, parent, "seller: countersign and submit a DvP")
    settled.add_argument("--offer", required=True, help="the offer you made")
    settled.add_argument("--signed", required=True, help="the DvP the buyer signed")


# -- delivery versus payment ------------------------------------------------------------------


def _write(path: str, data: bytes) -> None:
    temporary = Path(path).with_suffix(".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)  # never a half-written file


def _read_offer(path: str) -> a.DvpOffer:
    try:
        return decode_strict(Path(path).read_bytes(), a.DvpOffer, "offer")
    except EncodingError as error:
        raise CliError(LOCAL, "bad_offer", f"{path}: {error}") from error


def _terms(terms: a.DvpOffer | AssetDvp) -> list[str]:
    deadline = "none" if terms.deadline is None else f"{terms.deadline} (Unix ms)"
    return [
        f"  deliver  {terms.units} of {terms.asset}",
        f"  to       {terms.buyer}",
        f"  for      {format_kzt(terms.price)} to {terms.seller}",
        f"  deadline {deadline}",
    ]


def offer(session: Session) -> Reply:
    """The seller's half: its coins of the token, the price, the buyer, the deadline."""
    args = session.args
    network, _, coins = own_coins(session, args.asset)
    minutes = args.valid_minutes
    deadline = None if minutes is None else time.time_ns() // 1_000_000 + minutes * 60_000
    terms = a.offer(network, coins, args.asset, args.units, args.price, args.buyer, deadline)
    _write(args.out, canonical(terms))
    lines = [f"offer written to {args.out}", *_terms(terms), "give it to the buyer to accept"]
    return Reply({"offer": args.out, "units": args.units, "price": args.price}, lines)


def accept(session: Session) -> Reply:
    """The buyer completes the offer with its KZT, signs, and writes the signed DvP."""
    args = session.args
    terms = _read_offer(args.offer)
    network, wallet, key = wallet_unlocked(session)
    if terms.network != network or terms.buyer != key.public_hex:
        raise CliError(REFUSED, "not_your_offer", "the offer is for another network or buyer")
    coins = [c for c in session.client.coins(wallet, key) if c.output.owner == key.public_hex]
    tx = a.sign(network, a.accept_offer(terms, coins), [key])
    _write(args.out, canonical(tx.envelope()))
    lines = [f"signed DvP written to {args.out}", *_terms(terms), f"  txid     {tx.txid.hex()}"]
    return Reply({"signed": args.out, "txid": tx.txid.hex()}, lines)


def _read_signed(path: str, network: str) -> tuple[Transaction, AssetDvp]:
    try:
        envelope = decode_strict(Path(path).read_bytes(), SignedTransaction, "transaction")
        body = decode_canonical(bytes(envelope.body), AssetDvp, "body")
    except EncodingError as error:
        raise CliError(LOCAL, "bad_dvp", f"{path}: {error}") from error
    if envelope.network != network:
        raise CliError(REFUSED, "wrong_network", f"the DvP is for {envelope.network}")
    body_bytes = bytes(envelope.body)
    txid = txid_of(envelope.network, body_bytes)
    signatures = tuple(envelope.signatures)
    return Transaction(envelope.network, body, signatures, body_bytes, txid), body


def settle(session: Session) -> Reply:
    """The seller checks the buyer's DvP against its own offer, countersigns and submits."""
    args = session.args
    terms = _read_offer(args.offer)
    network, _, key = wallet_unlocked(session)
    tx, body = _read_signed(args.signed, network)
    try:
        a.require_offer(terms, body)
        validate_signatures(tx)
    except a.OfferMismatch as error:
        raise CliError(REFUSED, "offer_mismatch", str(error), field=error.field) from error
    except TengeError as error:
        raise CliError(REFUSED, error.code, "the buyer's signature does not verify") from error
    signed = a.countersign(tx, [key])
    what = f"settled: {terms.units} of {terms.asset} for {format_kzt(terms.price)}"
    return submitted(session, signed, what, units=terms.units, price=terms.price)
