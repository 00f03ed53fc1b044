"""Database engine selection (SQLite by default, PostgreSQL in production) and migrations."""

from __future__ import annotations

from pathlib import Path

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

__all__ = ["create_engine", "pending_migrations", "run_migrations", "sqlite_path"]


def sqlite_path(database_url: str) -> Path:
    """The file behind a `sqlite:///...` URL."""
    if not database_url.startswith("sqlite:///"):
        raise ValueError(f"not a SQLite URL: {database_url!r}")
    return Path(database_url.removeprefix("sqlite:///"))


def create_engine(database_url: str) -> Engine:
    """A Piccolo engine for the URL: PostgreSQL for postgresql://, otherwise a SQLite file."""
    if database_url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": database_url})
    path = sqlite_path(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Writers wait up to 30 s for the lock instead of failing at once under concurrent requests.
    return SQLiteEngine(path=str(path), timeout=30)


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
        modules = manager.get_migration_modules(app_config.migrations_folder_path)
        ran = set(await Migration.get_migrations_which_ran(app_config.app_name)) if table_exists else set()
        pending += [f"{app_config.app_name}:{i}" for i in manager.get_migration_ids(modules) if i not in ran]
    return pending
