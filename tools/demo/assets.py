"""The demo's digital-asset chapter: warehouse receipts for grain, bought delivery versus payment.

Called from :func:`tools.demo.story.narrate`. The National Bank licenses
Astyk, a digital-asset platform; Astyk registers the Kostanay elevator's
wheat (the elevator named as issuer with its BIN, the SHA-256 of its
warehouse certificate and of the terms) and issues 120 tonnes of receipts
to a farm. A mill buys 50 tonnes: one transaction, signed by the farm and the
mill, moves the receipts one way and the tenge the other. Refused along the
way: an unlicensed wallet registering an asset, the farm paying a cafe with
receipts, daniyar (basic tier) buying 10 tonnes above his per-payment
limit, and an offer past its deadline — in each case neither leg moves.
The mill then takes delivery of 20 tonnes at the elevator: the receipts are
retired, signed by the mill and the platform. Each run registers a new
series, so a resumed network tells the story again.
"""

from __future__ import annotations

import msgspec

from assets.types import AssetClass, Issuer, class_id, unit_token
from ledger.crypto import KeyPair, sha256
from ledger.params import kzt
from ledger.queries import wallet as wallet_record
from ledger.state import StateView
from ledger.types import Output, Transaction
from tools.demo.cast import CENTRAL_BANK, NETWORK, Demo, demo_key, fmt
from wallet import builders
from wallet.assets import builders as a
from wallet.builders import Coin

ASSET_WALLETS = ("astyk-platform", "kostanay-farm", "almaty-mill")
TONNE = kzt(95_000)
ELEVATOR = Issuer(name="Kostanay Grain Elevator LLP", bin="040140000123")


def coins_of(demo: Demo, key: KeyPair, token: str) -> list[Coin]:
    return [c for c in demo.coins(key) if c.output.token == token]


def cast(demo: Demo) -> None:
    """Open the platform, the farm and the mill (once); license the platform (once)."""
    store = demo.chain.store
    missing = [w for w in ASSET_WALLETS if wallet_record(store, w) is None]
    opens = [
        builders.wallet_open(
            NETWORK, demo_key("halyk"), "halyk", name, "business", [demo_key(name).public_hex]
        )
        for name in missing
    ]
    if opens:
        demo.say(demo.block(opens), [f"open {n} (business, halyk)" for n in missing])
        licence = a.asset_license(NETWORK, CENTRAL_BANK, "astyk-platform", "NBK-DAP-0001", 1)
        demo.say(
            demo.block([licence]), ["the National Bank licenses astyk-platform (NBK-DAP-0001)"]
        )


def wheat(series: int) -> AssetClass:
    """The elevator's wheat of class 3, in tonnes."""
    return AssetClass(
        platform=demo_key("astyk-platform").public_hex,
        issuer=ELEVATOR,
        name="Wheat, class 3, Kostanay elevator",
        rights="goods",
        rights_proof=sha256(b"Kostanay elevator warehouse certificate 2026/117").hex(),
        terms=sha256(b"One unit: one tonne of class 3 wheat, delivered ex elevator").hex(),
        unit="tonne",
        series=series,
    )


def register_and_issue(demo: Demo) -> str:
    """An unlicensed try, then the platform's class and 120 tonnes to the farm."""
    platform, farm = demo_key("astyk-platform"), demo_key("kostanay-farm")
    terms = wheat(demo.time_ms)  # each run a new series
    forged = a.asset_create(
        NETWORK, farm, AssetClass(**{**_fields(terms), "platform": farm.public_hex})
    )
    demo.say(demo.block([forged]), ["the farm, unlicensed, tries to register wheat itself"])
    demo.say(
        demo.block([a.asset_create(NETWORK, platform, terms)]),
        ["astyk registers the elevator's wheat"],
    )
    asset = class_id(terms)
    print(f"  wheat receipts: asset {asset}")
    grant = [Output(owner=farm.public_hex, amount=120)]
    demo.say(
        demo.block([a.asset_issue(NETWORK, platform, asset, grant)]),
        ["astyk issues 120 tonnes of receipts to the farm"],
    )
    return unit_token(asset)


def _fields(value: AssetClass) -> dict[str, object]:
    return msgspec.structs.asdict(value)


def dvp(
    demo: Demo, buyer: str, token: str, tonnes: int, deadline: int | None = None
) -> Transaction:
    """The farm's offer, the buyer's acceptance and signature, the farm's countersignature."""
    farm, key = demo_key("kostanay-farm"), demo_key(buyer)
    price = tonnes * TONNE
    demo.ensure(buyer, price)
    offer = a.offer(
        NETWORK, coins_of(demo, farm, token), token, tonnes, price, key.public_hex, deadline
    )
    body = a.accept_offer(offer, coins_of(demo, key, "KZT"))
    a.require_offer(offer, body)
    return a.countersign(a.sign(NETWORK, body, [key]), [farm])


def trade(demo: Demo, token: str) -> None:
    """A cafe paid in receipts, a DvP over a limit, one past its deadline, and the mill's DvP."""
    farm = demo_key("kostanay-farm")
    cafe = demo_key("dastarkhan-cafe").public_hex
    paid = builders.pay(
        NETWORK, coins_of(demo, farm, token), [farm], cafe, 1, farm.public_hex, token=token
    )
    demo.say(demo.block([paid]), ["the farm tries to pay the cafe with a tonne of receipts"])
    over = dvp(demo, "daniyar", token, 10)
    demo.say(demo.block([over]), [f"daniyar (basic tier) buys 10 tonnes for {fmt(10 * TONNE)}"])
    late = dvp(demo, "almaty-mill", token, 5, deadline=demo.time_ms + 30_000)
    demo.say(demo.block([late]), ["the mill countersigns an offer after its deadline"])
    deal = dvp(demo, "almaty-mill", token, 50)
    demo.say(demo.block([deal]), [f"the mill buys 50 tonnes for {fmt(50 * TONNE)}, DvP"])


def take_delivery(demo: Demo, token: str) -> None:
    """The mill takes 20 tonnes at the elevator: the receipts are retired."""
    mill = demo_key("almaty-mill")
    retire = a.asset_retire(
        NETWORK, coins_of(demo, mill, token), [mill], demo_key("astyk-platform"), token, 20
    )
    demo.say(
        demo.block([retire]), ["the mill takes delivery of 20 tonnes; the receipts are retired"]
    )


def digital_assets(demo: Demo) -> None:
    """Chapter 8 of the demo."""
    print("8. Secured digital assets: warehouse receipts for grain, bought delivery versus payment")
    cast(demo)
    token = register_and_issue(demo)
    trade(demo, token)
    take_delivery(demo, token)
    view = StateView(demo.chain.store)
    held = {
        n: sum(c.output.amount for c in coins_of(demo, demo_key(n), token))
        for n in ASSET_WALLETS[1:]
    }
    farm, mill = held["kostanay-farm"], held["almaty-mill"]
    outstanding = view.supply(token).outstanding
    print(f"  wheat outstanding: {outstanding} t (the farm holds {farm} t, the mill {mill} t)")
