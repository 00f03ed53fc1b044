"""The referral ledger: clients, consent, referrals and follow-up checks (steps 2 and 3)."""
