"""What a phone caches to verify payments offline: the trust store.

Downloaded at every sync (``GET /v1/offline/trust``) and verified here once:
the central bank root, each bank's CA certificate (issued by the root), each
bank's newest CRL (signed by its CA), the block producers' keys (for funding
receipts) and the network's offline parameters. Stored on the phone as
deterministic CBOR. Pure module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from ledger.encoding import canonical, decode_json
from offline.errors import MalformedVoucher
from offline.params import OfflineParams
from offline.pki import Authority, RevocationList, load_bank_ca, load_crl, load_root
from offline.voucher import cbor


@dataclass(frozen=True)
class TrustStore:
    """Verified trust anchors and revocation lists for one network."""

    network: str
    producer_keys: frozenset[str]
    params: OfflineParams
    root: Authority
    cas: Mapping[str, Authority]
    crls: Mapping[str, RevocationList]

    @classmethod
    def build(
        cls,
        network: str,
        producer_keys: Iterable[str],
        params: OfflineParams,
        root: bytes,
        cas: Mapping[str, bytes],
        crls: Mapping[str, bytes],
    ) -> TrustStore:
        """Verify every certificate and CRL (DER) and keep the result."""
        anchor = load_root(root)
        authorities = {bank: load_bank_ca(der, anchor) for bank, der in sorted(cas.items())}
        lists = {
            bank: load_crl(der, authorities[bank])
            for bank, der in sorted(crls.items())
            if bank in authorities
        }
        return cls(network, frozenset(producer_keys), params, anchor, authorities, lists)

    def with_crl(self, bank_id: str, der: bytes) -> TrustStore:
        """This store with a newer CRL of one bank (older numbers are ignored)."""
        crl = load_crl(der, self.cas[bank_id])
        current = self.crls.get(bank_id)
        if current is not None and current.number >= crl.number:
            return self
        crls = {**self.crls, bank_id: crl}
        return TrustStore(self.network, self.producer_keys, self.params, self.root, self.cas, crls)

    def encode(self) -> bytes:
        """Deterministic CBOR for the phone's storage."""
        return cbor(
            {
                "network": self.network,
                "producers": sorted(self.producer_keys),
                "params": canonical(self.params),
                "root": self.root.der,
                "cas": {bank: ca.der for bank, ca in self.cas.items()},
                "crls": {bank: crl.der for bank, crl in self.crls.items()},
            }
        )

    @classmethod
    def decode(cls, data: bytes) -> TrustStore:
        """Read a stored trust store, verifying it again."""
        try:
            items: Any = cbor2.loads(data)
        except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
            raise MalformedVoucher(part="trust", reason=str(exc)) from None
        if not _layout_ok(items):
            raise MalformedVoucher(part="trust", reason="not the layout encode() writes")
        return cls.build(
            items["network"],
            items["producers"],
            decode_json(items["params"], OfflineParams),
            items["root"],
            items["cas"],
            items["crls"],
        )


def _layout_ok(items: Any) -> bool:
    """The stored map's members and their types (certificates are checked by ``build``)."""

    def der_map(value: Any) -> bool:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, bytes) for k, v in value.items()
        )

    return (
        isinstance(items, dict)
        and set(items) == {"network", "producers", "params", "root", "cas", "crls"}
        and isinstance(items["network"], str)
        and isinstance(items["producers"], list)
        and all(isinstance(p, str) for p in items["producers"])
        and isinstance(items["params"], bytes)
        and isinstance(items["root"], bytes)
        and der_map(items["cas"])
        and der_map(items["crls"])
    )
