"""The load tools' own bookkeeping: a payer's coin book and the reading of Locust's CSV."""

from __future__ import annotations

from pathlib import Path

from ledger.crypto import KeyPair
from ledger.types import OutPoint, Output
from loadtests.coins import CoinBook
from loadtests.load_report import Totals, judge_service, read_stats
from wallet import builders
from wallet.builders import Coin

NETWORK = "kzt-test"


def coin(owner: KeyPair, amount: int, txid: str = "aa" * 32, index: int = 0) -> Coin:
    return Coin(
        point=OutPoint(txid=txid, index=index), output=Output(owner=owner.public_hex, amount=amount)
    )


def test_reserved_coins_are_never_offered_again_until_refused() -> None:
    me, shop = KeyPair.generate(), KeyPair.generate()
    book = CoinBook(me, {("aa" * 32, 0): coin(me, 1_000)})
    tx = builders.pay(NETWORK, book.spendable(), [me], shop.public_hex, 300, me.public_hex)
    taken = book.reserve(tx)
    book.refresh([coin(me, 1_000)])  # the ledger still lists it: the payment may be in flight
    assert book.spendable() == []
    book.release(taken)
    assert book.balance == 1_000


def test_committed_payment_brings_its_change_back() -> None:
    me, shop = KeyPair.generate(), KeyPair.generate()
    book = CoinBook(me, {("aa" * 32, 0): coin(me, 1_000)})
    tx = builders.pay(NETWORK, book.spendable(), [me], shop.public_hex, 300, me.public_hex)
    book.reserve(tx)
    book.settle(tx)
    assert book.balance == 700
    book.refresh([coin(me, 700, tx.txid.hex(), 1), coin(shop, 5)])  # others' coins ignored
    assert book.balance == 700 and book.reserved == set()


CSV = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,\
90%,95%,98%,99%,99.9%,99.99%,100%
POST,payment: merchant,100,0,26,27,6,90,300,5.0,0,26,27,28,29,30,33,40,80,90,90,90
POST,payment refused: limit_exceeded,10,0,25,25,20,40,200,0.5,0,25,25,25,26,27,30,40,40,40,40,40
GET,merchant: balance,50,1,5,6,3,300,200,2.5,0.05,5,5,6,6,7,8,9,300,300,300,300
CHECK,receipt verified offline,20,0,0,0,0,1,0,1.0,0,0,0,0,0,0,0,0,0,1,1,1
,Aggregated,180,1,20,20,0,300,250,9.0,0.05,20,25,26,27,28,30,40,90,300,300,300
"""


def test_payment_p99_is_the_worst_payment_row_and_checks_are_not_requests(tmp_path: Path) -> None:
    path = tmp_path / "load_stats.csv"
    path.write_text(CSV)
    totals = Totals.of(read_stats(path))
    assert (totals.requests, totals.failures, totals.payments, totals.refusals) == (160, 1, 110, 10)
    assert totals.payment_p99 == 80
    assert totals.request_rate == 8.0
    verdict = judge_service(totals, p99_ms=250, max_failure_rate=0.001, binding=True)
    assert not verdict.ok  # 1 failure in 160 requests is above 0.1 %
    assert judge_service(totals, p99_ms=250, max_failure_rate=0.001, binding=False).ok
