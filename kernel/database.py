"""Database engine selection (SQLite by default, PostgreSQL in production) and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.methods.select import Select

SelectQuery = TypeVar("SelectQuery", bound=Select[Any])

__all__ = [
    "DatabaseHealth",
    "create_engine",
    "database_unreachable",
    "execute_many",
    "fetch_all",
    "locked_for_update",
    "one_connection",
    "pending_migrations",
    "quoted",
    "raw_connection",
    "run_migrations",
    "sqlite_path",
    "write_transaction",
]


def sqlite_path(database_url: str) -> Path:
    """The file behind a `sqlite:///...` URL."""
    if not database_url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {database_url!r}")
    return Path(database_url.removeprefix("sqlite:///"))


def create_engine(database_url: str) -> Engine[Any]:
    """A Piccolo engine for the URL: PostgreSQL for postgresql://, otherwise a SQLite file."""
    if database_url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": database_url})
    path = sqlite_path(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The file holds client records: only its owner may read it (SQLite gives its journals the same mode).
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    # Writers wait up to 30 s for the lock instead of failing at once under concurrent requests.
    return SQLiteEngine(path=str(path), timeout=30)


def write_transaction(engine: Engine[Any]) -> AbstractAsyncContextManager[object, None]:
    """A transaction that reads then writes: on SQLite it takes the write lock at once, so two
    of them cannot both read the same state and then collide (PostgreSQL locks rows instead)."""
    if isinstance(engine, SQLiteEngine):
        transaction = engine.transaction(transaction_type=TransactionType.immediate)
    else:
        transaction = engine.transaction()
    # Piccolo declares `__aexit__ -> bool` but returns False whenever an exception came through: no
    # exception is swallowed, and saying so lets mypy see that a `return` inside the block always ends it.
    return cast("AbstractAsyncContextManager[object, None]", transaction)


def locked_for_update(query: SelectQuery) -> SelectQuery:
    """The select with its rows locked until the transaction ends (FOR UPDATE) on PostgreSQL; SQLite has no row
    locks and needs none inside `write_transaction`, whose write lock is taken at BEGIN."""
    return query if isinstance(query.table._meta.db, SQLiteEngine) else query.lock_rows()


def one_connection(engine: Engine[Any]) -> AbstractAsyncContextManager[object, None]:
    """Reads that share one connection (one read transaction): outside a transaction Piccolo's SQLite engine opens a
    connection, in a thread of its own, for every query, which made a listing page of twenty small queries cost
    more than a search; on PostgreSQL it takes one pooled connection instead of twenty."""
    return cast("AbstractAsyncContextManager[object, None]", engine.transaction())


async def run_migrations() -> None:
    """Apply every pending Piccolo migration of every app, failing loudly."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def pending_migrations() -> list[str]:
    """Migrations present in the code but not yet applied to the database, as `app:id`."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.tables import Migration

    manager = BaseMigrationManager()
    table_exists = await Migration.table_exists().run()
    pending: list[str] = []
    for app_config in manager.get_app_registry().app_configs.values():
        modules = manager.get_migration_modules(app_config.resolved_migrations_folder_path)
        ran = set(await Migration.get_migrations_which_ran(app_config.app_name)) if table_exists else set()
        pending += [f"{app_config.app_name}:{i}" for i in manager.get_migration_ids(modules) if i not in ran]
    return pending


# --- whether the database can be reached --------------------------------------------------------------

_POSTGRES_AWAY = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
)
_SQLITE_AWAY = ("unable to open", "disk i/o error", "database or disk is full")


def database_unreachable(error: BaseException) -> bool:
    """Whether an error (or what caused it) says the database cannot be reached now: the connection refused or
    lost, the server shutting down, the SQLite file or its disk failing. Such a request may succeed if retried
    (503); any other error is a fault (500)."""
    seen: BaseException | None = error
    for _ in range(5):  # a short chain: errors wrapped by the driver or the pool
        if seen is None:
            return False
        if isinstance(seen, (OSError, *_POSTGRES_AWAY)):
            return True
        if isinstance(seen, sqlite3.OperationalError) and any(words in str(seen).lower() for words in _SQLITE_AWAY):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class DatabaseHealth:
    """Whether the database answered its last check: a background task asks it every `interval` seconds, so a
    health check answers from memory (a load balancer's checks never queue for a connection)."""

    def __init__(self, engine: Engine[Any], interval: float, timeout: float = 5.0) -> None:
        self.engine = engine
        self.interval = interval
        self.timeout = timeout
        self.reachable = True
        """The lifespan opened the database before serving, so it starts reachable."""
        self.checked_at = dt.datetime.now(dt.UTC)
        self._checker: asyncio.Task[None] | None = None

    async def check(self) -> bool:
        """Ask the database for `SELECT 1` (within `timeout` seconds) and remember whether it answered."""
        try:
            await asyncio.wait_for(self.engine.run_ddl("SELECT 1"), self.timeout)
            self.reachable = True
        except Exception:  # noqa: BLE001 (whatever the failure, the database did not answer)
            self.reachable = False
        self.checked_at = dt.datetime.now(dt.UTC)
        return self.reachable

    async def start(self) -> None:
        """Start checking every `interval` seconds."""
        self._checker = asyncio.create_task(self._check_forever(), name="database-health")

    async def stop(self) -> None:
        """Stop checking."""
        if self._checker is not None:
            self._checker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checker
            self._checker = None

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.check()


# --- bulk SQL -----------------------------------------------------------------------------------------
# Piccolo builds each query from Python objects, which costs ~10 µs per value; imports of 100k
# services and their listings send millions of values, so these paths speak SQL directly through
# the connection Piccolo holds (the current transaction's, when there is one).


@asynccontextmanager
async def raw_connection(engine: Engine[Any]) -> AsyncIterator[Any]:
    """The current transaction's driver connection, else a pooled or new one."""
    transaction = engine.current_transaction.get()
    if transaction is not None:
        yield transaction.connection
    elif isinstance(engine, PostgresEngine) and engine.pool is not None:
        async with engine.pool.acquire() as connection:
            yield connection
    else:
        if isinstance(engine, PostgresEngine):
            connection = await engine.get_new_connection()
        elif isinstance(engine, SQLiteEngine):
            connection = await engine.get_connection()
        else:
            raise TypeError(f"no raw connection for a {type(engine).__name__}: only PostgreSQL and SQLite")
        try:
            yield connection
        finally:
            await connection.close()


def _dialect(engine: Engine[Any], sql: str) -> str:
    """`?` placeholders as the engine wants them ($1, $2, ... for PostgreSQL)."""
    if not isinstance(engine, PostgresEngine):
        return sql
    counter = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


async def fetch_all(engine: Engine[Any], sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows of a query with `?` placeholders, as dicts."""
    async with raw_connection(engine) as connection:
        if isinstance(engine, PostgresEngine):
            return [dict(r) for r in await connection.fetch(_dialect(engine, sql), *args)]
        async with connection.execute(sql, list(args)) as cursor:
            return list(await cursor.fetchall())


async def execute_many(engine: Engine[Any], sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """One statement with `?` placeholders, run for every row of arguments."""
    if not rows:
        return
    async with raw_connection(engine) as connection:
        await connection.executemany(_dialect(engine, sql), rows)


def quoted(name: str) -> str:
    """An SQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'
