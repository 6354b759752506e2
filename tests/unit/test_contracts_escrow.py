"""Escrow: every way to release and refund, every refusal, to the millisecond."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from contracts.errors import (
    ContractClosed,
    EscrowNotRefundable,
    EscrowNotReleasable,
    TermsMismatch,
    UnknownContract,
)
from contracts.records import escrow_lock
from contracts.templates import EscrowOpen
from ledger.crypto import KeyPair
from ledger.errors import (
    DuplicateKey,
    LimitExceeded,
    MissingSignature,
    TokenNotAllowed,
    UnexpectedSigner,
    UnregisteredRecipient,
)
from ledger.params import kzt
from ledger.types import Transaction
from tests.harness import NETWORK, key
from tests.programs_cast import World
from wallet.contracts import builders as p

AMOUNT = kzt(2_500)
CODE = "7391-2204"


@dataclass
class Deal:
    world: World
    buyer: KeyPair
    seller: KeyPair
    arbiter: KeyPair
    escrow: str
    deadline: int

    def release(self, *signers: KeyPair, code: str | None = None) -> Transaction:
        return p.escrow_release(
            NETWORK, self.escrow, self.seller.public_hex, AMOUNT, signers, code=code
        )

    def refund(self, *signers: KeyPair) -> Transaction:
        return p.escrow_refund(NETWORK, self.escrow, self.buyer.public_hex, AMOUNT, signers)


@pytest.fixture
def deal() -> Deal:
    world = World()
    buyer = world.wallet("buyer", funds=kzt(10_000))
    seller = world.wallet("seller", "business", mcc="5732")
    arbiter = world.wallet("arbiter", "business")
    deadline = world.now + 3_600_000
    tx = p.escrow_open(
        NETWORK,
        world.net.coins(buyer),
        buyer,
        seller.public_hex,
        AMOUNT,
        deadline,
        arbiter=arbiter.public_hex,
        code=CODE,
    )
    world.commit(tx)
    return Deal(world, buyer, seller, arbiter, tx.txid.hex(), deadline)


def test_opening_locks_the_amount_out_of_the_buyers_balance(deal: Deal) -> None:
    world = deal.world
    assert world.held(deal.buyer) == kzt(10_000) - AMOUNT
    assert world.locked(escrow_lock(deal.escrow)) == AMOUNT
    world.assert_conserved()


@pytest.mark.parametrize(
    "signers",
    [("buyer", "seller"), ("arbiter",), ("arbiter", "seller")],
    ids=["both-parties", "arbiter", "arbiter-and-payee"],
)
def test_release_by_signatures(deal: Deal, signers: tuple[str, ...]) -> None:
    deal.world.commit(deal.release(*(getattr(deal, s) for s in signers)))
    assert deal.world.held(deal.seller) == AMOUNT
    assert deal.world.locked(escrow_lock(deal.escrow)) == 0
    deal.world.assert_conserved()


def test_delivery_code_releases_until_one_millisecond_before_the_deadline(deal: Deal) -> None:
    deal.world.commit_at(deal.deadline - 1, deal.release(deal.seller, code=CODE))
    assert deal.world.held(deal.seller) == AMOUNT


def test_delivery_code_no_longer_releases_at_the_deadline(deal: Deal) -> None:
    refused = deal.world.refused_at(deal.deadline, deal.release(deal.seller, code=CODE))
    assert isinstance(refused, EscrowNotReleasable) and refused.reason == "deadline"


def test_wrong_delivery_code_is_refused(deal: Deal) -> None:
    refused = deal.world.refusal(deal.release(deal.seller, code="0000-0000"))
    assert isinstance(refused, EscrowNotReleasable) and refused.reason == "code"


@pytest.mark.parametrize("signer", ["seller", "buyer"])
def test_one_party_alone_cannot_release(deal: Deal, signer: str) -> None:
    refused = deal.world.refusal(deal.release(getattr(deal, signer)))
    assert isinstance(refused, EscrowNotReleasable) and refused.reason == "conditions"


def test_strangers_may_not_sign(deal: Deal) -> None:
    refused = deal.world.refusal(deal.release(deal.arbiter, key("stranger")))
    assert isinstance(refused, UnexpectedSigner)


def test_release_must_restate_the_terms(deal: Deal) -> None:
    tx = p.escrow_release(NETWORK, deal.escrow, deal.seller.public_hex, AMOUNT + 1, [deal.arbiter])
    refused = deal.world.refusal(tx)
    assert isinstance(refused, TermsMismatch) and refused.field == "amount"
    tx = p.escrow_release(NETWORK, deal.escrow, deal.buyer.public_hex, AMOUNT, [deal.arbiter])
    assert isinstance(deal.world.refusal(tx), TermsMismatch)


def test_buyer_refund_one_millisecond_before_the_deadline_is_refused(deal: Deal) -> None:
    refused = deal.world.refused_at(deal.deadline - 1, deal.refund(deal.buyer))
    assert isinstance(refused, EscrowNotRefundable)
    assert (refused.deadline, refused.time_ms) == (deal.deadline, deal.deadline - 1)


def test_buyer_refund_at_the_deadline(deal: Deal) -> None:
    deal.world.commit_at(deal.deadline, deal.refund(deal.buyer))
    assert deal.world.held(deal.buyer) == kzt(10_000)
    deal.world.assert_conserved()


@pytest.mark.parametrize("signer", ["seller", "arbiter"])
def test_payee_or_arbiter_may_refund_early(deal: Deal, signer: str) -> None:
    deal.world.commit(deal.refund(getattr(deal, signer)))
    assert deal.world.held(deal.buyer) == kzt(10_000)


def test_a_settled_escrow_is_closed(deal: Deal) -> None:
    deal.world.commit(deal.release(deal.arbiter))
    refused = deal.world.refusal(deal.refund(deal.arbiter))
    assert isinstance(refused, ContractClosed) and refused.state == "released"
    refused = deal.world.refusal(deal.release(deal.seller, code=CODE))
    assert isinstance(refused, ContractClosed)


def test_unknown_escrow(deal: Deal) -> None:
    tx = p.escrow_release(NETWORK, "ee" * 32, deal.seller.public_hex, AMOUNT, [deal.arbiter])
    refused = deal.world.refusal(tx)
    assert isinstance(refused, UnknownContract) and refused.family == "escrow"


def test_release_respects_the_payees_balance_cap(deal: Deal) -> None:
    world = deal.world
    small = world.wallet("small", "anonymous", funds=kzt(299_000))
    tx = p.escrow_open(
        NETWORK, world.net.coins(deal.buyer), deal.buyer, small.public_hex, AMOUNT, deal.deadline
    )
    world.commit(tx)
    release = p.escrow_release(
        NETWORK, tx.txid.hex(), small.public_hex, AMOUNT, [deal.buyer, small]
    )
    refused = world.refusal(release)
    assert isinstance(refused, LimitExceeded) and refused.limit == "balance"
    world.commit_at(
        deal.deadline,
        p.escrow_refund(NETWORK, tx.txid.hex(), deal.buyer.public_hex, AMOUNT, [deal.buyer]),
    )


def test_opening_needs_the_payer_a_known_payee_and_distinct_parties(deal: Deal) -> None:
    world, buyer = deal.world, deal.buyer
    coins = world.net.coins(buyer)
    stranger = p.escrow_open(NETWORK, coins, buyer, key("nobody").public_hex, 1, deal.deadline)
    assert isinstance(world.refusal(stranger), UnregisteredRecipient)
    same = p.escrow_open(NETWORK, coins, buyer, buyer.public_hex, 1, deal.deadline)
    assert isinstance(world.refusal(same), DuplicateKey)
    other_payer = p.escrow_open(NETWORK, coins, buyer, deal.seller.public_hex, 1, deal.deadline)
    body = other_payer.body
    forged = Transaction.create(
        NETWORK, type(body)(**{**_fields(body), "payer": deal.arbiter.public_hex}), [buyer]
    )
    assert isinstance(world.refusal(forged), MissingSignature)


def test_templates_hold_plain_kzt_only(deal: Deal) -> None:
    world = deal.world
    _, token = world.program(transferable=True)
    world.issue(token, {deal.buyer.public_hex: kzt(10)})
    coins = world.coins(deal.buyer, token)
    body = EscrowOpen(
        inputs=tuple(c.point for c in coins),
        payer=deal.buyer.public_hex,
        payee=deal.seller.public_hex,
        amount=kzt(10),
        deadline=deal.deadline,
    )
    refused = world.refusal(Transaction.create(NETWORK, body, [deal.buyer]))
    assert isinstance(refused, TokenNotAllowed) and refused.token == token


def _fields(body: object) -> dict[str, object]:
    return {f: getattr(body, f) for f in body.__struct_fields__}  # type: ignore[attr-defined]
