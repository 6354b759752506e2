"""The phone wallet's story in a real browser against a real node and the real bank CLI.

A person creates a wallet on a 360x780 phone; the bank opens it from the phone's request with
``tenge-bank``; the bank distributes to it; the person pays a merchant (another phone) by
reading the merchant's QR code; the receipt is verified in the browser; a tampered receipt is
shown as not verified; a payment over the tier's per-payment limit is explained before signing;
with the node stopped, a reload still shows the app, the offline banner and the last verified
balance. Each step is logged; screenshots of the main screens go to docs/screenshots.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.browser.conftest import phone, require_build, screenshot
from tests.browser.network import BankCli, found_bank
from tests.browser.phones import Phone
from tests.integration.nodes import NodeProcess, prepare

log = logging.getLogger("wallet-story")


@pytest.fixture(scope="module")
def story_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    require_build()
    data = tmp_path_factory.mktemp("story") / "data"
    prepare(data)
    node = NodeProcess(data).start()
    found_bank(node)
    yield node
    node.stop()


def tamper_receipt(route: Route) -> None:
    """Forward the payment, then alter the receipt's block time on its way back."""
    answer = route.fetch()
    body = answer.json()
    if body.get("receipt"):
        body["receipt"]["header"]["time_ms"] += 1
    route.fulfill(response=answer, body=json.dumps(body))


def test_create_open_receive_pay_verify_refuse_and_go_offline(
    browser: Browser, story_node: NodeProcess, tmp_path: Path
) -> None:
    bank = BankCli(story_node.url, tmp_path)
    alice = Phone(phone(browser), story_node.url, "alice").open()
    cafe = Phone(phone(browser), story_node.url, "cafe").open()

    log.info("Alice creates a wallet; the phone shows its opening request")
    expect(alice.page.get_by_role("heading", name="A wallet on this phone")).to_be_visible()
    screenshot(alice.page, "1-welcome")
    request = alice.create_wallet()
    screenshot(alice.page, "2-opening-request")

    log.info("the bank opens it with tenge-bank open-request (anonymous tier)")
    opened = bank.run("open-request", "--request", request, "--tier", "anonymous")
    assert opened["status"] == "committed"
    expect(alice.page.locator("#tier")).to_contain_text("tier anonymous", timeout=20_000)
    expect(alice.page.locator("#limits")).to_contain_text("50,000.00")

    log.info("the bank distributes 100,000 KZT to Alice with tenge-bank distribute")
    bank.run("distribute", "--to", alice.public_key(), "--amount", "100000")
    alice.wait_balance("KZT 100,000.00")
    expect(alice.page.locator("#balance-mark")).to_contain_text("Verified")
    screenshot(alice.page, "3-home")

    log.info("the cafe's phone gets a business wallet and shows a payment code")
    bank.run("open-request", "--request", cafe.create_wallet(), "--tier", "business")
    expect(cafe.page.locator("#tier")).to_contain_text("tier business", timeout=20_000)
    picture = tmp_path / "cafe-qr.png"
    cafe.payment_request("1500", "Lunch", picture)
    screenshot(cafe.page, "4-receive")

    log.info("Alice reads the cafe's QR code from a picture: key, amount and memo shown")
    alice.scan_picture(picture)
    expect(alice.page.locator("#pay-to")).to_have_text(cafe.public_key())
    expect(alice.page.locator("#pay-memo")).to_have_text("Lunch")
    expect(alice.page.get_by_label("Amount to pay in tenge")).to_have_value("1500.00")
    alice.page.get_by_role("button", name="Check").click()
    expect(alice.page.locator("#pay-explain")).to_contain_text("would accept")
    alice.page.get_by_role("button", name="Sign and pay").click()
    expect(alice.page.locator("#pay-receipt")).to_have_text("✓ Receipt verified on this phone")
    screenshot(alice.page, "5-paid-receipt-verified")
    alice.home()
    alice.wait_balance("KZT 98,500.00")

    log.info("a node that alters the receipt is caught: not verified")
    request_text = cafe.payment_request("10", "Tea", tmp_path / "tea.png")
    alice.page.route("**/v1/transactions?wait=commit", tamper_receipt)
    alice.paste_request(request_text)
    alice.page.get_by_role("button", name="Sign and pay").click()
    expect(alice.page.locator("#pay-receipt")).to_contain_text("✗ Receipt not verified")
    alice.page.unroute("**/v1/transactions?wait=commit")

    log.info("60,000 KZT is over the anonymous tier's 50,000 per payment: explained before signing")
    alice.paste_request(cafe.payment_request("60000", "Laptop", tmp_path / "laptop.png"))
    alice.page.get_by_role("button", name="Check").click()
    explanation = alice.page.locator("#pay-explain")
    expect(explanation).to_contain_text("per-payment limit")
    expect(explanation).to_contain_text("50,000.00")
    expect(explanation).to_contain_text("60,000.00")
    screenshot(alice.page, "6-over-limit-explained")
    alice.page.get_by_role("button", name="Sign and pay").click()
    expect(alice.page.locator("#pay-done")).to_be_hidden()

    log.info("the history lists each entry's kind")
    alice.page.goto(f"{story_node.url}/wallet/#history")
    expect(alice.page.locator("#history-list")).to_contain_text("transfer")

    log.info("the node stops; a reload still opens the app, offline, with the verified balance")
    alice.home()
    alice.wait_balance("KZT 98,490.00")
    story_node.stop()
    alice.page.reload()
    alice.unlock()
    expect(alice.page.locator("#offline-banner")).to_be_visible()
    expect(alice.page.locator("#balance")).to_have_text("KZT 98,490.00")
    expect(alice.page.locator("#balance-mark")).to_contain_text("Last verified at block")
    screenshot(alice.page, "7-offline-cached-balance")
    story_node.start()
