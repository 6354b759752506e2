"""A digital asset is never digital tenge: no payment, issuance, redemption, conversion or fee
path of the ledger accepts one as money.

Each path is driven through its own SDK builder with the asset's coins handed
over as if they were tenge (``as_tenge``: the outpoints still name the asset
outputs), or with the asset named outright, on the node's full registry; the
ledger refuses every one with a specific code, and afterwards the KZT supply,
every bank's figures and every wallet's balance are what they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

import assets
from contracts.policy import Policy, token_id
from ledger.audit import check_money
from ledger.params import kzt
from ledger.state import StateView
from ledger.storage.memory import MemoryStore
from ledger.types import KZT, Issue, Output, Transaction
from tests.assets_cast import Market, as_tenge, grain_for
from tests.harness import NETWORK, key
from tests.offline_cast import BASIC
from tests.offline_cast import cast as offline_cast
from tests.privacy_cast import PrivacyNet
from wallet import builders
from wallet.assets import builders as a
from wallet.contracts import builders as p
from wallet.offline import builders as ob
from wallet.privacy import tokens

HOUR = 3_600_000


@dataclass(frozen=True)
class Path:
    """One way money enters, moves or leaves, with an asset where tenge belongs."""

    category: str  # payment | issuance | redemption | conversion | fee
    build: Callable[[Market], Transaction]
    code: str


def wheat(m: Market, owner: object = None) -> list[builders.Coin]:
    return as_tenge(m.coins(owner or m.farm, m.wheat))


def granted_program(m: Market) -> str:
    """A program of the farm's (granted the issuer role), for the conversion paths."""
    m.commit(p.program_grant(NETWORK, m.net.cb, "farm", 77))
    policy = Policy(
        issuer=m.farm.public_hex, name="seed money", convert="anyone", transferable=True
    )
    m.commit(p.program_create(NETWORK, m.farm, policy))
    return token_id(policy)


def bank_holds_wheat(m: Market) -> list[builders.Coin]:
    m.commit(a.asset_issue(NETWORK, m.platform, m.grain, [Output(m.bank.public_hex, 40)]))
    return as_tenge(m.coins(m.bank, m.wheat))


def mill_holds_wheat(m: Market) -> list[builders.Coin]:
    coins = m.coins(m.farm, m.wheat)
    m.commit(a.asset_transfer(NETWORK, coins, [m.farm], m.wheat, m.mill.public_hex, 50))
    return as_tenge(m.coins(m.mill, m.wheat))


def mandate(m: Market) -> str:
    start = m.net.time_ms
    tx = p.mandate_create(
        NETWORK, m.farm, "farm", m.mill.public_hex, kzt(100), HOUR, start, start + 10 * HOUR
    )
    m.commit(tx)
    return tx.txid.hex()


PATHS = {
    "transfer: pay a shop with wheat": Path(
        "payment",
        lambda m: builders.pay(
            NETWORK, wheat(m), [m.farm], m.mill.public_hex, 10, m.farm.public_hex
        ),
        "value_not_conserved",
    ),
    "transfer: pay in the asset token itself": Path(
        "payment",
        lambda m: builders.pay(
            NETWORK,
            m.coins(m.farm, m.wheat),
            [m.farm],
            m.mill.public_hex,
            10,
            m.farm.public_hex,
            token=m.wheat,
        ),
        "asset_not_money",
    ),
    "asset.dvp: the price paid in wheat": Path(
        "payment",
        lambda m: a.dvp(
            NETWORK,
            m.coins(m.farm, m.item("KST-0001")),
            mill_holds_wheat(m),
            m.item("KST-0001"),
            1,
            5,
            m.mill.public_hex,
            [m.farm, m.mill],
        ),
        "token_not_allowed",
    ),
    "issue: the National Bank issues wheat as tenge": Path(
        "issuance",
        lambda m: Transaction.create(
            NETWORK,
            Issue(bank_id="halyk", outputs=(Output(m.bank.public_hex, 5, m.wheat),), nonce=99),
            [m.net.cb],
        ),
        "token_not_allowed",
    ),
    "program.issue: wheat as a program's KZT backing": Path(
        "issuance",
        lambda m: p.program_issue(
            NETWORK, m.farm, wheat(m), granted_program(m), [Output(m.mill.public_hex, 5)]
        ),
        "terms_mismatch",
    ),
    "redeem: a bank returns wheat to the National Bank": Path(
        "redemption",
        lambda m: builders.redeem(NETWORK, "halyk", bank_holds_wheat(m), 10, [m.bank]),
        "token_not_allowed",
    ),
    "program.convert: wheat converted to KZT": Path(
        "conversion",
        lambda m: p.program_convert(NETWORK, wheat(m), [m.farm], KZT, 10),
        "unknown_program",
    ),
    "program.pay: wheat paid as a program's token": Path(
        "conversion",
        lambda m: p.program_pay(
            NETWORK,
            as_tenge(m.coins(m.farm, m.wheat), t := granted_program(m)),
            [m.farm],
            t,
            Policy(issuer=m.farm.public_hex, name="onward"),
            m.mill.public_hex,
            10,
        ),
        "unknown_program",
    ),
    "program.expire: wheat returned to an issuer as KZT": Path(
        "conversion",
        lambda m: p.program_expire(
            NETWORK, key("anyone"), m.coins(m.farm, m.wheat), m.farm.public_hex
        ),
        "unknown_program",
    ),
    "escrow.open: wheat locked as the escrowed tenge": Path(
        "fee",
        lambda m: p.escrow_open(
            NETWORK, wheat(m), m.farm, m.mill.public_hex, 10, m.net.time_ms + HOUR
        ),
        "token_not_allowed",
    ),
    "meter.open: wheat as a pay-per-use budget": Path(
        "fee",
        lambda m: p.meter_open(
            NETWORK, wheat(m), m.farm, m.mill.public_hex, 10, m.net.time_ms + HOUR
        ),
        "token_not_allowed",
    ),
    "mandate.pull: a recurring charge pulls wheat": Path(
        "fee",
        lambda m: p.mandate_pull(NETWORK, m.mill, mandate(m), wheat(m), 10),
        "token_not_allowed",
    ),
}


def money(m: Market) -> tuple[int, dict[str, int], dict[str, int]]:
    """KZT supply, each bank's outstanding issuance, each wallet's balance."""
    view = StateView(m.net.store)
    supply, banks, problems = check_money(m.net.store)
    assert not problems, problems
    wallets = {w: view.wallet(w).balance for w in ("astyk", "farm", "mill", "baker")}  # type: ignore[union-attr]
    return supply[KZT], banks, wallets


@pytest.mark.parametrize("name", PATHS)
def test_no_money_path_accepts_an_asset_as_tenge(name: str) -> None:
    m = Market()
    path = PATHS[name]
    tx = path.build(m)
    before = money(m)
    error = m.refusal(tx)
    assert error.code == path.code, error
    assert money(m) == before
    m.assert_conserved()


def test_every_category_of_money_path_is_covered() -> None:
    assert {p.category for p in PATHS.values()} == {
        "payment",
        "issuance",
        "redemption",
        "conversion",
        "fee",
    }


def test_assets_never_count_as_a_wallets_money() -> None:
    m = Market()
    view = StateView(m.net.store)
    farm = view.wallet("farm")
    assert farm is not None and farm.balance == 0 and m.held(m.farm, m.wheat) == 500
    assert check_money(m.net.store)[0][KZT] == kzt(100_000_000)  # the reserve issued, no more
    assert check_money(m.net.store)[0][m.wheat] == 500


# -- the privacy and offline paths, on their own networks ------------------------------------


def test_a_private_payment_refuses_an_asset_at_the_validator() -> None:
    net = PrivacyNet(MemoryStore())
    assets.register(net.chain.registry)
    bank = net.add_bank("halyk", reserve=kzt(1_000_000))
    payer = net.add_wallet("payer", "halyk", "full", funds=kzt(1_000))
    token = grain_for(net.commit, NETWORK, net.cb, "halyk", bank, payer.public_hex)
    payee = net.add_wallet("payee", "halyk", "full")
    outcome = net.private(net.payment(payer, payee, 10, token=token))
    assert outcome.error is not None and outcome.error.code == "asset_not_money"


def test_anonymous_tokens_cannot_be_withdrawn_for_an_asset() -> None:
    net = PrivacyNet(MemoryStore())
    assets.register(net.chain.registry)
    bank = net.add_bank("halyk", reserve=kzt(1_000_000))
    payer = net.add_wallet("payer", "halyk", "full")
    token = grain_for(net.commit, NETWORK, net.cb, "halyk", bank, payer.public_hex, kzt(1_000))
    batch = tokens.blind_batch(kzt(1_000), 1)
    coins = as_tenge([c for c in net.coins(payer) if c.output.token == token])
    error = net.refusal(tokens.withdrawal(NETWORK, coins, [payer], batch, payer.public_hex))
    assert error.code == "token_not_allowed"


def test_an_offline_purse_or_guarantee_cannot_be_funded_with_an_asset() -> None:
    c = offline_cast()
    pilot = c.pilot
    assets.register(pilot.chain.registry)
    phone = pilot.enrol("bob", "halyk", BASIC)  # a device with no purse yet
    token = grain_for(pilot.commit, pilot.network, pilot.cb, "halyk", c.bank, c.bob.public_hex)
    coins = as_tenge([x for x in pilot.coins(c.bob) if x.output.token == token])
    fund = ob.purse_fund(pilot.network, [c.bob], coins, phone.key.public_hex, 10)
    assert pilot.refusal(fund).code == "token_not_allowed"
    pilot.commit(
        a.asset_issue(
            pilot.network,
            key("astyk"),
            token.removeprefix("asset:"),
            [Output(c.bank.public_hex, 10)],
        )
    )
    reserve = as_tenge([x for x in pilot.coins(c.bank) if x.output.token == token])
    guarantee = ob.reserve_fund(pilot.network, c.bank, "halyk", reserve, 10)
    assert pilot.refusal(guarantee).code == "token_not_allowed"
