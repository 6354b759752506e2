"""A privacy-enabled test network: the validator, the escrow ceremony, configured parameters.

Keys derive from names (``tests.harness.key``); the validator's seed and the
escrow secret are fixed so failures reproduce. Five named authorities hold
SLIP-39 shares of the escrow key, three of which open a transfer.
"""

from __future__ import annotations

from collections.abc import Sequence

import contracts
import privacy
from ledger.crypto import KeyPair, sha256
from ledger.rules import core_registry
from ledger.state import StateView
from ledger.storage import KeyValueStore
from ledger.types import KZT, Block, Transaction
from ledger.validation import decode_envelope
from node.ordering import Outcome
from privacy import escrow
from privacy.params import default_params
from privacy.prepare import evaluate, prepare_private, prepare_spend
from privacy.records import params_of
from privacy.requests import Evaluation, PrivateSubmission, SpendRequest
from privacy.types import AmlMode, Authority, PrivacyConfigure, PrivacyParams, PrivateTransfer
from privacy.validator import Validator, ValidatorSecrets
from tests.harness import NETWORK, Harness, key
from wallet.privacy import payments as pw
from wallet.privacy.payments import PrivateHistory, scan

AUTHORITIES = ("afm", "prosecutor", "court", "national-bank", "ombudsman")
THRESHOLD = 3
VALIDATOR_SEED = sha256(b"test validator seed")
ESCROW_SEED = sha256(b"test escrow seed")


def validator() -> Validator:
    return Validator(ValidatorSecrets.derive(key("producer"), VALIDATOR_SEED))


class PrivacyNet(Harness):
    """A harness whose producer is the validator and whose parameters are configured."""

    def __init__(
        self,
        store: KeyValueStore,
        aml_mode: AmlMode = "envelope",
        aml_threshold: int | None = None,
        validating: Validator | None = None,
    ) -> None:
        self.validator = validating or validator()
        registry = core_registry()
        contracts.register(registry)
        privacy.register(registry, self.validator)
        super().__init__(store, registry)
        self.escrow_public, self.shares = escrow.ceremony(AUTHORITIES, THRESHOLD, seed=ESCROW_SEED)
        authorities = [Authority(name=n, key=key(n).public_hex) for n in AUTHORITIES]
        extra = {} if aml_threshold is None else {"aml_threshold": aml_threshold}
        secrets = self.validator.secrets
        params = default_params(
            secrets, self.escrow_public, authorities, THRESHOLD, aml_mode=aml_mode, **extra
        )
        self.commit(Transaction.create(NETWORK, PrivacyConfigure(params=params), [self.cb]))

    @property
    def params(self) -> PrivacyParams:
        return params_of(StateView(self.store))

    def payment(
        self, payer: KeyPair, to: KeyPair | str, amount: int, memo: str = "", token: str = KZT
    ) -> PrivateSubmission:
        """A private payment from all of the payer's notes (and its coins if they are short)."""
        payee = to if isinstance(to, str) else to.public_hex
        notes = self.history(payer).unspent()
        coins = [c for c in self.coins(payer) if c.output.token == token]
        return pw.pay(NETWORK, self.params, payer, notes, payee, amount, memo, token, coins)

    def private_tx(self, submission: PrivateSubmission) -> Transaction:
        """The validator's attested transaction for a submission (its plaintext is held)."""
        context = self.chain.context(self.time_ms + 1000)
        return prepare_private(self.validator, submission, self.chain, context)

    def private(self, submission: PrivateSubmission) -> Outcome:
        """Prepare and commit one private payment in its own block."""
        return self.block([self.private_tx(submission)])[0]

    def spend(self, request: SpendRequest) -> Outcome:
        return self.block([prepare_spend(self.validator, request, self.chain)])[0]

    def evaluation(self, txid: str) -> Evaluation:
        return evaluate(self.validator, self.chain, txid)

    def transfers(self) -> list[tuple[str, int, PrivateTransfer]]:
        """Every committed private transfer: (txid, height, body)."""
        found = []
        for height in range(1, self.chain.tip.height + 1):
            block = self.chain.block(height)
            assert isinstance(block, Block)
            for envelope in block.txs:
                tx = decode_envelope(envelope, self.chain.registry)
                if isinstance(tx.body, PrivateTransfer):
                    found.append((tx.txid.hex(), height, tx.body))
        return found

    def history(self, owner: KeyPair) -> PrivateHistory:
        return scan(self.transfers(), owner)

    def disclosure(self, txid: str, signers: Sequence[KeyPair], reason: str) -> Transaction:
        from privacy.types import PrivacyDisclose

        body = PrivacyDisclose(txid=txid, reason=reason, nonce=self.next_nonce())
        return Transaction.create(NETWORK, body, list(signers))
