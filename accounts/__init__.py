"""People and access: accounts, care teams, roles, sessions, API tokens and the audit log."""
