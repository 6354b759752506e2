"""The default privacy parameters: what the central bank allows each tier, in tiyn.

| tier | private: per payment | per day | anonymous: per withdrawal | per day | 30 days |
|---|---|---|---|---|---|
| anonymous | 20,000 KZT | 50,000 KZT | 10,000 KZT | 20,000 KZT | 50,000 KZT |
| basic | 200,000 KZT | 500,000 KZT | 20,000 KZT | 50,000 KZT | 100,000 KZT |
| full | 5,000,000 KZT | 10,000,000 KZT | 50,000 KZT | 100,000 KZT | 300,000 KZT |
| business | no cap | no cap | not allowed | | |

The tier's own limits (balance cap, per payment, per day) apply at every
level on top. At or above 1,000,000 KZT of payer outflow a private payment
carries a notice to the payer's bank (``aml_mode = "envelope"``, the
default; ``"refuse"`` sends such payments to the open level instead).
Denominations of anonymous tokens: 100, 500, 1,000, 5,000 and 10,000 KZT.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.params import kzt
from ledger.types import Tier
from privacy.types import AmlMode, Authority, Denomination, LevelCaps, PrivacyParams, TierPrivacy
from privacy.validator import ValidatorSecrets

DENOMINATIONS = tuple(kzt(x) for x in (100, 500, 1_000, 5_000, 10_000))
AML_THRESHOLD = kzt(1_000_000)


def _caps(per_payment: int | None, daily: int | None, holding: int | None = None) -> LevelCaps:
    return LevelCaps(
        per_payment=None if per_payment is None else kzt(per_payment),
        daily=None if daily is None else kzt(daily),
        holding=None if holding is None else kzt(holding),
    )


def default_tiers() -> dict[Tier, TierPrivacy]:
    """The table above."""
    return {
        "anonymous": TierPrivacy(_caps(20_000, 50_000), _caps(10_000, 20_000, 50_000)),
        "basic": TierPrivacy(_caps(200_000, 500_000), _caps(20_000, 50_000, 100_000)),
        "full": TierPrivacy(_caps(5_000_000, 10_000_000), _caps(50_000, 100_000, 300_000)),
        "business": TierPrivacy(LevelCaps(), LevelCaps(access="barred")),
    }


def default_params(
    validator: ValidatorSecrets,
    escrow: str,
    authorities: Sequence[Authority],
    threshold: int,
    *,
    aml_mode: AmlMode = "envelope",
    aml_threshold: int = AML_THRESHOLD,
    denominations: Sequence[int] = DENOMINATIONS,
) -> PrivacyParams:
    """Parameters naming this validator's public keys and the escrow key."""
    return PrivacyParams(
        validator=validator.attest_key.public_hex,
        validator_box=validator.box_public,
        escrow=escrow,
        authorities=tuple(authorities),
        threshold=threshold,
        tiers=default_tiers(),
        aml_threshold=aml_threshold,
        aml_mode=aml_mode,
        denominations=tuple(
            Denomination(amount=d, key=validator.voprf_key(d)[1].hex()) for d in denominations
        ),
    )
