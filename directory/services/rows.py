"""Small helpers for reading table rows: ids as UUIDs, JSON list columns, rows grouped by a parent."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import msgspec
from piccolo.table import Table

__all__ = ["as_uuid", "json_list", "rows_by"]

#: Ids per `IN (...)` query, well under SQLite's and asyncpg's parameter limits.
IN_CHUNK = 500


def as_uuid(value: Any) -> uuid.UUID:
    """A UUID from a UUID or its text (SQLite returns text)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def json_list(value: Any) -> list[str]:
    """A JSON list column's value as a list, whether the driver returned text or a list."""
    if isinstance(value, str):
        return msgspec.json.decode(value) if value else []
    return list(value or [])


async def rows_by(table: type[Table], column: str, ids: list) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Rows of `table` whose `column` is one of `ids`, grouped by that column's value."""
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        for row in await table.select().where(getattr(table, column).is_in(chunk)):
            if row[column] is not None:
                grouped[as_uuid(row[column])].append(row)
    return grouped
