"""The token policy the core ``transfer`` consults when it moves special-purpose tokens.

Registered as ``Registry.token_policy``. For every special token a transfer
moves, the token's policy decides:

- the payment happens inside the validity window and before expiry;
- value kept by the payers (change, moves between their own keys) is free;
- the issuer's key distributes level-0 tokens to anyone (that is the program);
- anything else is a payment: an earmarked token (with an ``onward`` level)
  must go through ``program.pay``; otherwise every recipient must be allowed
  (regions, list, people only if transferable, MCC) and the total paid to
  others stays within ``per_payment``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from contracts.changes import owner_ids, party, token_record
from contracts.errors import PolicyViolation
from contracts.policy import Policy, check_cap, check_recipient, check_window, token_id
from ledger.registry import Pending, WalletFlow
from ledger.rules.limits import owner_of
from ledger.state import StateView
from ledger.types import Output


class ProgramPolicy:
    """Policies of special-purpose tokens, read from state (``contracts.records``)."""

    def check_transfer(
        self,
        pending: Pending,
        tokens: Iterable[str],
        flows: Mapping[str, WalletFlow],
        state: StateView,
    ) -> None:
        """Raise :class:`PolicyViolation` (or another specific error) if a policy refuses."""
        outputs: tuple[Output, ...] = pending.tx.body.creates()
        for token in sorted(tokens):
            policy = token_record(token, state).policy
            check_window(policy, token, pending.block.time_ms)
            spent = [o for o in pending.spent if o.token == token]
            if {o.owner for o in spent} == {policy.issuer}:
                continue  # the issuer distributing its program
            paid = paid_to_others(spent, [o for o in outputs if o.token == token], state)
            if paid:
                check_payment(policy, token, paid, state)


def paid_to_others(
    spent: Iterable[Output], created: Iterable[Output], state: StateView
) -> list[Output]:
    """Outputs to owners other than the payers (whose change is not a payment)."""
    payers = owner_ids(spent, state)
    return [o for o in created if owner_of(o.owner, state).id not in payers]


def check_payment(policy: Policy, token: str, paid: list[Output], state: StateView) -> None:
    """Every recipient allowed and the total within the cap; earmarked tokens refused."""
    if policy.onward is not None:
        onward = token_id(policy.onward)
        raise PolicyViolation(token=token, rule="earmark", allowed=[onward], got=token)
    for output in paid:
        check_recipient(policy, token, party(owner_of(output.owner, state), state))
    check_cap(policy, token, sum(o.amount for o in paid))
