"""The command-line programs: ``tenge-wallet`` for wallet holders, ``tenge-bank`` for banks.

Both wrap the SDK (:mod:`wallet.client`, :mod:`wallet.builders`) and keep keys
in an encrypted keystore (:mod:`wallet.keystore`). The commands live in
:mod:`wallet.cli.wallet` and :mod:`wallet.cli.bank`; shared by both are the
``keys`` commands (:mod:`wallet.cli.keys`), arguments and exact amounts
(:mod:`wallet.cli.args`), and the session, failures and exit codes
(:mod:`wallet.cli.common`).

``python -m wallet.cli wallet ARGS`` and ``python -m wallet.cli bank ARGS``
run the same programs without the console scripts.
"""

from __future__ import annotations

import logging
import sys

from wallet.cli import bank as cli_bank
from wallet.cli import wallet as cli_wallet
from wallet.cli.common import run


def wallet_main(argv: list[str] | None = None) -> int:
    """Entry point of ``tenge-wallet``; returns the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    return run(cli_wallet.parser(), argv)


def bank_main(argv: list[str] | None = None) -> int:
    """Entry point of ``tenge-bank``; returns the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    return run(cli_bank.parser(), argv)


def main(argv: list[str] | None = None) -> int:
    """``python -m wallet.cli {wallet|bank} ...``."""
    args = sys.argv[1:] if argv is None else argv
    programs = {"wallet": wallet_main, "bank": bank_main}
    if not args or args[0] not in programs:
        print("usage: python -m wallet.cli {wallet|bank} ...", file=sys.stderr)
        return 2
    return programs[args[0]](args[1:])


if __name__ == "__main__":
    sys.exit(main())
