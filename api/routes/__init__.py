"""Blueprints, one per resource family."""
