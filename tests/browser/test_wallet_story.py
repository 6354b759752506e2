"""The phone wallet's story in a real browser against a real node and the real bank CLI.

A person creates a wallet on a 360x780 phone; the bank opens it from the phone's request with
``tenge-bank``; the bank distributes to it; the person pays a merchant (another phone) by
reading the merchant's QR code; the receipt is verified in the browser; a tampered receipt is
shown as not verified; a payment over the tier's per-payment limit is explained before signing;
with the node stopped, a reload still shows the app, the offline banner and the last verified
balance. Each step is logged; screenshots of the main screens go to reports/screenshots
(``TENGE_SCREENSHOTS=docs/screenshots`` renews the README's).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from playwright.sync_api import Browser, Route, expect

from tests.browser.conftest import phone, screenshot
from tests.browser.network import BankCli, grant_school_meals
from tests.browser.phones import PASSPHRASE, Phone, save_qr
from tests.integration.nodes import NodeProcess

log = logging.getLogger("wallet-story")


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

    log.info("the bank grants her 5,000 KZT of school-meal money: shown apart, with what it buys")
    grant_school_meals(story_node, alice.public_key(), 500_000)
    alice.page.get_by_role("button", name="Refresh").click()
    special = alice.page.get_by_role("region", name="Special-purpose money")
    expect(special).to_contain_text("School meals")
    expect(special).to_contain_text("KZT 5,000.00")
    expect(special).to_contain_text("shops of category 5814")
    expect(alice.page.locator("#balance")).to_have_text("KZT 100,000.00")
    screenshot(alice.page, "3-home")

    log.info("amounts follow the language: Russian and Kazakh formats from the same tiyn")
    alice.page.get_by_label("Language for amounts").select_option("ru")
    expect(alice.page.locator("#balance")).to_have_text(re.compile(r"^100\s000,00\sKZT$"))
    alice.page.get_by_label("Language for amounts").select_option("kk")
    expect(alice.page.locator("#balance")).to_have_text(re.compile(r"^100\s000,00\s₸$"))
    alice.page.get_by_label("Language for amounts").select_option("en")

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
    expect(alice.page.locator("#pay-done")).to_be_visible()
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


def test_offline_voucher_between_two_phones_with_the_node_stopped_then_deposited(
    browser: Browser, story_node: NodeProcess, tmp_path: Path
) -> None:
    bank = BankCli(story_node.url, tmp_path)
    dana = Phone(phone(browser), story_node.url, "dana").open()
    erlan = Phone(phone(browser), story_node.url, "erlan").open()

    log.info("Dana (basic) and Erlan (basic) get wallets; the bank gives Dana 50,000 KZT")
    bank.run("open-request", "--request", dana.create_wallet(), "--tier", "basic")
    bank.run("open-request", "--request", erlan.create_wallet(), "--tier", "basic")
    expect(dana.page.locator("#tier")).to_contain_text("tier basic", timeout=20_000)
    expect(erlan.page.locator("#tier")).to_contain_text("tier basic", timeout=20_000)
    bank.run("distribute", "--to", dana.public_key(), "--amount", "50000")
    dana.wait_balance("KZT 50,000.00")

    log.info("Dana's phone makes a device key; the bank enrols it with tenge-bank enrol-device")
    dana.offline()
    dana.page.get_by_label("Your passphrase").fill(PASSPHRASE)
    dana.page.get_by_role("button", name="Make the device key").click()
    expect(dana.page.get_by_label("Device key")).to_have_value(re.compile("^[0-9a-f]{64}$"))
    device_key = dana.page.get_by_label("Device key").input_value()
    wallet_id = str(dana.page.evaluate("window.tengeWallet.walletId"))
    enrolled = bank.run("enrol-device", "--wallet-id", wallet_id, "--key", device_key)
    assert enrolled["tier"] == "basic"
    dana.page.get_by_role("button", name="Check enrolment").click()

    log.info("Dana funds a purse of 20,000 KZT; both phones sync their trust stores")
    dana.page.get_by_label("Amount to put in the purse, in tenge").fill("20000")
    dana.page.get_by_role("button", name="Fund the purse").click()
    expect(dana.page.locator("#purse-available")).to_have_text("KZT 20,000.00")
    erlan.offline()
    expect(erlan.page.get_by_role("heading", name="Receive offline")).to_be_visible()
    erlan_request = erlan.payment_request("1500", "Taxi", tmp_path / "erlan.png")
    assert erlan_request.startswith("tenge:pay?")

    log.info("the node stops: no network for anyone")
    story_node.stop()

    log.info("Dana reads Erlan's code and signs a voucher; Erlan reads the voucher's QR code")
    dana.offline()
    dana.page.get_by_label("Payee's code: read a picture").set_input_files(
        str(tmp_path / "erlan.png")
    )
    expect(dana.page.get_by_label("Amount to pay offline, in tenge")).to_have_value("1500.00")
    dana.page.get_by_role("button", name="Sign voucher").click()
    voucher_qr = dana.page.get_by_role("img", name="QR code of the signed voucher")
    expect(voucher_qr).to_be_visible()
    expect(dana.page.locator("#purse-available")).to_have_text("KZT 18,500.00")
    save_qr(voucher_qr, tmp_path / "voucher.png")
    screenshot(dana.page, "8-offline-voucher")
    erlan.offline()
    erlan.page.get_by_label("Read the payer's voucher code").set_input_files(
        str(tmp_path / "voucher.png")
    )
    expect(erlan.page.locator("#bundle-result")).to_contain_text("✓ Verified offline: KZT 1,500.00")
    expect(erlan.page.locator("#inbox-list")).to_contain_text("KZT 1,500.00")
    screenshot(erlan.page, "9-offline-received")

    log.info("the same voucher again is refused offline (a replay)")
    erlan.page.get_by_label("Read the payer's voucher code").set_input_files(
        str(tmp_path / "voucher.png")
    )
    expect(erlan.page.locator("#bundle-result")).to_contain_text("counter_replay")

    log.info("the node is back: Erlan deposits; his balance shows the voucher's 1,500 KZT")
    story_node.start()
    erlan.page.get_by_role("button", name="Deposit and sync").click()
    expect(erlan.page.locator("#status")).to_contain_text("Deposited KZT 1,500.00")
    erlan.home()
    erlan.wait_balance("KZT 1,500.00")
