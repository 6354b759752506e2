"""Steps every API test needs, done through the SDK only."""

from __future__ import annotations

from ledger.crypto import KeyPair
from ledger.params import kzt
from ledger.types import Output, Tier
from tests.harness import NETWORK, key
from tests.integration.conftest import Api
from wallet import builders

CB = key("central-bank")


def found_bank(api: Api, reserve: int = kzt(1_000_000)) -> tuple[str, KeyPair]:
    """Register a fresh bank and issue ``reserve`` to it; returns its id and key."""
    bank_id = api.name("bank")
    bank = key(bank_id)
    register = builders.bank_register(NETWORK, CB, bank_id, bank_id, [bank.public_hex], kzt(10**9))
    assert api.client.submit(register).result.status == "committed"
    issue = builders.issue(NETWORK, CB, bank_id, [Output(owner=bank.public_hex, amount=reserve)], 1)
    assert api.client.submit(issue).result.status == "committed"
    return bank_id, bank


def open_wallet(
    api: Api, bank_id: str, bank: KeyPair, tier: Tier = "basic", funds: int = 0
) -> tuple[str, KeyPair]:
    """Open a wallet at the bank and send it ``funds`` from the bank's reserve."""
    wallet_id = api.name("wallet")
    owner = key(wallet_id)
    opened = builders.wallet_open(NETWORK, bank, bank_id, wallet_id, tier, [owner.public_hex])
    assert api.client.submit(opened).result.status == "committed"
    if funds:
        pay(api, bank_id, bank, owner.public_hex, funds, wallet=False)
    return wallet_id, owner


def pay(api: Api, payer_id: str, payer: KeyPair, to: str, amount: int, wallet: bool = True) -> str:
    """Pay from every coin the payer's key holds; returns the txid."""
    coins = api.client.coins(payer_id, payer) if wallet else api.client.bank_coins(payer_id, payer)
    tx = builders.pay(NETWORK, coins, [payer], to, amount, payer.public_hex)
    result = api.client.submit(tx).result
    assert result.status == "committed", result
    return result.txid
