"""Account rules: principals, passwords, sign-in, API tokens and the audit log."""
