"""What ``tenge-wallet`` and ``tenge-bank`` share at run time: the session, failures, exit codes.

Exit codes (stable, for scripts; ``tenge-wallet``, ``tenge-bank`` and
``tenge-disclose`` share them):

- ``0`` done;
- ``1`` refused: the ledger answered with a problem document, or this
  program's own check of the ledger's rules refused — an offline bundle the
  payee's verifier rejects (wrong payee, revoked device, bad certificate),
  a voucher the device will not sign, a receipt or disclosure that does not
  verify, a payment the wallet's coins cannot cover. The stable ``code`` is
  printed (the error tree's code wherever there is one);
- ``2`` usage or local error: bad arguments or amounts, no keystore, wrong
  password, a keystore that would be overwritten, a local file (device
  state, trust store, inbox, privacy state, CSV, disclosure) that cannot be
  read;
- ``3`` the node cannot be reached, or failed (any 5xx answer: 503 means
  retry later);
- ``4`` internal error: a bug in this program, never a refusal. Code
  ``internal_error``; the traceback goes to stderr for the report.

Every failure is printed the same way: ``refused: CODE: message`` (or
``error: ...``) and its typed fields on stderr, or with ``--json`` one
document ``{"error": {"code", "message", ...fields}, "exit": N}`` on stdout.

Arguments and their typed values are in :mod:`wallet.cli.args`.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.crypto import KeyPair
from ledger.errors import InvalidReceipt, TengeError
from ledger.types import Transaction
from wallet.builders import InsufficientFunds
from wallet.cli.args import format_kzt
from wallet.keystore import Keystore, KeystoreError

if TYPE_CHECKING:
    from wallet.client import TengeClient

OK, REFUSED, LOCAL, UNREACHABLE, INTERNAL = 0, 1, 2, 3, 4
_STANDARD_PROBLEM = {"type", "title", "status", "code", "detail", "instance"}
# Problem fields that hold tiyn: shown to people in tenge as well.
_AMOUNT_FIELDS = {"allowed", "requested", "amount", "needed", "available", "inputs", "outputs"}


class CliError(Exception):
    """A failure the CLI reports with an exit code, a stable code and a message."""

    def __init__(self, exit_code: int, code: str, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.exit_code, self.code, self.message, self.fields = exit_code, code, message, fields


@dataclass
class Reply:
    """What a command prints: ``data`` for ``--json``, ``lines`` for people."""

    data: dict[str, Any]
    lines: list[str] = field(default_factory=list)


# -- the session: node, keystore, password ---------------------------------------


def read_password(args: argparse.Namespace, confirm: bool = False) -> str:
    """From ``--password-file``, ``TENGE_PASSWORD``, or a prompt when on a terminal."""
    if args.password_file:
        lines = Path(args.password_file).read_text(encoding="utf-8").splitlines()
        return lines[0] if lines else ""
    if os.environ.get("TENGE_PASSWORD"):
        return os.environ["TENGE_PASSWORD"]
    if not sys.stdin.isatty():
        raise CliError(LOCAL, "no_password", "set TENGE_PASSWORD or pass --password-file")
    password = getpass.getpass("keystore password: ")
    if confirm and getpass.getpass("repeat the password: ") != password:
        raise CliError(LOCAL, "password_mismatch", "the two passwords differ")
    return password


class Session:
    """One command's connection to a node and its (lazily unlocked) key."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._client: TengeClient | None = None
        self._keystore: Keystore | None = None

    @property
    def client(self) -> TengeClient:
        if self._client is None:
            # Imported here: httpx costs a third of a second, and local commands
            # (keys, usage errors) should not pay it.
            from wallet.client import TengeClient

            self._client = TengeClient(self.args.node, timeout=30.0)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def keystore(self) -> Keystore:
        """The keystore named by ``--keystore`` / ``TENGE_KEYSTORE``."""
        if self._keystore is None:
            if not self.args.keystore:
                raise CliError(LOCAL, "no_keystore", "pass --keystore or set TENGE_KEYSTORE")
            self._keystore = Keystore.load(self.args.keystore)
        return self._keystore

    def key(self) -> KeyPair:
        """The unlocked key pair (asks for the password once)."""
        return self.keystore().unlock(read_password(self.args))

    def network(self) -> str:
        """The node's network id; refuses a keystore made for another network."""
        served = self.client.network().network
        meant = self.keystore().network if self.args.keystore else None
        if meant is not None and meant != served:
            raise CliError(
                LOCAL, "wrong_network", f"the keystore is for {meant}, the node serves {served}"
            )
        return served


# -- running a command and reporting -------------------------------------------


def run(parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    """Parse, run the handler, print its reply or its failure; the exit code."""
    args = parser.parse_args(argv)
    session = Session(args)
    try:
        emit(args.handler(session), args.json)
        return OK
    except Exception as error:
        failure = error if isinstance(error, CliError) else classify(error, args) or internal(error)
        report(failure, args.json)
        return failure.exit_code
    finally:
        session.close()


def internal(error: Exception) -> CliError:
    """A failure nothing foresaw: a bug. Its traceback goes to stderr, for the report."""
    traceback.print_exception(error, file=sys.stderr)
    message = f"{type(error).__name__}: {error} (a bug: please report it with the traceback)"
    return CliError(INTERNAL, "internal_error", message)


# The phone's own files: a damaged one is a local error, not a refusal of a payment.
_LOCAL_PARTS = {"device", "trust", "inbox"}


def refusal(error: TengeError) -> CliError:
    """A refusal raised here by the ledger's own rules (offline verification, the device,
    the disclosure tool): its code, title and typed fields, like the node's."""
    fields = {
        ("field_" + k if k in ("code", "message") else k): v for k, v in error.details().items()
    }
    local = getattr(error, "part", None) in _LOCAL_PARTS
    message = f"{error.title}: {fields['reason']}" if local and "reason" in fields else error.title
    return CliError(LOCAL if local else REFUSED, error.code, message, **fields)


def classify(error: Exception, args: argparse.Namespace) -> CliError | None:
    """The exit code, code and message for an exception, or None if unexpected."""
    if isinstance(error, InsufficientFunds):
        return CliError(
            REFUSED,
            "insufficient_funds",
            str(error),
            needed=error.needed,
            available=error.available,
        )
    if isinstance(error, InvalidReceipt):
        return CliError(REFUSED, "invalid_receipt", f"receipt NOT verified: {error.reason}")
    if isinstance(error, TengeError):
        return refusal(error)
    if isinstance(error, KeystoreError):
        code = re.sub("(?<!^)([A-Z])", r"_\1", type(error).__name__).lower()
        return CliError(LOCAL, code, str(error))
    if isinstance(error, OSError):
        return CliError(LOCAL, "local_file", str(error))
    return _classify_http(error, args)


def _classify_http(error: Exception, args: argparse.Namespace) -> CliError | None:
    import httpx  # already loaded whenever a request was made

    from wallet.client import ApiError

    if isinstance(error, ApiError):
        fields = {k: v for k, v in error.problem.items() if k not in _STANDARD_PROBLEM}
        message = str(error.problem.get("title") or error.problem.get("detail") or error)
        exit_code = UNREACHABLE if error.status >= 500 else REFUSED  # the node's trouble
        return CliError(exit_code, error.code, message, http_status=error.status, **fields)
    if isinstance(error, httpx.TransportError):
        return CliError(UNREACHABLE, "node_unreachable", f"cannot reach {args.node}: {error}")
    return None


def report(failure: CliError, as_json: bool) -> None:
    """Print a failure: a JSON document on stdout, or readable lines on stderr."""
    if as_json:
        body = {"code": failure.code, "message": failure.message, **failure.fields}
        print(json.dumps({"error": body, "exit": failure.exit_code}, indent=2))
        return
    headline = "refused" if failure.exit_code == REFUSED else "error"
    print(f"{headline}: {failure.code}: {failure.message}", file=sys.stderr)
    for name, value in failure.fields.items():
        if name in _AMOUNT_FIELDS and type(value) is int:
            value = f"{value} tiyn ({format_kzt(value)})"
        print(f"  {name}: {value}", file=sys.stderr)


def emit(reply: Reply, as_json: bool) -> None:
    """Print a command's reply for a script or a person."""
    if as_json:
        print(json.dumps(reply.data, indent=2))
    elif reply.lines:  # a command that printed as it went (``events``) has nothing more
        print("\n".join(reply.lines))


def bank_id(session: Session) -> str:
    """``--bank`` / ``TENGE_BANK``."""
    if not session.args.bank:
        raise CliError(LOCAL, "no_bank", "pass --bank or set TENGE_BANK")
    return str(session.args.bank)


def bank_unlocked(session: Session) -> tuple[str, str, KeyPair]:
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


def wallet_id(session: Session) -> str:
    """``--wallet`` / ``TENGE_WALLET``, or the wallet id stored in the keystore."""
    found = session.args.wallet or session.keystore().wallet_id
    if not found:
        raise CliError(LOCAL, "no_wallet", "pass --wallet or set TENGE_WALLET")
    return str(found)


def wallet_unlocked(session: Session) -> tuple[str, str, KeyPair]:
    """Network id, wallet id and the unlocked key: what every signed command needs."""
    wallet = wallet_id(session)
    key = session.key()
    return session.network(), wallet, key
