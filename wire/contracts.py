"""Request and response bodies of the programmable-money endpoints (api/routes/contracts.py).

The read models themselves (programs, escrows, meters, mandates, token
balances) live in :mod:`contracts.queries`; this module adds what only the
API needs: the dry-run verdict.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from ledger.encoding import Hex32
from wire.core import Problem


class CheckResult(msgspec.Struct, frozen=True):
    """What the ledger would do with a transaction, checked now and not submitted."""

    txid: Hex32
    kind: Annotated[str, msgspec.Meta(description="the body's kind")]
    accepted: Annotated[bool, msgspec.Meta(description="true if a block now would include it")]
    time_ms: Annotated[int, msgspec.Meta(description="the block time it was checked at")]
    problem: Annotated[
        Problem | None, msgspec.Meta(description="why it would be refused: code, rule, fields")
    ] = None
