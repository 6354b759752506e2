"""The browsable API page, rendered by a real browser (headless Chromium) from a real node."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import httpx

from tests.integration.nodes import NodeProcess

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def render(url: str) -> str:
    """The DOM Chromium builds for ``url``, after it has loaded."""
    browser = shutil.which("chromium")
    assert browser, "chromium is installed by `make test` (Debian package)"
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout


def test_docs_page_shows_every_endpoint_and_schema_in_a_browser(node_process: NodeProcess) -> None:
    dom = render(f"{node_process.url}/docs")
    spec = httpx.get(f"{node_process.url}/openapi.json").json()
    assert "<h1>Digital tenge ledger" in dom
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            assert f'id="{operation["operationId"]}"' in dom, path
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in dom, name
