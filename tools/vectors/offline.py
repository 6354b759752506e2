"""Test vectors of the offline formats, for ``docs/offline-vectors.json``.

Everything derives from fixed names and a fixed clock, so the bytes are the
same on every run and every machine: an implementer in another language
checks their voucher encoding, signing message, voucher id, limits extension
and bundle against these. ``python -m tools.vectors.offline`` prints them;
``tests/unit/test_offline_formats.py`` keeps the document equal to them.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ledger.storage.memory import MemoryStore
from offline.der import LIMITS_OID, encode_limits
from offline.device import pay
from offline.params import default_tier_limits, kzt
from offline.voucher import Voucher
from tools.offline_sim.pilot import Pilot


def _voucher_fields(voucher: Voucher) -> dict[str, Any]:
    return {
        "purse": voucher.purse.hex(),
        "counter": voucher.counter,
        "prev": voucher.prev.hex(),
        "payee": voucher.payee.hex(),
        "amount": voucher.amount,
        "cumulative": voucher.cumulative,
        "time_ms": voucher.time_ms,
    }


def vectors() -> dict[str, Any]:
    """The vectors: keys, a limits extension, two chained vouchers, and a bundle."""
    pilot = Pilot(MemoryStore(), network="kzt-vectors")
    pilot.add_bank("halyk", reserve=kzt(1_000_000), guarantee=kzt(100_000))
    pilot.add_wallet("alice", "halyk", "basic", kzt(50_000))
    bob = pilot.add_wallet("bob", "halyk", "basic", 0)
    limits = default_tier_limits()["basic"]
    phone = pilot.fund(pilot.enrol("alice", "halyk", limits), kzt(20_000))
    now = pilot.time_ms + 60_000
    first, state = pay(phone.state, phone.key, bob.public, kzt(1_500), now)
    second, _ = pay(state, phone.key, bob.public, 250, now + 30_000)
    out: dict[str, Any] = {
        "network": pilot.network,
        "device_seed": phone.key.seed.hex(),
        "device_key": phone.key.public_hex,
        "bank_key": pilot.key("halyk").public_hex,
        "central_bank_key": pilot.cb.public_hex,
        "producer_key": pilot.producer.public_hex,
        "limits_oid": LIMITS_OID,
        "limits": {name: getattr(limits, name) for name in limits.__struct_fields__},
        "limits_der": encode_limits(limits).hex(),
        "vouchers": [],
    }
    for bundle in (first, second):
        signed = bundle.voucher
        out["vouchers"].append(
            {
                "fields": _voucher_fields(signed.voucher),
                "body": signed.voucher.body().hex(),
                "signing_message": signed.voucher.message(pilot.network).hex(),
                "signature": signed.signature.hex(),
                "voucher_id": signed.voucher_id(pilot.network).hex(),
                "signed": signed.raw.hex(),
                "bytes": len(signed.raw),
            }
        )
    data = first.encode()
    out["device_certificate"] = first.certificate.hex()
    out["funding"] = first.funding.decode()
    out["bundle"] = data.hex()
    out["bundle_bytes"] = len(data)
    return out


def main() -> int:
    json.dump(vectors(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
