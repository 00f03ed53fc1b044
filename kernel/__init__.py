"""The kernel below the domains: settings, database engine, clock, paging and problem details.

Domains import from here; nothing here imports a domain (`server/` assembles them above).
"""
