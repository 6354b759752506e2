"""Anonymous tokens: caps on withdrawal, one spend per token, proofs checked, nothing shared."""

from __future__ import annotations

import re

import pytest

from ledger.encoding import canonical
from ledger.errors import TengeError
from ledger.params import kzt
from ledger.storage.memory import MemoryStore
from ledger.types import Transaction
from privacy.errors import InvalidDleqProof
from privacy.prepare import prepare_spend
from privacy.requests import AnonToken, Evaluation
from tests.harness import NETWORK, key
from tests.privacy_cast import PrivacyNet
from wallet.privacy import tokens

THOUSAND = kzt(1_000)


@pytest.fixture
def net() -> PrivacyNet:
    net = PrivacyNet(MemoryStore())
    net.add_bank("halyk", reserve=kzt(10_000_000))
    net.add_wallet("aigerim", "halyk", "anonymous", funds=kzt(200_000))
    net.add_wallet("cafe", "halyk", "business")
    return net


def withdraw(
    net: PrivacyNet, count: int, denomination: int = THOUSAND
) -> tuple[Transaction, tokens.BlindedBatch]:
    aigerim = key("aigerim")
    batch = tokens.blind_batch(denomination, count)
    tx = tokens.withdrawal(NETWORK, net.coins(aigerim), [aigerim], batch, aigerim.public_hex)
    return tx, batch


def minted(net: PrivacyNet, count: int) -> tuple[Transaction, list[AnonToken]]:
    tx, batch = withdraw(net, count)
    net.commit(tx)
    return tx, tokens.unblind(batch, net.evaluation(tx.txid.hex()), net.params)


def test_withdrawals_enforce_the_anonymous_caps_with_the_limit_code(net: PrivacyNet) -> None:
    error = net.refusal(withdraw(net, 11)[0])  # 11,000 > 10,000 per withdrawal
    assert (error.code, error.details()["limit"]) == ("limit_exceeded", "anonymous_per_payment")
    net.commit(withdraw(net, 10)[0])
    net.commit(withdraw(net, 10)[0])
    error = net.refusal(withdraw(net, 1)[0])  # 20,000 a day
    assert error.details()["limit"] == "anonymous_daily" and error.details()["allowed"] == 0
    for _ in range(3):
        net.time_ms += 86_400_000
        net.commit(withdraw(net, 10)[0])
    error = net.refusal(withdraw(net, 1)[0])  # 50,000 within 30 days
    assert error.details()["limit"] == "anonymous_holding"
    net.time_ms += 30 * 86_400_000
    net.commit(withdraw(net, 1)[0])


def test_withdrawals_enforce_the_tier_limits_too(net: PrivacyNet) -> None:
    from ledger.types import TierLimits
    from wallet import builders

    limits = TierLimits(per_payment=kzt(2_000))
    net.commit(builders.limits_set(NETWORK, net.cb, "anonymous", limits, 1))
    error = net.refusal(withdraw(net, 3)[0])
    assert (error.code, error.details()["limit"]) == ("limit_exceeded", "per_payment")


def test_a_tier_without_the_anonymous_level_may_not_withdraw(net: PrivacyNet) -> None:
    cafe = key("cafe")
    net.commit(net.pay(key("halyk"), cafe, kzt(10_000)))
    batch = tokens.blind_batch(THOUSAND, 1)
    tx = tokens.withdrawal(NETWORK, net.coins(cafe), [cafe], batch, cafe.public_hex)
    assert net.refusal(tx).code == "privacy_level_not_allowed"


def test_a_token_spent_twice_is_refused_with_its_code(net: PrivacyNet) -> None:
    _, coins = minted(net, 2)
    cafe = key("cafe").public_hex
    once = tokens.spend_request(coins[:1], THOUSAND, cafe)
    twice = tokens.spend_request(coins[:1], THOUSAND, cafe, memo="once more")
    first = prepare_spend(net.validator, once, net.chain)
    second = prepare_spend(net.validator, twice, net.chain)  # before the first is committed
    outcomes = net.block([first, second])
    refusal = outcomes[1].error
    assert outcomes[0].committed and refusal is not None
    assert (refusal.code, refusal.status) == ("token_spent", 409)
    assert net.spend(tokens.spend_request(coins[1:], THOUSAND, cafe)).committed
    assert net.balance(cafe) == 2 * THOUSAND


def test_a_forged_token_is_refused_by_the_validator(net: PrivacyNet) -> None:
    forged = AnonToken(input="11" * 32, output="22" * 64)
    request = tokens.spend_request([forged], THOUSAND, key("cafe").public_hex)
    with pytest.raises(TengeError) as caught:
        prepare_spend(net.validator, request, net.chain)
    assert caught.value.code == "invalid_token"
    with pytest.raises(TengeError) as caught:
        prepare_spend(
            net.validator, tokens.spend_request([forged], 777, key("cafe").public_hex), net.chain
        )
    assert caught.value.code == "unknown_denomination"


def test_the_wallet_refuses_a_tampered_proof_and_a_tagging_key(net: PrivacyNet) -> None:
    tx, batch = withdraw(net, 2)
    net.commit(tx)
    evaluation = net.evaluation(tx.txid.hex())
    proof = bytearray(bytes.fromhex(evaluation.proof))
    proof[40] ^= 1
    tampered = Evaluation(
        evaluation.txid, evaluation.denomination, evaluation.key, evaluation.evaluated, proof.hex()
    )
    with pytest.raises(InvalidDleqProof):
        tokens.unblind(batch, tampered, net.params)
    from privacy import voprf

    secret, public = voprf.derive_key_pair(b"\x07" * 32, b"only for aigerim")
    blinded = [bytes.fromhex(b) for b in batch.blinded]
    evaluated, tagging_proof = voprf.blind_evaluate(secret, public, blinded)
    tagged = Evaluation(
        tx.txid.hex(),
        THOUSAND,
        public.hex(),
        tuple(e.hex() for e in evaluated),
        tagging_proof.hex(),
    )
    with pytest.raises(InvalidDleqProof):
        tokens.unblind(batch, tagged, net.params)
    assert len(tokens.unblind(batch, evaluation, net.params)) == 2


def test_withdrawal_and_spend_records_share_no_value(net: PrivacyNet) -> None:
    withdrawal, coins = minted(net, 3)
    spend = prepare_spend(
        net.validator, tokens.spend_request(coins, THOUSAND, key("cafe").public_hex), net.chain
    )
    assert net.block([spend])[0].committed

    def values(tx: Transaction) -> set[str]:
        text = canonical(tx.envelope()).decode()
        return set(re.findall(r"[0-9a-f]{64,}", text)) | set(re.findall(r'"([^"]+)"', text))

    common = values(withdrawal) & values(spend)
    structural = {
        "KZT",
        "body",
        "network",
        "signatures",
        "key",
        "sig",
        "kind",
        "owner",
        "amount",
        NETWORK,
    }
    assert common <= structural | {"denomination"}, common - structural


def test_the_validator_refuses_a_spent_token_at_once(net: PrivacyNet) -> None:
    _, coins = minted(net, 1)
    cafe = key("cafe").public_hex
    assert net.spend(tokens.spend_request(coins, THOUSAND, cafe)).committed
    with pytest.raises(TengeError) as caught:
        prepare_spend(
            net.validator, tokens.spend_request(coins, THOUSAND, cafe, "again"), net.chain
        )
    assert caught.value.code == "token_spent"
