"""Wallet SDK: keys, transaction builders, REST client and CLI (phone-side code only)."""
