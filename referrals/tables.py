"""Referral-ledger tables; filled in by steps 2 and 3."""
