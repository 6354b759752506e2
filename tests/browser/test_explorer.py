"""The explorer page in a real browser: network, supply, banks, signed blocks, a receipt."""

from __future__ import annotations

import json

from playwright.sync_api import Page, Route, expect

from ledger.types import TierLimits
from tests.browser.conftest import screenshot
from tests.browser.network import BANK_ID, CB, found_bank
from tests.harness import NETWORK
from tests.integration.nodes import NodeProcess
from wallet import builders
from wallet.client import TengeClient


def tamper_root(route: Route) -> None:
    """Pass the receipt on with one hex digit of its transactions root changed."""
    answer = route.fetch()
    receipt = answer.json()
    root = receipt["header"]["tx_root"]
    receipt["header"]["tx_root"] = ("1" if root[0] != "1" else "2") + root[1:]
    route.fulfill(response=answer, body=json.dumps(receipt))


def test_explorer_shows_supply_banks_signed_blocks_and_a_verified_receipt(
    page: Page, web_node: NodeProcess
) -> None:
    found_bank(web_node)
    with TengeClient(web_node.url) as client:
        tx = builders.limits_set(NETWORK, CB, "business", TierLimits(), 7)
        txid = client.submit(tx, wait=True).result.txid
    page.goto(f"{web_node.url}/explorer/")
    expect(page.locator("#network")).to_contain_text(NETWORK)
    expect(page.locator("#supply")).to_contain_text("KZT 50,000,000.00")
    expect(page.locator("#banks")).to_contain_text(f"Phone Bank ({BANK_ID})")
    expect(page.locator("#blocks tbody tr").first).to_contain_text("✓ verified")
    expect(page.locator("#blocks")).not_to_contain_text("✗")
    page.get_by_label("Transaction id (64 hex digits)").fill(txid)
    page.get_by_role("button", name="Look up and verify").click()
    expect(page.locator("#tx-mark")).to_contain_text("✓ Receipt verified")
    screenshot(page, "10-explorer")

    page.route("**/receipt", tamper_root)
    page.reload()
    expect(page.locator("#tx-mark")).to_contain_text("✗ Receipt not verified")
