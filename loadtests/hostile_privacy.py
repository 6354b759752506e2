"""The hostile story's chapter on privacy: parameters, private notes, anonymous tokens, disclosure.

The validator is the story's producer's (:func:`loadtests.hostile_story.validator`):
it attests the private transfer and the token spend, and holds the private
transfer's plaintext, which :attr:`Story.witnesses` keeps so that each
campaign round can hand it to a fresh validator again.
"""

from __future__ import annotations

from ledger.params import kzt
from ledger.state import StateView
from ledger.types import Block, Transaction
from ledger.validation import decode_envelope
from loadtests.hostile_story import NETWORK, Story, key
from privacy import escrow
from privacy.params import default_params
from privacy.prepare import evaluate, prepare_private, prepare_spend
from privacy.records import PARAMS_KEY
from privacy.types import (
    Authority,
    PrivacyConfigure,
    PrivacyDisclose,
    PrivacyParams,
    PrivateTransfer,
)
from wallet.privacy import payments as pw
from wallet.privacy import tokens

AUTHORITIES = ("afm", "prosecutor", "court", "national-bank", "ombudsman")
THRESHOLD = 3
ESCROW_SEED = b"\x05" * 32


def configure(s: Story) -> PrivacyParams:
    public, _ = escrow.ceremony(AUTHORITIES, THRESHOLD, seed=ESCROW_SEED)
    authorities = [Authority(name=n, key=key(n).public_hex) for n in AUTHORITIES]
    secrets = s.validating.secrets
    params = default_params(secrets, public, authorities, THRESHOLD)
    s.commit(Transaction.create(NETWORK, PrivacyConfigure(params=params), [s.cb]))
    stricter = default_params(secrets, public, authorities, THRESHOLD, aml_threshold=kzt(900_000))
    s.template(Transaction.create(NETWORK, PrivacyConfigure(params=stricter), [s.cb]))
    found = StateView(s.chain.store).read(PARAMS_KEY, PrivacyParams)
    assert found is not None
    return found


def transfers(s: Story) -> list[tuple[str, int, PrivateTransfer]]:
    found = []
    for height in range(1, s.chain.tip.height + 1):
        block = s.chain.block(height)
        assert isinstance(block, Block)
        for envelope in block.txs:
            tx = decode_envelope(envelope, s.chain.registry)
            if isinstance(tx.body, PrivateTransfer):
                found.append((tx.txid.hex(), height, tx.body))
    return found


def private(s: Story, params: PrivacyParams) -> None:
    """Alice shields KZT (committed), then pays Bob privately (the template); the
    authorities' disclosure of the shield is a template too."""
    alice, bob = key("alice"), key("bob")
    coins = s.split(key("halyk"), alice, [kzt(5_000)])
    shield = pw.shield(NETWORK, params, alice, coins, kzt(4_000))
    shielded = prepare_private(s.validating, shield, s.chain, s.chain.context(s.time_ms + 1000))
    s.commit(shielded)
    notes = pw.scan(transfers(s), alice).unspent()
    payment = pw.pay(NETWORK, params, alice, notes, bob.public_hex, kzt(1_234), "rent")
    tx = prepare_private(s.validating, payment, s.chain, s.chain.context(s.next_time))
    witness = s.validating.witness(tx.txid)
    assert witness is not None
    s.witnesses[tx.txid] = witness
    s.template(tx)
    body = PrivacyDisclose(txid=shielded.txid.hex(), reason="AFM inquiry", case="AFM-1")
    signers = [key(a) for a in AUTHORITIES[:THRESHOLD]]
    s.template(Transaction.create(NETWORK, body, signers))


def anonymous(s: Story, params: PrivacyParams) -> None:
    """Alice withdraws tokens (committed) and spends two at the shop (the template); a
    second withdrawal is a template too."""
    alice = key("alice")
    coins = s.split(key("halyk"), alice, [kzt(3_000), kzt(3_000)])
    batch = tokens.blind_batch(kzt(1_000), 3)
    withdraw = tokens.withdrawal(NETWORK, coins[:1], [alice], batch, alice.public_hex)
    s.commit(withdraw)
    minted = tokens.unblind(batch, evaluate(s.validating, s.chain, withdraw.txid.hex()), params)
    request = tokens.spend_request(minted[:2], kzt(1_000), key("shop").public_hex)
    s.template(prepare_spend(s.validating, request, s.chain))
    again = tokens.blind_batch(kzt(1_000), 2)
    s.template(tokens.withdrawal(NETWORK, coins[1:], [alice], again, alice.public_hex))


def privacy(s: Story) -> None:
    """The chapter, in order."""
    params = configure(s)
    private(s, params)
    anonymous(s, params)
