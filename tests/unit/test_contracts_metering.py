"""Pay-per-use metering: claims, replays, rollbacks, budget, expiry and closing."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import pytest

from contracts.errors import (
    ContractClosed,
    CounterRollback,
    MeterBudgetExceeded,
    MeterNotClosable,
    ReceiptReplayed,
    TermsMismatch,
)
from contracts.records import meter_lock
from contracts.templates import MeterClaim, SignedUsage
from ledger.crypto import KeyPair
from ledger.errors import BadSignature, MissingSignature, UnexpectedSigner
from ledger.params import kzt
from ledger.types import Transaction
from tests.harness import NETWORK, key
from tests.programs_cast import World
from wallet.contracts import builders as p

BUDGET = kzt(1_000)


@dataclass
class Meter:
    world: World
    car: KeyPair  # the customer: an electric car paying per kWh
    charger: KeyPair  # the provider
    meter: str
    expires_at: int
    claimed: int = 0

    def receipt(self, sequence: int, cumulative: int, signer: KeyPair | None = None) -> SignedUsage:
        return p.usage(NETWORK, signer or self.car, self.meter, sequence, cumulative)

    def claim(self, signed: SignedUsage, amount: int | None = None) -> Transaction:
        tx = p.meter_claim(NETWORK, self.charger, self.meter, signed, self.claimed)
        if amount is None:
            return tx
        body = msgspec.structs.replace(tx.body, amount=amount)
        return Transaction.create(NETWORK, body, [self.charger])

    def close(self, *signers: KeyPair, signed: SignedUsage | None = None) -> Transaction:
        car, charger = self.car.public_hex, self.charger.public_hex
        return p.meter_close(
            NETWORK, signers, self.meter, charger, car, BUDGET, self.claimed, signed
        )


@pytest.fixture
def meter() -> Meter:
    world = World()
    car = world.wallet("car", funds=kzt(5_000))
    charger = world.wallet("charger", "business", mcc="5552")
    expires_at = world.now + 86_400_000
    tx = p.meter_open(NETWORK, world.net.coins(car), car, charger.public_hex, BUDGET, expires_at)
    world.commit(tx)
    return Meter(world, car, charger, tx.txid.hex(), expires_at)


def test_claims_pay_the_increase_of_cumulative_usage(meter: Meter) -> None:
    world = meter.world
    world.commit(meter.claim(meter.receipt(1, kzt(100))))
    meter.claimed = kzt(100)
    world.commit(meter.claim(meter.receipt(5, kzt(250))))
    assert world.held(meter.charger) == kzt(250)
    assert world.locked(meter_lock(meter.meter)) == BUDGET - kzt(250)
    world.assert_conserved()


def test_a_claimed_receipt_cannot_be_claimed_again(meter: Meter) -> None:
    signed = meter.receipt(1, kzt(100))
    meter.world.commit(meter.claim(signed))
    refused = meter.world.refusal(meter.claim(signed, amount=kzt(100) - 1))
    assert isinstance(refused, ReceiptReplayed) and refused.sequence == 1
    meter.claimed = kzt(100)
    refused = meter.world.refusal(meter.close(meter.charger, signed=signed))
    assert isinstance(refused, ReceiptReplayed)


def test_an_older_counter_is_a_rollback(meter: Meter) -> None:
    meter.world.commit(meter.claim(meter.receipt(2, kzt(100))))
    refused = meter.world.refusal(meter.claim(meter.receipt(1, kzt(150)), amount=kzt(50)))
    assert isinstance(refused, CounterRollback)
    assert (refused.field, refused.claimed, refused.got) == ("sequence", 2, 1)


def test_a_lower_cumulative_amount_is_a_rollback(meter: Meter) -> None:
    meter.world.commit(meter.claim(meter.receipt(2, kzt(100))))
    refused = meter.world.refusal(meter.claim(meter.receipt(3, kzt(90)), amount=1))
    assert isinstance(refused, CounterRollback) and refused.field == "cumulative"


def test_usage_beyond_the_budget_is_refused(meter: Meter) -> None:
    refused = meter.world.refusal(meter.claim(meter.receipt(1, BUDGET + 1)))
    assert isinstance(refused, MeterBudgetExceeded) and refused.budget == BUDGET


def test_receipts_must_be_the_customers_and_this_meters(meter: Meter) -> None:
    forged = meter.receipt(1, kzt(10), signer=meter.charger)
    refused = meter.world.refusal(meter.claim(forged))
    assert isinstance(refused, TermsMismatch) and refused.field == "customer"
    bad_sig = msgspec.structs.replace(meter.receipt(1, kzt(10)), sig="00" * 64)
    assert isinstance(meter.world.refusal(meter.claim(bad_sig)), BadSignature)
    other = p.usage(NETWORK, meter.car, "ff" * 32, 1, kzt(10))
    refused = meter.world.refusal(meter.claim(other))
    assert isinstance(refused, TermsMismatch) and refused.field == "meter"


def test_the_claim_must_state_the_right_amount(meter: Meter) -> None:
    refused = meter.world.refusal(meter.claim(meter.receipt(1, kzt(10)), amount=kzt(11)))
    assert isinstance(refused, TermsMismatch) and refused.field == "amount"


def test_only_the_provider_claims(meter: Meter) -> None:
    signed = meter.receipt(1, kzt(10))
    body = MeterClaim(
        meter=meter.meter, usage=signed, provider=meter.charger.public_hex, amount=kzt(10)
    )
    refused = meter.world.refusal(Transaction.create(NETWORK, body, [meter.car]))
    assert isinstance(refused, (MissingSignature, UnexpectedSigner))


def test_claims_stop_at_expiry_to_the_millisecond(meter: Meter) -> None:
    meter.world.commit_at(meter.expires_at - 1, meter.claim(meter.receipt(1, kzt(10))))
    meter.claimed = kzt(10)
    refused = meter.world.refused_at(meter.expires_at, meter.claim(meter.receipt(2, kzt(20))))
    assert isinstance(refused, MeterNotClosable) and refused.reason == "expired"


def test_provider_closes_settling_a_last_receipt_and_refunding_the_rest(meter: Meter) -> None:
    world = meter.world
    world.commit(meter.close(meter.charger, signed=meter.receipt(1, kzt(300))))
    assert world.held(meter.charger) == kzt(300)
    assert world.held(meter.car) == kzt(5_000) - kzt(300)
    assert world.locked(meter_lock(meter.meter)) == 0
    world.assert_conserved()
    refused = world.refusal(meter.claim(meter.receipt(2, kzt(400))))
    assert isinstance(refused, ContractClosed) and refused.state == "closed"


def test_customer_closes_only_from_expiry(meter: Meter) -> None:
    world = meter.world
    refused = world.refused_at(meter.expires_at - 1, meter.close(meter.car))
    assert isinstance(refused, MeterNotClosable) and refused.reason == "before_expiry"
    world.commit_at(meter.expires_at, meter.close(meter.car))
    assert world.held(meter.car) == kzt(5_000)


def test_both_parties_close_at_any_time(meter: Meter) -> None:
    meter.world.commit(meter.close(meter.car, meter.charger))
    assert meter.world.held(meter.car) == kzt(5_000)


def test_strangers_may_not_close(meter: Meter) -> None:
    refused = meter.world.refusal(meter.close(meter.charger, key("stranger")))
    assert isinstance(refused, UnexpectedSigner)


def test_close_must_split_the_rest_exactly(meter: Meter) -> None:
    tx = meter.close(meter.charger)
    body = msgspec.structs.replace(tx.body, refund=BUDGET - 1)
    refused = meter.world.refusal(Transaction.create(NETWORK, body, [meter.charger]))
    assert isinstance(refused, TermsMismatch) and refused.field == "refund"
