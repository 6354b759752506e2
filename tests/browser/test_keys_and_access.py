"""Keys at rest, backups, keyboard use and screen-reader labels, in a real browser."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import phone
from tests.browser.phones import PASSPHRASE, Phone
from tests.integration.nodes import NodeProcess

UNNAMED_CONTROLS = """() =>
    [...document.querySelectorAll('input, select, textarea, button, a, img')]
    .filter((el) => {
        if (el.tagName === 'IMG') return !el.alt;
        const named = el.textContent.trim() || el.ariaLabel;
        if (el.tagName === 'BUTTON' || el.tagName === 'A') return !named;
        return !(el.labels && el.labels.length) && !el.ariaLabel;
    })
    .map((el) => el.id || el.outerHTML.slice(0, 60))"""


def test_every_control_and_picture_has_a_name_for_screen_readers(
    page: Page, web_node: NodeProcess
) -> None:
    page.goto(f"{web_node.url}/wallet/")
    assert page.evaluate(UNNAMED_CONTROLS) == []
    page.goto(f"{web_node.url}/explorer/")
    assert page.evaluate(UNNAMED_CONTROLS) == []


def test_a_wallet_is_created_with_the_keyboard_alone(page: Page, web_node: NodeProcess) -> None:
    page.goto(f"{web_node.url}/wallet/")
    expect(page.get_by_role("heading", name="A wallet on this phone")).to_be_visible()
    focused = []
    for _ in range(12):  # Tab from the top of the page until the passphrase field has focus
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
        if focused[-1] == "new-passphrase":
            break
    assert focused[-1] == "new-passphrase", focused
    page.keyboard.type(PASSPHRASE)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSPHRASE)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ask your bank to open it")).to_be_focused()


def test_the_key_is_sealed_at_rest_and_a_backup_restores_it_on_another_phone(
    browser: Browser, web_node: NodeProcess, tmp_path: Path
) -> None:
    first = Phone(phone(browser), web_node.url, "first").open()
    first.create_wallet()
    key = first.public_key()
    stored = first.page.evaluate("async () => (await import('./lib/db.js')).get('keystore')")
    assert stored["kdf"] == {**stored["kdf"], "name": "PBKDF2", "hash": "SHA-256"}
    assert stored["kdf"]["iterations"] >= 600_000
    assert stored["cipher"]["name"] == "AES-256-GCM"
    seed = first.page.evaluate("window.tengeWallet.secrets.seed")
    assert seed not in json.dumps(stored), "the seed is never stored in the clear"

    first.page.get_by_role("link", name="Back up your key now").click()
    with first.page.expect_download() as download:
        first.page.get_by_role("button", name="Download backup").click()
    backup = tmp_path / "backup.json"
    download.value.save_as(backup)

    second = Phone(phone(browser), web_node.url, "second").open()
    second.page.get_by_label("Backup file").set_input_files(str(backup))
    second.page.get_by_label("Its passphrase").fill("not the passphrase")
    second.page.get_by_role("button", name="Restore").click()
    expect(second.page.locator("#status")).to_have_text("Wrong passphrase for this backup.")
    second.page.get_by_label("Its passphrase").fill(PASSPHRASE)
    second.page.get_by_role("button", name="Restore").click()
    expect(second.page.get_by_role("heading", name="Ask your bank to open it")).to_be_visible()
    assert second.public_key() == key
