"""The hostile story's chapter on programmable money: programs, escrows, meters, mandates.

Each kind's template is built against state the chapter commits first (a
program already issued, an escrow already open, ...) and is left pending.
"""

from __future__ import annotations

from contracts.policy import Policy, levels, token_id
from ledger.crypto import KeyPair
from ledger.params import kzt
from ledger.types import Output
from loadtests.hostile_story import NETWORK, Story, key, open_wallet
from wallet import builders
from wallet.builders import Coin
from wallet.contracts import builders as p

HOUR_MS = 3_600_000


def largest(s: Story, owner: KeyPair) -> list[Coin]:
    """The owner's largest KZT coin (small ones are kept for templates)."""
    return builders.select_coins(s.coins(owner), 1)


def cast(s: Story) -> None:
    """Government issuers (granted), merchants, a contractor chain, a provider, a shop."""
    halyk = key("halyk")
    for name in ("akimat", "ministry"):
        open_wallet(s, name, "halyk", "business")
        s.commit(p.program_grant(NETWORK, s.cb, name, s.next_nonce()))
        s.split(halyk, key(name), [kzt(100_000)])
    open_wallet(s, "canteen", "halyk", "business", mcc="5814")
    open_wallet(s, "kazrail-build", "halyk", "business")
    open_wallet(s, "steppe-electric", "halyk", "business", mcc="1731", region="KZ-AST")
    open_wallet(s, "provider", "halyk", "business")
    open_wallet(s, "shop", "halyk", "business", mcc="5732")
    open_wallet(s, "carol", "halyk", "full")


def meals(s: Story) -> None:
    """A meals program: issued to alice, paid to the canteen; issue and convert are templates."""
    akimat, alice, canteen = key("akimat"), key("alice"), key("canteen")
    policy = Policy(issuer=akimat.public_hex, name="School meals", mcc=("5814",))
    token = token_id(policy)
    s.commit(p.program_create(NETWORK, akimat, policy))
    grant = [Output(owner=alice.public_hex, amount=kzt(500))]
    s.commit(p.program_issue(NETWORK, akimat, largest(s, akimat), token, grant))
    paid = builders.pay(
        NETWORK, s.coins(alice, token), [alice], canteen.public_hex, kzt(200), alice.public_hex,
        token=token,
    )  # fmt: skip
    s.commit(paid)
    own = s.split(key("halyk"), akimat, [kzt(1_000)])  # a coin of its own for the template
    s.template(p.program_issue(NETWORK, akimat, own, token, grant))
    s.template(p.program_convert(NETWORK, s.coins(canteen, token), [canteen], token, kzt(150)))
    later = Policy(issuer=akimat.public_hex, name="Books, next term", transferable=True)
    s.template(p.program_create(NETWORK, akimat, later))
    s.template(p.program_grant(NETWORK, s.cb, "carol", s.next_nonce()))


def rail(s: Story) -> None:
    """An earmarked budget: the ministry holds level 0; paying the contractor is a template."""
    ministry = key("ministry")
    terminal = Policy(issuer=ministry.public_hex, name="Rail subcontract", convert="anyone")
    sub = Policy(
        issuer=ministry.public_hex,
        name="Rail contract",
        mcc=("1731",),
        regions=("KZ-AST",),
        convert="nobody",
        onward=terminal,
    )
    policy = Policy(
        issuer=ministry.public_hex,
        name="Rail budget",
        recipients=("kazrail-build",),
        convert="nobody",
        onward=sub,
    )
    token = token_id(levels(policy)[0])
    s.commit(p.program_create(NETWORK, ministry, policy))
    budget = [Output(owner=ministry.public_hex, amount=kzt(50_000))]
    s.commit(p.program_issue(NETWORK, ministry, largest(s, ministry), token, budget))
    coins = s.coins(ministry, token)
    contractor = key("kazrail-build").public_hex
    s.template(p.program_pay(NETWORK, coins, [ministry], token, sub, contractor, kzt(20_000)))


def expiring(s: Story) -> None:
    """A program that expires within the story; returning it to the issuer is a template."""
    akimat, bob = key("akimat"), key("bob")
    policy = Policy(
        issuer=akimat.public_hex, name="Winter fuel", transferable=True, expires_at=s.time_ms + 5000
    )
    token = token_id(policy)
    s.commit(p.program_create(NETWORK, akimat, policy))
    grant = [Output(owner=bob.public_hex, amount=kzt(300))]
    s.commit(p.program_issue(NETWORK, akimat, largest(s, akimat), token, grant))
    for _ in range(5):
        s.commit()
    coins = s.coins(bob, token)
    s.template(p.program_expire(NETWORK, key("passer-by"), coins, akimat.public_hex))


def escrows(s: Story) -> None:
    """Two open escrows (one to release, one to refund) and a third to open."""
    alice, shop, arbiter = key("alice"), key("shop"), key("carol")
    coins = s.split(key("halyk"), alice, [kzt(2_000)] * 3)
    deadline = s.time_ms + 24 * HOUR_MS
    opened = []
    for coin in coins[:2]:
        tx = p.escrow_open(
            NETWORK, [coin], alice, shop.public_hex, kzt(1_500), deadline, arbiter.public_hex
        )
        s.commit(tx)
        opened.append(tx.txid.hex())
    s.template(p.escrow_release(NETWORK, opened[0], shop.public_hex, kzt(1_500), [alice, shop]))
    s.template(p.escrow_refund(NETWORK, opened[1], alice.public_hex, kzt(1_500), [alice, shop]))
    s.template(
        p.escrow_open(NETWORK, coins[2:], alice, shop.public_hex, kzt(900), deadline, code="4711")
    )


def meters(s: Story) -> None:
    """Two open meters (one to claim from, one to close) and a third to open."""
    alice, provider = key("alice"), key("provider")
    coins = s.split(key("halyk"), alice, [kzt(3_000)] * 3)
    expires = s.time_ms + 24 * HOUR_MS
    ids = []
    for coin in coins[:2]:
        tx = p.meter_open(NETWORK, [coin], alice, provider.public_hex, kzt(2_000), expires)
        s.commit(tx)
        ids.append(tx.txid.hex())
    used = p.usage(NETWORK, alice, ids[0], 1, kzt(250))
    s.template(p.meter_claim(NETWORK, provider, ids[0], used, 0))
    last = p.usage(NETWORK, alice, ids[1], 1, kzt(400))
    budget, customer = kzt(2_000), alice.public_hex
    close = p.meter_close(
        NETWORK, [provider], ids[1], provider.public_hex, customer, budget, 0, last
    )
    s.template(close)
    s.template(p.meter_open(NETWORK, coins[2:], alice, provider.public_hex, kzt(1_000), expires))


def mandates(s: Story) -> None:
    """Two mandates of alice's to the shop (one to pull on, one to revoke) and a third."""
    alice, shop = key("alice"), key("shop")
    coins = s.split(key("halyk"), alice, [kzt(1_000)])
    start, end = s.time_ms, s.time_ms + 30 * 24 * HOUR_MS
    ids = []
    for nonce in (1, 2):
        tx = p.mandate_create(
            NETWORK, alice, "alice", shop.public_hex, kzt(500), 24 * HOUR_MS, start, end, nonce
        )
        s.commit(tx)
        ids.append(tx.txid.hex())
    s.template(p.mandate_pull(NETWORK, shop, ids[0], coins, kzt(250)))
    s.template(p.mandate_revoke(NETWORK, alice, ids[1]))
    s.template(
        p.mandate_create(
            NETWORK, alice, "alice", shop.public_hex, kzt(100), 24 * HOUR_MS, start, end, 3
        )
    )


def programs(s: Story) -> None:
    """The chapter, in order."""
    cast(s)
    meals(s)
    rail(s)
    expiring(s)
    escrows(s)
    meters(s)
    mandates(s)
