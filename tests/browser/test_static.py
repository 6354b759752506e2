"""The node serves the built app: the PWA at /wallet/ and the explorer at /explorer/."""

from __future__ import annotations

import json

import httpx

from tests.browser.conftest import BUILD, require_build
from tests.integration.nodes import ROOT, NodeProcess


def test_wallet_files_have_their_content_types_and_revalidate(web_node: NodeProcess) -> None:
    require_build()
    expected = {
        "/wallet/": "text/html",
        "/wallet/app.js": "text/javascript",
        "/wallet/lib/canonical.js": "text/javascript",
        "/wallet/app.css": "text/css",
        "/wallet/manifest.webmanifest": "application/manifest+json",
        "/wallet/icons/icon-192.png": "image/png",
        "/wallet/icons/icon.svg": "image/svg+xml",
        "/wallet/vendor/jsQR.js": "text/javascript",
        "/explorer/": "text/html",
    }
    for path, kind in expected.items():
        answer = httpx.get(web_node.url + path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith(kind), path
        assert answer.headers["cache-control"] == "no-cache", path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert "default-src 'self'" in answer.headers["content-security-policy"], path


def test_service_worker_may_control_the_wallet_scope(web_node: NodeProcess) -> None:
    answer = httpx.get(web_node.url + "/wallet/sw.js")
    assert answer.status_code == 200
    assert answer.headers["service-worker-allowed"] == "/wallet/"
    assert "__VERSION__" not in answer.text, "the build stamps the precache version"


def test_unchanged_file_answers_304_to_its_etag(web_node: NodeProcess) -> None:
    first = httpx.get(web_node.url + "/wallet/app.js")
    again = httpx.get(
        web_node.url + "/wallet/app.js", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_bare_paths_redirect_and_unknown_files_are_problems(web_node: NodeProcess) -> None:
    assert httpx.get(web_node.url + "/wallet").headers["location"].endswith("/wallet/")
    missing = httpx.get(web_node.url + "/wallet/nothing-here.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    escape = httpx.get(web_node.url + "/wallet/..%2f..%2fpyproject.toml")
    assert escape.status_code == 404


def test_static_files_are_not_in_the_openapi_document(web_node: NodeProcess) -> None:
    paths = httpx.get(web_node.url + "/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/wallet", "/explorer"))]


def test_cryptography_is_served_as_the_pinned_noble_packages_in_one_module(
    web_node: NodeProcess,
) -> None:
    """vendor/noble.js names the locked versions, imports nothing, and is precached."""
    locked = json.loads((ROOT / "web" / "package-lock.json").read_text())["packages"]
    answer = httpx.get(web_node.url + "/wallet/vendor/noble.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    header = answer.text.splitlines()[0]
    for name in ("@noble/curves", "@noble/hashes"):
        assert f"{name} {locked[f'node_modules/{name}']['version']}" in header
    lines = answer.text.splitlines()
    assert not [line for line in lines if line.startswith("import ")], "bare imports left"
    assert "vendor/noble.js" in json.loads(BUILD.read_text())["files"]
    licences = httpx.get(web_node.url + "/wallet/vendor/LICENSES.txt").text
    assert "== @noble/curves ==" in licences and "== @noble/hashes ==" in licences
