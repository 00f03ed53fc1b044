"""Rules of the referral ledger: plain async functions the controllers and the CLI call."""
