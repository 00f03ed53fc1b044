"""Checkpoints keep the ledger digest: every event's seal up to their position, folded in order.

A checkpoint that named only the last event's seal did not cover the other referrals' chains: a key holder
could re-seal one of them and an outside checkpoint still held. Older checkpoints keep an empty digest.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T21:14:48:252651"
VERSION = "1.38.0"
DESCRIPTION = "Checkpoints keep the ledger digest over every referral's chain"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="referrals", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="LedgerCheckpoint",
        tablename="ledger_checkpoint",
        column_name="ledger_digest",
        db_column_name="ledger_digest",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
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

    return manager
