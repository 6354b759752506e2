"""Recurring debit mandates: periods, start and end, revocation, and who may pull what."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from contracts.errors import (
    InvalidTerms,
    MandateExceeded,
    MandateInactive,
    MandateRevoked,
    TermsMismatch,
)
from contracts.templates import MandatePull
from ledger.crypto import KeyPair
from ledger.errors import (
    LimitExceeded,
    MissingSignature,
    UnexpectedSigner,
    UnknownWallet,
    UnregisteredRecipient,
)
from ledger.params import kzt
from ledger.types import Output, Transaction
from tests.harness import NETWORK, key
from tests.programs_cast import World
from wallet.contracts import builders as p

MONTH = 30 * 86_400_000
MAX = kzt(8_000)


@dataclass
class Subscription:
    world: World
    payer: KeyPair
    telecom: KeyPair
    mandate: str
    starts_at: int
    ends_at: int

    def pull(self, amount: int, coins_of: KeyPair | None = None) -> Transaction:
        coins = self.world.net.coins(coins_of or self.payer)
        return p.mandate_pull(NETWORK, self.telecom, self.mandate, coins, amount)


@pytest.fixture
def sub() -> Subscription:
    world = World()
    payer = world.wallet("subscriber", funds=kzt(100_000))
    telecom = world.wallet("telecom", "business", mcc="4814")
    starts_at = world.now + 60_000
    ends_at = starts_at + 12 * MONTH
    tx = p.mandate_create(
        NETWORK, payer, "subscriber", telecom.public_hex, MAX, MONTH, starts_at, ends_at
    )
    world.commit(tx)
    return Subscription(world, payer, telecom, tx.txid.hex(), starts_at, ends_at)


def test_payee_pulls_up_to_the_maximum_without_the_payers_signature(sub: Subscription) -> None:
    sub.world.commit_at(sub.starts_at, sub.pull(kzt(5_000)))
    sub.world.commit(sub.pull(kzt(3_000)))
    assert sub.world.held(sub.telecom) == MAX
    assert sub.world.held(sub.payer) == kzt(100_000) - MAX
    sub.world.assert_conserved()


def test_more_than_the_maximum_in_a_period_is_refused(sub: Subscription) -> None:
    sub.world.commit_at(sub.starts_at, sub.pull(kzt(5_000)))
    refused = sub.world.refusal(sub.pull(kzt(3_000) + 1))
    assert isinstance(refused, MandateExceeded)
    assert (refused.period, refused.allowed, refused.requested) == (0, kzt(3_000), kzt(3_000) + 1)


def test_the_period_ends_to_the_millisecond(sub: Subscription) -> None:
    boundary = sub.starts_at + MONTH
    sub.world.commit_at(sub.starts_at, sub.pull(MAX))
    refused = sub.world.refused_at(boundary - 1, sub.pull(1))
    assert isinstance(refused, MandateExceeded) and refused.period == 0
    sub.world.commit_at(boundary, sub.pull(MAX))
    assert sub.world.held(sub.telecom) == 2 * MAX


def test_no_pull_before_the_start(sub: Subscription) -> None:
    refused = sub.world.refused_at(sub.starts_at - 1, sub.pull(1))
    assert isinstance(refused, MandateInactive) and refused.reason == "not_started"
    sub.world.commit_at(sub.starts_at, sub.pull(1))


def test_no_pull_from_the_end_date(sub: Subscription) -> None:
    sub.world.commit_at(sub.ends_at - 1, sub.pull(1))
    refused = sub.world.refused_at(sub.ends_at, sub.pull(2))
    assert isinstance(refused, MandateInactive) and refused.reason == "ended"


@pytest.mark.parametrize("revoker", ["payer", "telecom"])
def test_a_revoked_mandate_pulls_nothing(sub: Subscription, revoker: str) -> None:
    sub.world.commit(p.mandate_revoke(NETWORK, getattr(sub, revoker), sub.mandate))
    refused = sub.world.refused_at(sub.starts_at, sub.pull(1))
    assert isinstance(refused, MandateRevoked)
    again = p.mandate_revoke(NETWORK, sub.payer, sub.mandate, nonce=1)
    assert isinstance(sub.world.refusal(again), MandateRevoked)


def test_revocation_in_the_same_block_stops_a_later_pull(sub: Subscription) -> None:
    revoke = p.mandate_revoke(NETWORK, sub.payer, sub.mandate)
    first, second = sub.world.at(sub.starts_at, revoke, sub.pull(1))
    assert first.committed and isinstance(second.error, MandateRevoked)


def test_strangers_cannot_revoke(sub: Subscription) -> None:
    refused = sub.world.refusal(p.mandate_revoke(NETWORK, key("stranger"), sub.mandate))
    assert isinstance(refused, UnexpectedSigner)


def test_only_the_payee_pulls(sub: Subscription) -> None:
    tx = sub.pull(1)
    forged = Transaction.create(NETWORK, tx.body, [sub.payer])
    refused = sub.world.refused_at(sub.starts_at, forged)
    assert isinstance(refused, (MissingSignature, UnexpectedSigner))


def test_pulls_spend_only_the_payers_coins_and_pay_only_the_payee(sub: Subscription) -> None:
    world = sub.world
    other = world.wallet("other", funds=kzt(10))
    refused = world.refused_at(sub.starts_at, sub.pull(1, coins_of=other))
    assert isinstance(refused, TermsMismatch) and refused.field == "inputs"
    coin = world.net.coins(sub.payer)[0]
    outputs = (
        Output(owner=sub.telecom.public_hex, amount=1),
        Output(owner=other.public_hex, amount=coin.output.amount - 1),
    )
    body = MandatePull(mandate=sub.mandate, inputs=(coin.point,), outputs=outputs)
    refused = world.refusal(Transaction.create(NETWORK, body, [sub.telecom]))
    assert isinstance(refused, TermsMismatch) and refused.field == "outputs"


def test_the_payers_tier_limits_apply_to_pulls() -> None:
    world = World()
    anon = world.wallet("anon", "anonymous", funds=kzt(200_000))
    shop = world.wallet("shop", "business", mcc="5411")
    tx = p.mandate_create(
        NETWORK, anon, "anon", shop.public_hex, kzt(100_000), MONTH, world.now, world.now + MONTH
    )
    world.commit(tx)
    pull = p.mandate_pull(NETWORK, shop, tx.txid.hex(), world.net.coins(anon), kzt(60_000))
    refused = world.refusal(pull)
    assert isinstance(refused, LimitExceeded) and refused.limit == "per_payment"


def test_creating_a_mandate_checks_payer_payee_and_dates(sub: Subscription) -> None:
    world, payer, payee = sub.world, sub.payer, sub.telecom.public_hex
    now = world.now
    ghost = p.mandate_create(NETWORK, payer, "ghost", payee, 1, MONTH, now, now + 1)
    assert isinstance(world.refusal(ghost), UnknownWallet)
    foreign = p.mandate_create(NETWORK, sub.telecom, "subscriber", payee, 1, MONTH, now, now + 1)
    assert isinstance(world.refusal(foreign), UnexpectedSigner)
    nobody = key("nobody").public_hex
    unknown = p.mandate_create(NETWORK, payer, "subscriber", nobody, 1, MONTH, now, now + 1)
    assert isinstance(world.refusal(unknown), UnregisteredRecipient)
    backwards = p.mandate_create(NETWORK, payer, "subscriber", payee, 1, MONTH, now, now)
    assert isinstance(world.refusal(backwards), InvalidTerms)
