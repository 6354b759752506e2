"""A phone in the browser tests: one browser context running the wallet app, driven by a person.

Every step goes through the app's screens (labels, buttons, links) as a person would use them,
by role and label where the page names them, so the screens' accessibility is exercised too.
"""

from __future__ import annotations

import base64
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, expect

PASSPHRASE = "a long phone passphrase"


def save_qr(image: Locator, picture: Path) -> None:
    """The pixels of a QR code the app shows, as the picture another phone reads."""
    url = str(image.evaluate("img => img.src"))
    assert url.startswith("data:image/gif;base64,") or url.startswith("data:image/png;base64,")
    picture.write_bytes(base64.b64decode(url.split(",", 1)[1]))


class Phone:
    """One person's phone with the wallet app open."""

    def __init__(self, context: BrowserContext, url: str, name: str) -> None:
        self.context, self.url, self.name = context, url, name
        self.page: Page = context.new_page()

    def open(self) -> Phone:
        self.page.goto(f"{self.url}/wallet/")
        return self

    def create_wallet(self) -> str:
        """Create the key; the app shows its wallet-opening request; returns the request text."""
        page = self.page
        page.get_by_label("Passphrase (at least 10 characters)").fill(PASSPHRASE)
        page.get_by_label("The same passphrase again").fill(PASSPHRASE)
        page.get_by_role("button", name="Create wallet").click()
        expect(page.get_by_role("heading", name="Ask your bank to open it")).to_be_visible()
        request = page.get_by_label("Request as text (for your bank's app)").input_value()
        assert request.startswith("tenge:open?v=1&")
        return request

    def unlock(self) -> None:
        page = self.page
        page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
        page.get_by_role("button", name="Unlock").click()

    def public_key(self) -> str:
        return str(self.page.evaluate("window.tengeWallet.key.publicHex"))

    def home(self) -> None:
        self.page.goto(f"{self.url}/wallet/#home")

    def offline(self) -> None:
        """The offline purse screen (from home, as a person taps it)."""
        self.home()
        self.page.get_by_role("link", name="Offline purse").click()
        expect(self.page.get_by_role("heading", name="Offline purse")).to_be_visible()

    def balance(self) -> str:
        return self.page.locator("#balance").inner_text()

    def wait_balance(self, text: str) -> None:
        """Refresh until the balance reads ``text`` (a committed block may still be landing)."""
        for _ in range(10):
            self.page.get_by_role("button", name="Refresh").click()
            try:
                expect(self.page.locator("#balance")).to_have_text(text, timeout=3000)
                return
            except AssertionError:
                continue
        expect(self.page.locator("#balance")).to_have_text(text)

    def payment_request(self, amount: str, memo: str, picture: Path) -> str:
        """Show the receive screen's code; its text, and its QR code saved as a picture."""
        page = self.page
        self.home()
        page.get_by_role("link", name="Receive").click()
        page.get_by_label("Amount in tenge (optional)").fill(amount)
        page.get_by_label("Memo (optional)").fill(memo)
        page.get_by_role("button", name="Show payment code").click()
        qr = page.get_by_role("img", name="QR code of the payment request")
        expect(qr).to_be_visible()
        save_qr(qr, picture)
        return page.get_by_label("Payment request as text").input_value()

    def scan_picture(self, picture: Path) -> None:
        page = self.page
        self.home()
        page.get_by_role("link", name="Pay").click()
        page.get_by_label("Or read a picture of the code").set_input_files(str(picture))
        expect(page.locator("#pay-form")).to_be_visible()

    def paste_request(self, request: str) -> None:
        page = self.page
        self.home()
        page.get_by_role("link", name="Pay").click()
        page.get_by_label("Or paste the payment request").fill(request)
        page.get_by_role("button", name="Use this request").click()
        expect(page.locator("#pay-form")).to_be_visible()
