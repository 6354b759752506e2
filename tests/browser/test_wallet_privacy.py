"""Private payments and anonymous tokens in the phone wallet, in a real browser.

Two phones per story, opened by the bank with the real ``tenge-bank``, on a node that is the
privacy validator: private payments from open coins (the open edge) and then from notes,
found by the payee's phone by trial decryption and verified; anonymous tokens withdrawn
blindly (the issuer's proof checked under the published key) and spent for an exact amount.
"""

from __future__ import annotations

import logging
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import phone
from tests.browser.network import BankCli
from tests.browser.phones import Phone
from tests.integration.nodes import NodeProcess

log = logging.getLogger("wallet-privacy")


def test_private_payments_from_coins_then_from_notes_are_found_and_verified_by_the_payee(
    browser: Browser, story_node: NodeProcess, tmp_path: Path
) -> None:
    bank = BankCli(story_node.url, tmp_path)
    aigul = Phone(phone(browser), story_node.url, "aigul").open()
    bolat = Phone(phone(browser), story_node.url, "bolat").open()
    bank.run("open-request", "--request", aigul.create_wallet(), "--tier", "basic")
    bank.run("open-request", "--request", bolat.create_wallet(), "--tier", "basic")
    expect(aigul.page.locator("#tier")).to_contain_text("tier basic", timeout=20_000)
    expect(bolat.page.locator("#tier")).to_contain_text("tier basic", timeout=20_000)
    bank.run("distribute", "--to", aigul.public_key(), "--amount", "20000")
    aigul.wait_balance("KZT 20,000.00")

    log.info("Aigul pays Bolat 2,500 KZT privately from her open coins (the open edge)")
    aigul.paste_request(bolat.payment_request("2500", "Gift", tmp_path / "gift.png"))
    aigul.page.get_by_role("radio", name="Private").check()
    aigul.page.get_by_role("button", name="Check").click()
    expect(aigul.page.locator("#pay-explain")).to_contain_text("would accept")
    aigul.page.get_by_role("button", name="Sign and pay").click()
    expect(aigul.page.locator("#pay-done")).to_be_visible()
    expect(aigul.page.locator("#pay-receipt")).to_have_text("✓ Receipt verified on this phone")
    expect(aigul.page.locator("#pay-result")).to_contain_text("paid privately")

    log.info("Bolat finds the note by trial decryption; Aigul holds her change as a note")
    bolat.home()
    expect(bolat.page.locator("#private-balance")).to_contain_text("KZT 2,500.00", timeout=20_000)
    aigul.home()
    aigul.wait_balance("KZT 0.00")
    expect(aigul.page.locator("#private-balance")).to_contain_text("KZT 17,500.00")

    log.info("a second private payment spends Aigul's note (signed authorization, no open edge)")
    aigul.paste_request(bolat.payment_request("1000", "", tmp_path / "more.png"))
    aigul.page.get_by_role("radio", name="Private").check()
    aigul.page.get_by_role("button", name="Sign and pay").click()
    expect(aigul.page.locator("#pay-done")).to_be_visible()
    expect(aigul.page.locator("#pay-receipt")).to_have_text("✓ Receipt verified on this phone")
    bolat.home()
    bolat.page.get_by_role("button", name="Refresh").click()
    expect(bolat.page.locator("#private-balance")).to_contain_text("KZT 3,500.00", timeout=20_000)
    aigul.home()
    expect(aigul.page.locator("#private-balance")).to_contain_text("KZT 16,500.00")


def test_anonymous_tokens_are_withdrawn_blindly_then_pay_a_payee_exactly(
    browser: Browser, story_node: NodeProcess, tmp_path: Path
) -> None:
    bank = BankCli(story_node.url, tmp_path)
    chingiz = Phone(phone(browser), story_node.url, "chingiz").open()
    dina = Phone(phone(browser), story_node.url, "dina").open()
    bank.run("open-request", "--request", chingiz.create_wallet(), "--tier", "basic")
    bank.run("open-request", "--request", dina.create_wallet(), "--tier", "basic")
    expect(chingiz.page.locator("#tier")).to_contain_text("tier basic", timeout=20_000)
    expect(dina.page.locator("#tier")).to_contain_text("tier basic", timeout=20_000)
    bank.run("distribute", "--to", chingiz.public_key(), "--amount", "10000")
    chingiz.wait_balance("KZT 10,000.00")

    log.info("Chingiz withdraws two 1,000 KZT tokens: blinded, evaluated, proof checked")
    tokens = chingiz.page.get_by_role("region", name="Anonymous tokens")
    tokens.get_by_label("Token value").select_option(str(100_000))
    tokens.get_by_label("How many").fill("2")
    tokens.get_by_role("button", name="Withdraw tokens").click()
    expect(chingiz.page.locator("#status")).to_contain_text("proof verified", timeout=30_000)
    expect(tokens).to_contain_text("You hold 2 \u00d7 KZT 1,000.00")
    chingiz.wait_balance("KZT 8,000.00")

    log.info("1,500 KZT cannot be paid with them; 2,000 KZT is paid anonymously")
    chingiz.paste_request(dina.payment_request("1500", "", tmp_path / "odd.png"))
    chingiz.page.get_by_role("radio", name="Anonymous").check()
    chingiz.page.get_by_role("button", name="Check").click()
    expect(chingiz.page.locator("#pay-explain")).to_contain_text("No anonymous tokens make up")
    chingiz.paste_request(dina.payment_request("2000", "Books", tmp_path / "books.png"))
    chingiz.page.get_by_role("radio", name="Anonymous").check()
    chingiz.page.get_by_role("button", name="Sign and pay").click()
    expect(chingiz.page.locator("#pay-done")).to_be_visible()
    expect(chingiz.page.locator("#pay-receipt")).to_have_text("✓ Receipt verified on this phone")
    expect(chingiz.page.locator("#pay-result")).to_contain_text("paid anonymously")
    dina.home()
    dina.wait_balance("KZT 2,000.00")
    chingiz.home()
    expect(chingiz.page.get_by_role("region", name="Anonymous tokens")).to_contain_text(
        "You hold no tokens"
    )
