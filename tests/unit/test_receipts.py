"""Receipts: a signed header and a Merkle path prove a txid is in a block."""

from __future__ import annotations

import msgspec
import pytest

from ledger.encoding import canonical, decode_canonical
from ledger.errors import InvalidReceipt
from ledger.params import kzt
from ledger.receipts import make_receipt, verify_receipt
from ledger.types import Receipt, Transaction
from tests.harness import Harness, key

BLOCK_SIZE = 5


Committed = tuple[Harness, list[Transaction]]


@pytest.fixture
def block(net: Harness) -> tuple[Harness, list[Transaction]]:
    """A committed block of five payments from five wallets to one shop."""
    net.add_bank("halyk", reserve=kzt(1_000_000))
    shop = net.add_wallet("shop", "halyk", "business")
    payers = [net.add_wallet(f"payer-{i}", "halyk", funds=kzt(100)) for i in range(BLOCK_SIZE)]
    txs = [net.pay(payer, shop, kzt(10 + i)) for i, payer in enumerate(payers)]
    net.commit(*txs)
    return net, txs


def producers(net: Harness) -> list[str]:
    return [net.producer.public_hex]


def receipt_of(net: Harness, tx: Transaction) -> Receipt:
    found = make_receipt(net.store, net.chain.network, tx.txid)
    assert found is not None
    return found


def reason_of(receipt: Receipt, net: Harness, txid: str | None = None) -> str:
    with pytest.raises(InvalidReceipt) as caught:
        verify_receipt(receipt, producers(net), txid)
    return caught.value.reason


def test_every_transaction_of_a_block_has_a_receipt_that_verifies(block: Committed) -> None:
    net, txs = block
    for index, tx in enumerate(txs):
        receipt = receipt_of(net, tx)
        assert (receipt.index, receipt.txid) == (index, tx.txid.hex())
        assert receipt.header.tx_count == BLOCK_SIZE
        assert receipt.header.height == net.chain.tip.height
        verify_receipt(receipt, producers(net), tx.txid.hex())


def test_receipt_survives_its_canonical_encoding(block: Committed) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[2])
    decoded = decode_canonical(canonical(receipt), Receipt)
    assert decoded == receipt
    verify_receipt(decoded, producers(net), txs[2].txid.hex())


def test_transaction_that_is_not_committed_has_no_receipt(block: Committed) -> None:
    net, _ = block
    pending = net.pay(key("payer-0"), key("shop"), kzt(1))
    assert make_receipt(net.store, net.chain.network, pending.txid) is None


@pytest.mark.parametrize(
    "change",
    [
        {"tx_root": "00" * 32},
        {"tx_count": BLOCK_SIZE + 1},
        {"height": 1},
        {"time_ms": 0},
        {"state_digest": "11" * 32},
    ],
    ids=lambda c: next(iter(c)),
)
def test_receipt_with_a_tampered_header_is_invalid(
    block: Committed, change: dict[str, object]
) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[1])
    tampered = msgspec.structs.replace(
        receipt, header=msgspec.structs.replace(receipt.header, **change)
    )
    assert "signature" in reason_of(tampered, net)


def test_receipt_with_a_tampered_signature_is_invalid(block: Committed) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[1])
    sig = bytearray(bytes.fromhex(receipt.signature))
    sig[0] ^= 0x80
    tampered = msgspec.structs.replace(receipt, signature=sig.hex())
    assert "signature" in reason_of(tampered, net)


@pytest.mark.parametrize("position", range(4))
def test_receipt_with_a_tampered_proof_is_invalid(block: Committed, position: int) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[1])
    assert len(receipt.proof) == 3
    proof = list(receipt.proof)
    if position < len(proof):
        proof[position] = f"{int(proof[position], 16) ^ 1:064x}"
    else:
        proof.append("22" * 32)
    tampered = msgspec.structs.replace(receipt, proof=tuple(proof))
    assert "Merkle" in reason_of(tampered, net)


def test_receipt_with_a_shortened_proof_is_invalid(block: Committed) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[0])
    tampered = msgspec.structs.replace(receipt, proof=receipt.proof[:-1])
    assert "Merkle" in reason_of(tampered, net)


def test_receipt_with_another_txid_is_invalid(block: Committed) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[0])
    swapped = msgspec.structs.replace(receipt, txid=txs[1].txid.hex())
    assert "Merkle" in reason_of(swapped, net)


def test_receipt_with_another_index_is_invalid(block: Committed) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[0])
    moved = msgspec.structs.replace(receipt, index=1)
    assert "Merkle" in reason_of(moved, net)


def test_receipt_for_a_different_transaction_than_expected_is_invalid(block: Committed) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[0])
    assert "another transaction" in reason_of(receipt, net, txid=txs[1].txid.hex())


def test_receipt_from_an_unknown_producer_is_invalid(block: Committed) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[3])
    with pytest.raises(InvalidReceipt) as caught:
        verify_receipt(receipt, [key("someone-else").public_hex])
    assert "unknown producer" in caught.value.reason


def test_receipt_re_signed_by_an_outsider_is_invalid(block: Committed) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[3])
    outsider = key("outsider")
    header = msgspec.structs.replace(receipt.header, producer=outsider.public_hex)
    forged = msgspec.structs.replace(
        receipt,
        header=header,
        signature=outsider.sign(header.signing_message(receipt.network)).hex(),
    )
    assert "unknown producer" in reason_of(forged, net)


def test_receipt_for_another_network_is_invalid(block: Committed) -> None:
    net, txs = block
    receipt = receipt_of(net, txs[3])
    moved = msgspec.structs.replace(receipt, network="kzt-main")
    assert "signature" in reason_of(moved, net)
