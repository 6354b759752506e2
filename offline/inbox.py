"""The payee's phone: what it accepted, what it has seen from each purse, evidence.

:meth:`Inbox.receive` verifies a bundle with no network
(:func:`offline.verify.verify_bundle`) and returns the inbox holding it; a
refused voucher that contradicts one already seen is kept as evidence for
``purse.fraud``. A received voucher is not money the payee can spend offline:
it becomes spendable only once deposited (``voucher.deposit``). Pure module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import cbor2

from offline.bundle import Bundle, decode_bundle
from offline.errors import BrokenChain, CounterReplay, MalformedVoucher
from offline.pki import load_device
from offline.proofs import pair_fraud
from offline.trust import TrustStore
from offline.verify import Accepted, Seen, VerifyCache, verify_bundle
from offline.voucher import cbor


@dataclass(frozen=True)
class Evidence:
    """Two vouchers of one purse that no honest device signs together."""

    purse: bytes
    device: str
    first: bytes
    second: bytes


@dataclass(frozen=True)
class Inbox:
    """What a payee's phone holds: accepted bundles to deposit, the last voucher seen
    from each purse, and any fraud evidence it ran into."""

    accepted: tuple[bytes, ...] = ()
    seen: Mapping[bytes, Seen] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()

    def receive(
        self,
        data: bytes,
        trust: TrustStore,
        payee: bytes,
        now_ms: int,
        cache: VerifyCache | None = None,
    ) -> tuple[Accepted, Inbox]:
        """Verify a bundle with no network; the verdict and the inbox holding it.

        A refused voucher that contradicts one already seen from its purse is
        kept as evidence (the error is still raised): :meth:`with_evidence`.
        """
        purse = decode_bundle(data).voucher.voucher.purse
        accepted = verify_bundle(data, trust, payee, now_ms, self.seen.get(purse), cache)
        seen = {**self.seen, purse: accepted.seen}
        return accepted, replace(self, accepted=(*self.accepted, data), seen=seen)

    def with_evidence(self, data: bytes, error: Exception) -> Inbox:
        """Keep a refused bundle as fraud evidence when it proves a double spend."""
        if not isinstance(error, CounterReplay | BrokenChain):
            return self
        bundle = decode_bundle(data)
        seen = self.seen.get(bundle.voucher.voucher.purse)
        if seen is None or pair_fraud(seen.voucher, bundle.voucher, bundle.network) is None:
            return self
        device = bundle_device(bundle)
        found = Evidence(bundle.voucher.voucher.purse, device, seen.last, bundle.voucher.raw)
        return replace(self, evidence=(*self.evidence, found))

    def deposited(self, done: Sequence[bytes]) -> Inbox:
        """The inbox without the bundles now settled."""
        gone = set(done)
        return replace(self, accepted=tuple(b for b in self.accepted if b not in gone))


def bundle_device(bundle: Bundle) -> str:
    """The device key a bundle's certificate certifies."""
    return load_device(bundle.certificate).key


def encode_inbox(inbox: Inbox) -> bytes:
    """Deterministic CBOR for the phone's storage."""
    return cbor(
        [
            1,
            list(inbox.accepted),
            [[purse, seen.last, seen.received] for purse, seen in sorted(inbox.seen.items())],
            [[e.purse, e.device, e.first, e.second] for e in inbox.evidence],
        ]
    )


def decode_inbox(data: bytes) -> Inbox:
    """Read a stored inbox."""
    try:
        _, accepted, seen, evidence = cbor2.loads(data)
        return Inbox(
            accepted=tuple(accepted),
            seen={purse: Seen(last, received) for purse, last, received in seen},
            evidence=tuple(Evidence(*item) for item in evidence),
        )
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise MalformedVoucher(part="inbox", reason=str(exc)) from None
