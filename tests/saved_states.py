"""Saved database states: what a fixture builds (the migrated empty directory, the referral tests' world, the demo
seed) is built once per test process and copied back before each test that asks for it, instead of being built
again every time.

On SQLite a state is a copy of the database file (SQLite's online backup, so no half-written page is ever copied);
on PostgreSQL it is a schema `saved_<name>` holding a copy of every table, copied back row for row with triggers
and foreign-key checks off (a per-test `CREATE DATABASE ... TEMPLATE` would need every pooled connection closed
first). Each xdist worker has a database of its own (tests/conftest.py), so its saved states are its own too.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

_values: dict[str, Any] = {}
"""What each state's builder returned (ids, tokens), handed to every test that restores it."""


def restore_or_build(name: str, build: Callable[[], Any]) -> Any:
    """Put the database back into the state `name`, building it with `build()` and saving it the first time
    (`build` starts from whatever state the database is in: it restores the state it builds on); returns what
    `build()` returned."""
    if name in _values:
        _restore(name)
        return _values[name]
    value = build()
    _save(name)
    _values[name] = value
    return value


def _url() -> str:
    return os.environ["DATABASE_URL"]


def _postgres() -> bool:
    return _url().startswith(("postgresql://", "postgres://"))


def _live_file() -> Path:
    """The SQLite file the app's engine uses (a mutation run points each mutant's engine at a copy of its own)."""
    from server.piccolo_conf import DB

    return Path(DB.path)


def _save(name: str) -> None:
    if _postgres():
        asyncio.run(_postgres_save(name))
    else:
        _saved_files[name] = _live_file().with_name(f"{_live_file().stem}.saved-{name}.sqlite")
        _sqlite_copy(_live_file(), _saved_files[name])


def _restore(name: str) -> None:
    if _postgres():
        asyncio.run(_postgres_restore(name))
    else:
        _sqlite_copy(_saved_files[name], _live_file())


_saved_files: dict[str, Path] = {}
"""Where each state was saved (kept, not derived from the live file: a mutant forked from the process that
saved it runs on a copy elsewhere and restores from the same saved file)."""


def _sqlite_copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"


async def _postgres_save(name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_url())
    try:
        tables = [row["tablename"] for row in await connection.fetch(_TABLES)]
        statements = [f'DROP SCHEMA IF EXISTS "saved_{name}" CASCADE', f'CREATE SCHEMA "saved_{name}"']
        statements += [f'CREATE TABLE "saved_{name}"."{table}" AS TABLE public."{table}"' for table in tables]
        await connection.execute(";\n".join(statements))
    finally:
        await connection.close()


_restore_scripts: dict[str, str] = {}


async def _postgres_restore(name: str) -> None:
    """One round trip: empty every table and copy the saved rows back, in one transaction."""
    import asyncpg

    connection = await asyncpg.connect(_url())
    try:
        if name not in _restore_scripts:
            _restore_scripts[name] = await _restore_script(connection, name)
        await connection.execute(_restore_scripts[name])
    finally:
        await connection.close()


async def _restore_script(connection: Any, name: str) -> str:
    tables = [row["tablename"] for row in await connection.fetch(_TABLES)]
    counts = {table: await connection.fetchval(f'SELECT count(*) FROM "saved_{name}"."{table}"') for table in tables}
    statements = ["BEGIN", "SET LOCAL session_replication_role = replica"]
    # DELETE, not TRUNCATE: on tables of a few rows it is many times faster.
    statements += [f'DELETE FROM public."{table}"' for table in tables]
    statements += [f'INSERT INTO public."{t}" SELECT * FROM "saved_{name}"."{t}"' for t in tables if counts[t]]
    statements.append("COMMIT")
    return ";\n".join(statements)
