"""Test vectors for ``docs/encoding.md``: deterministic, from fixed seeds.

Run ``python -m tools.vectors.core --out docs/encoding-vectors.json`` to write
them, or add ``--check`` to fail when the committed file is stale. The output
is itself canonical JSON and holds nothing from the clock, so a rerun gives
the same bytes. Everything is computed by the real code: one block of seventeen
transactions (every core kind) is built on an in-memory chain, and the rejection
vectors record the error code the real decoder raises; ``kind_vectors`` holds one
committed transaction of every other registered kind and its rejections
(``tools.vectors.kind_vectors``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assets.types import DOMAIN_ASSET_CLASS, DOMAIN_ASSET_ITEM
from contracts.policy import DOMAIN_POLICY
from contracts.templates import DOMAIN_USAGE
from ledger import crypto
from ledger.chain import Chain, genesis_hash
from ledger.encoding import MAX_AMOUNT, canonical
from ledger.params import genesis_writes, kzt, make_genesis
from ledger.receipts import make_receipt
from ledger.records import SupplyRecord
from ledger.rules import core_registry
from ledger.state import StateView, next_digest, writes_digest
from ledger.storage import schema
from ledger.storage.memory import MemoryStore
from ledger.types import (
    BankRegister,
    BankUpdate,
    Body,
    DepositLink,
    Genesis,
    Issue,
    LimitsSet,
    OutPoint,
    Output,
    PoolFund,
    PoolWithdraw,
    Receipt,
    Redeem,
    ReverseMandate,
    TierLimits,
    Transaction,
    Transfer,
    WalletOpen,
    WalletUpdate,
)
from ledger.validation import parse_transaction
from tools.vectors import kind_vectors
from tools.vectors.signing import NETWORK, Step, envelope, outcome, transaction_vector

GENESIS_TIME_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
BLOCK_TIME_MS = GENESIS_TIME_MS + 60_000
SEEDS: dict[str, bytes] = {
    name: bytes([n]) * 32
    for n, name in enumerate(
        ("central_bank", "producer", "bank", "bank_second", "alice", "alice_phone", "cafe"),
        start=1,
    )
}
PAYMENT_MEMO = 'Кофе ☕ "Алматы"\n'
SPECIAL_TOKEN = crypto.sha256(b"example special-purpose token").hex()

Json = dict[str, Any]


def keys() -> dict[str, crypto.KeyPair]:
    """The fixed key pairs every vector is made with."""
    return {name: crypto.KeyPair.from_seed(seed) for name, seed in SEEDS.items()}


class Story:
    """The vector block's transactions, built in order and signed by named keys."""

    def __init__(self, k: dict[str, crypto.KeyPair]) -> None:
        self.k = k
        self.steps: list[Step] = []

    def key(self, name: str) -> str:
        return self.k[name].public_hex

    def pay(self, name: str, tenge: int) -> Output:
        """An output of whole tenge to a named key."""
        return Output(owner=self.key(name), amount=kzt(tenge))

    def add(self, name: str, body: Body, *signers: str) -> str:
        """Sign ``body`` with the named keys, record it, return its txid."""
        tx = Transaction.create(NETWORK, body, [self.k[s] for s in signers])
        self.steps.append(Step(name, tx, signers))
        return tx.txid.hex()


def story(k: dict[str, crypto.KeyPair]) -> list[Step]:
    """Seventeen transactions that are valid, in this order, in one block."""
    s = Story(k)
    issued = central_bank_acts(s)
    wallet_acts(s, issued)
    return s.steps


def central_bank_acts(s: Story) -> str:
    """Limits, a bank admitted and updated, money issued and partly redeemed."""
    basic = TierLimits(balance_cap=kzt(3_000_000), per_payment=kzt(500_000), daily=kzt(1_000_000))
    s.add("limits.set", LimitsSet(tier="basic", limits=basic, nonce=1), "central_bank")
    s.add("limits.set/no-limits", LimitsSet(tier="business", limits=TierLimits()), "central_bank")
    register = BankRegister(
        bank_id="halyk", name="Halyk Bank", keys=(s.key("bank"),), issuance_limit=kzt(10**9)
    )
    s.add("bank.register", register, "central_bank")
    update = BankUpdate(
        bank_id="halyk",
        nonce=1,
        add_keys=(s.key("bank_second"),),
        issuance_limit=kzt(2 * 10**9),
        status="active",
    )
    s.add("bank.update", update, "central_bank")
    reserve = (s.pay("bank", 10_000_000), s.pay("bank", 1_000))
    issued = s.add("issue", Issue(bank_id="halyk", outputs=reserve, nonce=1), "central_bank")
    redeem = Redeem(
        bank_id="halyk",
        inputs=(OutPoint(txid=issued, index=1),),
        amount=kzt(600),
        change=(s.pay("bank", 400),),
    )
    s.add("redeem", redeem, "bank")
    return issued


def wallet_acts(s: Story, issued: str) -> None:
    """Two wallets opened, funded and paying, then one upgraded."""
    person = WalletOpen(wallet_id="w-alice", bank_id="halyk", tier="basic", keys=(s.key("alice"),))
    s.add("wallet.open", person, "bank")
    merchant = WalletOpen(
        wallet_id="w-cafe",
        bank_id="halyk",
        tier="business",
        keys=(s.key("cafe"),),
        mcc="5814",
        region="KZ-75",
    )
    s.add("wallet.open/merchant", merchant, "bank")
    funding = (s.pay("alice", 50_000), s.pay("bank", 9_950_000))
    inputs = (OutPoint(txid=issued, index=0),)
    funded = s.add("transfer/distribution", Transfer(inputs=inputs, outputs=funding), "bank")
    payment = Transfer(
        inputs=(OutPoint(txid=funded, index=0),),
        outputs=(s.pay("cafe", 2_500), s.pay("alice", 47_500)),
        memo=PAYMENT_MEMO,
    )
    paid = s.add("transfer", payment, "alice")
    both = Transfer(
        inputs=(OutPoint(txid=paid, index=0), OutPoint(txid=paid, index=1)),
        outputs=(s.pay("alice", 40_000), s.pay("cafe", 10_000)),
    )
    both_id = s.add("transfer/two-signers", both, "alice", "cafe")
    update = WalletUpdate(
        wallet_id="w-alice", nonce=1, tier="full", add_keys=(s.key("alice_phone"),)
    )
    s.add("wallet.update", update, "bank")
    waterfall_acts(s, funded, both_id)


def waterfall_acts(s: Story, funded: str, paid: str) -> None:
    """Alice's deposit linked and her mandate signed, the bank's pool funded and partly
    withdrawn, then a payment larger than her balance pulling the rest from the pool."""
    link = DepositLink(wallet_id="w-alice", deposit="halyk:KZ86601A-0042")
    s.add("wallet.link_deposit", link, "bank")
    mandate = ReverseMandate(wallet_id="w-alice", per_payment=kzt(10_000))
    s.add("wallet.reverse_mandate", mandate, "alice")
    fund = PoolFund(
        bank_id="halyk",
        inputs=(OutPoint(txid=funded, index=1),),
        amount=kzt(1_000_000),
        change=(s.pay("bank", 8_950_000),),
    )
    s.add("waterfall.fund", fund, "bank")
    withdraw = PoolWithdraw(bank_id="halyk", amount=kzt(100_000), to=s.key("bank"))
    s.add("waterfall.withdraw", withdraw, "bank")
    pulled = Transfer(
        inputs=(OutPoint(txid=paid, index=0),),
        outputs=(s.pay("cafe", 45_000),),
        shortfall=kzt(5_000),
    )
    s.add("transfer/shortfall", pulled, "alice")


def writes_list(changes: dict[bytes, bytes | None]) -> list[Json]:
    """Consensus writes in digest order; values as UTF-8 text, deletions as null."""
    return [
        {"key_hex": key.hex(), "value": None if value is None else value.decode("utf-8")}
        for key, value in sorted(changes.items())
        if schema.is_consensus(key)
    ]


def genesis_changes(genesis: Genesis) -> dict[bytes, bytes | None]:
    """The writes a chain starts from (the genesis document and the tier limits)."""
    view = StateView(MemoryStore())
    genesis_writes(genesis, view)
    return view.changes()


def chain_vectors(k: dict[str, crypto.KeyPair], steps: Sequence[Step]) -> Json:
    """Genesis, the block with its header, hash, signature and writes, and a receipt."""
    genesis = make_genesis(
        NETWORK, [k["central_bank"].public_hex], [k["producer"].public_hex], GENESIS_TIME_MS
    )
    chain = Chain(MemoryStore(), core_registry(), genesis)
    built = chain.build([s.tx for s in steps], BLOCK_TIME_MS, k["producer"])
    if built.rejected:
        raise AssertionError(f"vector block refused a transaction: {built.rejected}")
    start = genesis_changes(genesis)
    header = built.block.header
    chain.commit(built)
    paid = next(s.tx for s in steps if s.name == "transfer")
    receipt = make_receipt(chain.store, NETWORK, paid.txid)
    assert receipt is not None
    return {
        "genesis": {
            "document": canonical(genesis).decode("utf-8"),
            "hash": genesis_hash(genesis).hex(),
            "writes": writes_list(start),
            "state_digest": next_digest(bytes(32), start).hex(),
        },
        "block": {
            "header": canonical(header).decode("utf-8"),
            "signing_message_hex": header.signing_message(NETWORK).hex(),
            "hash": header.block_hash(NETWORK).hex(),
            "signature": built.block.signature,
            "txids": [s.tx.txid.hex() for s in steps],
            "tx_root": header.tx_root,
            "writes": writes_list(built.changes),
            "writes_digest": writes_digest(built.changes).hex(),
            "state_digest": header.state_digest,
        },
        "receipt": receipt_vector(receipt),
    }


def receipt_vector(receipt: Receipt) -> Json:
    """A receipt and the hashes a verifier computes along its Merkle path.

    ``crypto.verify_inclusion`` answers only yes or no; an implementer debugging
    a port needs every intermediate hash, so the same walk is traced here.
    """
    path = [crypto.leaf_hash(bytes.fromhex(receipt.txid))]
    fn, sn = receipt.index, receipt.header.tx_count - 1
    for sibling in (bytes.fromhex(p) for p in receipt.proof):  # RFC 9162 2.1.3.2
        if fn & 1 or fn == sn:
            path.append(crypto.node_hash(sibling, path[-1]))
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            path.append(crypto.node_hash(path[-1], sibling))
        fn, sn = fn >> 1, sn >> 1
    return {
        "receipt": canonical(receipt).decode("utf-8"),
        "path_hashes": [h.hex() for h in path],
    }


def merkle_vectors() -> list[Json]:
    """Roots and every audit path for small trees over leaves SHA-256(i)."""
    trees = []
    for size in (0, 1, 2, 3, 4, 5, 7):
        leaves = [crypto.sha256(bytes([i])) for i in range(size)]
        proofs = [[p.hex() for p in crypto.inclusion_proof(leaves, i)] for i in range(size)]
        trees.append(
            {
                "leaves": [x.hex() for x in leaves],
                "root": crypto.merkle_root(leaves).hex(),
                "proofs": proofs,
            }
        )
    return trees


def digest_example() -> Json:
    """A small write set: a put, a deletion, and a non-consensus write that is skipped."""
    txid = crypto.sha256(b"example txid")
    created = Output(owner=crypto.KeyPair.from_seed(SEEDS["alice"]).public_hex, amount=kzt(25))
    changes: dict[bytes, bytes | None] = {
        schema.supply_key("KZT"): canonical(SupplyRecord(issued=kzt(10_000))),
        schema.output_key(txid, 0): None,
        schema.output_key(txid, 1): canonical(created),
        schema.owner_output_key(bytes(32), txid, 1): b"",
    }
    previous = crypto.sha256(b"previous state digest")
    return {
        "previous": previous.hex(),
        "changes": [
            {"key_hex": key.hex(), "value": None if v is None else v.decode("utf-8")}
            for key, v in changes.items()
        ],
        "entries_hex": [
            entry(key, changes[key]).hex() for key in sorted(changes) if schema.is_consensus(key)
        ],
        "writes_digest": writes_digest(changes).hex(),
        "next_digest": next_digest(previous, changes).hex(),
    }


def entry(key: bytes, value: bytes | None) -> bytes:
    """One entry of the writes digest, as docs/encoding.md spells it."""
    head = len(key).to_bytes(4, "big") + key
    return head + (b"\x00" if value is None else b"\x01" + len(value).to_bytes(4, "big") + value)


# -- canonical JSON ------------------------------------------------------------

STRINGS = (
    ("plain ASCII", "digital tenge"),
    ("quote and backslash are escaped", 'say "hi" \\ bye'),
    ("solidus is not escaped", "a/b"),
    ("the five short escapes", "\b\t\n\f\r"),
    ("other controls as lowercase \\u00xx", "\x00\x01\x0b\x1f"),
    ("DEL and C1 controls are raw UTF-8", "\x7f\x80\x9f"),
    ("Cyrillic and Kazakh letters are raw UTF-8", "Теңге Қазақстан"),
    ("line and paragraph separators are raw", "\u2028\u2029"),
    ("outside the BMP is raw 4-byte UTF-8, never a surrogate pair", "😀"),
)


def canonical_json_vectors(k: dict[str, crypto.KeyPair]) -> Json:
    """Strings, integers and small objects with their canonical spelling."""
    alice = k["alice"].public_hex
    objects: list[tuple[str, Any]] = [
        ("OutPoint", OutPoint(txid=crypto.sha256(b"example txid").hex(), index=3)),
        ("Output, KZT (token omitted)", Output(owner=alice, amount=kzt(1_500))),
        ("Output, special-purpose token", Output(owner=alice, amount=1, token=SPECIAL_TOKEN)),
        ("TierLimits, no limits", TierLimits()),
        ("TierLimits, daily only", TierLimits(daily=kzt(100_000))),
    ]
    return {
        "strings": [
            {
                "name": name,
                "code_points": [ord(c) for c in text],
                "json": canonical(text).decode("utf-8"),
                "json_hex": canonical(text).hex(),
            }
            for name, text in STRINGS
        ],
        "integers": [
            {"value": n, "json": canonical(n).decode("ascii")} for n in (0, 1, 255, MAX_AMOUNT)
        ],
        "objects": [{"name": n, "json": canonical(v).decode("utf-8")} for n, v in objects],
    }


# -- rejections ----------------------------------------------------------------


def swap(text: bytes, old: bytes, new: bytes) -> bytes:
    """``text`` with its first ``old`` replaced; ``old`` must occur."""
    if old not in text:
        raise AssertionError(f"{old!r} not in {text!r}")
    return text.replace(old, new, 1)


def body_mutations(by_name: dict[str, Transaction]) -> list[tuple[str, bytes]]:
    """Bodies that spell a value some other way, or are not a valid body at all."""
    pay, dist = by_name["transfer"], by_name["transfer/distribution"]
    p, d = pay.body_bytes, dist.body_bytes
    opened = by_name["wallet.open"].body_bytes
    limits = by_name["limits.set"].body_bytes
    no_limits = by_name["limits.set/no-limits"].body_bytes
    amount = b'"amount":250000,'
    owner = pay.body.creates()[0].owner.encode()
    return [
        ("whitespace after a comma", swap(p, b",", b", ")),
        (
            "keys not in sorted order",
            b'{"kind":"transfer",' + swap(d, b',"kind":"transfer"', b"")[1:],
        ),
        (
            "key given twice",
            swap(d, b'"kind":"transfer",', b'"kind":"transfer","kind":"transfer",'),
        ),
        ("default written out: nonce 0", swap(no_limits, b',"tier"', b',"nonce":0,"tier"')),
        ("default written out: empty memo", swap(d, b',"outputs"', b',"memo":"","outputs"')),
        ("default written out: null", swap(opened, b',"tier"', b',"mcc":null,"tier"')),
        ("escaped solidus", swap(p, "Кофе".encode(), "\\/Кофе".encode())),
        ("ASCII letter as a \\u escape", swap(opened, b'"w-alice"', b'"w-\\u0061lice"')),
        (
            "non-ASCII letter as a \\u escape",
            swap(p, "Кофе".encode(), b"\\u041a\\u043e\\u0444\\u0435"),
        ),
        ("newline as \\u000a", swap(p, b"\\n", b"\\u000a")),
        ("raw newline inside a string", swap(p, b"\\n", b"\n")),
        ("negative zero", swap(p, b'"index":0', b'"index":-0')),
        ("fraction", swap(p, amount, b'"amount":250000.0,')),
        ("exponent", swap(p, amount, b'"amount":2.5e5,')),
        ("leading zero", swap(p, amount, b'"amount":0250000,')),
        ("nonce above 2**53-1", swap(limits, b'"nonce":1', b'"nonce":9007199254740992')),
        ("uppercase hex", swap(p, owner, owner.upper())),
        ("unknown field", swap(d, b',"outputs"', b',"fee":0,"outputs"')),
        ("unknown kind", swap(d, b'"transfer"', b'"teleport"')),
        ("kind missing", swap(d, b',"kind":"transfer"', b"")),
        ("body sent as a JSON string", canonical(d.decode("utf-8"))),
    ]


def signed_variants(
    k: dict[str, crypto.KeyPair], by_name: dict[str, Transaction]
) -> list[tuple[str, bytes]]:
    """Well-encoded envelopes that the stateless checks refuse."""
    alice, cafe = k["alice"], k["cafe"].public_hex
    point = OutPoint(txid=by_name["transfer"].txid.hex(), index=1)

    def pay(amount: int, network: str = NETWORK) -> Transaction:
        body = Transfer(inputs=(point,), outputs=(Output(owner=cafe, amount=amount),))
        return Transaction.create(network, body, [alice])

    other = pay(kzt(1), "kzt-testnet")
    valid = pay(kzt(1))
    return [
        ("amount of zero", canonical(pay(0).envelope())),
        ("amount above 2**53-1", canonical(pay(MAX_AMOUNT + 1).envelope())),
        ("envelope for another network", envelope(valid.body_bytes, valid, "kzt-mainnet")),
        ("signature made for another network", envelope(other.body_bytes, other)),
    ]


def rejection_vectors(k: dict[str, crypto.KeyPair], steps: Sequence[Step]) -> list[Json]:
    """Envelopes the ledger must refuse, with the stage and code the real code gives."""
    by_name = {s.name: s.tx for s in steps}
    registry = core_registry()
    cases = [(n, envelope(b, by_name["transfer"])) for n, b in body_mutations(by_name)]
    pretty = json.dumps(
        json.loads(canonical(by_name["transfer"].envelope())), indent=2, ensure_ascii=False
    )
    cases.append(("envelope pretty-printed by a JSON library", pretty.encode("utf-8")))
    cases += signed_variants(k, by_name)
    found = []
    for name, data in cases:
        stage, code = outcome(data, registry)
        found.append({"name": name, "envelope": data.decode("utf-8"), "stage": stage, "code": code})
    return found


def envelope_layout(steps: Sequence[Step]) -> Json:
    """The envelope's own layout is free: reordered and spaced, it is the same transaction."""
    tx = next(s.tx for s in steps if s.name == "transfer")
    sigs = canonical(tx.signatures)
    data = (
        b'{ "signatures" : '
        + sigs
        + b',\n  "network": "'
        + NETWORK.encode()
        + b'",\n  "body": '
        + tx.body_bytes
        + b" }"
    )
    parsed = parse_transaction(data, core_registry())
    return {"envelope": data.decode("utf-8"), "txid": parsed.txid.hex()}


# -- the whole file ------------------------------------------------------------


def generate() -> Json:
    """Every vector, as one JSON object."""
    k = keys()
    steps = story(k)
    return {
        "format": "kzt-ledger encoding vectors v1",
        "network": NETWORK,
        "domains": {
            name: tag.hex()
            for name, tag in (
                ("tx", crypto.DOMAIN_TX),
                ("block", crypto.DOMAIN_BLOCK),
                ("genesis", crypto.DOMAIN_GENESIS),
                ("http", crypto.DOMAIN_HTTP),
                ("voucher", crypto.DOMAIN_VOUCHER),
            )
        },
        "feature_domains": {
            name: tag.hex()
            for name, tag in (
                ("policy", DOMAIN_POLICY),
                ("usage", DOMAIN_USAGE),
                ("asset-class", DOMAIN_ASSET_CLASS),
                ("asset-item", DOMAIN_ASSET_ITEM),
            )
        },
        "keys": [
            {"name": n, "seed": SEEDS[n].hex(), "public": kp.public_hex} for n, kp in k.items()
        ],
        "canonical_json": canonical_json_vectors(k),
        "transactions": [transaction_vector(s) for s in steps],
        "envelope_layout": envelope_layout(steps),
        **chain_vectors(k, steps),
        "merkle": merkle_vectors(),
        "state_digest_example": digest_example(),
        "rejections": rejection_vectors(k, steps),
        "kind_vectors": kind_vectors.generate(set(core_registry().rules)),
    }


def render() -> bytes:
    """The vector file's bytes: canonical JSON, no trailing newline."""
    return canonical(generate())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="where to write the vectors")
    parser.add_argument("--check", action="store_true", help="fail if the file differs")
    args = parser.parse_args(argv)
    data = render()
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == data
        print(f"{args.out}: {'up to date' if same else 'STALE, regenerate it'}")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
