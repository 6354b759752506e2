"""Digital assets on the ledger: licences, classes, issue, transfer, DvP and retirement.

Each kind is committed on both backends where it should be and refused with
its specific error where it should not; supply of tenge and of each asset is
checked after every story.
"""

from __future__ import annotations

import pytest

from assets.errors import (
    AssetExists,
    AssetMismatch,
    AssetNotMoney,
    DvpExpired,
    DvpLegMismatch,
    InvalidAsset,
    NotPlatformOperator,
    UnknownAsset,
)
from assets.types import AssetDvp, AssetIssue, AssetRetire, AssetTransfer, class_id, unit_token
from ledger.audit import audit
from ledger.errors import (
    DuplicateTransaction,
    LimitExceeded,
    MissingSignature,
    NotAuthorized,
    TokenNotAllowed,
    UnknownWallet,
    ValueNotConserved,
    WalletFrozen,
)
from ledger.params import kzt
from ledger.storage import KeyValueStore
from ledger.types import KZT, Output, Transaction
from ledger.validation import validate_transaction
from tests.assets_cast import Market, grain_terms
from tests.harness import NETWORK, key
from wallet import builders
from wallet.assets import builders as a

PRICE = kzt(95_000)  # a tonne of wheat


@pytest.fixture
def market(store: KeyValueStore) -> Market:
    return Market(store)


def stateless(tx: Transaction, market: Market) -> None:
    validate_transaction(tx, market.net.chain.registry, NETWORK)


# -- licences and classes ---------------------------------------------------------------


def test_only_the_national_bank_licenses_a_platform(market: Market) -> None:
    by_bank = a.asset_license(NETWORK, market.bank, "farm", "NBK-DAP-0002", 2)
    assert isinstance(market.refusal(by_bank), NotAuthorized)
    ghost = a.asset_license(NETWORK, market.net.cb, "ghost", "NBK-DAP-0003", 3)
    assert isinstance(market.refusal(ghost), UnknownWallet)


def test_an_unlicensed_wallet_cannot_register_a_class(market: Market) -> None:
    terms = grain_terms(market.farm.public_hex)
    error = market.refusal(a.asset_create(NETWORK, market.farm, terms))
    assert isinstance(error, NotPlatformOperator) and error.key == market.farm.public_hex


def test_the_class_must_be_signed_by_its_platform_key(market: Market) -> None:
    terms = grain_terms(market.platform.public_hex, series=7)
    forged = a.sign(NETWORK, a.AssetCreate(terms=terms), [market.farm])
    assert isinstance(market.refusal(forged), MissingSignature)


def test_the_same_terms_are_one_class_and_a_new_series_another(market: Market) -> None:
    again = a.asset_create(NETWORK, market.platform, grain_terms(market.platform.public_hex))
    assert isinstance(market.refusal(again), DuplicateTransaction)  # same terms, same txid
    market.commit(
        a.asset_create(NETWORK, market.platform, grain_terms(market.platform.public_hex, series=1))
    )


def test_a_withdrawn_licence_stops_issuance_but_not_holders(market: Market) -> None:
    market.commit(a.asset_license(NETWORK, market.net.cb, "astyk", "NBK-DAP-0001", 9, False))
    more = a.asset_issue(NETWORK, market.platform, market.grain, [market.out(market.farm, 5)])
    assert isinstance(market.refusal(more), NotPlatformOperator)
    coins = market.coins(market.farm, market.wheat)
    market.commit(
        a.asset_transfer(NETWORK, coins, [market.farm], market.wheat, key("mill").public_hex, 5)
    )
    assert market.held(market.mill, market.wheat) == 5


# -- issue -------------------------------------------------------------------------------


def test_issue_grows_the_supply_of_the_units_token(market: Market) -> None:
    assert market.supply(market.wheat) == 500 and market.held(market.farm, market.wheat) == 500
    market.commit(
        a.asset_issue(NETWORK, market.platform, market.grain, [market.out(market.mill, 20)])
    )
    assert market.supply(market.wheat) == 520
    assert market.held(market.farm) == 0  # assets are not the farm's tenge
    market.assert_conserved()


def test_an_item_is_issued_once(market: Market) -> None:
    lot = [("KST-0001", market.mill.public_hex)]
    error = market.refusal(a.asset_issue_items(NETWORK, market.platform, market.receipts, lot))
    assert isinstance(error, AssetExists) and error.asset == market.item("KST-0001")


def test_units_of_a_class_of_items_are_refused(market: Market) -> None:
    body = AssetIssue(
        asset=market.receipts,
        outputs=(
            Output(owner=market.farm.public_hex, amount=3, token=unit_token(market.receipts)),
        ),
    )
    error = market.refusal(a.sign(NETWORK, body, [market.platform]))
    assert isinstance(error, AssetMismatch) and (error.field, error.expected) == ("form", "items")


@pytest.mark.parametrize(
    ("items", "amount", "reason"),
    [
        (("KST-9", "KST-9"), 1, "each item once"),
        (("KST-9",), 2, "each output holds its item, amount 1"),
        (("KST-9", "KST-8"), 1, "one item per output"),
    ],
)
def test_item_outputs_must_match_their_items(
    market: Market, items: tuple[str, ...], amount: int, reason: str
) -> None:
    token = market.item(items[0])
    outputs = tuple(
        Output(owner=market.farm.public_hex, amount=amount, token=token) for _ in items[:2]
    )
    if reason == "one item per output":
        outputs = outputs[:1]
    body = AssetIssue(asset=market.receipts, outputs=outputs, items=items)
    with pytest.raises(InvalidAsset) as refused:
        stateless(a.sign(NETWORK, body, [market.platform]), market)
    assert refused.value.reason == reason


def test_issuing_tenge_or_another_classes_units_is_invalid(market: Market) -> None:
    for token in (KZT, unit_token("ab" * 32)):
        body = AssetIssue(asset=market.grain, outputs=(Output(market.farm.public_hex, 1, token),))
        with pytest.raises(InvalidAsset):
            stateless(a.sign(NETWORK, body, [market.platform]), market)


def test_issuing_an_unknown_class_is_refused(market: Market) -> None:
    stranger = class_id(grain_terms(market.platform.public_hex, series=42))
    tx = a.asset_issue(NETWORK, market.platform, stranger, [market.out(market.farm, 1)])
    assert isinstance(market.refusal(tx), UnknownAsset)


# -- transfer ----------------------------------------------------------------------------


def test_units_and_items_move_between_wallets(market: Market) -> None:
    lot = market.item("KST-0002")
    market.commit(
        a.asset_transfer(
            NETWORK,
            market.coins(market.farm, market.wheat),
            [market.farm],
            market.wheat,
            market.mill.public_hex,
            120,
        ),
        a.asset_transfer(
            NETWORK, market.coins(market.farm, lot), [market.farm], lot, market.mill.public_hex, 1
        ),
    )
    assert (
        market.held(market.mill, market.wheat) == 120
        and market.held(market.farm, market.wheat) == 380
    )
    assert market.held(market.mill, lot) == 1 and market.held(market.farm, lot) == 0
    assert market.supply(market.wheat) == 500
    market.assert_conserved()


def test_an_asset_transfer_carries_no_tenge(market: Market) -> None:
    coins = market.coins(market.mill)
    body = AssetTransfer(inputs=(coins[0].point,), outputs=(Output(market.farm.public_hex, 1),))
    with pytest.raises(InvalidAsset):
        stateless(a.sign(NETWORK, body, [market.mill]), market)


def test_a_frozen_holder_cannot_move_its_assets(market: Market) -> None:
    market.commit(builders.wallet_update(NETWORK, market.bank, "farm", nonce=5, status="frozen"))
    tx = a.asset_transfer(
        NETWORK,
        market.coins(market.farm, market.wheat),
        [market.farm],
        market.wheat,
        market.mill.public_hex,
        1,
    )
    assert isinstance(market.refusal(tx), WalletFrozen)


def test_assets_cannot_be_created_by_a_transfer(market: Market) -> None:
    coins = market.coins(market.farm, market.wheat)
    body = AssetTransfer(
        inputs=tuple(c.point for c in coins),
        outputs=(Output(market.mill.public_hex, 501, market.wheat),),
    )
    assert isinstance(market.refusal(a.sign(NETWORK, body, [market.farm])), ValueNotConserved)


def test_a_core_transfer_refuses_an_asset_as_money(market: Market) -> None:
    coins = market.coins(market.farm, market.wheat)
    tx = builders.pay(
        NETWORK,
        coins,
        [market.farm],
        market.mill.public_hex,
        10,
        market.farm.public_hex,
        token=market.wheat,
    )
    error = market.refusal(tx)
    assert isinstance(error, AssetNotMoney) and (error.token, error.kind) == (
        market.wheat,
        "transfer",
    )


# -- delivery versus payment ------------------------------------------------------------


def test_dvp_moves_both_legs_in_one_transaction(market: Market) -> None:
    tx = market.dvp(market.farm, market.mill, market.wheat, 50, 50 * PRICE)
    market.commit(tx)
    assert market.held(market.mill, market.wheat) == 50 and market.held(market.farm) == 50 * PRICE
    assert market.held(market.mill) == kzt(50_000_000) - 50 * PRICE
    assert {s.key for s in tx.signatures} == {market.farm.public_hex, market.mill.public_hex}
    market.assert_conserved()
    assert audit(market.net.store, market.net.chain.registry).ok


def test_an_item_is_sold_dvp(market: Market) -> None:
    lot = market.item("KST-0001")
    market.commit(market.dvp(market.farm, market.mill, lot, 1, 60 * PRICE))
    assert market.held(market.mill, lot) == 1 and market.held(market.farm) == 60 * PRICE


def test_dvp_without_the_buyers_signature_settles_nothing(market: Market) -> None:
    offer = a.offer(
        NETWORK,
        market.coins(market.farm, market.wheat),
        market.wheat,
        5,
        PRICE,
        market.mill.public_hex,
    )
    body = a.accept_offer(offer, market.coins(market.mill))
    error = market.refusal(a.sign(NETWORK, body, [market.farm]))
    assert isinstance(error, MissingSignature) and error.key == market.mill.public_hex
    assert market.held(market.mill, market.wheat) == 0 and market.held(market.farm) == 0


def test_the_tenge_leg_is_under_the_buyers_tier_limits(market: Market) -> None:
    tx = market.dvp(market.farm, market.baker, market.wheat, 10, 10 * PRICE)  # 950,000 KZT
    error = market.refusal(tx)
    assert isinstance(error, LimitExceeded) and (error.wallet_id, error.limit) == (
        "baker",
        "per_payment",
    )
    assert market.held(market.baker, market.wheat) == 0 and market.held(market.farm) == 0


def test_a_frozen_buyer_cannot_pay_dvp(market: Market) -> None:
    tx = market.dvp(market.farm, market.mill, market.wheat, 1, PRICE)
    market.commit(builders.wallet_update(NETWORK, market.bank, "mill", nonce=6, status="frozen"))
    assert isinstance(market.refusal(tx), WalletFrozen)


def test_dvp_at_or_after_its_deadline_is_refused(market: Market) -> None:
    deadline = market.net.time_ms + 5_000
    tx = market.dvp(market.farm, market.mill, market.wheat, 1, PRICE, deadline=deadline)
    error = market.refusal(tx, advance_ms=5_000)
    assert isinstance(error, DvpExpired) and (error.deadline, error.time_ms) == (deadline, deadline)
    market.commit(
        market.dvp(market.farm, market.mill, market.wheat, 1, PRICE, deadline=deadline + 2_000)
    )


def test_each_leg_comes_from_its_own_party(market: Market) -> None:
    # The "buyer" pays with the seller's own tenge: the tenge leg is not the buyer's.
    market.commit(market.net.pay(market.bank, market.farm, kzt(1_000)))
    body = AssetDvp(
        asset=market.wheat,
        units=1,
        price=kzt(1_000),
        seller=market.farm.public_hex,
        buyer=market.mill.public_hex,
        inputs=(
            market.coins(market.farm, market.wheat)[0].point,
            market.coins(market.farm)[0].point,
        ),
        change=(Output(market.farm.public_hex, 499, market.wheat),),
    )
    error = market.refusal(a.sign(NETWORK, body, [market.farm]))
    assert isinstance(error, DvpLegMismatch) and (error.leg, error.field) == ("tenge", "inputs")


def test_the_sellers_change_must_return_to_the_seller(market: Market) -> None:
    offer = a.offer(
        NETWORK,
        market.coins(market.farm, market.wheat),
        market.wheat,
        5,
        PRICE,
        market.mill.public_hex,
    )
    body = a.accept_offer(offer, market.coins(market.mill))
    stolen = tuple(
        Output(market.mill.public_hex, c.amount, c.token) if c.token == market.wheat else c
        for c in body.change
    )
    tx = a.sign(
        NETWORK, AssetDvp(**{**_fields(body), "change": stolen}), [market.farm, market.mill]
    )
    error = market.refusal(tx)
    assert isinstance(error, DvpLegMismatch) and (error.leg, error.field) == ("asset", "change")


def test_a_program_token_cannot_pay_the_tenge_leg(market: Market) -> None:
    offer = a.offer(
        NETWORK,
        market.coins(market.farm, market.wheat),
        market.wheat,
        5,
        PRICE,
        market.mill.public_hex,
    )
    body = a.accept_offer(offer, market.coins(market.mill))
    alien = Output(market.farm.public_hex, 1, "cd" * 32)
    tx = a.sign(
        NETWORK, AssetDvp(**{**_fields(body), "change": (alien,)}), [market.farm, market.mill]
    )
    with pytest.raises(InvalidAsset):
        stateless(tx, market)


def test_buyer_and_seller_are_two_parties(market: Market) -> None:
    second = key("farm-second")
    body = AssetDvp(
        asset=market.wheat, units=1, price=1, seller=market.farm.public_hex,
        buyer=market.farm.public_hex, inputs=(market.coins(market.farm, market.wheat)[0].point,),
    )  # fmt: skip
    with pytest.raises(InvalidAsset):
        stateless(a.sign(NETWORK, body, [market.farm]), market)
    market.commit(
        builders.wallet_update(NETWORK, market.bank, "farm", nonce=7, add_keys=[second.public_hex])
    )
    market.commit(market.net.pay(market.bank, market.farm, kzt(10)))
    tx = a.dvp(
        NETWORK,
        market.coins(market.farm, market.wheat),
        market.coins(market.farm),
        market.wheat,
        1,
        kzt(10),
        second.public_hex,
        [market.farm],
    )
    error = market.refusal(tx)
    assert isinstance(error, DvpLegMismatch) and error.field == "parties"


def test_the_seller_refuses_to_countersign_a_lowered_price(market: Market) -> None:
    offer = a.offer(
        NETWORK,
        market.coins(market.farm, market.wheat),
        market.wheat,
        5,
        5 * PRICE,
        market.mill.public_hex,
    )
    cheaper = a.accept_offer(
        a.DvpOffer(**{**_fields(offer), "price": PRICE}), market.coins(market.mill)
    )
    with pytest.raises(a.OfferMismatch) as refused:
        a.require_offer(offer, cheaper)
    assert refused.value.field == "price"


# -- retirement --------------------------------------------------------------------------


def test_retiring_units_shrinks_supply_with_both_signatures(market: Market) -> None:
    coins = market.coins(market.farm, market.wheat)
    market.commit(a.asset_retire(NETWORK, coins, [market.farm], market.platform, market.wheat, 200))
    assert market.supply(market.wheat) == 300 and market.held(market.farm, market.wheat) == 300
    lot = market.item("KST-0001")
    market.commit(
        a.asset_retire(
            NETWORK, market.coins(market.farm, lot), [market.farm], market.platform, lot, 1
        )
    )
    assert market.supply(lot) == 0
    market.assert_conserved()


def test_retiring_without_the_platform_is_refused(market: Market) -> None:
    coins = market.coins(market.farm, market.wheat)
    body = AssetRetire(inputs=(coins[0].point,), units=500)
    assert isinstance(market.refusal(a.sign(NETWORK, body, [market.farm])), MissingSignature)


def test_retiring_tenge_or_mixed_tokens_is_refused(market: Market) -> None:
    kzt_coin = market.coins(market.mill)[0]
    body = AssetRetire(inputs=(kzt_coin.point,), units=1, change=())
    error = market.refusal(a.sign(NETWORK, body, [market.mill, market.platform]))
    assert isinstance(error, AssetMismatch) and error.field == "inputs"
    wheat = market.coins(market.farm, market.wheat)[0]
    body = AssetRetire(
        inputs=(wheat.point,), units=1, change=(Output(market.mill.public_hex, 499, market.wheat),)
    )
    error = market.refusal(a.sign(NETWORK, body, [market.farm, market.platform]))
    assert isinstance(error, AssetMismatch) and error.field == "change"


def test_retiring_more_than_held_is_refused(market: Market) -> None:
    wheat = market.coins(market.farm, market.wheat)[0]
    body = AssetRetire(inputs=(wheat.point,), units=600)
    error = market.refusal(a.sign(NETWORK, body, [market.farm, market.platform]))
    assert isinstance(error, ValueNotConserved)


def test_an_unknown_asset_token_is_refused(market: Market) -> None:
    assert isinstance(market.refusal(_dvp_of_unknown(market)), UnknownAsset)


def _dvp_of_unknown(market: Market) -> Transaction:
    body = AssetDvp(
        asset=unit_token("ef" * 32), units=1, price=1, seller=market.farm.public_hex,
        buyer=market.mill.public_hex, inputs=(market.coins(market.mill)[0].point,),
    )  # fmt: skip
    return a.sign(NETWORK, body, [market.mill])


def _fields(value: object) -> dict[str, object]:
    import msgspec

    return msgspec.structs.asdict(value)  # type: ignore[arg-type]


def test_token_not_allowed_names_a_foreign_token_in_a_leg(market: Market) -> None:
    # A buyer's KZT coin swapped for a coin of another asset: that token has no leg.
    market.commit(
        a.asset_issue(NETWORK, market.platform, market.grain, [market.out(market.mill, 3)])
    )
    lot_coin = market.coins(market.farm, market.item("KST-0002"))[0]
    body = AssetDvp(
        asset=market.wheat, units=1, price=1, seller=market.farm.public_hex,
        buyer=market.mill.public_hex,
        inputs=(market.coins(market.farm, market.wheat)[0].point, lot_coin.point),
    )  # fmt: skip
    error = market.refusal(a.sign(NETWORK, body, [market.farm]))
    assert isinstance(error, TokenNotAllowed) and error.token == market.item("KST-0002")
