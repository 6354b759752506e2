"""The hostile story's chapter on digital assets: a licensed grain platform, receipts, DvP.

Each kind's template is built against state the chapter commits first (a
licensed platform, a class with units issued, a holder with tenge to pay)
and is left pending, so the campaign's mutants reach the asset rules.
"""

from __future__ import annotations

from assets.types import AssetClass, Issuer, class_id, item_token, unit_token
from ledger.crypto import sha256
from ledger.params import kzt
from ledger.types import KZT, Output
from loadtests.hostile_story import NETWORK, Story, key, open_wallet
from wallet.assets import builders as a


def terms(platform: str, form: str = "units", series: int = 0) -> AssetClass:
    """Wheat in tonnes at an elevator (or its warehouse receipts, one item per lot)."""
    return AssetClass(
        platform=platform,
        issuer=Issuer(name="Pavlodar Elevator LLP", bin="050540000456"),
        name=f"Wheat, Pavlodar ({form})",
        rights="goods",
        rights_proof=sha256(b"warehouse certificate").hex(),
        terms=sha256(b"one tonne of wheat").hex(),
        unit="tonne",
        form=form,  # type: ignore[arg-type]
        series=series,
    )


def assets(s: Story) -> None:
    """License ``grain-platform``, register wheat and receipts, give the farmer tonnes and a lot."""
    platform = open_wallet(s, "grain-platform", "halyk", "business")
    farmer, buyer = open_wallet(s, "farmer", "halyk", "business"), key("alice")
    s.commit(a.asset_license(NETWORK, s.cb, "grain-platform", "NBK-DAP-0007", s.next_nonce()))
    s.template(a.asset_license(NETWORK, s.cb, "farmer", "NBK-DAP-0008", s.next_nonce()))
    wheat, receipts = terms(platform.public_hex), terms(platform.public_hex, "items")
    s.commit(a.asset_create(NETWORK, platform, wheat), a.asset_create(NETWORK, platform, receipts))
    s.template(a.asset_create(NETWORK, platform, terms(platform.public_hex, series=1)))
    grain, lots = class_id(wheat), class_id(receipts)
    s.commit(a.asset_issue(NETWORK, platform, grain, [Output(farmer.public_hex, 300)]))
    s.commit(a.asset_issue_items(NETWORK, platform, lots, [("PVL-1", farmer.public_hex)]))
    s.template(a.asset_issue(NETWORK, platform, grain, [Output(farmer.public_hex, 5)]))
    token = unit_token(grain)
    split = a.asset_transfer(
        NETWORK, s.coins(farmer, token), [farmer], token, farmer.public_hex, 100
    )
    s.commit(split)
    tonnes = [c for c in a.coins_of_token(split, token) if c.output.amount == 100]
    rest = [c for c in s.coins(farmer, token) if c.point != tonnes[0].point]
    s.template(a.asset_transfer(NETWORK, tonnes, [farmer], token, buyer.public_hex, 40))
    lot = item_token(lots, "PVL-1")
    offer = a.offer(NETWORK, s.coins(farmer, lot), lot, 1, kzt(500), buyer.public_hex)
    body = a.accept_offer(offer, s.coins(buyer, KZT)[-1:])
    s.template(a.countersign(a.sign(NETWORK, body, [buyer]), [farmer]))
    s.template(a.asset_retire(NETWORK, rest, [farmer], platform, token, 10))
