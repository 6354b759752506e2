"""Programs: the issuer role, creation, issuance against locked KZT, earmarked
payments down a supply chain, conversion to KZT and expiry back to the issuer."""

from __future__ import annotations

import pytest

from contracts.errors import (
    NotProgramIssuer,
    PolicyViolation,
    ProgramExists,
    ProgramNotExpired,
    TermsMismatch,
    UnknownProgram,
)
from contracts.policy import Policy, token_id
from contracts.records import program_lock
from ledger.audit import audit
from ledger.errors import MissingSignature, TokenNotAllowed, UnknownWallet
from ledger.params import kzt
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Output
from node import audit as node_audit
from tests.harness import NETWORK, key
from tests.programs_cast import World
from wallet.contracts import builders as p


@pytest.fixture
def world() -> World:
    return World()


def supply_chain(world: World) -> tuple[Policy, list[str], dict[str, object]]:
    """Ministry -> contractor (listed) -> subcontractors in construction -> convert."""
    cast = {
        "contractor": world.wallet("contractor", "business", mcc="1520", region="KZ-AST"),
        "sub": world.wallet("sub", "business", mcc="1771", region="KZ-AST"),
        "shop": world.wallet("shop", "business", mcc="5411", region="KZ-AST"),
    }
    terminal = Policy(issuer=world.gov.public_hex, name="rail L2", convert="anyone")
    middle = Policy(
        issuer=world.gov.public_hex,
        name="rail L1",
        mcc=("1711", "1771"),
        regions=("KZ-AST",),
        convert="nobody",
        onward=terminal,
    )
    policy, token = world.program(recipients=("contractor",), convert="nobody", onward=middle)
    world.issue(token, {world.gov.public_hex: kzt(1_000_000)})
    return policy, [token, token_id(middle), token_id(terminal)], cast


# -- the issuer role -------------------------------------------------------------------


def test_only_banks_and_granted_wallets_may_create_programs(world: World) -> None:
    person = world.wallet("person")
    policy = Policy(issuer=person.public_hex, name="mine")
    refused = world.refusal(p.program_create(NETWORK, person, policy))
    assert isinstance(refused, NotProgramIssuer)
    bank_policy = Policy(issuer=world.bank.public_hex, name="bank's")
    world.commit(p.program_create(NETWORK, world.bank, bank_policy))


def test_a_withdrawn_grant_stops_issuance(world: World) -> None:
    _, token = world.program()
    world.commit(p.program_grant(NETWORK, world.net.cb, "akimat", 99, granted=False))
    tx = p.program_issue(NETWORK, world.gov, world.net.coins(world.gov), token, [_out(world, 1)])
    assert isinstance(world.refusal(tx), NotProgramIssuer)


def test_grant_needs_the_central_bank_and_an_existing_wallet(world: World) -> None:
    assert world.refusal(p.program_grant(NETWORK, world.gov, "akimat", 5)).code == "not_authorized"
    refused = world.refusal(p.program_grant(NETWORK, world.net.cb, "ghost", 5))
    assert isinstance(refused, UnknownWallet)


def test_a_token_belongs_to_one_program_only(world: World) -> None:
    leaf, token = world.program(name="meals")
    again = Policy(issuer=world.gov.public_hex, name="wrapper", onward=leaf)
    refused = world.refusal(p.program_create(NETWORK, world.gov, again))
    assert isinstance(refused, ProgramExists) and refused.token == token


def test_creation_is_signed_by_the_policy_issuer(world: World) -> None:
    policy = Policy(issuer=world.gov.public_hex, name="x")
    refused = world.refusal(p.program_create(NETWORK, world.bank, policy))
    assert isinstance(refused, MissingSignature)


# -- issuance -----------------------------------------------------------------------------


def _out(world: World, amount: int) -> Output:
    return Output(owner=world.gov.public_hex, amount=amount)


def test_issuance_locks_kzt_one_to_one_and_reports_supply_per_token(world: World) -> None:
    family = world.wallet("family")
    policy, token = world.program()
    kzt_before = world.supply("KZT")
    world.issue(token, {family.public_hex: kzt(700), world.gov.public_hex: kzt(300)})
    assert world.supply(token) == kzt(1_000) == world.locked(program_lock(token))
    assert world.supply("KZT") == kzt_before
    assert world.held(family, token) == kzt(700)
    world.assert_conserved([policy])


def test_issuing_an_unknown_token_is_refused(world: World) -> None:
    tx = p.program_issue(
        NETWORK, world.gov, world.net.coins(world.gov), "cd" * 32, [_out(world, 1)]
    )
    assert isinstance(world.refusal(tx), UnknownProgram)


def test_only_level_zero_is_issued(world: World) -> None:
    _, tokens, _ = supply_chain(world)
    tx = p.program_issue(
        NETWORK, world.gov, world.net.coins(world.gov), tokens[1], [_out(world, 1)]
    )
    assert isinstance(world.refusal(tx), TokenNotAllowed)


def test_issuance_change_must_return_to_the_issuer(world: World) -> None:
    _, token = world.program()
    coins = world.net.coins(world.gov)
    tx = p.program_issue(NETWORK, world.gov, coins, token, [_out(world, 1)])
    body = tx.body
    stolen = (body.outputs[0], Output(owner=key("thief").public_hex, amount=body.outputs[1].amount))
    from ledger.types import Transaction

    forged = Transaction.create(
        NETWORK, type(body)(token=token, inputs=body.inputs, outputs=stolen), [world.gov]
    )
    refused = world.refusal(forged)
    assert isinstance(refused, TermsMismatch) and refused.field == "change"


def test_no_issuance_into_an_expired_program(world: World) -> None:
    _, token = world.program(expires_at=world.now + 5_000)
    tx = p.program_issue(NETWORK, world.gov, world.net.coins(world.gov), token, [_out(world, 1)])
    refused = world.refused_at(world.now + 5_000, tx)
    assert isinstance(refused, PolicyViolation) and refused.rule == "expired"


# -- earmarked payments down the chain ------------------------------------------------------


def test_earmarked_budget_flows_to_contractor_then_subcontractor_then_kzt(world: World) -> None:
    policy, tokens, cast = supply_chain(world)
    contractor, sub = cast["contractor"], cast["sub"]
    gov_coins = world.coins(world.gov, tokens[0])
    world.commit(
        p.program_pay(
            NETWORK,
            gov_coins,
            [world.gov],
            tokens[0],
            policy.onward,
            contractor.public_hex,
            kzt(600_000),
        )
    )
    assert world.held(contractor, tokens[1]) == kzt(600_000)
    assert policy.onward is not None
    world.commit(
        p.program_pay(
            NETWORK,
            world.coins(contractor, tokens[1]),
            [contractor],
            tokens[1],
            policy.onward.onward,
            sub.public_hex,
            kzt(250_000),
        )
    )
    assert world.held(sub, tokens[2]) == kzt(250_000)
    world.commit(
        p.program_convert(NETWORK, world.coins(sub, tokens[2]), [sub], tokens[2], kzt(250_000))
    )
    assert world.held(sub) == kzt(250_000)
    assert [world.supply(t) for t in tokens] == [kzt(400_000), kzt(350_000), 0]
    world.assert_conserved([policy])


def test_earmarked_tokens_cannot_move_by_plain_transfer_to_others(world: World) -> None:
    policy, tokens, cast = supply_chain(world)
    assert policy.onward is not None
    world.commit(
        p.program_pay(
            NETWORK,
            world.coins(world.gov, tokens[0]),
            [world.gov],
            tokens[0],
            policy.onward,
            cast["contractor"].public_hex,
            kzt(10),
        )
    )
    refused = world.refusal(world.pay(cast["contractor"], cast["sub"], kzt(1), tokens[1]))
    assert isinstance(refused, PolicyViolation)
    assert (refused.rule, refused.allowed) == ("earmark", [tokens[2]])


def test_the_next_level_rules_decide_who_is_paid(world: World) -> None:
    policy, tokens, cast = supply_chain(world)
    assert policy.onward is not None and policy.onward.onward is not None
    pay = p.program_pay(
        NETWORK,
        world.coins(world.gov, tokens[0]),
        [world.gov],
        tokens[0],
        policy.onward,
        cast["sub"].public_hex,
        kzt(1),
    )
    refused = world.refusal(pay)
    assert isinstance(refused, PolicyViolation) and refused.rule == "recipients"
    world.commit(
        p.program_pay(
            NETWORK,
            world.coins(world.gov, tokens[0]),
            [world.gov],
            tokens[0],
            policy.onward,
            cast["contractor"].public_hex,
            kzt(10),
        )
    )
    shop = p.program_pay(
        NETWORK,
        world.coins(cast["contractor"], tokens[1]),
        [cast["contractor"]],
        tokens[1],
        policy.onward.onward,
        cast["shop"].public_hex,
        kzt(1),
    )
    refused = world.refusal(shop)
    assert isinstance(refused, PolicyViolation)
    assert (refused.rule, refused.allowed, refused.got) == ("mcc", ["1711", "1771"], "5411")


def test_paying_in_the_wrong_level_token_is_refused(world: World) -> None:
    policy, tokens, cast = supply_chain(world)
    assert policy.onward is not None and policy.onward.onward is not None
    skip = p.program_pay(
        NETWORK,
        world.coins(world.gov, tokens[0]),
        [world.gov],
        tokens[0],
        policy.onward.onward,  # pays level 2 straight away
        cast["contractor"].public_hex,
        kzt(1),
    )
    assert isinstance(world.refusal(skip), TokenNotAllowed)


def test_program_pay_needs_an_onward_level(world: World) -> None:
    _, tokens, cast = supply_chain(world)
    sub = cast["sub"]
    leaf = Policy(issuer=world.gov.public_hex, name="leaf")
    pay = p.program_pay(
        NETWORK, world.coins(world.gov, tokens[0]), [world.gov], tokens[0], leaf, sub.public_hex, 1
    )
    _, meals = world.program(name="meals", transferable=True)
    world.issue(meals, {world.gov.public_hex: kzt(1)})
    plain = p.program_pay(
        NETWORK, world.coins(world.gov, meals), [world.gov], meals, leaf, sub.public_hex, 1
    )
    refused = world.refusal(plain)
    assert isinstance(refused, PolicyViolation) and refused.rule == "earmark"
    assert isinstance(world.refusal(pay), TokenNotAllowed)


# -- conversion ----------------------------------------------------------------------------


def test_conversion_follows_the_policy(world: World) -> None:
    canteen = world.wallet("canteen", "business", mcc="5814")
    family = world.wallet("family")
    policy, token = world.program(mcc=("5814",))
    world.issue(token, {family.public_hex: kzt(100)})
    refused = world.refusal(
        p.program_convert(NETWORK, world.coins(family, token), [family], token, 1)
    )
    assert isinstance(refused, PolicyViolation) and refused.rule == "convert"
    world.commit(world.pay(family, canteen, kzt(40), token))
    world.commit(p.program_convert(NETWORK, world.coins(canteen, token), [canteen], token, kzt(15)))
    assert (world.held(canteen), world.held(canteen, token)) == (kzt(15), kzt(25))
    assert world.locked(program_lock(token)) == kzt(85)
    world.assert_conserved([policy])


def test_converted_kzt_stays_with_the_holder(world: World) -> None:
    canteen = world.wallet("canteen", "business", mcc="5814")
    _, token = world.program(convert="anyone")
    world.issue(token, {canteen.public_hex: kzt(10)})
    tx = p.program_convert(NETWORK, world.coins(canteen, token), [canteen], token, kzt(10))
    body = tx.body
    elsewhere = Output(owner=world.gov.public_hex, amount=kzt(10))
    from ledger.types import Transaction

    forged = Transaction.create(
        NETWORK, type(body)(inputs=body.inputs, outputs=(elsewhere,)), [canteen]
    )
    refused = world.refusal(forged)
    assert isinstance(refused, TermsMismatch) and refused.field == "outputs"


# -- expiry --------------------------------------------------------------------------------


def test_expiry_returns_exactly_the_unspent_amount_to_the_issuer(world: World) -> None:
    family = world.wallet("family")
    canteen = world.wallet("canteen", "business", mcc="5814")
    expiry = world.now + 60_000
    policy, token = world.program(mcc=("5814",), expires_at=expiry)
    world.issue(token, {family.public_hex: kzt(500)})
    world.commit(world.pay(family, canteen, kzt(120), token))
    world.commit(p.program_convert(NETWORK, world.coins(canteen, token), [canteen], token, kzt(20)))
    unspent = world.coins(family, token) + world.coins(canteen, token)
    sweep = p.program_expire(NETWORK, key("passer-by"), unspent, world.gov.public_hex)
    refused = world.refused_at(expiry - 1, sweep)
    assert isinstance(refused, ProgramNotExpired) and refused.expires_at == expiry
    before = world.held(world.gov)
    world.commit_at(expiry, sweep)
    assert world.held(world.gov) - before == kzt(480)
    assert world.supply(token) == 0 == world.locked(program_lock(token))
    assert world.held(family, token) == 0
    world.assert_conserved([policy])


def test_a_program_without_expiry_never_expires(world: World) -> None:
    family = world.wallet("family")
    _, token = world.program()
    world.issue(token, {family.public_hex: kzt(1)})
    sweep = p.program_expire(NETWORK, key("x"), world.coins(family, token), world.gov.public_hex)
    assert isinstance(world.refusal(sweep), ProgramNotExpired)


def test_expiry_pays_only_the_policy_issuer_and_takes_only_tokens(world: World) -> None:
    family = world.wallet("family", funds=kzt(5))
    expiry = world.now + 5_000
    _, token = world.program(expires_at=expiry)
    world.issue(token, {family.public_hex: kzt(1)})
    wrong = p.program_expire(NETWORK, key("x"), world.coins(family, token), family.public_hex)
    refused = world.refused_at(expiry, wrong)
    assert isinstance(refused, TermsMismatch) and refused.field == "issuer"
    kzt_coins = world.coins(family, "KZT")
    assert isinstance(
        world.refusal(p.program_expire(NETWORK, key("x"), kzt_coins, world.gov.public_hex)),
        TokenNotAllowed,
    )


def test_expiry_sweeps_every_level_of_an_earmarked_program(tmp_path: object) -> None:
    world = World(LevelDBStore(str(tmp_path) + "/db"))  # once on LevelDB, audited
    family = world.wallet("family")
    expiry = world.now + 60_000
    leaf = Policy(issuer=world.gov.public_hex, name="l1", expires_at=expiry, transferable=True)
    policy, token = world.program(transferable=True, expires_at=expiry, onward=leaf)
    world.issue(token, {world.gov.public_hex: kzt(50)})
    world.commit(
        p.program_pay(
            NETWORK,
            world.coins(world.gov, token),
            [world.gov],
            token,
            leaf,
            family.public_hex,
            kzt(20),
        )
    )
    coins = world.coins(world.gov, token) + world.coins(family, token_id(leaf))
    before = world.held(world.gov)
    world.commit_at(expiry, p.program_expire(NETWORK, key("x"), coins, world.gov.public_hex))
    assert world.held(world.gov) - before == kzt(50)
    world.assert_conserved([policy])
    assert audit(world.net.store, world.net.chain.registry).ok
    world.net.store.close()
    assert node_audit.main(["--data", str(tmp_path) + "/db"]) == 0  # the CLI, with contracts
