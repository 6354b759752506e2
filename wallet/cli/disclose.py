"""``tenge-disclose``: the disclosure authorities' procedure, step by step.

1. ``ceremony``: make the escrow key, split it k-of-n with SLIP-39, write one
   share file per named authority (mode 0600), print the public key for the
   central bank's ``privacy.configure``. The private key is never written.
2. ``propose``: write the ``privacy.disclose`` body (the transfer's txid, the
   legal reason, the case) to a file the authorities pass around.
3. ``sign``: each authority adds its signature with its keystore.
4. ``submit``: put the disclosure on the ledger; prints its txid.
5. ``open``: with the disclosure's txid and k share files, the tool proves the
   committed record (its receipt, a quorum of valid signatures) and only then
   combines the shares and opens the transfer's regulator envelope.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
from shamir_mnemonic import MnemonicError

from ledger.crypto import DOMAIN_TX, signing_message
from ledger.encoding import canonical, decode_json
from ledger.errors import TengeError
from ledger.registry import Registry
from ledger.rules import core_registry
from ledger.types import Receipt, Signature, SignedTransaction
from ledger.validation import decode_envelope
from privacy import escrow, register
from privacy.types import PrivacyDisclose
from wallet.cli.args import bounded_int, command, common_options, parse_txid, program
from wallet.cli.common import LOCAL, REFUSED, CliError, Reply, Session, run
from wallet.keystore import write_new_file

ENVIRONMENT = "TENGE_NODE, TENGE_KEYSTORE, TENGE_PASSWORD"


def parser() -> argparse.ArgumentParser:
    top, commands, parent = program(
        "tenge-disclose",
        "The disclosure authorities' procedure for opening one private payment.",
        ENVIRONMENT,
        common_options("an authority's keystore (for sign) [TENGE_KEYSTORE]"),
    )
    cer = command(commands, "ceremony", ceremony, parent, "split a new escrow key k-of-n")
    cer.add_argument("--authority", action="append", required=True, help="name (repeat, n)")
    cer.add_argument("--threshold", type=bounded_int(1, 16), required=True, help="k")
    cer.add_argument("--out", required=True, help="directory for the share files")
    prop = command(commands, "propose", propose, parent, "write a disclosure to be signed")
    prop.add_argument("--txid", type=parse_txid, required=True, help="the private transfer")
    prop.add_argument("--reason", required=True, help="the legal reason")
    prop.add_argument("--case", default="", help="case reference")
    prop.add_argument("--out", required=True, help="the disclosure file")
    sign = command(commands, "sign", sign_file, parent, "add this authority's signature")
    sign.add_argument("file")
    submit = command(commands, "submit", submit_file, parent, "put the disclosure on the ledger")
    submit.add_argument("file")
    opening = command(commands, "open", open_payment, parent, "open a disclosed payment")
    opening.add_argument("--txid", type=parse_txid, required=True, help="the private transfer")
    opening.add_argument("--disclosure", type=parse_txid, required=True, help="its disclosure")
    opening.add_argument("--share", action="append", required=True, help="share file (k)")
    return top


def ceremony(session: Session) -> Reply:
    args = session.args
    if args.threshold > len(args.authority):
        raise CliError(LOCAL, "bad_threshold", "k cannot exceed the number of authorities")
    public, shares = escrow.ceremony(args.authority, args.threshold)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, mnemonic in shares.items():
        write_new_file(out / f"{name}.share", (mnemonic + "\n").encode())
    lines = [f"escrow public key {public} (put it in privacy.configure)"]
    lines += [f"  share of {name}: {out / f'{name}.share'}" for name in shares]
    lines.append(
        f"any {args.threshold} of {len(shares)} shares rebuild the key; fewer reveal nothing"
    )
    return Reply(
        {"escrow": public, "threshold": args.threshold, "authorities": list(shares)}, lines
    )


def propose(session: Session) -> Reply:
    args = session.args
    body = PrivacyDisclose(
        txid=args.txid, reason=args.reason, case=args.case, nonce=time.time_ns() // 1000
    )
    envelope = {"network": session.network(), "body": json.loads(canonical(body)), "signatures": []}
    write_new_file(Path(args.out), json.dumps(envelope, ensure_ascii=False, indent=2).encode())
    return Reply(
        {"file": args.out}, [f"disclosure of {args.txid} written to {args.out}; now sign it"]
    )


def _load(path: str) -> tuple[dict[str, Any], bytes]:
    """The disclosure file ``propose`` wrote (and authorities signed): its envelope and body."""
    try:
        envelope = json.loads(Path(path).read_text(encoding="utf-8"))
        body = canonical(decode_json(json.dumps(envelope["body"]).encode(), PrivacyDisclose))
        signatures = [Signature(key=s["key"], sig=s["sig"]) for s in envelope["signatures"]]
        if not isinstance(envelope["network"], str):
            raise TypeError("network is not a string")
    except (ValueError, KeyError, TypeError, TengeError) as error:  # JSONDecodeError included
        raise CliError(LOCAL, "bad_disclosure_file", f"{path}: not a disclosure: {error}") from None
    envelope["signatures"] = [{"key": s.key, "sig": s.sig} for s in signatures]
    return envelope, body


def sign_file(session: Session) -> Reply:
    envelope, body = _load(session.args.file)
    key = session.key()
    message = signing_message(DOMAIN_TX, envelope["network"], body)
    others = [s for s in envelope["signatures"] if s["key"] != key.public_hex]
    envelope["signatures"] = [*others, {"key": key.public_hex, "sig": key.sign(message).hex()}]
    Path(session.args.file).write_text(json.dumps(envelope, ensure_ascii=False, indent=2), "utf-8")
    count = len(envelope["signatures"])
    return Reply(
        {"signatures": count}, [f"signed by {key.public_hex[:16]}...; {count} signature(s)"]
    )


def submit_file(session: Session) -> Reply:
    envelope, body = _load(session.args.file)
    signatures = tuple(Signature(key=s["key"], sig=s["sig"]) for s in envelope["signatures"])
    signed = SignedTransaction(
        network=envelope["network"], body=msgspec.Raw(body), signatures=signatures
    )
    tx = decode_envelope(signed, _registry())
    result = session.client.submit(tx, wait=True).result
    if result.status != "committed":
        raise CliError(1, result.problem.code if result.problem else result.status, "not committed")
    lines = [f"disclosure committed in block {result.height}", f"  disclosure txid {result.txid}"]
    return Reply({"disclosure": result.txid, "height": result.height}, lines)


def _registry() -> Registry:
    """The kinds this tool decodes: the core's and privacy's."""
    registry = core_registry()
    register(registry)
    return registry


class ApiSource:
    """The tool's view of the ledger: committed transactions with receipts, over the API."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def committed(self, txid: str) -> tuple[SignedTransaction, Receipt] | None:
        from wallet.client import ApiError
        from wallet.privacy.client import PrivacyClient

        try:
            found = PrivacyClient(self.session.client).transaction(txid)
        except ApiError as error:
            if error.status == 404:
                return None
            raise
        return found.tx, found.receipt


def _open(session: Session, mnemonics: list[str], params: Any, network: Any) -> Any:
    args = session.args
    return escrow.open_disclosed(
        ApiSource(session),
        args.txid,
        args.disclosure,
        mnemonics,
        params,
        network.producer_keys,
        network.network,
    )


def open_payment(session: Session) -> Reply:
    from wallet.privacy.client import PrivacyClient

    args = session.args
    network = session.client.network()
    params = PrivacyClient(session.client).params()
    mnemonics = [Path(p).read_text(encoding="utf-8").strip() for p in args.share]
    try:
        record = _open(session, mnemonics, params, network)
    except MnemonicError as error:
        reason = f"the shares do not rebuild the key: {error}"
        raise CliError(REFUSED, "shares_refused", reason) from None
    except TengeError as error:
        raise CliError(REFUSED, error.code, error.title, **error.details()) from None
    request = record.request
    data = msgspec.to_builtins(record)
    lines = [
        f"private payment {args.txid} opened under disclosure {args.disclosure}",
        f"  payer       {record.payer}",
        f"  recipients  {', '.join(record.recipients)}",
        f"  memo        {request.memo}",
    ]
    lines += [f"  note to {n.owner[:16]}...  {n.amount} tiyn {n.token}" for n in request.creates]
    return Reply(data, lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``tenge-disclose``."""
    return run(parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
