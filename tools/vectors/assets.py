"""Test vectors of the digital-asset formats, as ``docs/digital-assets.md`` prints them.

Everything is deterministic: keys from fixed seeds (``SHA-256("asset-vector:" +
name)``), fixed terms, fixed outpoints; Ed25519 signatures are deterministic
too. The doc's vector block is compared with :func:`vectors` by
``tests/unit/test_assets_docs.py``, so a bank reimplementing the formats in
another language checks itself against the published bytes.

    python -m tools.vectors.assets          # print the block
"""

from __future__ import annotations

import json
import sys
from typing import Any

from assets.types import (
    DOMAIN_ASSET_CLASS,
    DOMAIN_ASSET_ITEM,
    AssetClass,
    AssetCreate,
    AssetDvp,
    AssetIssue,
    AssetLicense,
    AssetRetire,
    AssetTransfer,
    Issuer,
    class_id,
    item_token,
    unit_token,
)
from ledger.crypto import KeyPair, sha256
from ledger.encoding import canonical
from ledger.types import Body, OutPoint, Output, Transaction

NETWORK = "kzt-devnet"


def _key(name: str) -> KeyPair:
    return KeyPair.from_seed(sha256(b"asset-vector:" + name.encode()))


def _tx(body: Body, *signers: KeyPair) -> dict[str, Any]:
    tx = Transaction.create(NETWORK, body, sorted(signers, key=lambda k: k.public_hex))
    return {
        "body": canonical(body).decode(),
        "txid": tx.txid.hex(),
        "signatures": [{"key": s.key, "sig": s.sig} for s in tx.signatures],
    }


def _terms(platform: KeyPair, form: str) -> AssetClass:
    return AssetClass(
        platform=platform.public_hex,
        issuer=Issuer(name="Kostanay Grain Elevator LLP", bin="040140000123"),
        name="Wheat, class 3, Kostanay elevator" if form == "units" else "Warehouse receipts",
        rights="goods",
        rights_proof=sha256(b"warehouse certificate 2026/117").hex(),
        terms=sha256(b"one unit: one tonne of class 3 wheat, delivered ex elevator").hex(),
        unit="tonne" if form == "units" else "lot",
        form=form,  # type: ignore[arg-type]
    )


def vectors() -> dict[str, Any]:
    """Every vector, as a JSON-ready dict."""
    cb, platform, farm, mill = (_key(n) for n in ("national-bank", "platform", "farm", "mill"))
    wheat, lots = _terms(platform, "units"), _terms(platform, "items")
    grain, receipts = class_id(wheat), class_id(lots)
    tonnes, lot = unit_token(grain), item_token(receipts, "KST-0001")
    coin = OutPoint(txid="11" * 32, index=0)
    cash = OutPoint(txid="22" * 32, index=1)
    dvp = AssetDvp(
        asset=tonnes,
        units=50,
        price=475_000_000,
        seller=farm.public_hex,
        buyer=mill.public_hex,
        inputs=(coin, cash),
        change=(Output(farm.public_hex, 450, tonnes), Output(mill.public_hex, 25_000_000)),
        deadline=1_767_229_200_000,
    )
    return {
        "network": NETWORK,
        "keys": {n: _key(n).public_hex for n in ("national-bank", "platform", "farm", "mill")},
        "domains": {"class": DOMAIN_ASSET_CLASS.hex(), "item": DOMAIN_ASSET_ITEM.hex()},
        "class_of_units": {"terms": canonical(wheat).decode(), "asset": grain, "token": tonnes},
        "class_of_items": {
            "terms": canonical(lots).decode(),
            "asset": receipts,
            "item": "KST-0001",
            "token": lot,
        },
        "asset.license": _tx(AssetLicense(wallet_id="astyk", licence="NBK-DAP-0001"), cb),
        "asset.create": _tx(AssetCreate(terms=wheat), platform),
        "asset.issue": _tx(
            AssetIssue(asset=grain, outputs=(Output(farm.public_hex, 500, tonnes),)), platform
        ),
        "asset.issue_items": _tx(
            AssetIssue(
                asset=receipts, outputs=(Output(farm.public_hex, 1, lot),), items=("KST-0001",)
            ),
            platform,
        ),
        "asset.transfer": _tx(
            AssetTransfer(inputs=(coin,), outputs=(Output(mill.public_hex, 500, tonnes),)), farm
        ),
        "asset.dvp": _tx(dvp, farm, mill),
        "asset.retire": _tx(
            AssetRetire(inputs=(coin,), units=200, change=(Output(farm.public_hex, 300, tonnes),)),
            farm,
            platform,
        ),
    }


def main() -> int:
    """Print the vector block of ``docs/digital-assets.md``."""
    json.dump(vectors(), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
