"""No update may change a referral's, a consent's or a client's id (or the ledger head's).

Re-keying a row in another spelling of its id hid a referral from every lookup while its chain still
verified, and on SQLite an UPDATE OR REPLACE onto another row's id deleted that row without firing the
DELETE trigger. The update triggers are made again, now freezing the ids as well (kernel.append_only).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from kernel.append_only import PREFIX, Guard, guard_sql

# The same columns as the migration that made these triggers (migrations never change, so one copy serves).
from referrals.piccolo_migrations.referrals_2026_11_27t03_20_00_000000 import CONSENT_CONTENT, REFERRAL_IDENTITY

ID = "2026-11-27T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Append-only triggers refuse changing a referral's, consent's, client's or the ledger head's id"

GUARDS = (
    Guard("ledger_head", refuse_update=False, frozen=("id",)),
    Guard("referral", refuse_update=False, frozen=REFERRAL_IDENTITY),
    Guard("consent", refuse_update=False, frozen=CONSENT_CONTENT, final_when="revoked_at"),
    # Client records are kept up to date by the care team; only their id is evidence (referrals point at it).
    Guard("client", refuse_update=False, refuse_delete=False),
)


async def freeze_ids() -> None:
    engine = engine_finder()
    for guard in GUARDS:
        if engine.engine_type == "sqlite":
            # CREATE TRIGGER IF NOT EXISTS would keep the old trigger; PostgreSQL's CREATE OR REPLACE replaces it.
            await engine.run_ddl(f"DROP TRIGGER IF EXISTS {PREFIX}{guard.table}_update")
        for statement in guard_sql(engine.engine_type, guard):
            await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="referrals", description=DESCRIPTION)
    manager.add_raw(freeze_ids)
    return manager
