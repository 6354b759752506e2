"""Audit: re-derive the whole state from the stored blocks and compare.

The audit trusts nothing but the genesis document and the producer keys in
it. It replays every stored block into a fresh in-memory store with the same
code that built it, checks every header (signature, tx_root, state digest),
then compares the re-derived state with the stored state key by key, and
checks the money: supply per token equals the unspent outputs of that token
plus the value booked as locked outside outputs (``schema.LOCKED``: a
program's backing, an escrow), the banks' figures add up to the supply, and
every wallet's recorded balance equals the money its keys hold.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec

from ledger.chain import Chain
from ledger.encoding import decode_json
from ledger.errors import AuditMismatch, TengeError
from ledger.records import BankRecord, KeyOwner, Locked, SupplyRecord, WalletRecord
from ledger.registry import Registry
from ledger.state import StateView
from ledger.storage import KeyValueStore, StorageError, open_store
from ledger.storage import schema as s
from ledger.storage.memory import MemoryStore
from ledger.types import KZT, Output, is_money


class AuditReport(msgspec.Struct, frozen=True):
    """What the audit found; ``ok`` only when ``problems`` is empty."""

    height: int
    transactions: int
    state_digest: str
    supply: dict[str, int]
    banks: dict[str, int]
    problems: tuple[AuditMismatch, ...]
    locked: dict[str, int] = msgspec.field(default_factory=dict)
    """Per token, the part of its supply held outside outputs."""

    @property
    def ok(self) -> bool:
        return not self.problems


def audit(store: KeyValueStore, registry: Registry) -> AuditReport:
    """Replay every block from genesis and check the stored state against it."""
    stored = Chain(store, registry)
    replica = Chain(MemoryStore(), registry, stored.genesis)
    problems: list[AuditMismatch] = []
    transactions = 0
    for height in range(1, stored.tip.height + 1):
        block = stored.block(height)
        if block is None:
            problems.append(AuditMismatch(what=f"block {height}", expected="stored", found="none"))
            break
        if not stored.verify_signature(block):
            problems.append(AuditMismatch(what=f"block {height} signature", expected="valid"))
        try:
            replica.commit(replica.replay(block))
        except TengeError as error:
            problems.append(
                AuditMismatch(what=f"block {height}", expected="replays", found=str(error))
            )
            break
        transactions += len(block.txs)
    if replica.tip != stored.tip:
        problems.append(AuditMismatch(what="tip", expected=str(replica.tip), found=str(stored.tip)))
    problems.extend(compare_state(replica.store, store))
    supply, banks, money = check_money(store)
    problems.extend(money)
    return AuditReport(
        height=stored.tip.height,
        transactions=transactions,
        state_digest=stored.tip.state_digest,
        supply=supply,
        banks=banks,
        problems=tuple(problems),
        locked=locked_value(store),
    )


def _consensus_items(store: KeyValueStore) -> Iterator[tuple[bytes, bytes]]:
    for prefix in sorted(s.CONSENSUS_PREFIXES):
        yield from store.iterate(bytes((prefix,)))


def compare_state(derived: KeyValueStore, stored: KeyValueStore) -> list[AuditMismatch]:
    """Every consensus key with a different value, or present on one side only."""
    problems: list[AuditMismatch] = []
    left, right = dict(_consensus_items(derived)), dict(_consensus_items(stored))
    for key in sorted(left.keys() | right.keys()):
        if left.get(key) != right.get(key):
            problems.append(
                AuditMismatch(
                    what=f"state key {key!r}",
                    expected=_show(left.get(key)),
                    found=_show(right.get(key)),
                )
            )
            if len(problems) >= 20:
                break
    return problems


def _show(value: bytes | None) -> str:
    return "absent" if value is None else value.decode(errors="replace")[:200]


def locked_value(store: KeyValueStore) -> dict[str, int]:
    """Per token, the value booked under ``schema.LOCKED`` (held outside outputs)."""
    locked: dict[str, int] = {}
    for _, raw in store.iterate(s.LOCKED):
        record = decode_json(raw, Locked)
        locked[record.token] = locked.get(record.token, 0) + record.amount
    return locked


def check_money(store: KeyValueStore) -> tuple[dict[str, int], dict[str, int], list[AuditMismatch]]:
    """Supply per token vs unspent outputs plus locked value, banks vs supply, wallets vs keys."""
    held: dict[str, int] = dict(locked_value(store))
    by_owner: dict[str, int] = {}
    for _, raw in store.iterate(s.OUTPUT):
        output = decode_json(raw, Output)
        held[output.token] = held.get(output.token, 0) + output.amount
        if is_money(output.token):  # a wallet's balance is money; assets are audited per token
            by_owner[output.owner] = by_owner.get(output.owner, 0) + output.amount
    problems: list[AuditMismatch] = []
    supply: dict[str, int] = {}
    for key, raw in store.iterate(s.SUPPLY):
        token = key[len(s.SUPPLY) :].decode()
        supply[token] = decode_json(raw, SupplyRecord).outstanding
    for token in sorted(held.keys() | supply.keys()):
        _expect(problems, f"supply of {token}", supply.get(token, 0), held.get(token, 0))
    banks = {
        r.bank_id: r.outstanding
        for r in (decode_json(raw, BankRecord) for _, raw in store.iterate(s.BANK))
    }
    _expect(problems, "sum of banks' outstanding issuance", supply.get(KZT, 0), sum(banks.values()))
    problems.extend(_check_wallet_balances(store, by_owner))
    return supply, banks, problems


def _check_wallet_balances(store: KeyValueStore, by_owner: dict[str, int]) -> list[AuditMismatch]:
    problems: list[AuditMismatch] = []
    view = StateView(store)
    holdings: dict[str, int] = {}
    for owner, amount in by_owner.items():
        key_owner = view.read(s.key_owner_key(bytes.fromhex(owner)), KeyOwner)
        if key_owner is not None and key_owner.kind == "wallet":
            holdings[key_owner.id] = holdings.get(key_owner.id, 0) + amount
    for _, raw in store.iterate(s.WALLET):
        wallet = decode_json(raw, WalletRecord)
        _expect(
            problems,
            f"balance of wallet {wallet.wallet_id}",
            wallet.balance,
            holdings.get(wallet.wallet_id, 0),
        )
    return problems


def _expect(problems: list[AuditMismatch], what: str, expected: int, found: int) -> None:
    if expected != found:
        problems.append(AuditMismatch(what=what, expected=str(expected), found=str(found)))


def print_report(report: AuditReport) -> None:
    """A human summary on stdout."""
    print(f"audit: height {report.height}, {report.transactions} transactions replayed")
    print(f"audit: state digest {report.state_digest}")
    for token, amount in sorted(report.supply.items()):
        locked = report.locked.get(token, 0)
        print(f"audit: supply {token} = {amount} tiyn" + (f" ({locked} locked)" if locked else ""))
    for bank_id, amount in sorted(report.banks.items()):
        print(f"audit: bank {bank_id} outstanding issuance = {amount} tiyn")
    for problem in report.problems:
        print(f"audit: MISMATCH {problem.what}: expected {problem.expected}, found {problem.found}")
    print("audit: OK" if report.ok else f"audit: FAILED with {len(report.problems)} problem(s)")


EXIT_CODES = (
    "exit codes: 0 everything agrees, 1 a mismatch was found (printed), 2 no ledger to audit "
    "there or it is in use by a running node (audit a copy, or stop the node)."
)


def main(argv: list[str] | None = None, registry: Registry | None = None) -> int:
    """``python -m ledger.audit --data DIR``: exit 0 only if everything agrees.

    ``registry`` defaults to the core kinds; a node with feature modules audits
    with its own registry (``python -m node.audit``).
    """
    from ledger.rules import core_registry

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=EXIT_CODES)
    parser.add_argument("--data", required=True, help="LevelDB directory of the node")
    args = parser.parse_args(argv)
    if not (Path(args.data) / "CURRENT").is_file():  # never create a database to audit it
        return _cannot(f"no ledger in {args.data} (a node's LevelDB directory, e.g. data/ledger)")
    try:
        store = open_store(args.data)
    except StorageError as error:
        busy = "lock" in str(error).lower()
        return _cannot(f"{args.data} is in use by a running node: {error}" if busy else str(error))
    try:
        if store.get(s.TIP) is None:
            return _cannot(f"no ledger in {args.data}: the database holds no chain")
        report = audit(store, registry or core_registry())
    finally:
        store.close()
    print_report(report)
    return 0 if report.ok else 1


def _cannot(reason: str) -> int:
    print(f"audit: error: {reason}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
