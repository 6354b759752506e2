"""Offline payments: device certificates, purses, vouchers (issue 9)."""
