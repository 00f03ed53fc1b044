"""Demo clients and referrals in every status, so a new user of `make run` sees a lived-in system.

Everything is made through the same services the API uses (so the ledger verifies and follow-ups
follow the rules), with event times spread over the past weeks. The people are made up.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, cast

import msgspec

from accounts.rows import AccountRow
from accounts.services.principal import principal_for_account
from accounts.tables import Account
from directory.tables import SearchDocument, Service, ServiceAtLocation
from kernel.database import write_transaction
from kernel.principal import Principal
from kernel.settings import Settings
from referrals.rows import ReferralRow
from referrals.schemas import (
    ClientIn,
    ConsentIn,
    ContactMethod,
    InformalSupport,
    NeedAnswerIn,
    ReferralEventIn,
    ReferralIn,
    ScreeningIn,
)
from referrals.services.clients import create_client, team_client
from referrals.services.consents import create_consent
from referrals.services.follow_ups import reconcile_follow_ups
from referrals.services.needs import record_screening
from referrals.services.referrals import append_event, create_referral, referral_events
from referrals.tables import Referral
from referrals.vocabulary import HandoffType, InformationScope, Need, NewStatus

__all__ = ["seed_demo_referrals"]

CM, PARTNER = "care_manager", "partner"
DEMO_ADDRESS = "demo seed"
"""The address the audit log records for what the demo seed does."""


@dataclass(frozen=True)
class Story:
    """One demo client and what happened to their referral, as (hours ago, who, change) steps."""

    name: str
    goal: str
    need: Need
    place: str
    """food, moud or housing: which demo partner's listing."""
    handoff: HandoffType
    steps: tuple[tuple[float, str, dict[str, Any]], ...]
    start_hours_ago: float
    appointment_in_hours: float | None = None
    first_status: NewStatus = "requested"


STORIES = (
    Story("Alex R.", "Groceries for the week", "food", "food", "warm_handoff", (), 20),
    Story(
        "Bea M.", "Food for my kids", "food", "food", "partner_outreach", ((60, PARTNER, {"status": "received"}),), 72
    ),
    Story(
        "Casey L.",
        "Start methadone and keep my job",
        "moud",
        "moud",
        "warm_handoff",
        ((100, PARTNER, {"status": "accepted", "note": "Intake booked"}),),
        120,
        appointment_in_hours=30,
    ),
    Story(
        "Dee W.",
        "Hot meals near work",
        "food",
        "food",
        "warm_handoff",
        ((130, PARTNER, {"status": "rejected", "reason_code": "not_eligible", "reason_text": "Outside area"}),),
        144,
    ),
    Story(
        "Eli S.",
        "Get on methadone",
        "moud",
        "moud",
        "accompanied",
        (
            (220, PARTNER, {"status": "accepted"}),
            (200, PARTNER, {"status": "on-hold", "reason_code": "waitlist", "reason_text": "Next intake slot"}),
        ),
        240,
    ),
    Story(
        "Fran K.",
        "Stay on my dose",
        "moud",
        "moud",
        "warm_handoff",
        ((270, PARTNER, {"status": "accepted"}), (250, PARTNER, {"status": "in-progress", "note": "First dose"})),
        288,
    ),
    Story(
        "Gus T.",
        "Stable on methadone",
        "moud",
        "moud",
        "accompanied",
        (
            (300, PARTNER, {"status": "accepted"}),
            (280, PARTNER, {"status": "in-progress"}),
            (150, PARTNER, {"status": "completed", "note": "Attending daily"}),
        ),
        320,
    ),
    Story(
        "Hana P.",
        "Start buprenorphine or methadone",
        "moud",
        "moud",
        "warm_handoff",
        (
            (90, PARTNER, {"status": "accepted"}),
            (20, PARTNER, {"status": "failed", "reason_code": "no_show", "reason_text": "Missed intake"}),
        ),
        96,
        appointment_in_hours=-48,
    ),
    Story("Ivy N.", "Food pantry near home", "food", "food", "warm_handoff", (), 4, first_status="draft"),
    Story(
        "Jo D.",
        "Groceries",
        "food",
        "food",
        "warm_handoff",
        ((40, CM, {"status": "cancelled", "reason_code": "need_met_elsewhere", "reason_text": "Church pantry"}),),
        50,
    ),
    Story(
        "Kai B.",
        "Groceries",
        "food",
        "food",
        "partner_outreach",
        ((30, CM, {"status": "entered-in-error", "note": "Wrong client chosen"}),),
        32,
    ),
    Story(
        "Lee F.",
        "A bed for tonight",
        "housing",
        "housing",
        "client_self",
        ((10, CM, {"status": "accepted"}), (8, CM, {"status": "completed", "note": "Checked in"})),
        12,
    ),
)


async def _service_at_location(organization_id: uuid.UUID | None, category: str) -> uuid.UUID | None:
    """A listing of the organization (or, without one, any listing) in the category."""
    query = SearchDocument.select(SearchDocument.id, SearchDocument.categories).where(SearchDocument.is_active.eq(True))
    if organization_id is not None:
        services = await Service.select(Service.id).where(Service.organization == organization_id)
        query = query.where(SearchDocument.service_id.is_in([s["id"] for s in services] or [uuid.uuid4()]))
    for row in await query.order_by(SearchDocument.id):
        categories = msgspec.json.decode(row["categories"]) if isinstance(row["categories"], str) else row["categories"]
        if category in categories and await ServiceAtLocation.exists().where(ServiceAtLocation.id == row["id"]):
            listing_id: uuid.UUID = row["id"]
            return listing_id
    return None


async def seed_demo_referrals(settings: Settings, now: dt.datetime | None = None) -> int:
    """Demo clients and referrals for the demo care team; 0 if there are already some, or no demo accounts."""
    now = now or dt.datetime.now(dt.UTC)
    demo_accounts = await Account.select().where(Account.is_demo.eq(True)).order_by(Account.email)
    accounts = {row["email"]: row for row in cast("list[AccountRow]", demo_accounts)}
    manager_row = accounts.get("care.manager@demo.example")
    partner_rows = [row for email, row in accounts.items() if email.startswith("partner")]
    if manager_row is None or len(partner_rows) < 2:
        return 0
    manager = principal_for_account(manager_row, DEMO_ADDRESS)
    if await Referral.exists().where(Referral.care_team == manager.care_team_id):
        return 0
    partners = {
        "food": principal_for_account(partner_rows[0], DEMO_ADDRESS),
        "moud": principal_for_account(partner_rows[1], DEMO_ADDRESS),
    }
    places = {
        "food": await _service_at_location(partners["food"].organization_id, "food"),
        "moud": await _service_at_location(partners["moud"].organization_id, "moud"),
        "housing": await _service_at_location(None, "housing"),
    }
    made = 0
    for story in STORIES:
        place = places[story.place]
        if place is None:
            continue
        await _tell(story, manager, partners.get(story.place), place, now, settings)
        made += 1
    return made


async def _tell(
    story: Story, manager: Principal, partner: Principal | None, place: uuid.UUID, now: dt.datetime, settings: Settings
) -> None:
    def hours_ago(hours: float) -> dt.datetime:
        return now - dt.timedelta(hours=hours)

    start = hours_ago(story.start_hours_ago + 1)
    created = await create_client(
        manager,
        ClientIn(
            preferred_name=story.name,
            contact_methods=[ContactMethod(method="text", value="555-0100", may_use=True)],
            preferred_language="en",
            home_postal_code="21201",
            goals=story.goal,
            strengths="Shows up for the people they care about",
            informal_supports=[InformalSupport(name="A sister", relationship="sister", may_contact=False)],
        ),
        start,
    )
    client = await team_client(manager, uuid.UUID(created.id))
    await record_screening(manager, client, ScreeningIn(answers=[NeedAnswerIn(need=story.need, answer="yes")]), start)
    consent_id = None
    if story.handoff != "client_self" and partner is not None:
        scope: InformationScope = "including_sud_treatment" if story.need == "moud" else "contact_and_need"
        consent = ConsentIn(
            recipient_organization_id=partner.organization_id,
            purpose="Referral and follow-up of care",
            information_scope=scope,
            information_description="Contact details, the need and the appointment"
            + (", and SUD treatment information" if story.need == "moud" else ""),
            expiry_event="When the client leaves the program",
            signed_at=start,
            signed_name=story.name,
        )
        consent_id = (await create_consent(manager, client, consent, start, settings))["id"]
    appointment = now + dt.timedelta(hours=story.appointment_in_hours) if story.appointment_in_hours else None
    referral = await create_referral(
        manager,
        ReferralIn(
            client_id=client["id"],
            service_at_location_id=place,
            need=story.need,
            handoff_type=story.handoff,
            goal=story.goal,
            appointment_at=appointment,
            consent_id=consent_id,
            status=story.first_status,
        ),
        hours_ago(story.start_hours_ago),
        settings,
    )
    referral_id = uuid.UUID(referral.id)
    version = referral.version
    for hours, side, change in story.steps:
        actor = manager if side == CM else partner
        if actor is None:
            continue
        version = (
            await append_event(
                actor, referral_id, ReferralEventIn(version=version, **change), hours_ago(hours), settings
            )
        ).version
    async with write_transaction(Referral._meta.db):
        row = cast("ReferralRow | None", await Referral.select().where(Referral.id == referral_id).first())
        if row is None:
            raise RuntimeError(f"referral {referral_id} vanished right after it was made")
        await reconcile_follow_ups(row, await referral_events(referral_id), now, settings)
