"""``tenge-wallet offline``: pay and get paid with no network, settle when back online.

The phone's offline state lives in a device directory (``--device``,
``TENGE_DEVICE``): ``device.key`` (the device key, sealed like any keystore:
a software stand-in for the phone's secure element), ``state.cbor`` (the
certificate, the purse, the counter), ``trust.cbor`` (root, bank CAs, CRLs)
and ``inbox.cbor`` (vouchers received, not yet deposited).

- ``init`` — create the device key; give its public key to your bank to enrol;
- ``fund --amount`` — fetch the certificate, fund a purse on the device (online);
- ``pay --to KEY --amount`` — sign a voucher, show the bundle as a QR code and
  write it to a file (**offline**: no node is contacted);
- ``receive [FILE|-]`` — verify a bundle and keep it (**offline**);
- ``sync`` — deposit what was received, report fraud evidence, refresh the
  CRLs and the trust store (online);
- ``defund`` — return what the purse's vouchers do not need (online);
- ``status`` — what the device and the inbox hold (local).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from ledger.crypto import KeyPair
from offline.bundle import decode_bundle
from offline.device import DeviceState, pay
from offline.inbox import Inbox, decode_inbox, encode_inbox
from offline.trust import TrustStore
from wallet.cli.args import amount_argument, command, format_kzt, key_argument
from wallet.cli.common import LOCAL, CliError, Reply, Session, read_password, wallet_unlocked
from wallet.keystore import STRENGTHS, KdfParams, Keystore


def add_offline_commands(commands: Any, parent: argparse.ArgumentParser) -> None:
    """Register ``offline`` and its subcommands on ``tenge-wallet``."""
    offline = commands.add_parser("offline", help="pay and get paid with no network")
    sub = offline.add_subparsers(dest="offline_command", required=True, metavar="COMMAND")
    device = argparse.ArgumentParser(add_help=False)
    device.add_argument(
        "--device",
        default=os.environ.get("TENGE_DEVICE", "device"),
        help="the device directory [TENGE_DEVICE]",
    )
    parents = argparse.ArgumentParser(add_help=False, parents=[parent, device])
    init = command(sub, "init", init_device, parents, "create the device key")
    init.add_argument("--kdf", choices=sorted(STRENGTHS), default="moderate")
    amount_argument(command(sub, "fund", fund, parents, "fund a purse on the device (online)"))
    paying = command(sub, "pay", pay_offline, parents, "sign a voucher, show it as a QR code")
    key_argument(paying, "--to", "the payee's public key")
    amount_argument(paying)
    paying.add_argument("--out", help="write the bundle here (default: in the device directory)")
    receive = command(sub, "receive", receive_offline, parents, "verify a bundle and keep it")
    receive.add_argument("file", nargs="?", default="-", help="a bundle file, or - for stdin")
    command(sub, "sync", sync, parents, "deposit, report evidence, refresh CRLs (online)")
    command(sub, "defund", defund, parents, "return the purse's unneeded value (online)")
    command(sub, "status", status, parents, "what the device and the inbox hold")


# -- the device directory ------------------------------------------------------------


def _dir(session: Session) -> Path:
    return Path(session.args.device)


def _read(session: Session, name: str) -> bytes | None:
    path = _dir(session) / name
    return path.read_bytes() if path.exists() else None


def _write(session: Session, name: str, data: bytes) -> None:
    path = _dir(session) / name
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)  # never a half-written state


def _device_key(session: Session) -> KeyPair:
    path = _dir(session) / "device.key"
    if not path.exists():
        raise CliError(LOCAL, "no_device", f"no device key in {_dir(session)}: run offline init")
    return Keystore.load(path).unlock(read_password(session.args))


def _state(session: Session) -> DeviceState:
    data = _read(session, "state.cbor")
    if data is None:
        raise CliError(
            LOCAL, "no_certificate", "no certificate yet: run offline fund when enrolled"
        )
    return DeviceState.decode(data)


def _trust(session: Session) -> TrustStore:
    data = _read(session, "trust.cbor")
    if data is None:
        raise CliError(LOCAL, "no_trust_store", "no trust store yet: run offline sync once online")
    return TrustStore.decode(data)


def _inbox(session: Session) -> Inbox:
    data = _read(session, "inbox.cbor")
    return Inbox() if data is None else decode_inbox(data)


def _now() -> int:
    return time.time_ns() // 1_000_000


# -- commands --------------------------------------------------------------------------


def init_device(session: Session) -> Reply:
    """Create the device directory and the device key (sealed with the password)."""
    folder = _dir(session)
    folder.mkdir(parents=True, exist_ok=True)
    password = read_password(session.args, confirm=True)
    keystore = Keystore.create(
        folder / "device.key", password, kdf=KdfParams.fresh(session.args.kdf), label="device"
    )
    lines = [
        f"device key created in {folder}",
        f"  public key  {keystore.public_key}",
        "Give it to your bank to enrol the device, then run: tenge-wallet offline fund",
    ]
    return Reply({"device": str(folder), "device_key": keystore.public_key}, lines)


def _online(session: Session) -> Any:
    from wallet.offline.client import OfflineClient

    return OfflineClient(session.client)


def fund(session: Session) -> Reply:
    """Fetch the certificate if needed, fund a purse, refresh the trust store."""
    _, wallet, key = wallet_unlocked(session)
    device = _device_key(session)
    client = _online(session)
    data = _read(session, "state.cbor")
    if data is None:
        record = client.device(device.public_hex)
        state = DeviceState(session.network(), bytes.fromhex(record.certificate))
    else:
        state = DeviceState.decode(data)
    state = client.fund(state, wallet, key, device.public_hex, session.args.amount)
    _write(session, "state.cbor", state.encode())
    _write(session, "trust.cbor", client.trust().encode())
    if state.purse is None:
        raise CliError(LOCAL, "no_purse", "the purse was not funded")
    purse = state.purse.purse_id.hex()
    lines = [f"purse {purse} funded with {format_kzt(state.purse.funded)}"]
    return Reply({"purse": purse, "funded": state.purse.funded}, lines)


def pay_offline(session: Session) -> Reply:
    """Sign the next voucher; print the bundle as a QR code and write it to a file."""
    import segno

    args = session.args
    state, device = _state(session), _device_key(session)
    bundle, after = pay(state, device, bytes.fromhex(args.to), args.amount, _now())
    _write(session, "state.cbor", after.encode())  # the counter moves before the bundle leaves
    data = bundle.encode()
    counter = bundle.voucher.voucher.counter
    name = f"{bundle.voucher.voucher.purse.hex()[:16]}-{counter}.bundle"
    out = Path(args.out or _dir(session) / "outbox" / name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    qr = segno.make(data, error="l", micro=False)
    qr.save(str(out) + ".png", scale=4)
    if not args.json:
        qr.terminal(out=sys.stdout, compact=True)
    data_out = {
        "bundle": str(out),
        "qr_png": str(out) + ".png",
        "bytes": len(data),
        "qr_version": qr.version,
        "counter": counter,
        "amount": args.amount,
        "available": after.available,
    }
    lines = [
        f"paid {format_kzt(args.amount)} to {args.to} (voucher {counter})",
        f"  bundle  {out} ({len(data)} bytes, QR version {qr.version}, also {out}.png)",
        f"  left    {format_kzt(after.available)} in the purse",
    ]
    return Reply(data_out, lines)


def receive_offline(session: Session) -> Reply:
    """Verify a bundle against the cached trust store and keep it; no network."""
    source = session.args.file
    data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    payee = bytes.fromhex(session.keystore().public_key)
    inbox, trust = _inbox(session), _trust(session)
    try:
        accepted, inbox = inbox.receive(data, trust, payee, _now())
    except Exception as error:
        _write(session, "inbox.cbor", encode_inbox(inbox.with_evidence(data, error)))
        raise
    _write(session, "inbox.cbor", encode_inbox(inbox))
    v = accepted.bundle.voucher.voucher
    lines = [
        f"received {format_kzt(v.amount)} from device {accepted.device.serial_hex} "
        f"(wallet {accepted.device.wallet_id}, bank {accepted.device.bank_id})",
        "  verified offline: certificate, CRL, funding receipt, signature, counter, chain",
        "  not spendable until deposited: run tenge-wallet offline sync when online",
    ]
    data_out = {
        "amount": v.amount,
        "purse": v.purse.hex(),
        "counter": v.counter,
        "device": accepted.device.serial_hex,
        "wallet_id": accepted.device.wallet_id,
        "waiting": len(inbox.accepted),
    }
    return Reply(data_out, lines)


def sync(session: Session) -> Reply:
    """Deposit the inbox, report evidence, refresh the trust store and CRLs."""
    from wallet.client import ApiError

    client = _online(session)
    inbox = _inbox(session)
    key = session.key()
    waiting = sum(decode_bundle(b).voucher.voucher.amount for b in inbox.accepted)
    submitted, inbox = client.deposit(inbox, key)
    reported = 0
    for evidence in inbox.evidence:
        try:
            client.report(evidence, key)
            reported += 1
        except ApiError as error:  # already on record: nothing more to prove
            if error.code != "not_fraud_proof":
                raise
    inbox = Inbox(seen=inbox.seen)
    _write(session, "inbox.cbor", encode_inbox(inbox))
    trust = client.trust()
    _write(session, "trust.cbor", trust.encode())
    data = {
        "deposits": [s.result.txid for s in submitted],
        "deposited": waiting,
        "reported": reported,
        "crls": {bank: crl.number for bank, crl in trust.crls.items()},
    }
    lines = [
        f"deposited {format_kzt(waiting)} in {len(submitted)} transaction(s)",
        f"  fraud reports  {reported}",
        f"  CRLs           {', '.join(f'{b} #{c.number}' for b, c in sorted(trust.crls.items()))}",
    ]
    return Reply(data, lines)


def defund(session: Session) -> Reply:
    """Return what the purse's vouchers do not need to the wallet's key."""
    state, device = _state(session), _device_key(session)
    to = session.keystore().public_key
    if state.purse is None:
        raise CliError(LOCAL, "no_purse", "the device holds no purse")
    result = _online(session).defund(state, device, to)
    returned = state.purse.funded - state.spent
    _write(session, "state.cbor", DeviceState(state.network, state.certificate).encode())
    lines = [f"defunded: {format_kzt(returned)} back to {to}", f"  txid {result.result.txid}"]
    return Reply({"txid": result.result.txid, "returned": returned}, lines)


def status(session: Session) -> Reply:
    """The purse, the counter and the inbox, from the device directory only."""
    state = _state(session) if _read(session, "state.cbor") else None
    inbox = _inbox(session)
    waiting = sum(decode_bundle(b).voucher.voucher.amount for b in inbox.accepted)
    purse = state.purse if state else None
    available = state.available if state else 0
    data = {
        "purse": purse.purse_id.hex() if purse else None,
        "available": available,
        "counter": state.counter if state else 0,
        "inbox": len(inbox.accepted),
        "inbox_amount": waiting,
        "evidence": len(inbox.evidence),
    }
    lines = [
        f"purse      {data['purse'] or '-'}",
        f"available  {format_kzt(available)} (voucher {data['counter']} signed)",
        f"inbox      {len(inbox.accepted)} voucher(s), {format_kzt(waiting)} to deposit",
    ]
    return Reply(data, lines)
