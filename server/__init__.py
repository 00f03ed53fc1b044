"""Application shell: settings, database engine, app factory and CLI shared by the domain apps."""

import os

# Piccolo finds its engine and apps through this module, wherever the process was started.
os.environ.setdefault("PICCOLO_CONF", "server.piccolo_conf")
