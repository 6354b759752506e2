"""Digital assets on the phone and in the explorer, in a real browser against a real node.

A person's wallet is opened and given tenge by the bank (``tenge-bank``); a licensed grain
platform issues tonnes of wheat receipts to the phone's key (through the SDK, as in
``tests/assets_cast.grain_for``). The home screen lists them in its "Digital assets" region by
the class's name and in its unit, with the issuer and the platform's licence; the tenge balance
and the special-purpose money leave them out; the explorer's supply lists the wheat in tonnes,
apart from the tenge outstanding.
"""

from __future__ import annotations

import logging
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect

from assets.types import class_id
from ledger.crypto import KeyPair
from tests.assets_cast import ELEVATOR, grain_for, grain_terms
from tests.browser.conftest import phone, screenshot
from tests.browser.network import BANK, BANK_ID, CB, BankCli, committed
from tests.browser.phones import Phone
from tests.harness import NETWORK, key
from tests.integration.nodes import NodeProcess
from wallet.client import TengeClient

log = logging.getLogger("wallet-assets")

TENGE = 2_500
"""Whole tenge the bank distributes to the phone."""
UNITS = 1_200
"""Tonnes of wheat the platform issues to the phone (above 999, so grouping shows)."""


def kzt(tiyn: int) -> str:
    """Tiyn as the app writes tenge in English ("KZT 2,500.00")."""
    return f"KZT {tiyn // 100:,}.{tiyn % 100:02d}"


def supply_figure(page: Page, name: str) -> Locator:
    """The figure beside a supply row's name in the explorer."""
    row = page.locator("#supply dt", has_text=name)
    return row.locator("xpath=following-sibling::dd[1]")


def test_assets_are_listed_by_name_and_units_never_as_tenge(
    browser: Browser, story_node: NodeProcess, tmp_path: Path
) -> None:
    bank = BankCli(story_node.url, tmp_path)
    farmer = phone(browser)
    aigerim = Phone(farmer, story_node.url, "aigerim").open()

    log.info("Aigerim's wallet is opened (basic tier) and given %s KZT", TENGE)
    bank.run("open-request", "--request", aigerim.create_wallet(), "--tier", "basic")
    expect(aigerim.page.locator("#tier")).to_contain_text("tier basic", timeout=20_000)
    bank.run("distribute", "--to", aigerim.public_key(), "--amount", str(TENGE))
    aigerim.wait_balance(kzt(TENGE * 100))
    expect(aigerim.page.get_by_role("region", name="Digital assets")).to_be_hidden()

    log.info("the licensed platform astyk issues %s tonnes of wheat to her key", UNITS)
    platform: KeyPair = key("astyk")
    terms = grain_terms(platform.public_hex)
    with TengeClient(story_node.url) as client:
        token = grain_for(
            lambda tx: committed(client, tx),
            NETWORK,
            CB,
            BANK_ID,
            BANK,
            aigerim.public_key(),
            UNITS,
        )
        supply = client.supply()
    assert token == f"asset:{class_id(terms)}"

    log.info("home: the wheat in its own region, by name and in tonnes; the balance unchanged")
    aigerim.page.get_by_role("button", name="Refresh").click()
    region = aigerim.page.get_by_role("region", name="Digital assets")
    expect(region).to_be_visible(timeout=20_000)
    expect(region).to_contain_text(terms.name)
    expect(region).to_contain_text(f"{UNITS:,} {terms.unit}")
    expect(region).to_contain_text(f"{ELEVATOR.name} (BIN {ELEVATOR.bin})")
    expect(region).to_contain_text("licence NBK-DAP-0001")
    expect(region).not_to_contain_text("KZT")
    expect(aigerim.page.locator("#balance")).to_have_text(kzt(TENGE * 100))
    expect(aigerim.page.locator("#balance-mark")).to_contain_text("Verified")
    expect(aigerim.page.get_by_role("region", name="Special-purpose money")).to_be_hidden()
    expect(aigerim.page.locator("#screen-home")).not_to_contain_text(kzt(UNITS))
    region.scroll_into_view_if_needed()
    screenshot(aigerim.page, "11-digital-assets")

    log.info("explorer: the wheat's supply in tonnes, apart from the tenge outstanding")
    explorer = farmer.new_page()
    explorer.goto(f"{story_node.url}/explorer/")
    expect(explorer.locator("#supply")).to_contain_text(terms.name)
    expect(supply_figure(explorer, terms.name)).to_have_text(f"{UNITS:,} {terms.unit}")
    expect(supply_figure(explorer, "KZT outstanding")).to_have_text(kzt(supply.tokens["KZT"]))
    assert supply.tokens[token] == UNITS
    farmer.close()
