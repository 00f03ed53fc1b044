from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T21:06:34:158790"
VERSION = "1.38.0"
DESCRIPTION = "Sync passes are numbered: a full pass finds what it did not see by number, not by time"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="directory", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="SyncSource",
        tablename="sync_source",
        column_name="pass_number",
        db_column_name="pass_number",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="SyncedService",
        tablename="synced_service",
        column_name="seen_in_pass",
        db_column_name="seen_in_pass",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
