"""Stable identifiers: keep HSDS UUIDs, derive UUIDs for anything else so re-imports update in place."""

from __future__ import annotations

import uuid
from functools import lru_cache

__all__ = ["DIRECTORY_NAMESPACE", "stable_uuid"]

DIRECTORY_NAMESPACE = uuid.UUID("6f6e2b1e-3c55-4b53-9a43-2f0d8a6b7c10")


@lru_cache(maxsize=1 << 20)  # imports ask for the same id once per row that refers to it
def stable_uuid(value: str | None, *scope: str) -> uuid.UUID:
    """`value` itself when it is a UUID; otherwise a UUIDv5 of the scope and value.

    The scope (e.g. package name and table) keeps `1` in one table apart from `1` in another.
    """
    if value:
        try:
            return uuid.UUID(str(value))
        except ValueError:
            pass
    return uuid.uuid5(DIRECTORY_NAMESPACE, ":".join([*scope, str(value or "")]))
