"""The in-browser encoder, signer and verifier agree with docs/encoding-vectors.json."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import vectors
from tests.integration.nodes import ROOT, NodeProcess


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
