"""The wallet starts once per page load: one health probe, each screen wired once."""

from __future__ import annotations

from playwright.sync_api import Browser, Request, expect

from tests.browser.conftest import phone, require_build
from tests.integration.nodes import NodeProcess


def asks_health(request: Request) -> bool:
    return request.method == "GET" and request.url.endswith("/v1/health")


def test_a_page_load_starts_the_wallet_once(browser: Browser, web_node: NodeProcess) -> None:
    require_build()
    context = phone(browser)
    try:
        page = context.new_page()
        probes: list[str] = []
        page.on("request", lambda sent: probes.append(sent.url) if asks_health(sent) else None)
        page.goto(f"{web_node.url}/wallet/")
        expect(page.get_by_role("heading", name="A wallet on this phone")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert len(probes) == 1, f"start-up ran {len(probes)} times: {probes}"
    finally:
        context.close()
