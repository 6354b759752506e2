"""The in-browser encoder, signer and verifier agree with docs/encoding-vectors.json."""

from __future__ import annotations

import json

import nacl.bindings
import pytest
from nacl.exceptions import RuntimeError as SodiumError
from nacl.public import PrivateKey, SealedBox
from playwright.sync_api import Page

from ledger.crypto import KeyPair, sha256
from privacy.envelopes import seal_to_key, x25519_secret
from tests.browser.conftest import vectors
from tests.integration.nodes import ROOT, NodeProcess
from tests.unit.test_privacy_voprf import KEY_INFO as VOPRF_KEY_INFO
from tests.unit.test_privacy_voprf import PK as VOPRF_PK
from tests.unit.test_privacy_voprf import SEED as VOPRF_SEED
from tests.unit.test_privacy_voprf import SK as VOPRF_SK
from tests.unit.test_privacy_voprf import VECTORS as VOPRF_VECTORS
from tools.vectors.privacy import vectors as privacy_vectors


@pytest.mark.parametrize("backend", ["webcrypto", "tweetnacl"])
def test_browser_encoding_matches_every_vector(
    page: Page, web_node: NodeProcess, backend: str
) -> None:
    query = "?crypto=tweetnacl" if backend == "tweetnacl" else ""
    page.goto(f"{web_node.url}/wallet/{query}")
    results = page.evaluate(
        """async (v) => {
            const { runVectors } = await import('./lib/vectors.js');
            const { ed25519 } = await import('./lib/crypto.js');
            return { backend: (await ed25519()).name, results: await runVectors(v) };
        }""",
        vectors(),
    )
    assert results["backend"] == backend
    failed = [r for r in results["results"] if not r["ok"]]
    assert not failed, failed
    names = {r["name"] for r in results["results"]}
    data = vectors()
    assert len(results["results"]) > 100
    for tx in data["transactions"]:  # type: ignore[index]
        assert f"{tx['name']}: signatures" in names
    assert "receipt verifies" in names and "tampered receipt refused" in names


def offline_vectors() -> object:
    return json.loads((ROOT / "docs" / "offline-vectors.json").read_text(encoding="utf-8"))


def test_browser_offline_formats_match_the_vectors(page: Page, web_node: NodeProcess) -> None:
    page.goto(f"{web_node.url}/wallet/")
    checks = page.evaluate(
        """async (v) => (await import('./lib/vectors.js')).runOfflineVectors(v)""",
        offline_vectors(),
    )
    assert all(checks.values()), {k: v for k, v in checks.items() if not v}


def test_qr_codes_of_every_version_read_back_byte_for_byte(
    page: Page, web_node: NodeProcess
) -> None:
    page.goto(f"{web_node.url}/wallet/")
    versions = page.evaluate(
        """async () => {
            const { qrDataUrl, readQr } = await import('./lib/qr.js');
            const read = {};
            // Byte-mode capacity at level L grows with the version; step through all forty.
            for (let size = 1; size <= 2900; size = Math.ceil(size * 1.12) + 1) {
              const bytes = crypto.getRandomValues(new Uint8Array(size));
              const qr = qrDataUrl(bytes, 300);
              const img = new Image();
              img.src = qr.url;
              await img.decode();
              const canvas = new OffscreenCanvas(img.width, img.height);
              const context = canvas.getContext('2d');
              context.drawImage(img, 0, 0);
              const got = await readQr(context.getImageData(0, 0, img.width, img.height));
              const same = Boolean(got) && got.length === size;
              read[qr.version] = same && got.every((b, i) => b === bytes[i]);
            }
            return read;
        }"""
    )
    assert versions["23"], "jsQR's version-23 table is corrected by the build"
    assert all(versions.values()), {v: ok for v, ok in versions.items() if not ok}
    assert len(versions) >= 30


def test_browser_private_payment_pieces_match_the_privacy_vectors(
    page: Page, web_node: NodeProcess
) -> None:
    seeds = {name: sha256(f"privacy-vector:{name}".encode()).hex() for name in ("payer", "payee")}
    page.goto(f"{web_node.url}/wallet/")
    checks = page.evaluate(
        "async ([v, s]) => (await import('./lib/vectors.js')).runPrivacyVectors(v, s)",
        [privacy_vectors(), seeds],
    )
    assert all(checks.values()), {k: v for k, v in checks.items() if not v}


def test_envelopes_sealed_in_the_browser_open_with_libsodium_and_back(
    page: Page, web_node: NodeProcess
) -> None:
    """Interop both ways: the browser seals to a Python key; Python seals to the browser's."""
    python_key = KeyPair.from_seed(sha256(b"sealed-box interop"))
    page.goto(f"{web_node.url}/wallet/")
    sealed, browser_public = page.evaluate(
        """async (publicHex) => {
            const { nacl, keyFromSeed } = await import('./lib/crypto.js');
            const { seal, pad, x25519Public } = await import('./lib/sealed.js');
            const { utf8 } = await import('./lib/bytes.js');
            const mine = await keyFromSeed(new Uint8Array(32).fill(9));
            const text = pad(utf8('{"memo":"\u0421\u04d9\u043b\u0435\u043c"}'));
            return [seal(await nacl(), x25519Public(publicHex), text), mine.publicHex];
        }""",
        python_key.public_hex,
    )
    opened = SealedBox(PrivateKey(x25519_secret(python_key))).decrypt(bytes.fromhex(sealed))
    assert opened.rstrip(b" ") == '{"memo":"Сәлем"}'.encode()
    assert len(opened) == 256
    back = seal_to_key(browser_public, b'{"index":0}')
    read = page.evaluate(
        """async (sealedHex) => {
            const { nacl } = await import('./lib/crypto.js');
            const { open, x25519Secret } = await import('./lib/sealed.js');
            const secret = x25519Secret(new Uint8Array(32).fill(9));
            const plain = open(await nacl(), secret, sealedHex);
            return plain && new TextDecoder().decode(plain).trim();
        }""",
        back,
    )
    assert read == '{"index":0}'


TORSION_8 = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"
"""A point of order 8 (the edwards25519 torsion subgroup's generator)."""


def test_keys_libsodium_will_not_seal_to_are_refused_in_the_browser_too(
    page: Page, web_node: NodeProcess
) -> None:
    """Not a point, the identity, a key plus torsion: neither end converts them."""
    good = KeyPair.from_seed(sha256(b"sealed-box refusals")).public_hex
    mixed = nacl.bindings.crypto_core_ed25519_add(bytes.fromhex(good), bytes.fromhex(TORSION_8))
    refused = {"not a point": "02" + "00" * 31, "identity": "01" + "00" * 31, "mixed": mixed.hex()}
    for key in refused.values():
        with pytest.raises(SodiumError):
            nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(bytes.fromhex(key))
    page.goto(f"{web_node.url}/wallet/")
    answers = page.evaluate(
        """async (keys) => {
            const { NotAPublicKey, x25519Public } = await import('./lib/sealed.js');
            const { toHex } = await import('./lib/bytes.js');
            const out = {};
            for (const [name, key] of Object.entries(keys)) {
              try {
                out[name] = toHex(x25519Public(key));
              } catch (error) {
                out[name] = error instanceof NotAPublicKey ? 'refused' : String(error);
              }
            }
            return out;
        }""",
        {**refused, "good": good},
    )
    expected = nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(bytes.fromhex(good)).hex()
    assert answers == {**dict.fromkeys(refused, "refused"), "good": expected}


def test_browser_voprf_matches_rfc_9497_vectors_through_the_library(
    page: Page, web_node: NodeProcess
) -> None:
    """The app's Blind and Finalize (noble's ristretto255_oprf) give the RFC's values."""
    key = {
        "seed": VOPRF_SEED.hex(),
        "info": VOPRF_KEY_INFO.hex(),
        "secret": VOPRF_SK,
        "public": VOPRF_PK,
    }
    page.goto(f"{web_node.url}/wallet/")
    checks = page.evaluate(
        "async ([key, v]) => (await import('./lib/vectors.js')).runVoprfVectors(key, v)",
        [key, VOPRF_VECTORS],
    )
    assert len(checks) == 1 + 5 * len(VOPRF_VECTORS)
    assert all(checks.values()), {k: v for k, v in checks.items() if not v}
