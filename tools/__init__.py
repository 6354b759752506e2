"""Tooling outside the product: vector generators, the narrated demo, the offline pilot simulation.

Nothing in the product imports this package (import-linter checks it).
"""
