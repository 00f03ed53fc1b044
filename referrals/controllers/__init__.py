"""HTTP API of the referral ledger: clients, consent, referrals, follow-ups."""
