"""The three levels end to end on one chain: shield, pay privately, read, unshield, tokens."""

from __future__ import annotations

import pytest

from ledger.audit import audit
from ledger.params import kzt
from ledger.storage.memory import MemoryStore
from privacy.errors import TokenSpent
from tests.harness import NETWORK, key
from tests.privacy_cast import PrivacyNet
from wallet.privacy import payments as pw
from wallet.privacy import tokens


@pytest.fixture
def net() -> PrivacyNet:
    net = PrivacyNet(MemoryStore())
    net.add_bank("halyk", reserve=kzt(10_000_000))
    net.add_wallet("aigerim", "halyk", "basic", funds=kzt(200_000))
    net.add_wallet("daniyar", "halyk", "basic")
    return net


def test_shield_pay_privately_and_unshield(net: PrivacyNet) -> None:
    aigerim, daniyar = key("aigerim"), key("daniyar")
    shield = pw.shield(NETWORK, net.params, aigerim, net.coins(aigerim), kzt(50_000))
    assert net.private(shield).committed, net.private
    notes = net.history(aigerim).unspent()
    assert sum(n.amount for n in notes) == kzt(50_000)
    pay = pw.pay(NETWORK, net.params, aigerim, notes, daniyar.public_hex, 1_234_567, "rent")
    outcome = net.private(pay)
    assert outcome.committed, outcome.error
    received = net.history(daniyar)
    assert received.balance() == 1_234_567
    assert received.received[0].memo == "rent"
    assert net.history(aigerim).balance() == kzt(50_000) - 1_234_567
    back = pw.unshield(NETWORK, net.params, daniyar, received.unspent(), 234_567)
    assert net.private(back).committed
    assert net.balance(daniyar) == 234_567
    assert net.history(daniyar).balance() == 1_000_000
    report = audit(net.store, net.chain.registry)
    assert report.ok, report.problems
    assert report.locked["KZT"] == kzt(50_000) - 234_567
    assert net.validator.held() == 0


def test_anonymous_tokens_withdraw_and_spend(net: PrivacyNet) -> None:
    aigerim, cafe = key("aigerim"), net.add_wallet("cafe", "halyk", "business")
    batch = tokens.blind_batch(kzt(1_000), 3)
    withdraw = tokens.withdrawal(NETWORK, net.coins(aigerim), [aigerim], batch, aigerim.public_hex)
    net.commit(withdraw)
    minted = tokens.unblind(batch, net.evaluation(withdraw.txid.hex()), net.params)
    outcome = net.spend(tokens.spend_request(minted[:2], kzt(1_000), cafe.public_hex))
    assert outcome.committed, outcome.error
    assert net.balance(cafe) == kzt(2_000)
    with pytest.raises(TokenSpent):
        net.spend(tokens.spend_request(minted[1:], kzt(1_000), cafe.public_hex))
    report = audit(net.store, net.chain.registry)
    assert report.ok and report.locked["KZT"] == kzt(1_000)


def test_public_and_regulator_audits_agree_with_the_chain(net: PrivacyNet) -> None:
    from privacy.audit import public_audit
    from privacy.escrow import recover
    from privacy.regulator import regulator_audit
    from tests.privacy_cast import AUTHORITIES

    aigerim, daniyar = key("aigerim"), key("daniyar")
    shield = pw.shield(NETWORK, net.params, aigerim, net.coins(aigerim), kzt(9_000))
    assert net.private(shield).committed
    assert net.private(net.payment(aigerim, daniyar, 777)).committed
    report = public_audit(net.store, net.chain.registry)
    assert report.ok, report.problems
    assert (report.private_transfers, report.nullifiers, report.commitments) == (2, 1, 3)
    assert report.private_pool == {"KZT": kzt(9_000)}
    escrow = recover([net.shares[a] for a in AUTHORITIES[:3]])
    regulator = regulator_audit(net.store, net.chain.registry, escrow)
    assert regulator.ok, regulator.problems
    assert regulator.unspent == {"KZT": kzt(9_000)}
    assert regulator.state_digest == net.chain.tip.state_digest
