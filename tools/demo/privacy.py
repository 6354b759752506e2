"""The demo's privacy chapter: the same people pay openly, privately and anonymously.

Called from :func:`tools.demo.story.narrate`. The block producer is the validator
(its seed derives from a public name: demo only); five named authorities
hold SLIP-39 shares of the regulator's escrow key, three of which open a
payment, written under ``keys/authorities/``. Each run tells the story
again: an open payment; a private one the cafe reads from its envelope and
verifies like a phone; one at the AML threshold, which carries a notice to
the payer's bank; a private payment over its cap, refused with the same code
as an open one; anonymous tokens withdrawn and spent, and one spent twice;
then a recorded disclosure, and the public and the regulator's audits.
"""

from __future__ import annotations

from pathlib import Path

from shamir_mnemonic import MnemonicError

from ledger.crypto import sha256
from ledger.encoding import canonical
from ledger.errors import TengeError
from ledger.params import kzt
from ledger.receipts import make_receipt
from ledger.state import StateView
from ledger.types import Transaction
from ledger.validation import decode_envelope
from privacy import escrow
from privacy.audit import public_audit
from privacy.envelopes import AmlNotice, open_envelope, x25519_secret
from privacy.node import create_seed, seed_path
from privacy.notes import Note
from privacy.params import default_params
from privacy.prepare import evaluate, prepare_private, prepare_spend
from privacy.records import PARAMS_KEY
from privacy.regulator import regulator_audit
from privacy.requests import PrivateSubmission
from privacy.types import (
    Authority,
    PrivacyConfigure,
    PrivacyDisclose,
    PrivacyParams,
    PrivateTransfer,
)
from privacy.validator import Validator, ValidatorSecrets
from tools.demo.cast import CENTRAL_BANK, NETWORK, PRODUCER, Demo, demo_key, fmt
from wallet.builders import InsufficientFunds
from wallet.privacy import payments as pw
from wallet.privacy import tokens

VALIDATOR_SEED = sha256(b"tenge-demo-key:privacy-validator")
ESCROW_SEED = sha256(b"tenge-demo-key:regulator-escrow")
AUTHORITIES = ("afm", "prosecutor-general", "supreme-court", "national-bank", "ombudsman")
THRESHOLD = 3
CAFE_BILL = 1_234_567  # 12,345.67 KZT


def demo_validator() -> Validator:
    """The demo producer's validator (its secrets derive from a public name)."""
    return Validator(ValidatorSecrets.derive(PRODUCER, VALIDATOR_SEED))


class PrivateDemo:
    """The demo's chain, its validator and the authorities' shares."""

    def __init__(self, demo: Demo, validator: Validator, data_dir: str) -> None:
        self.demo, self.validator, self.data_dir = demo, validator, Path(data_dir)
        self.shares: dict[str, str] = {}

    @property
    def params(self) -> PrivacyParams:
        found = StateView(self.demo.chain.store).read(PARAMS_KEY, PrivacyParams)
        assert found is not None
        return found

    def private(self, submission: PrivateSubmission | None, text: str) -> Transaction | None:
        """Prepare (the validator checks the plaintext), then one block."""
        chain = self.demo.chain
        if submission is None:
            print(f"  skipped {text}: not enough funds left on this network")
            return None
        try:
            tx = prepare_private(
                self.validator, submission, chain, chain.context(self.demo.time_ms)
            )
        except TengeError as error:
            print(f"  REFUSED {text}: {error.code} {error.details()}")
            return None
        outcomes = self.demo.block([tx])
        self.demo.say(outcomes, [text])
        return tx if outcomes[0].committed else None

    def notes(self, name: str) -> list[Note]:
        """What the person's key opens in the envelopes, unspent."""
        entries = []
        for height in range(1, self.demo.chain.tip.height + 1):
            block = self.demo.chain.block(height)
            for envelope in block.txs if block else ():
                tx = decode_envelope(envelope, self.demo.chain.registry)
                if isinstance(tx.body, PrivateTransfer):
                    entries.append((tx.txid.hex(), height, tx.body))
        return pw.scan(entries, demo_key(name)).unspent()

    def pay(self, payer: str, payee: str, amount: int, memo: str) -> PrivateSubmission | None:
        """A private payment from the payer's notes, then its coins; None if short."""
        key = demo_key(payer)
        to, coins = demo_key(payee).public_hex, self.demo.coins(key)
        try:
            return pw.pay(
                NETWORK, self.params, key, self.notes(payer), to, amount, memo, coins=coins
            )
        except InsufficientFunds:
            return None


def configure(story: PrivateDemo) -> None:
    """The escrow ceremony and the shares (kept), the validator's seed, the parameters (once)."""
    public, shares = escrow.ceremony(AUTHORITIES, THRESHOLD, seed=ESCROW_SEED)
    folder = story.data_dir / "keys" / "authorities"
    folder.mkdir(parents=True, exist_ok=True)
    for name, mnemonic in shares.items():
        target = folder / f"{name}.share"
        if not target.exists():
            target.write_text(mnemonic + "\n")
            target.chmod(0o600)
        story.shares[name] = target.read_text().strip()
    if not seed_path(story.data_dir).exists():
        create_seed(story.data_dir, VALIDATOR_SEED)
    if StateView(story.demo.chain.store).read(PARAMS_KEY, PrivacyParams) is None:
        authorities = [Authority(name=a, key=demo_key(a).public_hex) for a in AUTHORITIES]
        params = default_params(story.validator.secrets, public, authorities, THRESHOLD)
        tx = Transaction.create(NETWORK, PrivacyConfigure(params=params), [CENTRAL_BANK])
        text = f"the National Bank sets levels and keys; {THRESHOLD} of 5 authorities disclose"
        story.demo.say(story.demo.block([tx]), [text])


INDENT = " " * 12


def open_and_private(story: PrivateDemo) -> Transaction | None:
    demo = story.demo
    books = demo.pay("daniyar", "aigerim", kzt(1_500), "books")
    text = "OPEN      daniyar -> aigerim 1,500.00 KZT: both parties and the amount are in the block"
    demo.say(demo.block([books]), [text])
    askar = demo_key("askar")
    short = kzt(1_300_000) - sum(n.amount for n in story.notes("askar"))
    if 0 < short <= demo.balance("askar"):
        shield = pw.shield(NETWORK, story.params, askar, demo.coins(askar), short)
        story.private(shield, "askar moves KZT into private notes (this open edge shows how much)")
    dinner = story.pay("askar", "dastarkhan-cafe", CAFE_BILL, "dinner for six")
    tx = story.private(dinner, "PRIVATE   askar -> the cafe")
    if tx is None:
        return None
    body = tx.body
    assert isinstance(body, PrivateTransfer)
    leaked = str(CAFE_BILL).encode() in canonical(tx.envelope())
    counts = f"{len(body.nullifiers)} nullifier(s), {len(body.commitments)} commitments"
    print(f"{INDENT}the block: {counts}, {len(body.envelopes)} sealed envelopes and the")
    print(f"{INDENT}validator's signature; the amount in its bytes: {leaked}")
    receipt = make_receipt(demo.chain.store, NETWORK, tx.txid)
    assert receipt is not None
    cafe = demo_key("dastarkhan-cafe")
    found = pw.verify_private_receipt(tx.envelope(), receipt, cafe, [PRODUCER.public_hex], NETWORK)
    print(f'{INDENT}the cafe\'s phone: {fmt(found.note.amount)} "{found.memo}"; its envelope,')
    print(f"{INDENT}the commitment it opens and the Merkle proof verified")
    return tx


def aml_and_refusal(story: PrivateDemo) -> None:
    banquet = story.pay("askar", "dastarkhan-cafe", kzt(1_000_000), "banquet")
    tx = story.private(banquet, "PRIVATE   askar -> the cafe 1,000,000.00 KZT: the AML threshold")
    if tx is not None:
        body = tx.body
        assert isinstance(body, PrivateTransfer)
        notice = open_envelope(x25519_secret(demo_key("halyk")), body.envelopes[-1], AmlNotice)
        if notice is not None:
            paid = f"{notice.payer} paid {fmt(notice.outflow)} to {notice.recipients[0]}"
            print(f'{INDENT}Halyk, askar\'s bank, opens its notice: {paid} ("{notice.memo}")')
    over = story.pay("aigerim", "dastarkhan-cafe", kzt(30_000), "too much")
    story.private(over, "PRIVATE   aigerim (anonymous tier) -> the cafe 30,000.00 KZT")


def anonymous(story: PrivateDemo) -> None:
    demo, aigerim = story.demo, demo_key("aigerim")
    batch = tokens.blind_batch(kzt(1_000), 5)
    withdraw = tokens.withdrawal(NETWORK, demo.coins(aigerim), [aigerim], batch, aigerim.public_hex)
    outcomes = demo.block([withdraw])
    demo.say(outcomes, ["ANONYMOUS aigerim withdraws 5 x 1,000.00 KZT tokens, blinded (RFC 9497)"])
    if not outcomes[0].committed:
        return
    evaluation = evaluate(story.validator, demo.chain, withdraw.txid.hex())
    minted = tokens.unblind(batch, evaluation, story.params)
    print(f"{INDENT}the issuer's DLEQ proof verifies under the published key: tokens unblinded")
    cafe = demo_key("dastarkhan-cafe").public_hex
    request = tokens.spend_request(minted[:3], kzt(1_000), cafe)
    spend = prepare_spend(story.validator, request, demo.chain)
    text = "ANONYMOUS 3 tokens pay the cafe 3,000.00 KZT: the cafe is named, the payer is nobody"
    demo.say(demo.block([spend]), [text])
    again = tokens.spend_request(minted[2:3], kzt(1_000), cafe, "once more")
    try:
        prepare_spend(story.validator, again, demo.chain)
    except TengeError as error:
        print(f"  REFUSED the same token again: {error.code}")


def disclose(story: PrivateDemo, txid: str) -> None:
    demo = story.demo
    reason = "Art. 13 AML/CFT law: an inquiry of the AFM"
    body = PrivacyDisclose(txid=txid, reason=reason, case=f"AFM-{demo.time_ms}")
    tx = Transaction.create(NETWORK, body, [demo_key(a) for a in AUTHORITIES[:THRESHOLD]])
    text = "the AFM, the Prosecutor General and the Supreme Court record a disclosure"
    demo.say(demo.block([tx]), [text])
    shares = [story.shares[a] for a in AUTHORITIES[:THRESHOLD]]
    record = escrow.open_disclosed(
        escrow.ChainSource(demo.chain),
        txid,
        tx.txid.hex(),
        shares,
        story.params,
        [PRODUCER.public_hex],
        NETWORK,
    )
    paid = f"{record.payer} -> {record.recipients[0]} {fmt(record.request.creates[0].amount)}"
    print(f'{INDENT}with 3 of 5 shares the tool opens it: {paid} "{record.request.memo}"')
    try:
        escrow.recover(shares[:2])
    except MnemonicError:
        print(f"{INDENT}with 2 shares: refused (SLIP-39 needs {THRESHOLD})")


def audits(story: PrivateDemo) -> None:
    chain = story.demo.chain
    report = public_audit(chain.store, chain.registry)
    pools = f"private pool {fmt(report.private_pool.get('KZT', 0))}, anonymous pool "
    pools += fmt(sum(report.anonymous_pool.values()))
    print(f"  public audit: {report.private_transfers} private transfers, {report.nullifiers}")
    print(f"    distinct nullifiers, {pools}: {'OK' if report.ok else report.problems}")
    key = escrow.recover([story.shares[a] for a in AUTHORITIES[2:]])
    regulator = regulator_audit(chain.store, chain.registry, key)
    done = "OK" if regulator.ok else regulator.problems
    print(f"  regulator's audit with 3 shares: {regulator.payments} private payments re-derived,")
    digest = regulator.state_digest[:16]
    print(f"    {regulator.notes_created} notes, state digest {digest}...: {done}")


def privacy_levels(demo: Demo, validator: Validator, data_dir: str) -> None:
    """Chapter 7 of the demo."""
    print("7. Privacy levels, chosen per payment: open, private, anonymous")
    story = PrivateDemo(demo, validator, data_dir)
    configure(story)
    paid = open_and_private(story)
    aml_and_refusal(story)
    anonymous(story)
    if paid is not None:
        disclose(story, paid.txid.hex())
    audits(story)
