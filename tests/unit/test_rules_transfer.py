"""Transfers: inputs, signatures, conservation, recipients, and blocks that refuse some."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import pytest

from ledger.crypto import DOMAIN_BLOCK, DOMAIN_TX, KeyPair, signing_message
from ledger.encoding import MAX_AMOUNT
from ledger.errors import (
    BadSignature,
    BankInactive,
    DoubleSpend,
    DuplicateInput,
    DuplicateKey,
    DuplicateTransaction,
    InvalidAmount,
    MissingSignature,
    UnexpectedSigner,
    UnknownInput,
    UnregisteredRecipient,
    ValueNotConserved,
    WalletFrozen,
    WrongNetwork,
)
from ledger.params import kzt
from ledger.queries import history, tx_location
from ledger.storage.memory import MemoryStore
from ledger.types import KZT, OutPoint, Output, Signature, Transaction, Transfer
from tests.harness import NETWORK, Harness, key
from wallet import builders
from wallet.builders import Coin


def transfer(
    points: Sequence[OutPoint], outputs: Sequence[Output], signers: Sequence[KeyPair]
) -> Transaction:
    body = Transfer(inputs=tuple(points), outputs=tuple(outputs))
    return Transaction.create(NETWORK, body, signers)


def to(owner: KeyPair, amount: int) -> Output:
    return Output(owner=owner.public_hex, amount=amount)


def coin(net: Harness, owner: KeyPair) -> Coin:
    (found,) = net.coins(owner)
    return found


People = tuple[Harness, KeyPair, KeyPair]


@pytest.fixture
def people(net: Harness) -> tuple[Harness, KeyPair, KeyPair]:
    """halyk bank, alice with 100 KZT in one coin, bob with nothing."""
    net.add_bank("halyk", reserve=kzt(1_000_000))
    alice = net.add_wallet("alice", "halyk", "basic", funds=kzt(100))
    bob = net.add_wallet("bob", "halyk", "basic")
    return net, alice, bob


# -- recipients ----------------------------------------------------------------


@pytest.mark.parametrize("recipient", ["stranger", "central-bank"])
def test_output_to_an_unregistered_key_is_refused(people: People, recipient: str) -> None:
    net, alice, _ = people
    error = net.refusal(net.pay(alice, key(recipient), kzt(1)))
    assert isinstance(error, UnregisteredRecipient)
    assert error.owner == key(recipient).public_hex


def test_output_to_a_frozen_wallet_is_refused(people: People) -> None:
    net, alice, bob = people
    net.commit(builders.wallet_update(NETWORK, key("halyk"), "bob", nonce=1, status="frozen"))
    error = net.refusal(net.pay(alice, bob, kzt(1)))
    assert isinstance(error, WalletFrozen)
    assert error.wallet_id == "bob"


def test_suspended_bank_can_neither_receive_nor_send(people: People) -> None:
    net, alice, bob = people
    halyk = key("halyk")
    net.commit(builders.bank_update(NETWORK, net.cb, "halyk", nonce=1, status="suspended"))
    for tx in (net.pay(alice, halyk, kzt(1)), net.pay(halyk, bob, kzt(1))):
        error = net.refusal(tx)
        assert isinstance(error, BankInactive)
        assert error.bank_id == "halyk"
    net.commit(net.pay(alice, bob, kzt(1)))  # its wallets still pay each other


# -- inputs --------------------------------------------------------------------


def test_spending_a_spent_output_in_a_later_block_is_a_double_spend(people: People) -> None:
    net, alice, bob = people
    spent = coin(net, alice).point
    first, second = net.pay(alice, bob, kzt(1)), net.pay(alice, bob, kzt(2))
    net.commit(first)
    error = net.refusal(second)
    assert isinstance(error, DoubleSpend)
    assert (error.txid, error.index) == (spent.txid, spent.index)


def test_spending_one_output_twice_in_one_block_is_a_double_spend(people: People) -> None:
    net, alice, bob = people
    first, second = net.pay(alice, bob, kzt(1)), net.pay(alice, bob, kzt(2))
    outcomes = net.block([first, second])
    assert outcomes[0].committed
    assert isinstance(outcomes[1].error, DoubleSpend)
    assert net.balance(bob) == kzt(1)


def test_spending_an_output_that_never_existed_is_refused(people: People) -> None:
    net, alice, bob = people
    real = coin(net, alice).point
    for point in (OutPoint(txid="00" * 32, index=0), OutPoint(txid=real.txid, index=7)):
        error = net.refusal(transfer([point], [to(bob, 1)], [alice]))
        assert isinstance(error, UnknownInput)
        assert (error.txid, error.index) == (point.txid, point.index)


def test_the_same_input_twice_in_one_transaction_is_invalid(people: People) -> None:
    net, alice, bob = people
    point = coin(net, alice).point
    error = net.refusal(transfer([point, point], [to(bob, kzt(200))], [alice]))
    assert isinstance(error, DuplicateInput)
    assert (error.txid, error.index) == (point.txid, point.index)


# -- signatures ----------------------------------------------------------------


def test_transfer_not_signed_by_the_owner_is_refused(people: People) -> None:
    net, alice, bob = people
    error = net.refusal(transfer([coin(net, alice).point], [to(bob, kzt(100))], [bob]))
    assert isinstance(error, MissingSignature)
    assert error.key == alice.public_hex


def test_every_owner_of_the_inputs_must_sign(people: People) -> None:
    net, alice, bob = people
    net.commit(net.pay(alice, bob, kzt(40)))
    points = [c.point for c in (*net.coins(alice), *net.coins(bob))]
    error = net.refusal(transfer(points, [to(bob, kzt(100))], [alice]))
    assert isinstance(error, MissingSignature)
    assert error.key == bob.public_hex
    net.commit(transfer(points, [to(bob, kzt(100))], [alice, bob]))


def test_signature_from_a_key_with_no_part_is_refused(people: People) -> None:
    net, alice, bob = people
    error = net.refusal(transfer([coin(net, alice).point], [to(bob, kzt(100))], [alice, bob]))
    assert isinstance(error, UnexpectedSigner)
    assert error.key == bob.public_hex


def test_two_signatures_by_the_same_key_are_invalid(people: People) -> None:
    net, alice, bob = people
    error = net.refusal(transfer([coin(net, alice).point], [to(bob, kzt(100))], [alice, alice]))
    assert isinstance(error, DuplicateKey)
    assert error.key == alice.public_hex


def _resigned(tx: Transaction, signer: KeyPair, sig: bytes) -> Transaction:
    return msgspec.structs.replace(
        tx, signatures=(Signature(key=signer.public_hex, sig=sig.hex()),)
    )


def test_tampered_signature_is_refused(people: People) -> None:
    net, alice, bob = people
    tx = net.pay(alice, bob, kzt(1))
    sig = bytearray(bytes.fromhex(tx.signatures[0].sig))
    sig[10] ^= 0x01
    error = net.refusal(_resigned(tx, alice, bytes(sig)))
    assert isinstance(error, BadSignature)
    assert error.key == alice.public_hex


@pytest.mark.parametrize(("domain", "network"), [(DOMAIN_BLOCK, NETWORK), (DOMAIN_TX, "kzt-main")])
def test_signature_made_for_another_domain_or_network_is_refused(
    people: People, domain: bytes, network: str
) -> None:
    net, alice, bob = people
    tx = net.pay(alice, bob, kzt(1))
    error = net.refusal(
        _resigned(tx, alice, alice.sign(signing_message(domain, network, tx.body_bytes)))
    )
    assert isinstance(error, BadSignature)
    assert error.key == alice.public_hex


def test_transaction_for_another_network_is_refused(people: People) -> None:
    net, alice, bob = people
    tx = Transaction.create("kzt-main", net.pay(alice, bob, kzt(1)).body, [alice])
    error = net.refusal(tx)
    assert isinstance(error, WrongNetwork)
    assert (error.expected, error.got) == (NETWORK, "kzt-main")


# -- value ---------------------------------------------------------------------


@pytest.mark.parametrize("outputs", [kzt(100) + 1, kzt(100) - 1])
def test_outputs_must_equal_inputs_exactly(people: People, outputs: int) -> None:
    net, alice, bob = people
    error = net.refusal(transfer([coin(net, alice).point], [to(bob, outputs)], [alice]))
    assert isinstance(error, ValueNotConserved)
    assert (error.token, error.inputs, error.outputs) == (KZT, kzt(100), outputs)


@pytest.mark.parametrize("amount", [0, -1, MAX_AMOUNT + 1])
def test_amount_outside_one_to_two_pow_53_minus_one_is_invalid(people: People, amount: int) -> None:
    net, alice, bob = people
    outputs = [to(bob, amount), to(alice, kzt(100) - amount)]
    error = net.refusal(transfer([coin(net, alice).point], outputs, [alice]))
    assert isinstance(error, InvalidAmount)
    assert (error.amount, error.minimum, error.maximum) == (amount, 1, MAX_AMOUNT)


def test_output_of_another_token_with_only_kzt_inputs_is_not_conserved(people: People) -> None:
    net, alice, bob = people
    token = "ab" * 32
    out = Output(owner=bob.public_hex, amount=kzt(100), token=token)
    error = net.refusal(transfer([coin(net, alice).point], [out], [alice]))
    assert isinstance(error, ValueNotConserved)
    assert (error.token, error.inputs, error.outputs) == (KZT, kzt(100), 0)


# -- duplicates and blocks that refuse some ------------------------------------


def test_committing_the_same_transaction_again_is_a_duplicate(people: People) -> None:
    net, alice, bob = people
    tx = net.pay(alice, bob, kzt(1))
    net.commit(tx)
    error = net.refusal(tx)
    assert isinstance(error, DuplicateTransaction)
    assert error.txid == tx.txid.hex()


def test_same_transaction_twice_in_one_block_is_committed_once(people: People) -> None:
    net, alice, bob = people
    tx = net.pay(alice, bob, kzt(1))
    first, second = net.block([tx, tx])
    assert net.balance(bob) == kzt(1)  # holds: the state is right
    assert isinstance(second.error, DuplicateTransaction)
    assert first.committed  # fails: the report is wrong


def _scenario(net: Harness) -> tuple[KeyPair, KeyPair, KeyPair]:
    net.add_bank("halyk", reserve=kzt(1_000_000))
    alice = net.add_wallet("alice", "halyk", "anonymous", funds=kzt(100_000))
    bob = net.add_wallet("bob", "halyk", "anonymous")
    carol = net.add_wallet("carol", "halyk", "anonymous", funds=kzt(10))
    return alice, bob, carol


def test_rejected_transaction_leaves_no_trace_and_spares_the_others(net: Harness) -> None:
    alice, bob, carol = _scenario(net)
    over_limit = net.pay(alice, bob, kzt(60_000))  # per payment limit is 50,000
    within = net.pay(alice, bob, kzt(50_000))  # spends the very same coin
    small = net.pay(carol, bob, kzt(10))
    outcomes = net.block([over_limit, within, small])
    assert [o.committed for o in outcomes] == [False, True, True]
    assert tx_location(net.store, over_limit.txid) is None
    assert over_limit.txid.hex() not in {e.txid for e in history(net.store, "alice")}
    assert (net.balance(alice), net.balance(bob)) == (kzt(50_000), kzt(50_010))

    # A chain that never saw the refused transaction reaches the same state.
    twin = Harness(MemoryStore())
    _scenario(twin)
    twin.block([within, small])
    assert twin.chain.tip == net.chain.tip
