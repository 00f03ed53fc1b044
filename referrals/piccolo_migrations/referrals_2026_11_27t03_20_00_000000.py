"""Seal the ledger: number and re-seal the events already there, then make evidence append-only.

Events written before this migration were hashed with plain SHA-256, which anyone could recompute. They
are numbered in time order, their first events given the referral's subject, and sealed with LEDGER_KEY;
the ledger head is set; consents are sealed. Then the database refuses UPDATE and DELETE of events, disclosures and
checkpoints, deleting referrals, consents or the head, re-pointing a referral and changing a consent
other than revoking it once.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from kernel.append_only import Guard, guard_sql

ID = "2026-11-27T03:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Seal the ledger with LEDGER_KEY; append-only triggers on the ledger, disclosures and consents"

REFERRAL_IDENTITY = (
    "client",
    "care_team",
    "service_at_location",
    "service",
    "partner_organization",
    "consent",
    "need",
    "goal",
    "handoff_type",
    "priority",
    "created_by",
    "created_at",
)
CONSENT_CONTENT = (
    "client",
    "care_team",
    "recipient_organization",
    "recipient_class",
    "purpose",
    "information_scope",
    "information_description",
    "expires_at",
    "expiry_event",
    "signed_at",
    "signature_method",
    "signed_name",
    "created_by",
    "created_at",
)
"""A frozen copy, as of this migration, of the columns the triggers guard."""
GUARDS = (
    Guard("referral_event", unique=(("id",), ("position",), ("referral", "sequence"))),
    Guard("disclosure"),
    Guard("ledger_checkpoint"),
    Guard("ledger_head", refuse_update=False, frozen=("id",)),
    Guard("referral", refuse_update=False, frozen=REFERRAL_IDENTITY),
    Guard("consent", refuse_update=False, frozen=CONSENT_CONTENT, final_when="revoked_at"),
)


async def reseal_existing_events() -> None:
    from referrals.services.ledger import GENESIS_HASH, _head_seal, event_seal, key_id, referral_subject
    from referrals.tables import LedgerHead, Referral, ReferralEvent
    from kernel.settings import Settings

    # Piccolo passes a migration nothing: the key comes from the environment, as the app's settings read it.
    key = Settings.from_environment().ledger_secret
    await seal_existing_consents(key)
    events = await ReferralEvent.select().order_by(ReferralEvent.at).order_by(ReferralEvent.referral).order_by(
        ReferralEvent.sequence
    )
    if not events:
        return
    for position, event in enumerate(events, start=1):
        event["position"] = position
    by_referral: dict[str, list[dict]] = {}
    for event in events:
        by_referral.setdefault(str(event["referral"]), []).append(event)
    referrals = {str(r["id"]): r for r in await Referral.select()}
    for referral_id, chain in by_referral.items():
        chain.sort(key=lambda e: e["sequence"])
        previous = GENESIS_HASH
        for event in chain:
            event["subject"] = referral_subject(referrals[referral_id]) if event["sequence"] == 1 else {}
            event["previous_hash"] = previous
            event["key_id"] = key_id(key)
            event["hash"] = event_seal(event, key)
            previous = event["hash"]
            await ReferralEvent.update(
                {
                    ReferralEvent.position: event["position"],
                    ReferralEvent.subject: event["subject"],
                    ReferralEvent.previous_hash: event["previous_hash"],
                    ReferralEvent.key_id: event["key_id"],
                    ReferralEvent.hash: event["hash"],
                }
            ).where(ReferralEvent.id == event["id"])
        await Referral.update({Referral.last_event_hash: previous}).where(Referral.id == referral_id)
    last = events[-1]
    await LedgerHead.insert(
        LedgerHead(
            id=1,
            position=last["position"],
            last_hash=last["hash"],
            seal=_head_seal(last["position"], last["hash"], key),
            updated_at=last["at"],
        )
    )


async def seal_existing_consents(key: str) -> None:
    from referrals.services.ledger import consent_seal
    from referrals.tables import Consent

    for consent in await Consent.select():
        await Consent.update({Consent.seal: consent_seal(consent, key)}).where(Consent.id == consent["id"])


async def make_evidence_append_only() -> None:
    engine = engine_finder()
    await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS referral_event_position ON referral_event (position)")
    for guard in GUARDS:
        for statement in guard_sql(engine.engine_type, guard):
            await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="referrals", description=DESCRIPTION)
    manager.add_raw(reseal_existing_events)
    manager.add_raw(make_evidence_append_only)
    return manager
