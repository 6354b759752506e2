"""Generators of the published test vectors (docs/*-vectors.json and the docs' tables)."""
