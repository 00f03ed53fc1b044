"""Above the domains: the app factory, the CLI, the Piccolo app registry, the layout and everything that names
every domain. The domains import nothing from here."""

import os

# Piccolo finds its engine and apps through this module, wherever the process was started.
os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")
