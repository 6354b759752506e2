"""The hostile story's chapter on offline payments: PKI, purses, vouchers, fraud, claw-back.

Templates carry DER (certificates, CRLs) and CBOR (vouchers) from the
offline library itself, so the campaign's re-signing mutations of those
payloads reach the rules that parse them.
"""

from __future__ import annotations

from ledger.crypto import KeyPair, sha256
from ledger.params import kzt
from ledger.receipts import make_receipt
from ledger.state import StateView
from loadtests.hostile_story import NETWORK, Story, key, open_wallet
from offline.certs import bank_ca_certificate, device_certificate, revocation_list, root_certificate
from offline.device import DeviceState, Purse, pay
from offline.params import DAY_MS, default_params, default_tier_limits
from offline.records import BankOffline, DeviceRecord, bank_key, device_key
from wallet.offline import builders as ob

FULL = default_tier_limits()["full"]


def pki(s: Story) -> None:
    """The root, halyk's CA, its guarantee reserve and first CRL; the templates of each."""
    cb, halyk = s.cb, key("halyk")
    root = root_certificate(cb, NETWORK, s.time_ms)
    s.commit(ob.setup(NETWORK, cb, root, default_params()))
    s.template(ob.setup(NETWORK, cb, root, default_params(), nonce=1))
    ca = bank_ca_certificate(cb, NETWORK, "halyk", halyk.public_hex, s.time_ms)
    s.commit(ob.bank_ca(NETWORK, cb, "halyk", ca))
    kaspi = key("kaspi").public_hex
    s.template(
        ob.bank_ca(
            NETWORK, cb, "kaspi", bank_ca_certificate(cb, NETWORK, "kaspi", kaspi, s.time_ms)
        )
    )
    reserves = s.split(halyk, halyk, [kzt(2_000_000), kzt(10_000)])
    s.commit(ob.reserve_fund(NETWORK, halyk, "halyk", reserves[:1], kzt(2_000_000)))
    s.template(ob.reserve_fund(NETWORK, halyk, "halyk", reserves[1:], kzt(5_000)))
    crl(s, 1, commit=True)


def crl(s: Story, number: int, commit: bool) -> None:
    """Halyk's CRL ``number``, listing every device the ledger revoked."""
    view = StateView(s.chain.store)
    offline = view.read(bank_key("halyk"), BankOffline)
    assert offline is not None
    revoked = []
    for serial in offline.revoked:
        record = view.read(device_key(serial), DeviceRecord)
        assert record is not None and record.revoked_at is not None
        revoked.append((int(serial, 16), record.revoked_at))
    der = revocation_list(key("halyk"), "halyk", number, revoked, s.time_ms, s.time_ms + 7 * DAY_MS)
    tx = ob.publish_crl(NETWORK, key("halyk"), "halyk", der)
    s.commit(tx) if commit else s.template(tx)


def certificate(s: Story, wallet_id: str, device: KeyPair) -> bytes:
    serial = int.from_bytes(sha256(device.public)[:8], "big") >> 1 | 1
    return device_certificate(
        key("halyk"), "halyk", wallet_id, device.public_hex, FULL, s.time_ms, serial
    )


def phone(s: Story, wallet_id: str, purse: int, enrol: bool = True) -> tuple[KeyPair, DeviceState]:
    """A funded wallet whose device is enrolled and, when ``purse``, holds a funded purse."""
    owner = open_wallet(s, wallet_id, "halyk", "full")
    s.split(key("halyk"), owner, [kzt(20_000)])
    device = key(f"device:{wallet_id}")
    der = certificate(s, wallet_id, device)
    if enrol:
        s.commit(ob.enrol(NETWORK, key("halyk"), der))
    state = DeviceState(NETWORK, der)
    if purse:
        tx = ob.purse_fund(NETWORK, [owner], s.coins(owner), device.public_hex, purse)
        s.commit(tx)
        receipt = make_receipt(s.chain.store, NETWORK, tx.txid)
        assert receipt is not None
        state = state.funded(Purse(funding=tx.body_bytes, receipt=receipt))
    return device, state


def purses(s: Story) -> None:
    """Enrol, fund, defund and deposit templates, on phones of their own."""
    open_wallet(s, "dave", "halyk", "full")
    s.template(ob.enrol(NETWORK, key("halyk"), certificate(s, "bob", key("device:bob"))))
    device, _ = phone(s, "olga", 0)
    s.template(ob.revoke(NETWORK, key("halyk"), certificate_serial(device)))
    device, _ = phone(s, "oleg", 0)
    owner = key("oleg")
    s.template(ob.purse_fund(NETWORK, [owner], s.coins(owner), device.public_hex, kzt(5_000)))
    device, state = phone(s, "ivan", kzt(5_000))
    bundle, state = pay(state, device, key("bob").public, kzt(700), s.time_ms)
    assert state.purse is not None
    purse = state.purse.purse_id.hex()
    s.template(ob.deposit(NETWORK, key("bob"), [(purse, device.public_hex, [bundle.voucher])]))
    left = state.purse.funded - state.spent
    s.template(
        ob.purse_defund(
            NETWORK, device, purse, state.counter, state.spent, left, key("ivan").public_hex
        )
    )


def certificate_serial(device: KeyPair) -> str:
    return format(int.from_bytes(sha256(device.public)[:8], "big") >> 1 | 1, "x")


def frauds(s: Story) -> None:
    """A cloned device: one double spend left as evidence (purse.fraud), one caught at deposit
    with the reserve advancing what the purse lacked (purse.clawback)."""
    bob, dave = key("bob").public, key("dave").public
    device, state = phone(s, "dina", kzt(3_000))
    first, _ = pay(state, device, bob, kzt(1_000), s.time_ms)
    clone, _ = pay(state, device, dave, kzt(2_000), s.time_ms)
    assert state.purse is not None
    purse = state.purse.purse_id.hex()
    s.template(
        ob.fraud(NETWORK, key("bob"), purse, device.public_hex, [first.voucher, clone.voucher])
    )
    device, state = phone(s, "erlan", kzt(3_000))
    assert state.purse is not None
    purse = state.purse.purse_id.hex()
    for payee, name in ((bob, "bob"), (dave, "dave")):
        bundle, _ = pay(state, device, payee, kzt(3_000), s.time_ms)
        s.commit(ob.deposit(NETWORK, key(name), [(purse, device.public_hex, [bundle.voucher])]))
    erlan = key("erlan")
    s.template(ob.clawback(NETWORK, key("halyk"), purse, s.coins(erlan), kzt(3_000)))


def offline(s: Story) -> None:
    """The chapter, in order; the CRL template comes last (it lists the revoked device)."""
    pki(s)
    purses(s)
    frauds(s)
    crl(s, 2, commit=False)
