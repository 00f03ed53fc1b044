from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-05T01:30:07:000000"
VERSION = "1.38.0"
DESCRIPTION = "Services already imported name their source as their organization's data_source"


class Service(Table, tablename="service", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="directory", description=DESCRIPTION)

    async def name_the_sources_of_imported_services():
        # Imports credited their package's name unless told otherwise: the best guess of a service's source,
        # so the first re-import after this migration can tell which services its package no longer lists.
        await Service.raw(
            "UPDATE service SET source = COALESCE(("
            "SELECT data_source FROM organization WHERE organization.id = service.organization"
            "), '') WHERE source = ''"
        )

    manager.add_raw(name_the_sources_of_imported_services)

    return manager
