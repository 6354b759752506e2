"""Hostile, properly signed transactions of every kind never hurt an honest payment.

The story of ``loadtests/hostile_story.py`` leaves a valid, signed template
of every kind the node's full registry runs. Each round mutates every
template once (a JSON field; a DER certificate, CRL or root flipped inside
its to-be-signed bytes and signed again by its issuer; a CBOR voucher
changed and signed again by its device; a usage receipt signed again by its
customer; a stale, missing or stranger's signature; a raw byte) and signs
the mutant again with the template's own keys, so it reaches the kind's
stateful rules. It goes in one batch behind four honest payments through
the real HTTP API; a few more go alone and to the dry run.

What must hold: no answer and no batch item is a 5xx; every honest payment
is committed; and the state equals a run of only the honest payments plus
the mutants the ledger legitimately accepted. That run is the strict replay
of the round's own blocks (which hold exactly those transactions, in the
same blocks at the same times) on a fresh copy of the story's state: the
replay re-checks every transaction and must reproduce each header's state
digest, and then every stored byte must be equal (but the node-local records
no replica has: the producer's sealed limit book, the signed-read nonces). A
refused mutant that had left any write behind, or an accepted one applied
differently, would show. Seed and round count are fixed; ``python -m
loadtests.hostile`` runs longer campaigns.
"""

from __future__ import annotations

from collections import Counter

import pytest

from ledger.storage.memory import MemoryStore
from loadtests.hostile import Tally, run_in_process
from loadtests.hostile_node import run_on_node
from loadtests.hostile_story import Story, build
from node.composition import full_registry

SEED = 1809
ROUNDS = 12
NODE_ROUNDS = 2


@pytest.fixture(scope="module")
def story() -> Story:
    return build(MemoryStore())


def assert_held(tally: Tally, rounds: int) -> None:
    assert tally.rounds == rounds
    assert tally.server_errors == []
    assert max(tally.statuses) < 500, tally.statuses
    assert tally.honest == 4 * rounds
    assert tally.honest_committed == tally.honest


def test_every_registered_kind_has_a_template_valid_in_the_next_block(story: Story) -> None:
    assert set(story.templates) == set(full_registry().rules)
    assert story.verify() == {}


def test_mutants_of_every_kind_beside_honest_payments_through_the_app(story: Story) -> None:
    tally = run_in_process(story, SEED, ROUNDS)
    assert_held(tally, ROUNDS)
    assert tally.sent - tally.honest >= ROUNDS * len(story.templates)
    refused_by_state = Counter(
        {c: n for c, n in tally.codes.items() if c not in ("schema_violation", "malformed_json")}
    )
    assert len(refused_by_state) >= 25, tally.codes  # the mutants reached the kinds' rules
    assert 0 < tally.accepted < tally.sent - tally.honest


@pytest.mark.slow
def test_mutants_beside_honest_payments_on_a_real_node() -> None:
    tally = run_on_node(SEED, NODE_ROUNDS)
    assert_held(tally, NODE_ROUNDS)
