"""Transaction bodies of special-purpose programs (``program.*``).

Each body says exactly which outputs it spends and creates, so the core can
resolve, delete and store them like any other kind. Pure module: wallets
import it to build transactions.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from contracts.policy import Policy
from ledger.encoding import Amount, Hex32, Ident, exact
from ledger.types import Body, Inputs, Memo, Nonce, OutPoint, Output, Outputs

TokenId = Annotated[
    str,
    msgspec.Meta(pattern=exact("[0-9a-f]{64}"), description="id of a special-purpose token"),
]


class ProgramGrant(Body, frozen=True, tag="program.grant"):
    """The central bank grants (or withdraws) a wallet the role of program issuer."""

    wallet_id: Annotated[Ident, msgspec.Meta(description="a government body's wallet")]
    status: Annotated[
        Literal["granted", "withdrawn"],
        msgspec.Meta(description='"withdrawn" takes the role away'),
    ] = "granted"
    nonce: Nonce = 0


class ProgramCreate(Body, frozen=True, tag="program.create"):
    """An issuer registers a policy (and its onward levels); signed by ``policy.issuer``."""

    policy: Policy


class ProgramIssue(Body, frozen=True, tag="program.issue"):
    """The issuer locks plain KZT 1:1 and creates level-0 tokens of its program.

    Inputs are the issuer's KZT; outputs are tokens of ``token`` (to anyone)
    and KZT change to the issuer. Locked KZT = tokens created.
    """

    token: Annotated[TokenId, msgspec.Meta(description="the program's level-0 token")]
    inputs: Inputs
    outputs: Outputs

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class ProgramPay(Body, frozen=True, tag="program.pay"):
    """An earmarked payment: recipients get the onward token, change stays at this level."""

    inputs: Inputs
    outputs: Outputs
    memo: Memo = ""

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class ProgramConvert(Body, frozen=True, tag="program.convert"):
    """A holder turns tokens into plain KZT from the program's locked backing.

    Inputs are tokens of one program level; outputs go to the holder's own
    keys: the KZT and any token change.
    """

    inputs: Inputs
    outputs: Outputs

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class ProgramExpire(Body, frozen=True, tag="program.expire"):
    """After expiry anyone returns unspent tokens to the issuer as plain KZT."""

    inputs: Annotated[Inputs, msgspec.Meta(description="unspent tokens of one program")]
    issuer: Annotated[Hex32, msgspec.Meta(description="the policy's issuer key")]
    amount: Annotated[Amount, msgspec.Meta(description="the sum of the inputs, in tiyn")]

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return (Output(owner=self.issuer, amount=self.amount),)


PROGRAM_BODIES = (
    ProgramGrant,
    ProgramCreate,
    ProgramIssue,
    ProgramPay,
    ProgramConvert,
    ProgramExpire,
)
