"""Who signs each kind, as ``docs/kinds.md`` states it (the stateful checks enforce it).

A kind registered without an entry here makes ``python -m tools.vectors.kinds``
fail, so the document cannot lose a kind's signers. "Owners of the inputs"
means one signature by the key of every output the transaction spends.
"""

from __future__ import annotations

CENTRAL_BANK = "a central bank key of the genesis (`central_bank_keys`), and nobody else"
INPUT_OWNERS = "exactly the owners of the inputs (one signature per distinct owner key, no other)"

SIGNERS: dict[str, str] = {
    # core
    "bank.register": CENTRAL_BANK,
    "bank.update": CENTRAL_BANK,
    "issue": CENTRAL_BANK,
    "limits.set": CENTRAL_BANK,
    "redeem": f"{INPUT_OWNERS}, each of them a key of the redeeming bank",
    "wallet.open": "keys of the bank named in `bank_id`, and nobody else",
    "wallet.update": "keys of the bank that opened the wallet, and nobody else",
    "wallet.link_deposit": "keys of the bank that opened the wallet, and nobody else",
    "wallet.reverse_mandate": "keys of the wallet itself, and nobody else (not its bank)",
    "waterfall.fund": f"keys of the bank named in `bank_id` ({INPUT_OWNERS})",
    "waterfall.withdraw": "keys of the bank named in `bank_id`, and nobody else",
    "transfer": INPUT_OWNERS,
    # programs
    "program.grant": CENTRAL_BANK,
    "program.create": "exactly the policy's `issuer` key (of a wallet granted the issuer role)",
    "program.issue": "exactly the program's issuer key (the KZT it locks is the issuer's)",
    "program.pay": INPUT_OWNERS,
    "program.convert": INPUT_OWNERS,
    "program.expire": "any one key, once the program has expired (the funds go to the issuer)",
    # escrow
    "escrow.open": f"{INPUT_OWNERS}; the `payer` must be one of them",
    "escrow.release": (
        "payer and payee together, or the arbiter, or (before the deadline, with the `code` "
        "of the hash-lock) any one party; no key that is not a party"
    ),
    "escrow.refund": (
        "any party from the deadline on; before it, the payee or the arbiter; "
        "no key that is not a party"
    ),
    # metering
    "meter.open": f"{INPUT_OWNERS}; the `customer` must be one of them",
    "meter.claim": "the meter's provider; the usage receipt inside is signed by the customer",
    "meter.close": (
        "the provider at any time, or the customer from `expires_at` on; no key but these two"
    ),
    # mandates
    "mandate.create": "keys of the payer's wallet, and nobody else",
    "mandate.pull": "the mandate's payee (the payer signed the mandate, not each pull)",
    "mandate.revoke": "keys of the payer's wallet, or the payee",
    # digital assets
    "asset.license": CENTRAL_BANK,
    "asset.create": "the class's `platform` key (a licensed platform's wallet key)",
    "asset.issue": "the class's platform key",
    "asset.transfer": INPUT_OWNERS,
    "asset.dvp": f"{INPUT_OWNERS}: the seller (its units) and the buyer (its KZT)",
    "asset.retire": f"{INPUT_OWNERS} and the class's platform key",
    # offline
    "offline.setup": CENTRAL_BANK,
    "offline.ca": CENTRAL_BANK,
    "offline.crl": "keys of the bank whose CRL it is, and nobody else",
    "reserve.fund": f"keys of the bank named in `bank_id` ({INPUT_OWNERS})",
    "device.enrol": "keys of the bank whose CA issued the device certificate",
    "device.revoke": "keys of the device's bank",
    "purse.fund": f"{INPUT_OWNERS} (keys of the wallet the device is enrolled to)",
    "purse.defund": (
        "the device key alone before the purse's settlement window ends; after it, the device "
        "key or keys of the purse's wallet"
    ),
    "voucher.deposit": (
        "exactly one key: the payee key of the vouchers, or a key of the payee's bank"
    ),
    "purse.fraud": (
        "any one key (usually the payee holding the vouchers): the proof is the vouchers, "
        "which the device signed"
    ),
    "purse.clawback": "keys of the purse's bank, and nobody else",
    # privacy
    "privacy.configure": CENTRAL_BANK,
    "privacy.disclose": (
        "at least `threshold` of the disclosure authorities named in the privacy parameters, "
        "and nobody else"
    ),
    "private.transfer": (
        "the validator's key alone (`params.validator`), which builds it after checking the "
        "plaintext; owners of any public inputs sign inside, in `input_auth`"
    ),
    "anon.withdraw": INPUT_OWNERS,
    "anon.spend": "the validator's key alone, which built it after verifying the tokens",
}


def signed_by(kind: str) -> str:
    """The sentence for ``kind``; a kind missing here is an error, not a gap in the doc."""
    try:
        return SIGNERS[kind]
    except KeyError:
        raise KeyError(f"tools/vectors/signers.py: say who signs {kind}") from None
