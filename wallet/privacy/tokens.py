"""Anonymous tokens on the phone: blind, withdraw, unblind (checking the DLEQ proof), spend.

The token inputs and blinds never leave the phone. The issuer's evaluation
is accepted only if its DLEQ proof verifies under the denomination's key as
the central bank published it in the privacy parameters — never under a key
the issuer names in its answer — so the issuer cannot single a user out with
a key of its own (:class:`~privacy.errors.InvalidDleqProof` otherwise).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Annotated

import msgspec

from ledger.crypto import KeyPair
from ledger.encoding import Amount, Hex32, Wire
from ledger.types import Output, Transaction
from privacy import voprf
from privacy.errors import InvalidDleqProof, UnknownDenomination
from privacy.requests import AnonToken, Evaluation, SpendRequest
from privacy.types import AnonWithdraw, PrivacyParams
from wallet.builders import Coin, select_coins


class BlindedBatch(Wire, frozen=True):
    """Secret until spent: token inputs, their blinds, and the blinded elements sent out."""

    denomination: Amount
    inputs: Annotated[tuple[Hex32, ...], msgspec.Meta(min_length=1, max_length=64)]
    blinds: tuple[Hex32, ...]
    blinded: tuple[Hex32, ...]


def blind_batch(denomination: int, count: int) -> BlindedBatch:
    """``count`` fresh random token inputs, blinded."""
    inputs = [os.urandom(32) for _ in range(count)]
    pairs = [voprf.blind(x) for x in inputs]
    return BlindedBatch(
        denomination=denomination,
        inputs=tuple(x.hex() for x in inputs),
        blinds=tuple(b.hex() for b, _ in pairs),
        blinded=tuple(e.hex() for _, e in pairs),
    )


def withdrawal(
    network: str,
    coins: Sequence[Coin],
    keys: Sequence[KeyPair],
    batch: BlindedBatch,
    change_to: str,
) -> Transaction:
    """The ``anon.withdraw`` paying for the batch from the wallet's coins (change back)."""
    total = batch.denomination * len(batch.blinded)
    chosen = select_coins(coins, total)
    change = sum(c.output.amount for c in chosen) - total
    body = AnonWithdraw(
        inputs=tuple(c.point for c in chosen),
        denomination=batch.denomination,
        blinded=batch.blinded,
        change=(Output(owner=change_to, amount=change),) if change else (),
    )
    owners = {c.output.owner for c in chosen}
    return Transaction.create(network, body, [k for k in keys if k.public_hex in owners])


def unblind(batch: BlindedBatch, evaluation: Evaluation, params: PrivacyParams) -> list[AnonToken]:
    """The tokens, after checking the proof under the published key of the denomination."""
    denomination = params.denomination(batch.denomination)
    if denomination is None:
        raise UnknownDenomination(denomination=batch.denomination)
    if len(evaluation.evaluated) != len(batch.blinded):
        raise InvalidDleqProof(reason="one evaluated element per blinded one expected")
    outputs = voprf.finalize(
        [bytes.fromhex(x) for x in batch.inputs],
        [bytes.fromhex(b) for b in batch.blinds],
        [bytes.fromhex(e) for e in batch.blinded],
        [bytes.fromhex(e) for e in evaluation.evaluated],
        bytes.fromhex(denomination.key),
        bytes.fromhex(evaluation.proof),
    )
    return [AnonToken(input=x, output=o.hex()) for x, o in zip(batch.inputs, outputs, strict=True)]


def spend_request(
    tokens: Sequence[AnonToken], denomination: int, to: str, memo: str = ""
) -> SpendRequest:
    """Pay ``len(tokens) x denomination`` to the holder of key ``to``."""
    output = Output(owner=to, amount=denomination * len(tokens))
    return SpendRequest(
        denomination=denomination, tokens=tuple(tokens), outputs=(output,), memo=memo
    )
