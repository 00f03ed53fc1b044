from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T21:06:35:000000"
VERSION = "1.38.0"
DESCRIPTION = "The services each source listed before passes were numbered count as seen by pass 0"


class SyncedService(Table, tablename="synced_service", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="directory", description=DESCRIPTION)

    async def number_the_rows_already_seen():
        # Rows listed before this migration count as seen by pass 0, the number every source starts with, so
        # the next full pass confirms only what it does not list; a pass left unfinished has not seen the rows
        # older than its start (-1).
        await SyncedService.raw(
            "UPDATE synced_service SET seen_in_pass = CASE WHEN seen_at < ("
            "SELECT pass_started_at FROM sync_source WHERE sync_source.id = synced_service.source"
            ") THEN -1 ELSE 0 END WHERE seen_at IS NOT NULL"
        )

    manager.add_raw(number_the_rows_already_seen)

    return manager
