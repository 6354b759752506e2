"""The demo's programmable-money chapter: school meals and an earmarked rail budget.

Called from :func:`tools.demo.story.narrate`. The Almaty akimat runs a school-meals
program (spendable only at school canteens, at most 3,000 KZT a payment, converted to KZT only
by them, unspent value back to the akimat at expiry); the Ministry of
Transport runs an earmarked infrastructure budget that flows to one
contractor, then only to electrical or construction subcontractors in
Astana, who alone may turn it into KZT. Each run starts new programs, so a
resumed network tells the story again.
"""

from __future__ import annotations

from contracts.policy import Policy, levels, token_id
from contracts.records import IssuerGrant, grant_key
from ledger.crypto import KeyPair
from ledger.params import kzt
from ledger.queries import wallet as wallet_record
from ledger.state import StateView
from ledger.types import Output, Tier, Transaction
from tools.demo.cast import CENTRAL_BANK, NETWORK, Demo, demo_key, fmt
from wallet import builders
from wallet.builders import Coin
from wallet.contracts import builders as p

# wallet -> (bank, tier, mcc, region)
PROGRAM_WALLETS: dict[str, tuple[str, Tier, str | None, str | None]] = {
    "akimat-almaty": ("halyk", "business", None, "KZ-ALA"),
    "school-canteen-12": ("kaspi", "business", "5814", "KZ-ALA"),
    "ministry-transport": ("halyk", "business", None, "KZ-AST"),
    "kazrail-build": ("halyk", "business", "1520", "KZ-AST"),
    "steppe-electric": ("kaspi", "business", "1731", "KZ-AST"),
    "baiterek-furniture": ("kaspi", "business", "5712", "KZ-AST"),
}
GOVERNMENT = ("akimat-almaty", "ministry-transport")


def tokens_of(demo: Demo, key: KeyPair, token: str) -> list[Coin]:
    """A key's coins of one token."""
    return [c for c in demo.coins(key) if c.output.token == token]


def cast(demo: Demo) -> None:
    """Open the program wallets, grant the issuer role, fund the treasuries (once)."""
    store = demo.chain.store
    missing = [w for w in PROGRAM_WALLETS if wallet_record(store, w) is None]
    opens = [
        builders.wallet_open(
            NETWORK, demo_key(bank), bank, name, tier, [demo_key(name).public_hex], mcc, region
        )
        for name in missing
        for bank, tier, mcc, region in [PROGRAM_WALLETS[name]]
    ]
    if opens:
        demo.say(demo.block(opens), [f"open {n}" for n in missing])
    view = StateView(store)
    ungranted = [g for g in GOVERNMENT if view.read(grant_key(g), IssuerGrant) is None]
    grants = [p.program_grant(NETWORK, CENTRAL_BANK, g, demo.time_ms) for g in ungranted]
    if grants:
        texts = [f"the National Bank grants {g} the issuer role" for g in ungranted]
        demo.say(demo.block(grants), texts)
    budgets = {"akimat-almaty": kzt(5_000_000), "ministry-transport": kzt(20_000_000)}
    for name, amount in budgets.items():
        if demo.balance(name) < amount // 2:
            demo.say(demo.block([demo.pay("halyk", name, amount)]), [f"halyk -> {name} (treasury)"])


def school_meals(demo: Demo) -> tuple[Policy, str]:
    """The akimat issues meal money to a family: canteens only, capped, expiring soon."""

    akimat = demo_key("akimat-almaty")
    policy = Policy(
        issuer=akimat.public_hex,
        name=f"School meals, Almaty (run at {demo.time_ms})",
        mcc=("5814",),
        per_payment=kzt(3_000),
        expires_at=demo.time_ms + 15 * 60_000,
    )
    token = token_id(policy)
    print(f"  school-meals token {token}")
    issue = p.program_issue(
        NETWORK,
        akimat,
        tokens_of(demo, akimat, "KZT"),
        token,
        [Output(owner=demo_key("aigerim").public_hex, amount=kzt(20_000))],
    )
    demo.say(
        demo.block([p.program_create(NETWORK, akimat, policy)]), ["akimat creates the program"]
    )
    demo.say(demo.block([issue]), [f"akimat locks {fmt(kzt(20_000))} and issues it to aigerim"])
    early = p.program_expire(
        NETWORK,
        demo_key("passer-by"),
        tokens_of(demo, demo_key("aigerim"), token),
        akimat.public_hex,
    )
    demo.say(demo.block([early]), ["a passer-by tries to return the meal money before expiry"])
    attempts = [
        ("school-canteen-12", kzt(1_500), "aigerim pays the school canteen for lunches"),
        ("dastarkhan-cafe", kzt(1_500), "aigerim tries the meal money at a cafe (MCC 5812)"),
        ("daniyar", kzt(500), "aigerim tries to pass meal money to daniyar"),
        ("school-canteen-12", kzt(4_000), "aigerim pays 4,000.00 at once (cap 3,000.00)"),
    ]
    for payee, amount, text in attempts:
        demo.say(demo.block([pay_token(demo, "aigerim", payee, amount, token)]), [text])
    canteen = demo_key("school-canteen-12")
    convert = p.program_convert(
        NETWORK, tokens_of(demo, canteen, token), [canteen], token, kzt(1_500)
    )
    demo.say(demo.block([convert]), ["the canteen converts its meal money to KZT"])
    return policy, token


def pay_token(demo: Demo, payer: str, payee: str, amount: int, token: str) -> Transaction:
    """A core transfer of a special-purpose token between demo wallets."""

    key = demo_key(payer)
    coins = tokens_of(demo, key, token)
    to = demo_key(payee).public_hex
    return builders.pay(NETWORK, coins, [key], to, amount, key.public_hex, token=token)


def rail_policy(ministry: KeyPair, run: str) -> Policy:
    """Level 0 to the contractor; level 1 to electrical or concrete firms in Astana;
    level 2 converts freely. Neither the ministry's nor the contractor's money converts."""
    terminal = Policy(issuer=ministry.public_hex, name=f"Rail subcontract {run}", convert="anyone")
    subcontract = Policy(
        issuer=ministry.public_hex,
        name=f"Rail contract {run}",
        mcc=("1731", "1771"),
        regions=("KZ-AST",),
        convert="nobody",
        onward=terminal,
    )
    return Policy(
        issuer=ministry.public_hex,
        name=f"Rail budget Astana-Karaganda {run}",
        recipients=("kazrail-build",),
        convert="nobody",
        onward=subcontract,
    )


def rail_budget(demo: Demo) -> Policy:
    """An earmarked budget: ministry -> contractor -> subcontractor -> KZT."""
    ministry = demo_key("ministry-transport")
    policy = rail_policy(ministry, f"(run at {demo.time_ms})")  # each run starts new programs
    subcontract, terminal = levels(policy)[1:]
    token, level1, level2 = (token_id(level) for level in levels(policy))
    print(f"  rail-budget tokens: level 0 {token}, level 1 {level1}, level 2 {level2}")
    budget = [Output(owner=ministry.public_hex, amount=kzt(10_000_000))]
    issue = p.program_issue(NETWORK, ministry, tokens_of(demo, ministry, "KZT"), token, budget)
    demo.say(
        demo.block([p.program_create(NETWORK, ministry, policy), issue]),
        ["the ministry creates the earmarked program", f"and locks {fmt(kzt(10_000_000))}"],
    )
    contractor, sub = demo_key("kazrail-build"), demo_key("steppe-electric")
    furniture, refused = demo_key("baiterek-furniture"), "the contractor tries to buy furniture"
    steps = [
        (ministry, token, subcontract, contractor, kzt(6_000_000), "ministry pays the contractor"),
        (contractor, level1, terminal, furniture, kzt(50_000), refused),
        (contractor, level1, terminal, sub, kzt(2_500_000), "the contractor pays the electrician"),
    ]
    for payer, paid, onward, payee, amount, text in steps:
        coins = tokens_of(demo, payer, paid)
        tx = p.program_pay(NETWORK, coins, [payer], paid, onward, payee.public_hex, amount)
        demo.say(demo.block([tx]), [text])
    for holder, level, amount, text in [
        (contractor, level1, 1, "the contractor tries to convert the budget to KZT"),
        (sub, level2, kzt(2_500_000), "the electrician converts its payment to KZT"),
    ]:
        coins = tokens_of(demo, holder, level)
        demo.say(demo.block([p.program_convert(NETWORK, coins, [holder], level, amount)]), [text])
    return policy


def expire_meals(demo: Demo, policy: Policy, token: str) -> None:
    """After expiry anyone returns the unspent meal money to the akimat."""

    holders = [demo_key(n) for n in ("aigerim", "school-canteen-12")]
    coins = [c for h in holders for c in tokens_of(demo, h, token)]
    unspent = sum(c.output.amount for c in coins)
    while policy.expires_at is not None and demo.time_ms + 60_000 < policy.expires_at:
        demo.block([])
    sweep = p.program_expire(NETWORK, demo_key("passer-by"), coins, policy.issuer)
    demo.say(demo.block([sweep]), [f"expiry returns the unspent {fmt(unspent)} to the akimat"])


def programmable_money(demo: Demo) -> None:
    """Chapter 6 of the demo."""

    print("6. Programmable money: school meals and an earmarked rail budget")
    cast(demo)
    meals, token = school_meals(demo)
    rail = rail_budget(demo)
    expire_meals(demo, meals, token)
    view = StateView(demo.chain.store)
    for policy in (meals, rail):
        supply = [fmt(view.supply(token_id(level)).outstanding) for level in levels(policy)]
        print(f"  {policy.name}: outstanding per level {', '.join(supply)}")
