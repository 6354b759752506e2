"""The pure core of the digital tenge ledger: types, encoding, rules, state, blocks, storage.

Nothing here imports from ``api``, ``node``, ``wallet``, ``contracts`` or
``offline``; they build on it.
"""
