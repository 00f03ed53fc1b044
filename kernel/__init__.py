"""The kernel below the domains: settings, database engine, clock, paging and problem details.

Domains import from here; nothing here imports a domain (`server/` assembles them above).
"""

import os

# Piccolo finds its engine and apps through this module, wherever the process was started.
os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")
