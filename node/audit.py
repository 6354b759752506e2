"""``python -m node.audit --data DIR``: the ledger audit with every kind this node runs.

The same as ``python -m ledger.audit`` but with the node's full registry
(contracts included), so blocks holding programs, escrows, meters and
mandates replay, and locked value is counted in the supply.
"""

from __future__ import annotations

import sys

from ledger.audit import main as audit_main
from node.composition import full_registry


def main(argv: list[str] | None = None) -> int:
    """Audit a node's LevelDB directory; exit 0 only if everything agrees."""
    return audit_main(argv, full_registry())


if __name__ == "__main__":
    sys.exit(main())
