"""After a private payment with distinctive values, nothing a bank or replica can read holds them.

The payment: 43,219.87 KZT (4321987 tiyn) from wallet ``zhanar-payer-8812``
to ``timur-payee-4471`` with the memo "Подарок к Наурызу 7f3a". Searched, in
every encoding used (decimal, hex, big- and little-endian bytes, JSON, tenge
text; UTF-8 and its hex; ids as text and hex; keys as hex and raw bytes):

- every byte of the validator's LevelDB directory, and of a replica's built by
  replaying the blocks, as files and as the records LevelDB returns (its
  files are snappy-compressed; the amount's digits do not repeat, so it would
  stay literal): no amount, no memo;
- every record the payment's block wrote (the store dumped before and after),
  the block, and every API response about it a bank or replica can get: no
  amount, no memo, no wallet id, no wallet key;
- the bank's signed views of both wallets are the same bytes before and after.

The payee and the payer, with their keys, find theirs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.chain import Chain
from ledger.encoding import canonical
from ledger.params import kzt
from ledger.storage.leveldb import LevelDBStore
from node.composition import full_registry
from tests.harness import key
from tests.integration.privacy_node import PrivacyNode, running
from wallet.privacy.payments import PrivateHistory

PAYER, PAYEE = "zhanar-payer-8812", "timur-payee-4471"
AMOUNT = 4_321_987
MEMO = "Подарок к Наурызу 7f3a"


def secrets_of_the_payment() -> list[bytes]:
    """The amount and the memo as every layer might spell them."""
    return [
        str(AMOUNT).encode(),
        f"{AMOUNT:x}".encode(),
        f'"amount":{AMOUNT}'.encode(),
        f"{AMOUNT // 100:,}.{AMOUNT % 100:02d}".encode(),
        f"{AMOUNT // 100}.{AMOUNT % 100:02d}".encode(),
        struct.pack(">Q", AMOUNT),
        struct.pack("<Q", AMOUNT),
        MEMO.encode(),
        MEMO.encode().hex().encode(),
        canonical(MEMO),
        "Наурыз".encode(),
    ]


def identities() -> list[bytes]:
    """The wallet ids and their keys."""
    found = []
    for name in (PAYER, PAYEE):
        public = key(name).public
        found += [name.encode(), name.encode().hex().encode(), public, public.hex().encode()]
    return found


def absent(haystack: bytes, needles: list[bytes], where: str) -> None:
    for needle in needles:
        assert needle not in haystack, f"{needle!r} found in {where}"


@dataclass
class Scene:
    path: Path
    replica: Path
    written: dict[bytes, bytes | None]
    block: bytes
    responses: dict[str, bytes]
    views: tuple[list[bytes], list[bytes]]
    payer: PrivateHistory
    payee: PrivateHistory
    txid: str


def responses(node: PrivacyNode, txid: str, height: int) -> dict[str, bytes]:
    """Every answer about the payment a bank or replica can get (raw bodies)."""
    http, bank = node.client.http, key("halyk")
    paths = [
        f"/v1/blocks/{height}",
        f"/v1/blocks?from={height}",
        f"/v1/transactions/{txid}",
        f"/v1/transactions/{txid}/receipt",
        f"/v1/privacy/transactions/{txid}",
        f"/v1/privacy/feed?from={height}",
        "/v1/privacy/pools",
        "/v1/supply",
        "/v1/network",
        "/metrics",
    ]
    found = {p: http.get(p).content for p in paths}
    signed = node.client._signed(bank)
    for path in ("/v1/banks/halyk/wallets", "/v1/privacy/disclosures", "/v1/banks/halyk/outputs"):
        found[path] = http.get(path, auth=signed).content
    return found


def bank_views(node: PrivacyNode) -> list[bytes]:
    bank = key("halyk")
    return [
        canonical(node.client.wallet(w, bank)) + canonical(node.client.history(w, bank))
        for w in (PAYER, PAYEE)
    ]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    root = tmp_path_factory.mktemp("privacy-leaks")
    for node in running(root / "validator"):
        node.bank("halyk")
        payer = node.wallet(PAYER, "halyk", funds=kzt(500_000))
        payee = node.wallet(PAYEE, "halyk")
        assert payer.shield(kzt(100_000)).result.status == "committed"
        before, views_before = node.dump(), bank_views(node)
        paid = payer.pay(payee.key.public_hex, AMOUNT, "private", MEMO).result
        assert paid.status == "committed" and paid.height is not None, paid
        after = node.dump()
        written = {k: v for k, v in after.items() if before.get(k) != v}
        written.update({k: None for k in before.keys() - after.keys()})
        block = node.store.get(next(k for k in written if k[:1] == b"B")) or b""
        found = responses(node, paid.txid, paid.height)
        scene = Scene(
            root / "validator",
            root / "replica",
            written,
            block,
            found,
            (views_before, bank_views(node)),
            payer.history(),
            payee.history(),
            paid.txid,
        )
    replicate(scene.replica, scene.path)
    return scene


def replicate(target: Path, source: Path) -> None:
    """A replica built from the validator's blocks alone: no plaintext, no secrets."""
    origin = LevelDBStore(str(source))
    copy = Chain(LevelDBStore(str(target)), full_registry(), Chain(origin, full_registry()).genesis)
    stored = Chain(origin, full_registry())
    for height in range(1, stored.tip.height + 1):
        block = stored.block(height)
        assert block is not None
        copy.commit(copy.replay(block))
    assert copy.tip == stored.tip
    copy.store.close()
    origin.close()


def directory_bytes(path: Path) -> bytes:
    return b"".join(f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file())


def logical_bytes(path: Path) -> bytes:
    """Every key and value as LevelDB returns them (decompressed)."""
    store = LevelDBStore(str(path))
    try:
        return b"".join(k + v for p in range(256) for k, v in store.iterate(bytes([p])))
    finally:
        store.close()


def test_no_byte_of_the_validators_or_a_replicas_leveldb_holds_amount_or_memo(
    scene: Scene,
) -> None:
    for path in (scene.path, scene.replica):
        for data, what in ((directory_bytes(path), "files"), (logical_bytes(path), "records")):
            assert PAYER.encode() in data, f"the scan sees the wallet records ({what})"
            if what == "records":  # in the files, snappy compresses "40000000"'s zeros away
                assert str(kzt(400_000)).encode() in data, "and the shield's open change"
            absent(data, secrets_of_the_payment(), f"LevelDB {path.name} {what}")


def test_the_payments_writes_and_block_hold_no_amount_memo_or_party(scene: Scene) -> None:
    needles = secrets_of_the_payment() + identities()
    assert scene.written and scene.block
    for key_bytes, value in scene.written.items():
        absent(key_bytes + (value or b""), needles, f"record {key_bytes[:12]!r}")
    absent(scene.block, needles, "the block")
    assert not any(k[:1] == b"H" for k in scene.written), "no history entry links a wallet"
    assert not any(k[:1] == b"w" for k in scene.written), "no wallet record changed"


def test_no_api_answer_about_it_holds_amount_memo_or_party(scene: Scene) -> None:
    assert scene.txid.encode() in scene.responses[f"/v1/privacy/transactions/{scene.txid}"]
    for path, body in scene.responses.items():
        needles = secrets_of_the_payment()
        if path != "/v1/banks/halyk/wallets":  # the bank's own list of its wallets names them
            needles = needles + identities()
        absent(body, needles, path)


def test_the_banks_views_of_both_wallets_did_not_change(scene: Scene) -> None:
    before, after = scene.views
    assert before == after
    for view in after:
        absent(view, secrets_of_the_payment(), "a bank's view")


def test_the_payee_and_the_payer_find_theirs(scene: Scene) -> None:
    (received,) = [r for r in scene.payee.received if r.txid == scene.txid]
    assert (received.note.amount, received.memo) == (AMOUNT, MEMO)
    (sent,) = [s for s in scene.payer.sent if s.txid == scene.txid]
    assert sent.record.memo == MEMO
    assert sent.record.creates[0].amount == AMOUNT
    assert sent.record.creates[0].owner == key(PAYEE).public_hex
    assert scene.payer.balance() == kzt(100_000) - AMOUNT
