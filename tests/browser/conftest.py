"""Browser tests of the phone wallet: Playwright for Python driving Debian's Chromium.

Playwright's own browser download cannot work here, so Chromium is launched from
``/usr/bin/chromium`` (installed by ``make test``'s deps step) with a fresh profile per
context. The app is the real build in ``web/dist`` (``make web``), served by a real node
process on loopback; nothing in the browser is mocked.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from privacy.node import create_seed
from tests.browser.network import configure_privacy, found_bank
from tests.integration.nodes import ROOT, NodeProcess, prepare
from tests.privacy_cast import VALIDATOR_SEED

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 780}
BUILD = ROOT / "web" / "dist" / "build.json"
VECTORS = ROOT / "docs" / "encoding-vectors.json"
SCREENSHOTS = Path(os.environ.get("TENGE_SCREENSHOTS", ROOT / "reports" / "screenshots"))
"""Where the run writes its screenshots; ``TENGE_SCREENSHOTS=docs/screenshots`` renews the
committed ones shown in the README (other runs leave the tree clean)."""


def require_build() -> None:
    """The app must be built: `make test` builds it first; a bare pytest run says how."""
    assert BUILD.exists(), "web/dist is missing: run `make web` (npm ci && npm run build)"


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "chromium is installed by `make test` (Debian package)"
    require_build()
    launched = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=FLAGS, timeout=60_000
    )
    yield launched
    launched.close()


def phone(browser: Browser, **extra: object) -> BrowserContext:
    """A fresh phone: its own storage, a 360x780 viewport, touch, English."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        **extra,
    )
    context.set_default_timeout(30_000)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = phone(browser)
    yield context.new_page()
    context.close()


def vectors() -> object:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def screenshot(page: Page, name: str) -> None:
    """A screenshot of the phone screen (docs/screenshots holds the committed ones)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"), full_page=False, animations="disabled", scale="css"
    )


@pytest.fixture(scope="session")
def web_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A real node process on a fresh test network, serving the built app."""
    require_build()
    data = tmp_path_factory.mktemp("web-node") / "data"
    prepare(data)
    node = NodeProcess(data).start()
    yield node
    assert node.stop() == 0, "the node must stop cleanly on SIGTERM"


@pytest.fixture(scope="module")
def story_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    """A node per test module: a bank with offline payments set up, and the privacy validator."""
    require_build()
    data = tmp_path_factory.mktemp("story") / "data"
    prepare(data)
    create_seed(data, VALIDATOR_SEED)  # this node is the privacy validator
    node = NodeProcess(data).start()
    found_bank(node)
    configure_privacy(node)
    yield node
    node.stop()
