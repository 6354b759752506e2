"""The token policy with digital assets in front: an asset never passes as money.

``Registry.token_policy`` is what the core ``transfer`` (and a private
transfer) consults for every token other than KZT. :func:`assets.register`
puts :class:`AssetGate` in front of the policy already installed (the
programs' of ``contracts/``): a payment that moves a digital asset is
refused with :class:`~assets.errors.AssetNotMoney` before any program rule
runs, and every other token goes on to that policy unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from assets.errors import AssetNotMoney
from assets.types import is_asset
from ledger.registry import Pending, TokenPolicy, WalletFlow
from ledger.state import StateView


class AssetGate:
    """Refuses digital assets in payments; passes every other token to ``inner``."""

    def __init__(self, inner: TokenPolicy) -> None:
        self.inner = inner

    def check_transfer(
        self,
        pending: Pending,
        tokens: Iterable[str],
        flows: Mapping[str, WalletFlow],
        state: StateView,
    ) -> None:
        """Raise :class:`AssetNotMoney` for an asset, else ask the policy behind the gate."""
        tokens = sorted(tokens)
        for token in tokens:
            if is_asset(token):
                raise AssetNotMoney(token=token, kind=pending.tx.kind)
        self.inner.check_transfer(pending, tokens, flows, state)
