"""``tenge-wallet privacy ...`` and ``tenge-wallet pay --privacy LEVEL``.

The wallet's default level and its anonymous tokens live beside the
keystore in ``<keystore>.privacy`` (mode 0600): the default in plain text,
the tokens — bearer value — sealed with a key derived from the wallet's
seed (HKDF-SHA-256, SecretBox), so the file is worthless without the
keystore's password. Private notes need no file: they are read back from
the envelopes on the ledger.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from ledger.crypto import KeyPair
from ledger.encoding import Amount, Wire, canonical
from privacy.requests import AnonToken
from privacy.types import Level
from wallet.cli.args import (
    amount_argument,
    bounded_int,
    command,
    format_kzt,
    key_argument,
    parse_amount,
    parse_memo,
    parse_public_key,
    parse_txid,
)
from wallet.cli.common import LOCAL, REFUSED, CliError, Reply, Session

if TYPE_CHECKING:
    from wallet.privacy.client import PrivateWallet

PAY_LEVELS = ("open", "private")


class HeldToken(Wire, frozen=True):
    denomination: Amount
    token: AnonToken


class PrivacyState(Wire, frozen=True):
    """``<keystore>.privacy``: the default level and the sealed tokens."""

    default: Level = "open"
    tokens: str = ""
    """SecretBox (nonce || ciphertext) of the canonical list of held tokens, hex."""


def add_privacy_commands(commands: Any, parent: argparse.ArgumentParser, paying: Any) -> None:
    """``--privacy`` on ``pay``, and the ``privacy`` command group."""
    paying.add_argument(
        "--privacy", choices=PAY_LEVELS, default=None, help="level (default: the wallet's)"
    )
    group = commands.add_parser("privacy", help="private and anonymous payments")
    sub = group.add_subparsers(dest="privacy_command", required=True, metavar="COMMAND")
    default = command(sub, "default", set_default, parent, "show or set the default level")
    default.add_argument("level", nargs="?", choices=PAY_LEVELS)
    command(sub, "balance", balance, parent, "open, private and anonymous holdings")
    command(sub, "history", history, parent, "private payments, read from their envelopes")
    amount_argument(command(sub, "shield", shield, parent, "move open KZT into a private note"))
    unshield_cmd = command(sub, "unshield", unshield, parent, "pay private notes out openly")
    amount_argument(unshield_cmd)
    unshield_cmd.add_argument("--to", type=parse_public_key, help="payee key (default: yours)")
    withdraw_cmd = command(sub, "withdraw", withdraw, parent, "buy anonymous tokens")
    _token_arguments(withdraw_cmd)
    spend_cmd = command(sub, "spend", spend, parent, "pay an identified payee with tokens")
    _token_arguments(spend_cmd)
    key_argument(spend_cmd, "--to", "the payee's public key")
    spend_cmd.add_argument("--memo", default="", type=parse_memo)
    verify = command(sub, "verify", verify_received, parent, "verify a received private payment")
    verify.add_argument("txid", type=parse_txid)
    command(sub, "disclosures", disclosures, parent, "disclosures of this wallet's payments")


def _token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--denomination", required=True, type=parse_amount, metavar="KZT")
    parser.add_argument("--count", type=bounded_int(1, 64), default=1)


# -- state beside the keystore ------------------------------------------------------


def state_path(session: Session) -> Path:
    if not session.args.keystore:
        raise CliError(LOCAL, "no_keystore", "pass --keystore or set TENGE_KEYSTORE")
    return Path(str(session.args.keystore) + ".privacy")


def load_state(session: Session) -> PrivacyState:
    path = state_path(session)
    if not path.exists():
        return PrivacyState()
    try:
        return msgspec.json.decode(path.read_bytes(), type=PrivacyState)
    except msgspec.DecodeError as error:  # ValidationError included
        raise CliError(LOCAL, "bad_privacy_state", f"{path}: {error}") from None


def save_state(session: Session, state: PrivacyState) -> None:
    path = state_path(session)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(canonical(state))
    temporary.replace(path)


def _box(key: KeyPair) -> SecretBox:
    info = b"KZT-LEDGER/wallet-tokens/v1"
    return SecretBox(HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(key.seed))


def held(state: PrivacyState, key: KeyPair) -> list[HeldToken]:
    if not state.tokens:
        return []
    try:
        plain = _box(key).decrypt(bytes.fromhex(state.tokens))
        return msgspec.json.decode(plain, type=list[HeldToken])
    except (ValueError, CryptoError, msgspec.DecodeError) as error:
        raise CliError(
            LOCAL, "bad_privacy_state", f"the sealed tokens do not open: {error}"
        ) from None


def with_tokens(state: PrivacyState, key: KeyPair, tokens: list[HeldToken]) -> PrivacyState:
    sealed = _box(key).encrypt(canonical(tokens)).hex() if tokens else ""
    return msgspec.structs.replace(state, tokens=sealed)


# -- commands -------------------------------------------------------------------------


def private_wallet(session: Session) -> PrivateWallet:
    from wallet.privacy.client import PrivateWallet

    wallet_id = session.args.wallet or session.keystore().wallet_id
    if not wallet_id:
        raise CliError(LOCAL, "no_wallet", "pass --wallet or set TENGE_WALLET")
    session.network()  # refuses a keystore of another network
    return PrivateWallet(session.client, str(wallet_id), session.key())


def private_pay(session: Session) -> Reply | None:
    """``pay`` at the private level, or None to let ``pay`` go on openly."""
    level = session.args.privacy or load_state(session).default
    if level == "open":
        return None
    args, wallet = session.args, private_wallet(session)
    result = wallet.pay(args.to, args.amount, "private", args.memo).result  # pay() said level
    return _submitted(result, f"paid {format_kzt(args.amount)} privately to {args.to}")


def _submitted(result: Any, headline: str) -> Reply:
    if result.problem is not None:
        raise CliError(REFUSED, result.problem.code, result.problem.title)
    where = f" in block {result.height}" if result.height is not None else ""
    data = {"txid": result.txid, "status": result.status, "height": result.height}
    return Reply(data, [headline, f"  txid    {result.txid}", f"  status  {result.status}{where}"])


def set_default(session: Session) -> Reply:
    state = load_state(session)
    if session.args.level:
        state = msgspec.structs.replace(state, default=session.args.level)
        save_state(session, state)
    return Reply({"default": state.default}, [f"default privacy level: {state.default}"])


def balance(session: Session) -> Reply:
    wallet = private_wallet(session)
    opened = sum(c.output.amount for c in wallet.coins() if c.output.token == "KZT")
    private = wallet.history().balance()
    tokens = held(load_state(session), wallet.key)
    anonymous = sum(t.denomination for t in tokens)
    data = {"open": opened, "private": private, "anonymous": anonymous, "tokens": len(tokens)}
    lines = [
        f"wallet {wallet.wallet_id} (key {wallet.key.public_hex[:16]}...)",
        f"  open       {format_kzt(opened)}",
        f"  private    {format_kzt(private)}",
        f"  anonymous  {format_kzt(anonymous)} in {len(tokens)} tokens",
    ]
    return Reply(data, lines)


def history(session: Session) -> Reply:
    wallet = private_wallet(session)
    found, me = wallet.history(), wallet.key.public_hex
    entries: list[dict[str, Any]] = [
        {"txid": r.txid, "height": r.height, "received": r.note.amount, "memo": r.memo}
        for r in found.received
        if not any(r.txid == s.txid for s in found.sent)  # our own change is no receipt
    ]
    for s in found.sent:
        record = s.record
        paid = sum(n.amount for n in record.creates if n.owner != me)
        paid += sum(o.amount for o in record.outputs if o.owner != me)
        entries.append({"txid": s.txid, "height": s.height, "paid": paid, "memo": record.memo})
    entries.sort(key=lambda e: (-e["height"], e["txid"]))
    lines = [f"private history: {len(entries)} payments, balance {format_kzt(found.balance())}"]
    for e in entries:
        what = f"+{format_kzt(e['received'])}" if "received" in e else f"-{format_kzt(e['paid'])}"
        lines.append(f"  block {e['height']:>7}  {what:>22}  {e['memo']}  {e['txid'][:16]}")
    return Reply({"entries": entries, "balance": found.balance()}, lines)


def shield(session: Session) -> Reply:
    result = private_wallet(session).shield(session.args.amount).result
    return _submitted(result, f"moved {format_kzt(session.args.amount)} into a private note")


def unshield(session: Session) -> Reply:
    args = session.args
    result = private_wallet(session).unshield(args.amount, args.to).result
    return _submitted(result, f"paid {format_kzt(args.amount)} out of private notes")


def withdraw(session: Session) -> Reply:
    args, wallet = session.args, private_wallet(session)
    minted = wallet.withdraw(args.denomination, args.count)
    state = load_state(session)
    tokens = held(state, wallet.key) + [HeldToken(args.denomination, t) for t in minted]
    save_state(session, with_tokens(state, wallet.key, tokens))
    total = args.denomination * args.count
    lines = [f"withdrew {args.count} x {format_kzt(args.denomination)} = {format_kzt(total)}"]
    lines.append("  the issuer's DLEQ proof verified under the published key")
    return Reply({"count": args.count, "denomination": args.denomination}, lines)


def spend(session: Session) -> Reply:
    args, wallet = session.args, private_wallet(session)
    state = load_state(session)
    tokens = held(state, wallet.key)
    chosen = [t for t in tokens if t.denomination == args.denomination][: args.count]
    if len(chosen) < args.count:
        raise CliError(REFUSED, "insufficient_tokens", f"{len(chosen)} tokens of that value held")
    result = wallet.spend([t.token for t in chosen], args.denomination, args.to, args.memo).result
    if result.problem is None:
        left = [t for t in tokens if t not in chosen]
        save_state(session, with_tokens(state, wallet.key, left))
    total = args.denomination * args.count
    return _submitted(result, f"paid {format_kzt(total)} anonymously to {args.to}")


def verify_received(session: Session) -> Reply:
    found = private_wallet(session).verify_received(session.args.txid)
    note = found.note
    data = {"txid": session.args.txid, "verified": True, "amount": note.amount, "memo": found.memo}
    lines = [
        f"private payment {session.args.txid} verified",
        f"  amount      {format_kzt(note.amount)} ({note.token})",
        f"  memo        {found.memo}",
        f"  envelope    opens with this key to the note committed at position {found.index}",
        "  inclusion   Merkle path to a block signed by a trusted producer: valid",
    ]
    return Reply(data, lines)


def disclosures(session: Session) -> Reply:
    found = private_wallet(session).disclosures()
    data = {"disclosures": [msgspec.to_builtins(d) for d in found]}
    lines = [f"{len(found)} disclosure(s) of this wallet's private payments"]
    lines += [
        f"  {d.txid[:16]}  block {d.height}  by {', '.join(d.authorities)}: {d.reason}"
        for d in found
    ]
    return Reply(data, lines)
