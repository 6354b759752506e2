"""Command-line arguments of both programs: typed values and the parsers' shape.

Amounts are typed in tenge with at most two decimals (``12.50``) and parsed
exactly into integer tiyn by string rules; no floating point is involved.
Common options (``--node``, ``--keystore``, ``--password-file``, ``--json``)
are accepted before or after the subcommand.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from typing import Any

DEFAULT_NODE = "http://127.0.0.1:8080"
MAX_TIYN = 2**53 - 1
_AMOUNT = re.compile(r"([0-9]{1,16})(?:\.([0-9]{1,2}))?")
_HEX32 = re.compile(r"[0-9a-f]{64}")


# -- values typed on the command line ------------------------------------------


def parse_amount(text: str) -> int:
    """``"12.50"`` -> ``1250`` tiyn; digits with at most two decimals, more than zero."""
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an amount in tenge (digits, at most two decimals, e.g. 12.50)"
        )
    whole, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
    tiyn = int(whole) * 100 + int(cents)
    if not 0 < tiyn <= MAX_TIYN:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the amount must be from 0.01 to {MAX_TIYN} tiyn"
        )
    return tiyn


def parse_public_key(text: str) -> str:
    """A 32-byte Ed25519 public key as 64 hex digits (returned lowercase)."""
    if _HEX32.fullmatch(text.lower()) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a public key (64 hex digits)")
    return text.lower()


def parse_txid(text: str) -> str:
    """A transaction id: 64 hex digits (returned lowercase)."""
    if _HEX32.fullmatch(text.lower()) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a transaction id (64 hex digits)")
    return text.lower()


def parse_memo(text: str) -> str:
    """Free text of at most 140 characters."""
    if len(text) > 140:
        raise argparse.ArgumentTypeError("the memo is longer than 140 characters")
    return text


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type for a whole number in ``[low, high]``."""

    def parse(text: str) -> int:
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"{text!r}: expected a number from {low} to {high}")
        return int(text)

    return parse


def format_kzt(tiyn: int) -> str:
    """Tiyn for people: ``123456`` -> ``"1,234.56 KZT"``."""
    sign = "-" if tiyn < 0 else ""
    whole, cents = divmod(abs(tiyn), 100)
    return f"{sign}{whole:,}.{cents:02d} KZT"


# -- options -------------------------------------------------------------------

Option = tuple[tuple[str, ...], dict[str, Any]]


def common_options(keystore_help: str) -> list[Option]:
    """Options both programs take, before or after the subcommand."""
    env = os.environ.get
    return [
        (
            ("--node",),
            {"default": env("TENGE_NODE", DEFAULT_NODE), "help": "node URL [TENGE_NODE]"},
        ),
        (("--keystore",), {"default": env("TENGE_KEYSTORE"), "help": keystore_help}),
        (("--password-file",), {"default": None, "help": "read the password from this file"}),
        (("--json",), {"action": "store_true", "default": False, "help": "machine output"}),
    ]


def add_options(parser: argparse.ArgumentParser, options: list[Option], top: bool) -> None:
    """Add ``options``; below the top level their defaults are suppressed.

    Suppressed defaults let an option be given before or after the subcommand
    without the subcommand's parser resetting the top-level value.
    """
    for flags, spec in options:
        kwargs = dict(spec) if top else {**spec, "default": argparse.SUPPRESS}
        parser.add_argument(*flags, **kwargs)


EXIT_CODES = (
    "exit codes: 0 done, 1 refused (by the ledger, or by this program's own checks of its rules),"
    " 2 usage or local error, 3 node unreachable, 4 internal error (a bug)."
)


def program(
    prog: str, description: str, env: str, options: list[Option]
) -> tuple[argparse.ArgumentParser, Any, argparse.ArgumentParser]:
    """A program's parser, its subcommand registry, and the parent every leaf takes."""
    top = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=f"environment: {env}.\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_options(top, options, top=True)
    parent = argparse.ArgumentParser(add_help=False)
    add_options(parent, options, top=False)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return top, commands, parent


def amount_argument(parser: argparse.ArgumentParser) -> None:
    """``--amount KZT``, parsed exactly into tiyn."""
    parser.add_argument(
        "--amount", required=True, type=parse_amount, metavar="KZT", help="in tenge, e.g. 12.50"
    )


def key_argument(parser: argparse.ArgumentParser, flag: str, help: str) -> None:
    """A required public key option (64 hex digits)."""
    parser.add_argument(flag, required=True, type=parse_public_key, metavar="KEY", help=help)


def command(
    commands: Any,
    name: str,
    handler: Callable[..., object],
    parent: argparse.ArgumentParser,
    help: str,
) -> argparse.ArgumentParser:
    """A leaf subcommand that runs ``handler`` and takes the common options."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, parents=[parent], help=help, description=help
    )
    parser.set_defaults(handler=handler)
    return parser
