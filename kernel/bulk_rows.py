"""Reading and writing many table rows at once: ids as UUIDs, JSON list columns, bulk IN queries
and bulk upserts (straight SQL through the engine's connection, see kernel.database)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec
from piccolo.table import Table

from kernel.database import execute_many, fetch_all, quoted

__all__ = [
    "as_uuid",
    "delete_where_in",
    "json_list",
    "query_rows_by",
    "query_where_in",
    "rows_by",
    "select_where_in",
    "upsert_rows",
]

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


def _in_chunks(ids: Sequence[Any]) -> Iterator[tuple[list[Any], str]]:
    for start in range(0, len(ids), IN_CHUNK):
        chunk = list(ids[start : start + IN_CHUNK])
        yield chunk, ",".join("?" * len(chunk))


async def select_where_in(
    table: type[Table], column: str, ids: Sequence[Any], columns: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Rows of `table` (all columns, or `columns`) whose `column` is one of `ids`."""
    selected = ", ".join(quoted(c) for c in columns) if columns else "*"
    rows: list[dict[str, Any]] = []
    for chunk, marks in _in_chunks(ids):
        rows += await fetch_all(
            table._meta.db,
            f"SELECT {selected} FROM {quoted(table._meta.tablename)} WHERE {quoted(column)} IN ({marks})",
            chunk,
        )
    return rows


async def rows_by(table: type[Table], column: str, ids: Sequence[Any]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Rows of `table` whose `column` is one of `ids`, grouped by that column's value."""
    return _grouped_by(await select_where_in(table, column, ids), column)


async def query_where_in(table: type[Table], column: str, ids: Sequence[Any]) -> list[dict[str, Any]]:
    """Rows of `table` whose `column` is one of `ids`, through Piccolo (typed values): for request-time reads
    of a page's worth of rows, where the bulk SQL above would only save microseconds."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), IN_CHUNK):
        chunk = list(ids[start : start + IN_CHUNK])
        rows += await table.select().where(table._meta.get_column_by_name(column).is_in(chunk))
    return rows


async def query_rows_by(table: type[Table], column: str, ids: Sequence[Any]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """`query_where_in`, grouped by the column's value."""
    return _grouped_by(await query_where_in(table, column, ids), column)


def _grouped_by(rows: list[dict[str, Any]], column: str) -> dict[uuid.UUID, list[dict[str, Any]]]:
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row[column] is not None:
            grouped[as_uuid(row[column])].append(row)
    return grouped


async def delete_where_in(table: type[Table], column: str, ids: Sequence[Any]) -> None:
    """Delete the rows of `table` whose `column` is one of `ids`."""
    for chunk, marks in _in_chunks(ids):
        await fetch_all(
            table._meta.db, f"DELETE FROM {quoted(table._meta.tablename)} WHERE {quoted(column)} IN ({marks})", chunk
        )


async def upsert_rows(table: type[Table], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, updating those whose primary key exists; a column a row lacks takes its default."""
    if not rows:
        return
    present = set().union(*rows)
    columns = [c for c in table._meta.columns if c._meta.name in present]
    names = [c._meta.db_column_name for c in columns]
    primary_key = table._meta.primary_key._meta.db_column_name
    updates = ", ".join(f"{quoted(n)} = excluded.{quoted(n)}" for n in names if n != primary_key)
    sql = (
        f"INSERT INTO {quoted(table._meta.tablename)} ({', '.join(quoted(n) for n in names)}) "
        f"VALUES ({', '.join('?' * len(names))}) ON CONFLICT ({quoted(primary_key)}) "
        + (f"DO UPDATE SET {updates}" if updates else "DO NOTHING")
    )
    # Re-imports reset what a package dropped to the column default.
    defaults = [(c._meta.name, c.get_default_value()) for c in columns]
    await execute_many(table._meta.db, sql, [[row.get(name, default) for name, default in defaults] for row in rows])
