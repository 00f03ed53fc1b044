"""Lets the `piccolo` command (run from the project root) find the configuration in `server/`."""

from server.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
