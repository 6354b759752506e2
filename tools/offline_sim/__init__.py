"""Tooling: an offline-payments pilot simulated on a real ledger."""
