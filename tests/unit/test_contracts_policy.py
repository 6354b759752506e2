"""Policies: token ids, stateless validation, and every rule a core transfer meets."""

from __future__ import annotations

import pytest

from contracts.errors import InvalidPolicy, PolicyViolation
from contracts.policy import (
    DOMAIN_POLICY,
    Party,
    Policy,
    check_converter,
    check_recipient,
    levels,
    token_id,
    validate_policy,
)
from ledger.crypto import sha256
from ledger.encoding import canonical
from ledger.errors import MalformedJson
from ledger.params import kzt
from ledger.validation import parse_transaction
from node.composition import full_registry
from tests.harness import key
from tests.programs_cast import World

ISSUER = key("issuer").public_hex
CANTEEN = Party(id="canteen", kind="wallet", mcc="5814", region="KZ-ALA")
CAFE = Party(id="cafe", kind="wallet", mcc="5812", region="KZ-ALA")
PERSON = Party(id="aigerim", kind="wallet", region="KZ-AST")
BANK = Party(id="halyk", kind="bank")


def policy(**fields: object) -> Policy:
    return Policy(issuer=ISSUER, name="p", **fields)  # type: ignore[arg-type]


def violation(action: object, *args: object) -> PolicyViolation:
    with pytest.raises(PolicyViolation) as refused:
        action(*args)  # type: ignore[operator]
    return refused.value


# -- pure rules ------------------------------------------------------------------


def test_token_id_is_the_sha256_of_the_canonical_policy_under_the_domain_tag() -> None:
    meals = policy(mcc=("5814",))
    assert token_id(meals) == sha256(DOMAIN_POLICY + canonical(meals)).hex()
    assert token_id(meals) != token_id(policy(mcc=("5812",)))


def test_earmark_levels_are_the_nested_onward_policies() -> None:
    chain = policy(recipients=("contractor",), onward=policy(mcc=("1520",), onward=policy()))
    assert [len(levels(p)) for p in levels(chain)] == [3, 2, 1]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mcc": ("5814", "5812")}, "mcc"),
        ({"recipients": ("a", "a")}, "recipients"),
        ({"regions": ("KZ-AST", "KZ-ALA")}, "regions"),
        ({"valid_from": 10, "valid_until": 10}, "valid_until"),
        ({"valid_from": 10, "expires_at": 10}, "expires_at"),
        ({"valid_until": 20, "expires_at": 10}, "valid_until"),
        ({"per_payment": 0}, "per_payment"),
        ({"onward": Policy(issuer=key("x").public_hex, name="p")}, "onward.issuer"),
        ({"expires_at": 5, "onward": policy(expires_at=6)}, "onward.expires_at"),
    ],
)
def test_invalid_policies_are_refused_naming_the_field(
    fields: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidPolicy) as refused:
        validate_policy(policy(**fields))
    assert refused.value.field == field


def test_a_policy_nested_deeper_than_the_stack_is_malformed_not_a_crash() -> None:
    head = b'{"issuer":"' + ISSUER.encode() + b'","name":"p","onward":'
    policy = head * 3000 + b'{"issuer":"' + ISSUER.encode() + b'","name":"p"}' + b"}" * 3000
    body = b'{"kind":"program.create","policy":' + policy + b"}"
    envelope = b'{"body":' + body + b',"network":"kzt-test","signatures":[]}'
    with pytest.raises(MalformedJson) as refused:
        parse_transaction(envelope, full_registry())
    assert "nested too deeply" in refused.value.reason


def test_earmarking_deeper_than_four_levels_is_refused() -> None:
    deep = policy()
    for _ in range(5):
        deep = policy(onward=deep)
    with pytest.raises(InvalidPolicy):
        validate_policy(deep)


def test_mcc_rule_names_the_allowed_codes_and_what_it_got() -> None:
    refused = violation(check_recipient, policy(mcc=("5814",)), "t", CAFE)
    assert (refused.rule, refused.allowed, refused.got) == ("mcc", ["5814"], "5812")
    check_recipient(policy(mcc=("5814",)), "t", CANTEEN)


def test_explicit_recipients_admit_anyone_listed_and_refuse_other_merchants() -> None:
    listed = policy(recipients=("aigerim", "canteen"))
    check_recipient(listed, "t", PERSON)
    check_recipient(listed, "t", CANTEEN)
    assert violation(check_recipient, listed, "t", CAFE).rule == "recipients"


def test_mcc_or_list_admits_either() -> None:
    either = policy(mcc=("5812",), recipients=("canteen",))
    check_recipient(either, "t", CAFE)
    check_recipient(either, "t", CANTEEN)
    assert (
        violation(check_recipient, either, "t", Party(id="x", kind="wallet", mcc="1")).rule == "mcc"
    )


def test_regions_bind_every_recipient_even_listed_ones() -> None:
    almaty = policy(regions=("KZ-ALA",), recipients=("aigerim",))
    refused = violation(check_recipient, almaty, "t", PERSON)
    assert (refused.rule, refused.allowed, refused.got) == ("regions", ["KZ-ALA"], "KZ-AST")
    check_recipient(policy(regions=("KZ-ALA",)), "t", CANTEEN)


def test_people_are_paid_only_when_the_token_is_transferable() -> None:
    assert violation(check_recipient, policy(), "t", PERSON).rule == "transferable"
    check_recipient(policy(transferable=True), "t", PERSON)


def test_any_merchant_but_not_a_bank_when_no_list_is_set() -> None:
    check_recipient(policy(), "t", CAFE)
    assert violation(check_recipient, policy(), "t", BANK).rule == "mcc"


@pytest.mark.parametrize(
    ("convert", "who", "allowed"),
    [
        ("nobody", CANTEEN, False),
        ("anyone", PERSON, True),
        ("eligible", CANTEEN, True),
        ("eligible", CAFE, False),
        ("eligible", PERSON, False),
    ],
)
def test_who_may_convert(convert: str, who: Party, allowed: bool) -> None:
    rules = policy(mcc=("5814",), convert=convert, transferable=True)
    if allowed:
        check_converter(rules, "t", who)
    else:
        assert violation(check_converter, rules, "t", who).rule in ("convert", "mcc")


# -- the same rules enforced on core transfers ---------------------------------------


@pytest.fixture
def world() -> World:
    return World()


def meals(world: World, **fields: object) -> tuple[str, object, object, object]:
    family = world.wallet("family", region="KZ-ALA")
    canteen = world.wallet("canteen", "business", mcc="5814", region="KZ-ALA")
    cafe = world.wallet("cafe", "business", mcc="5812", region="KZ-ALA")
    _, token = world.program(mcc=("5814",), **fields)
    world.issue(token, {family.public_hex: kzt(10_000)})
    return token, family, canteen, cafe


def test_special_token_pays_an_allowed_merchant_and_not_another(world: World) -> None:
    token, family, canteen, cafe = meals(world)
    refused = world.refusal(world.pay(family, cafe, kzt(100), token))
    assert isinstance(refused, PolicyViolation) and refused.rule == "mcc"
    world.commit(world.pay(family, canteen, kzt(100), token))
    assert world.held(canteen, token) == kzt(100)
    world.assert_conserved()


def test_non_transferable_token_cannot_go_to_another_person(world: World) -> None:
    token, family, _, _ = meals(world)
    friend = world.wallet("friend", region="KZ-ALA")
    refused = world.refusal(world.pay(family, friend, kzt(1), token))
    assert isinstance(refused, PolicyViolation) and refused.rule == "transferable"


def test_moving_a_token_between_ones_own_keys_is_not_a_payment(world: World) -> None:
    token, family, _, _ = meals(world, per_payment=kzt(1))
    world.commit(world.pay(family, family, kzt(5_000), token))
    assert world.held(family, token) == kzt(10_000)


def test_per_payment_cap_counts_only_what_others_receive(world: World) -> None:
    token, family, canteen, _ = meals(world, per_payment=kzt(500))
    refused = world.refusal(world.pay(family, canteen, kzt(500) + 1, token))
    assert isinstance(refused, PolicyViolation)
    assert (refused.rule, refused.allowed, refused.got) == ("per_payment", ["50000"], "50001")
    world.commit(world.pay(family, canteen, kzt(500), token))


@pytest.mark.parametrize(
    ("bound", "refused_offset", "ok_offset"),
    [("valid_from", -1, 0), ("valid_until", 0, -1)],
)
def test_validity_window_to_the_millisecond(
    world: World, bound: str, refused_offset: int, ok_offset: int
) -> None:
    edge = world.now + 60_000
    token, family, canteen, _ = meals(world, **{bound: edge})
    for offset in sorted((refused_offset, ok_offset)):
        tx = world.pay(family, canteen, 1, token)
        if offset == ok_offset:
            world.commit_at(edge + offset, tx)
        else:
            refused = world.refused_at(edge + offset, tx)
            assert isinstance(refused, PolicyViolation) and refused.rule == bound


def test_no_payment_at_or_after_expiry(world: World) -> None:
    expiry = world.now + 60_000
    token, family, canteen, _ = meals(world, expires_at=expiry)
    world.commit_at(expiry - 1, world.pay(family, canteen, 1, token))
    refused = world.refused_at(expiry, world.pay(family, canteen, 1, token))
    assert isinstance(refused, PolicyViolation) and refused.rule == "expired"


def test_the_issuer_distributes_to_anyone(world: World) -> None:
    token, _, _, _ = meals(world)
    world.issue(token, {world.gov.public_hex: kzt(100)})
    friend = world.wallet("friend")
    world.commit(world.pay(world.gov, friend, kzt(100), token))
    assert world.held(friend, token) == kzt(100)
