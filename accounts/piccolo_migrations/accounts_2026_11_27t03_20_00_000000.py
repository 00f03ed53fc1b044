"""The audit log is append-only: the database refuses UPDATE and DELETE of its rows."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from kernel.append_only import Guard, guard_sql

ID = "2026-11-27T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Append-only audit log"


async def make_audit_append_only() -> None:
    engine = engine_finder()
    for statement in guard_sql(engine.engine_type, Guard("audit_event")):
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)
    manager.add_raw(make_audit_append_only)
    return manager
