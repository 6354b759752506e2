"""The signed-read nonce book: once per (key, nonce) within the window, kept in the store."""

from __future__ import annotations

from ledger.storage import KeyValueStore, schema
from node.nonces import NonceBook, claim_id


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_nonce_is_accepted_once(store: KeyValueStore) -> None:
    book = NonceBook(store, Clock())
    assert book.claim("k1", "n1", 600)
    assert not book.claim("k1", "n1", 600)
    assert book.claim("k2", "n1", 600), "the same nonce under another key is another claim"


def test_a_new_book_over_the_same_store_remembers_every_claim(store: KeyValueStore) -> None:
    clock = Clock()
    assert NonceBook(store, clock).claim("k1", "n1", 600)
    clock.now += 10
    assert not NonceBook(store, clock).claim("k1", "n1", 600)


def test_claims_older_than_the_window_are_forgotten_and_deleted(store: KeyValueStore) -> None:
    clock = Clock()
    book = NonceBook(store, clock)
    assert book.claim("k1", "old", 600)
    clock.now += 601
    assert book.claim("k1", "new", 600)
    stored = [key for key, _ in store.iterate(schema.NONCES)]
    assert len(stored) == 1 and stored[0].endswith(claim_id("k1", "new"))
    assert book.claim("k1", "old", 600), "outside the window the signature itself has expired"
