"""Locust scenarios for the digital tenge ledger.

    python -m locust -f loadtests/locustfile.py --headless --host http://127.0.0.1:8080 \\
        -u 20 -r 5 -t 60s

Who is simulated, by weight: retail payers (14), merchants (3), auditors (2)
and bank operators (1). Before any user starts, the ``init`` listener founds
the cast on the node under test with the wallet SDK (banks, desks,
households, merchants, fresh keys, funds), so the run-time clock measures
load only. The central bank key comes from ``TENGE_LOAD_CENTRAL_BANK_KEY``
(a node key file) or, on the ``kzt-load`` test network, from its public
derivation. Every transaction answered "committed" is appended to the file
named by ``TENGE_LOAD_ACKS``. Run it in one process (no ``--processes``): the
users share the cast in memory.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from locust import events
from locust.env import Environment
from locust.runners import LocalRunner

from ledger.crypto import KeyPair
from loadtests import netkit
from loadtests.acks import AckLog
from loadtests.back_office import Auditor, BankOperator
from loadtests.ledger_user import LedgerUser
from loadtests.retail import Merchant, RetailPayer
from loadtests.scenario import CastSize, found_cast
from node.keyfiles import read_key
from wallet.client import TengeClient

__all__ = ["Auditor", "BankOperator", "Merchant", "RetailPayer"]

log = logging.getLogger("loadtests")
CENTRAL_BANK_ENV = "TENGE_LOAD_CENTRAL_BANK_KEY"
DEFAULT_USERS = 20


def central_bank_key(network: str) -> KeyPair:
    """The key that may register banks and issue on the network under test."""
    path = os.environ.get(CENTRAL_BANK_ENV)
    if path:
        return read_key(path)
    if network != netkit.NETWORK:
        raise RuntimeError(f"set {CENTRAL_BANK_ENV} to the central bank key of {network!r}")
    return netkit.key("central-bank")


def weight_shares() -> dict[str, float]:
    """Each role's share of the users, from the classes' weights."""
    roles = {"payer": RetailPayer, "merchant": Merchant, "bank": BankOperator, "auditor": Auditor}
    total = sum(c.weight for c in roles.values())
    return {role: c.weight / total for role, c in roles.items()}


@events.init.add_listener
def found_the_cast(environment: Environment, **_: Any) -> None:
    """Found banks, wallets and funds on the node under test, once, before the load."""
    if not isinstance(environment.runner, LocalRunner):
        raise RuntimeError("run this locustfile in one process: users share the cast in memory")
    if not environment.host:
        raise RuntimeError("give the node's URL with --host")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    options = environment.parsed_options
    users = getattr(options, "num_users", None) or DEFAULT_USERS
    started = time.monotonic()
    with TengeClient(environment.host, timeout=60) as client:
        network = client.network().network
        size = CastSize.for_users(users, weight_shares())
        LedgerUser.cast = found_cast(client, central_bank_key(network), size)
    LedgerUser.acks = AckLog.from_environment()
    log.info(
        "cast founded in %.2f s: network=%s households=%d merchants=%d desks=%d",
        time.monotonic() - started,
        network,
        size.households,
        size.merchants,
        size.desks,
    )


@events.quitting.add_listener
def close_the_log(environment: Environment, **_: Any) -> None:
    """Flush and close the acknowledgement log."""
    if hasattr(LedgerUser, "acks"):
        LedgerUser.acks.close()
