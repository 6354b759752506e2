"""Disclosure: SLIP-39 k-of-n escrow, the on-ledger record, and the tool that waits for it.

The SLIP-39 vectors are the reference implementation's published
``vectors.json`` (trezor/python-shamir-mnemonic; passphrase "TREZOR").
"""

from __future__ import annotations

import pytest
from shamir_mnemonic import MnemonicError

from ledger.errors import TengeError
from ledger.params import kzt
from ledger.storage.memory import MemoryStore
from privacy import escrow
from privacy.errors import DisclosureNotRecorded
from tests.harness import key
from tests.privacy_cast import AUTHORITIES, THRESHOLD, PrivacyNet

VECTOR_1 = (
    "duckling enlarge academic academic agency result length solution fridge kidney coal "
    "piece deal husband erode duke ajar critical decision keyboard"
)
VECTOR_4 = [
    "shadow pistol academic always adequate wildlife fancy gross oasis cylinder mustang wrist "
    "rescue view short owner flip making coding armed",
    "shadow pistol academic acid actress prayer class unknown daughter sweater depict flip "
    "twice unkind craft early superior advocate guest smoking",
]
VECTOR_22 = [
    "humidity disease academic always aluminum jewelry energy woman receiver strategy amuse "
    "duckling lying evidence network walnut tactics forget hairy rebound impulse brother "
    "survive clothes stadium mailman rival ocean reward venture always armed unwrap",
    "humidity disease academic agency actress jacket gross physics cylinder solution fake "
    "mortgage benefit public busy prepare sharp friar change work slow purchase ruler again "
    "tricycle involve viral wireless mixture anatomy desert cargo upgrade",
]


def test_slip39_reference_vectors() -> None:
    import shamir_mnemonic

    combine = shamir_mnemonic.combine_mnemonics
    assert combine([VECTOR_1], b"TREZOR").hex() == "bb54aac4b89dc868ba37d9cc21b2cece"
    assert combine(VECTOR_4, b"TREZOR").hex() == "b43ceb7e57a0ea8766221624d01b0864"
    assert (
        combine(VECTOR_22, b"TREZOR").hex()
        == "c938b319067687e990e05e0da0ecce1278f75ff58d9853f19dcaeed5de104aae"
    )
    with pytest.raises(MnemonicError):  # vector 5: one share of a 2-of-3 split
        combine(VECTOR_4[:1], b"TREZOR")
    with pytest.raises(MnemonicError):  # vector 2: a bad checksum
        combine([VECTOR_1.rsplit(" ", 1)[0] + " kidney"], b"TREZOR")


def test_k_shares_rebuild_the_escrow_key_and_fewer_do_not() -> None:
    public, shares = escrow.ceremony(AUTHORITIES, THRESHOLD)
    assert len(shares) == len(AUTHORITIES) and len(set(shares.values())) == len(AUTHORITIES)
    for chosen in (AUTHORITIES[:3], AUTHORITIES[2:], AUTHORITIES[::2]):
        rebuilt = escrow.recover([shares[a] for a in chosen])
        assert bytes(rebuilt.public_key).hex() == public
    with pytest.raises(MnemonicError):
        escrow.recover([shares[a] for a in AUTHORITIES[:2]])


@pytest.fixture
def paid() -> tuple[PrivacyNet, str]:
    net = PrivacyNet(MemoryStore())
    net.add_bank("halyk", reserve=kzt(1_000_000))
    payer = net.add_wallet("aigerim", "halyk", "basic", funds=kzt(100_000))
    payee = net.add_wallet("daniyar", "halyk", "basic")
    from tests.harness import NETWORK
    from wallet.privacy import payments as pw

    assert net.private(
        pw.shield(NETWORK, net.params, payer, net.coins(payer), kzt(50_000))
    ).committed
    tx = net.private_tx(net.payment(payer, payee, 4_321_00, "invoice 77"))
    assert net.block([tx])[0].committed
    return net, tx.txid.hex()


def open_it(
    net: PrivacyNet, txid: str, disclosure: str, authorities: tuple[str, ...]
) -> escrow.RegulatorRecord:
    return escrow.open_disclosed(
        escrow.ChainSource(net.chain),
        txid,
        disclosure,
        [net.shares[a] for a in authorities],
        net.params,
        net.chain.genesis.producer_keys,
        net.chain.network,
    )


def record(net: PrivacyNet, txid: str, reason: str = "court order 2-123/2026") -> str:
    """Commit a disclosure signed by the first k authorities; its txid."""
    tx = net.disclosure(txid, [key(a) for a in AUTHORITIES[:THRESHOLD]], reason)
    net.commit(tx)
    return tx.txid.hex()


def test_the_tool_refuses_until_a_disclosure_is_committed(paid: tuple[PrivacyNet, str]) -> None:
    net, txid = paid
    prepared = net.disclosure(txid, [key(a) for a in AUTHORITIES[:3]], "court order")
    with pytest.raises(DisclosureNotRecorded):  # signed by a quorum, but not on the ledger
        open_it(net, txid, prepared.txid.hex(), AUTHORITIES[:3])
    net.commit(prepared)
    assert open_it(net, txid, prepared.txid.hex(), AUTHORITIES[:3]).payer == "aigerim"


def test_k_authorities_record_a_disclosure_and_then_open_the_payment(
    paid: tuple[PrivacyNet, str],
) -> None:
    net, txid = paid
    disclosure = record(net, txid, "court order 2-123/2026, money laundering case")
    (logged,) = escrow.ChainSource(net.chain).disclosure_records(txid)
    assert logged.authorities == tuple(sorted(AUTHORITIES[:3]))
    assert logged.reason.startswith("court order") and logged.disclosure == disclosure
    opened = open_it(net, txid, disclosure, AUTHORITIES[1:4])
    assert (opened.payer, opened.request.memo) == ("aigerim", "invoice 77")
    assert opened.request.creates[0].amount == 4_321_00
    assert opened.recipients[0] == "daniyar"


def test_k_minus_one_shares_fail_even_with_the_record(paid: tuple[PrivacyNet, str]) -> None:
    net, txid = paid
    disclosure = record(net, txid)
    with pytest.raises(MnemonicError):
        open_it(net, txid, disclosure, AUTHORITIES[:2])


def test_a_disclosure_needs_a_quorum_of_named_authorities(paid: tuple[PrivacyNet, str]) -> None:
    net, txid = paid
    few = net.refusal(net.disclosure(txid, [key(a) for a in AUTHORITIES[:2]], "curiosity"))
    assert few.code == "disclosure_quorum_not_met"
    stranger = [key("afm"), key("court"), key("journalist")]
    assert net.refusal(net.disclosure(txid, stranger, "x")).code == "not_disclosure_authority"
    quorum = [key(a) for a in AUTHORITIES[:3]]
    open_txid = net.pay(key("halyk"), key("daniyar"), 100).txid.hex()
    assert net.refusal(net.disclosure(open_txid, quorum, "x")).code == "not_private_transaction"
    assert escrow.ChainSource(net.chain).disclosure_records(txid) == []


def test_a_committed_transaction_that_is_no_quorum_disclosure_is_refused(
    paid: tuple[PrivacyNet, str],
) -> None:
    net, txid = paid
    other = net.pay(key("halyk"), key("daniyar"), 100)
    net.commit(other)
    with pytest.raises(TengeError):
        open_it(net, txid, other.txid.hex(), AUTHORITIES[:3])
    elsewhere = record(net, txid)
    net.commit(net.private_tx(net.payment(key("aigerim"), key("daniyar"), 100)))
    second = net.transfers()[-1][0]
    with pytest.raises(DisclosureNotRecorded):  # a real disclosure, but of another transfer
        open_it(net, second, elsewhere, AUTHORITIES[:3])
