"""Private payments obey the same limits and policies as open ones, with the same codes."""

from __future__ import annotations

import msgspec
import pytest

from contracts.policy import Policy, token_id
from ledger.crypto import KeyPair
from ledger.errors import TengeError
from ledger.params import kzt
from ledger.storage.memory import MemoryStore
from ledger.types import Output, TierLimits
from privacy.envelopes import AmlNotice, open_envelope, x25519_secret
from privacy.prepare import prepare_private
from tests.harness import NETWORK, key
from tests.privacy_cast import PrivacyNet
from wallet import builders
from wallet.contracts import builders as p
from wallet.privacy import payments as pw


def open_net(**options: object) -> PrivacyNet:
    net = PrivacyNet(MemoryStore(), **options)  # type: ignore[arg-type]
    net.add_bank("halyk", reserve=kzt(100_000_000))
    return net


@pytest.fixture
def net() -> PrivacyNet:
    net = open_net()
    net.add_wallet("aigerim", "halyk", "anonymous", funds=kzt(250_000))
    net.add_wallet("daniyar", "halyk", "basic")
    return net


def shielded(net: PrivacyNet, owner: KeyPair, amount: int) -> list:
    outcome = net.private(pw.shield(NETWORK, net.params, owner, net.coins(owner), amount))
    assert outcome.committed, outcome.error
    return net.history(owner).unspent()


def refused_privately(
    net: PrivacyNet, payer: KeyPair, to: str, amount: int, token: str = "KZT"
) -> TengeError:
    """The code the validator answers with: at once, or from the block it builds."""
    submission = net.payment(payer, to, amount, token=token)
    try:
        tx = prepare_private(net.validator, submission, net.chain, net.chain.context(net.time_ms))
    except TengeError as error:
        return error
    (outcome,) = net.block([tx])
    assert outcome.error is not None, "committed, expected a refusal"
    assert net.validator.witness(tx.txid) is not None  # refused: its plaintext waits for its TTL
    return outcome.error


def same(a: TengeError, b: TengeError) -> None:
    assert (a.code, a.details()) == (b.code, b.details())


def test_tier_per_payment_limit_is_the_same_refusal_at_both_levels(net: PrivacyNet) -> None:
    net.commit(
        builders.limits_set(NETWORK, net.cb, "anonymous", TierLimits(per_payment=kzt(1_000)), 9)
    )
    aigerim, daniyar = key("aigerim"), key("daniyar")
    shielded(net, aigerim, kzt(50_000))
    openly = net.refusal(net.pay(aigerim, daniyar, kzt(2_000)))
    privately = refused_privately(net, aigerim, daniyar.public_hex, kzt(2_000))
    assert openly.code == "limit_exceeded" and openly.details()["limit"] == "per_payment"
    same(openly, privately)


def test_daily_limit_counts_open_and_private_outflow_together(net: PrivacyNet) -> None:
    aigerim, daniyar = key("aigerim"), key("daniyar")
    shielded(net, aigerim, kzt(100_000))
    for _ in range(3):  # 45,000 privately, within the private caps (20,000 / 50,000 a day)
        notes = net.history(aigerim).unspent()
        payment = pw.pay(NETWORK, net.params, aigerim, notes, daniyar.public_hex, kzt(15_000))
        assert net.private(payment).committed
    net.commit(net.pay(aigerim, daniyar, kzt(50_000)))  # open: 95,000 today in all
    error = net.refusal(net.pay(aigerim, daniyar, kzt(10_000)))
    assert error.code == "limit_exceeded" and error.details()["limit"] == "daily"
    assert error.details()["allowed"] == kzt(5_000)


def test_private_level_caps_refuse_with_the_limit_code(net: PrivacyNet) -> None:
    aigerim, daniyar = key("aigerim"), key("daniyar")
    shielded(net, aigerim, kzt(100_000))
    error = refused_privately(net, aigerim, daniyar.public_hex, kzt(20_001))
    assert error.code == "limit_exceeded" and error.details()["limit"] == "private_per_payment"
    for _ in range(2):
        notes = net.history(aigerim).unspent()
        assert net.private(
            pw.pay(NETWORK, net.params, aigerim, notes, daniyar.public_hex, kzt(20_000))
        ).committed
    error = refused_privately(net, aigerim, daniyar.public_hex, kzt(10_001))
    assert error.details()["limit"] == "private_daily" and error.details()["allowed"] == kzt(10_000)


def test_balance_cap_counts_private_holdings(net: PrivacyNet) -> None:
    aigerim = key("aigerim")
    payer = net.add_wallet("askar", "halyk", "full", funds=kzt(5_000_000))
    notes = shielded(net, payer, kzt(400_000))
    error = refused_privately(net, payer, aigerim.public_hex, kzt(60_000))  # 250,000 + 60,000
    same(error, net.refusal(net.pay(payer, aigerim, kzt(60_000))))
    assert error.details()["limit"] == "balance"
    assert net.private(
        pw.pay(NETWORK, net.params, payer, notes, aigerim.public_hex, kzt(40_000))
    ).committed
    error = net.refusal(net.pay(payer, aigerim, kzt(20_000)))  # open now sees the private 40,000
    assert error.code == "limit_exceeded" and error.details()["allowed"] == kzt(10_000)


def test_frozen_payee_and_unregistered_key_refused_with_core_codes(net: PrivacyNet) -> None:
    aigerim, daniyar = key("aigerim"), key("daniyar")
    shielded(net, aigerim, kzt(10_000))
    net.commit(builders.wallet_update(NETWORK, key("halyk"), "daniyar", nonce=1, status="frozen"))
    same(
        net.refusal(net.pay(aigerim, daniyar, 100)),
        refused_privately(net, aigerim, daniyar.public_hex, 100),
    )
    stranger = key("stranger").public_hex
    same(
        net.refusal(net.pay(aigerim, stranger, 100)), refused_privately(net, aigerim, stranger, 100)
    )


def test_special_purpose_policy_refuses_the_same_way_privately() -> None:
    net = open_net()
    gov = net.add_wallet("akimat", "halyk", "business", funds=kzt(1_000_000))
    student = net.add_wallet("student", "halyk", "basic")
    canteen = net.add_wallet("canteen", "halyk", "business", mcc="5814")
    cafe = net.add_wallet("cafe", "halyk", "business", mcc="5812")
    net.commit(p.program_grant(NETWORK, net.cb, "akimat", net.next_nonce()))
    rules = {"mcc": ["5814"], "per_payment": kzt(3_000)}
    policy = msgspec.convert({"issuer": gov.public_hex, "name": "meals", **rules}, Policy)
    net.commit(p.program_create(NETWORK, gov, policy))
    token = token_id(policy)
    grant = [Output(owner=student.public_hex, amount=kzt(10_000))]
    net.commit(p.program_issue(NETWORK, gov, net.coins(gov), token, grant))
    coins = [c for c in net.coins(student) if c.output.token == token]
    note = pw.new_note(student.public_hex, kzt(8_000), token)
    kept = [Output(owner=student.public_hex, amount=kzt(2_000), token=token)]
    shield = pw.submission(NETWORK, net.params, student, coins=coins, creates=[note], outputs=kept)
    assert net.private(shield).committed  # a move to oneself: the policy lets it pass
    open_coins = [c for c in net.coins(student) if c.output.token == token]
    openly = builders.pay(
        NETWORK, open_coins, [student], cafe.public_hex, kzt(1_000), student.public_hex, token=token
    )
    refusal = refused_privately(net, student, cafe.public_hex, kzt(1_000), token)
    assert refusal.code == "policy_violation"
    same(refusal, net.refusal(openly))
    too_much = refused_privately(net, student, canteen.public_hex, kzt(3_001), token)
    assert (too_much.code, too_much.details()["rule"]) == ("policy_violation", "per_payment")
    assert net.private(net.payment(student, canteen, kzt(2_500), token=token)).committed
    assert net.history(canteen).balance(token) == kzt(2_500)


def test_aml_threshold_seals_a_notice_to_the_payers_bank() -> None:
    net = open_net(aml_threshold=kzt(100_000))
    payer = net.add_wallet("askar", "halyk", "full", funds=kzt(1_000_000))
    payee = net.add_wallet("seller", "halyk", "business")
    notes = shielded(net, payer, kzt(500_000))
    tx = net.private_tx(
        pw.pay(NETWORK, net.params, payer, notes, payee.public_hex, kzt(150_000), "car")
    )
    assert net.block([tx])[0].committed
    notice = open_envelope(x25519_secret(key("halyk")), tx.body.envelopes[-1], AmlNotice)
    assert notice is not None and (notice.payer, notice.outflow, notice.memo) == (
        "askar",
        kzt(150_000),
        "car",
    )
    small = net.private_tx(
        pw.pay(
            NETWORK, net.params, payer, net.history(payer).unspent(), payee.public_hex, kzt(1_000)
        )
    )
    assert open_envelope(x25519_secret(key("halyk")), small.body.envelopes[-1], AmlNotice) is None
    assert len(small.body.envelopes[-1]) == len(tx.body.envelopes[-1])


def test_aml_refuse_mode_sends_large_payments_to_the_open_level() -> None:
    net = open_net(aml_mode="refuse", aml_threshold=kzt(100_000))
    payer = net.add_wallet("askar", "halyk", "full", funds=kzt(1_000_000))
    notes = shielded(net, payer, kzt(500_000))
    error = refused_privately(net, payer, key("halyk").public_hex, kzt(100_000))
    assert error.code == "aml_threshold_exceeded"
    assert notes


def test_a_note_spent_twice_is_a_conflict(net: PrivacyNet) -> None:
    aigerim, daniyar = key("aigerim"), key("daniyar")
    notes = shielded(net, aigerim, kzt(10_000))
    first = net.private_tx(pw.pay(NETWORK, net.params, aigerim, notes, daniyar.public_hex, 100))
    second = net.private_tx(pw.pay(NETWORK, net.params, aigerim, notes, daniyar.public_hex, 200))
    outcomes = net.block([first, second])
    assert outcomes[0].committed and outcomes[1].error is not None
    assert outcomes[1].error.code == "note_spent"
    assert net.validator.held() == 1  # the refused one's plaintext waits for its TTL only
