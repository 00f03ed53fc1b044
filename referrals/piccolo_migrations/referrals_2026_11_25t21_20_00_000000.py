from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-25T21:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "One referral event per (referral, sequence); one follow-up per (referral, rule, due time)"


class ReferralEvent(Table, tablename="referral_event", schema=None):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="referrals", description=DESCRIPTION)

    # Two transitions based on the same referral version cannot both land.
    async def unique_event_sequence():
        await ReferralEvent.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS referral_event_referral_sequence ON referral_event (referral, sequence)"
        )
        # A rule reconciled twice at once must not owe the same check twice.
        await ReferralEvent.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS follow_up_referral_rule_due ON follow_up (referral, rule, due_at)"
        )

    async def drop_unique_event_sequence():
        await ReferralEvent.raw("DROP INDEX IF EXISTS referral_event_referral_sequence")
        await ReferralEvent.raw("DROP INDEX IF EXISTS follow_up_referral_rule_due")

    manager.add_raw(unique_event_sequence)
    manager.add_raw_backwards(drop_unique_event_sequence)
    return manager
