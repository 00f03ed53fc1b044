"""Referrals: made by care managers, reported on by partners, every change an event in the ledger.

Each function here is one whole operation in one transaction: the referral row, its sealed ledger
event, its follow-up checks, the directory feedback, the audit row, and the disclosure of what the
caller is shown all commit together or not at all. Controllers only parse, call one of these and render.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

import msgspec
from piccolo.columns import Column

from accounts.services.audit import record_audit
from directory.listings.facts import ListingFacts, listing_facts
from directory.schemas import ServiceListing
from directory.search.index import note_directory_change
from directory.search.listing_search import public_listings
from directory.tables import ServiceAtLocation
from kernel.clock import require_plausible
from kernel.database import write_transaction
from kernel.paging import Page, make_page, offset_of
from kernel.principal import Principal
from kernel.problems import Conflict, Forbidden, Invalid
from kernel.settings import Settings
from referrals.errors import (
    CLIENT_FILTER_FOR_CARE_MANAGERS,
    CONSENT_MISSING,
    CONSENT_UNKNOWN,
    INBOX_FOR_PARTNERS,
    NEED_UNKNOWN,
    PARTNER_ACCESS_ENDED,
    REFERRAL_LISTING_GONE,
    REFERRAL_LISTING_UNKNOWN,
    SIMULTANEOUS_CHANGE,
    STALE_VERSION,
)
from referrals.rows import ClientRow, ConsentRow, NamedReferralRow, ReferralEventRow
from referrals.schemas import ConsentIn, PartnerReferralOut, ReferralEventIn, ReferralIn, ReferralOut
from referrals.services.access import find_referral, partner_access, referrals_visible_to, with_names
from referrals.services.clients import team_client
from referrals.services.consents import ConsentCheck, check_consent, create_consent, list_consents
from referrals.services.directory_feedback import report_if_listing_wrong
from referrals.services.disclosures import record_disclosure
from referrals.services.fhir import FhirJson, ReadableResource, readable_resource, referral_bundle
from referrals.services.follow_ups import follow_ups_of, reconcile_follow_ups
from referrals.services.ledger import GENESIS_HASH, append_sealed, referral_subject
from referrals.services.transitions import CLOSED_STATUSES, check_event
from referrals.services.views import care_team_view, partner_view
from referrals.tables import Client, Consent, Referral, ReferralEvent
from referrals.vocabulary import REFERRAL_NEEDS, Channel, Status

__all__ = [
    "NEEDS_FOR_REFERRAL",
    "PartnerAccessEnded",
    "InboxFilter",
    "ReferralOffer",
    "ReferralView",
    "StaleVersion",
    "append_event",
    "create_referral",
    "export_fhir",
    "list_referrals",
    "open_referral",
    "open_referral_to_call",
    "read_fhir_resource",
    "refer_with_consent",
    "partner_inbox",
    "referral_events",
    "referral_offer",
    "side_of",
]

NEEDS_FOR_REFERRAL = REFERRAL_NEEDS
"""A referral's need is a top-level directory category."""

ReferralView = ReferralOut | PartnerReferralOut


class StaleVersion(Conflict):
    """The change was based on an older version of the referral (HTTP 409)."""


class PartnerAccessEnded(Forbidden):
    """A partner changing a referral whose client it may not see now (HTTP 403): consent revoked, expired or
    not covering it, or the referral withdrawn. The message names only the consent_status its views show."""


def side_of(principal: Principal) -> str:
    """Which side of a referral the principal acts for: care_manager or partner."""
    return "partner" if principal.role == "partner_staff" else "care_manager"


async def referral_events(referral_id: uuid.UUID) -> list[ReferralEventRow]:
    """A referral's events in order."""
    events = await ReferralEvent.select().where(ReferralEvent.referral == referral_id).order_by(ReferralEvent.sequence)
    return cast("list[ReferralEventRow]", events)


def _event(
    referral_id: uuid.UUID,
    sequence: int,
    principal: Principal,
    now: dt.datetime,
    from_status: Status | None,
    previous_hash: str,
    *,
    to_status: Status,
    reason_code: str | None = None,
    reason_text: str = "",
    note: str = "",
    appointment_at: dt.datetime | None = None,
    subject: dict[str, object] | None = None,
) -> ReferralEventRow:
    """A new event, not yet sealed (append_sealed gives it its position, key id and seal)."""
    return {
        "id": uuid.uuid4(),
        "referral": referral_id,
        "sequence": sequence,
        "position": 0,
        "at": now,
        "account": principal.account_id,
        "api_token": principal.token_id,
        "role": principal.role,
        "organization": principal.scope,
        "from_status": from_status,
        "to_status": to_status,
        "reason_code": reason_code,
        "reason_text": reason_text,
        "note": note,
        "appointment_at": appointment_at,
        "subject": msgspec.json.encode(subject or {}).decode(),
        "previous_hash": previous_hash,
        "key_id": "",
        "hash": "",
    }


async def _seal(referral: NamedReferralRow, event: ReferralEventRow, settings: Settings) -> None:
    """Seal the event into the ledger and point the referral's head at it."""
    await append_sealed(event, settings)
    await Referral.update({Referral.last_event_hash: event["hash"]}).where(Referral.id == referral["id"])
    referral["last_event_hash"] = event["hash"]


async def _render_and_seal(
    principal: Principal,
    referral: NamedReferralRow,
    event: ReferralEventRow,
    events: list[ReferralEventRow],
    now: dt.datetime,
    settings: Settings,
    channel: Channel,
) -> ReferralView:
    """The last steps of a change: render the caller's view, then seal the event. Sealing takes the ledger
    head's lock, which every change waits for, so it comes last and is held only until the commit."""
    event["hash"] = ""
    view = await _render(principal, referral, events, now, settings, channel)
    await _seal(referral, event, settings)
    if isinstance(view, ReferralOut):
        view.timeline[-1].hash = event["hash"]
    return view


async def _care_team_render(
    referral: NamedReferralRow, events: list[ReferralEventRow], now: dt.datetime
) -> ReferralOut:
    client = await _client(referral)
    if client is None:
        raise RuntimeError(f"referral {referral['id']} names client {referral['client']}, which is not there")
    consent = None
    if referral["consent"] is not None:
        consent = cast("ConsentRow | None", await Consent.select().where(Consent.id == referral["consent"]).first())
    return care_team_view(referral, events, await follow_ups_of(referral["id"]), client, consent, now)


async def _client(referral: NamedReferralRow) -> ClientRow | None:
    """The referral's client row (read for a view: the referral was found for the caller already)."""
    return cast("ClientRow | None", await Client.select().where(Client.id == referral["client"]).first())


async def _render(
    principal: Principal,
    referral: NamedReferralRow,
    events: list[ReferralEventRow],
    now: dt.datetime,
    settings: Settings,
    channel: Channel = "api",
) -> ReferralView:
    """The caller's view of the referral, recording a partner's disclosure when client details are shown.

    Call it inside the operation's transaction, so a view is never returned without its disclosure row."""
    if principal.role != "partner_staff":
        return await _care_team_render(referral, events, now)
    access = await partner_access(principal, referral, now, settings)
    client = None
    if access.shows_client:
        client = await _client(referral)
        consent_id = access.consent["id"] if access.consent else None
        await record_disclosure(principal, referral, consent_id, channel, access.information, now)
    return partner_view(principal, referral, events, access, client, now)


async def _require_covering_consent(
    client_id: uuid.UUID,
    consent_id: uuid.UUID | None,
    listing: ListingFacts,
    need: str,
    handoff_type: str,
    now: dt.datetime,
    settings: Settings,
) -> None:
    """Invalid unless the client's consent covers disclosing this referral to the listing's organization now:
    checked when a referral is made and again when a draft is sent."""
    consent = None
    if consent_id is not None:
        consent = cast(
            "ConsentRow | None",
            await Consent.select().where((Consent.id == consent_id) & (Consent.client == client_id)).first(),
        )
        if consent is None:
            raise Invalid(CONSENT_UNKNOWN, consent_id=consent_id)
    check = check_consent(consent, listing.organization_id, listing, need, now, settings)
    if not check.allows:
        raise Invalid(check.refusal or CONSENT_MISSING, handoff_type=handoff_type)


async def create_referral(principal: Principal, data: ReferralIn, now: dt.datetime, settings: Settings) -> ReferralOut:
    """Refer one of the team's clients to a listing, with the consent that covers it (Invalid if none does)."""
    if data.need not in NEEDS_FOR_REFERRAL:
        raise Invalid(NEED_UNKNOWN, allowed=NEEDS_FOR_REFERRAL)
    require_plausible(data.appointment_at, "appointment_at")
    referral_id = uuid.uuid4()
    async with write_transaction(Referral._meta.db):
        client = await team_client(principal, data.client_id)
        listing = await listing_facts(data.service_at_location_id)
        if listing is None:
            raise Invalid(REFERRAL_LISTING_UNKNOWN, service_at_location_id=data.service_at_location_id)
        if data.handoff_type != "client_self" or data.consent_id is not None:
            await _require_covering_consent(
                client["id"], data.consent_id, listing, data.need, data.handoff_type, now, settings
            )
        await Referral.insert(
            Referral(
                id=referral_id,
                client=client["id"],
                care_team=client["care_team"],
                service_at_location=listing.service_at_location_id,
                service=listing.service_id,
                partner_organization=listing.organization_id,
                need=data.need,
                goal=data.goal,
                priority=data.priority,
                handoff_type=data.handoff_type,
                appointment_at=data.appointment_at,
                consent=data.consent_id,
                status=data.status,
                version=1,
                last_event_hash="",
                created_by=principal.account_id,
                created_at=now,
                updated_at=now,
            )
        )
        referral = await find_referral(principal, referral_id)
        event = _event(
            referral_id,
            1,
            principal,
            now,
            None,
            GENESIS_HASH,
            to_status=data.status,
            note=data.note,
            appointment_at=data.appointment_at,
            subject=referral_subject(referral),
        )
        events = [event]
        await reconcile_follow_ups(referral, events, now, settings)
        await record_audit(
            principal, "create", "referral", referral_id, f"client {client['id']}, event 1: {data.status}"
        )
        view = await _render_and_seal(principal, referral, event, events, now, settings, "api_event")
    if not isinstance(view, ReferralOut):
        raise RuntimeError("a care manager's own new referral rendered as a partner's view")
    return view


@dataclass(frozen=True)
class ReferralOffer:
    """What a care manager needs to refer a client to one listing: whose it is, and whether a consent of the
    client covers telling that partner about the referral now (and if not, why)."""

    listing: ListingFacts
    service_name: str
    organization_name: str
    location_name: str | None
    consent: ConsentRow | None
    """The client's consent that covers this referral now (the newest), or None."""
    check: ConsentCheck
    """The newest consent's check when none covers it ('none' when the client has no live consent)."""
    directory_entry: ServiceListing | None = None
    """The listing as the directory shows it now: capacity and intake as the partner last set them, phones,
    hours (None if it has left search)."""


async def referral_offer(
    principal: Principal,
    client: ClientRow,
    service_at_location_id: uuid.UUID,
    need: str,
    now: dt.datetime,
    settings: Settings,
) -> ReferralOffer:
    """The listing and the consent check for referring one of the team's clients to it (the consent list
    read is audited); Invalid if there is no such listing."""
    listing = await listing_facts(service_at_location_id)
    names = (
        await ServiceAtLocation.select(
            ServiceAtLocation.service.name.as_alias("service_name"),
            ServiceAtLocation.service._.organization._.name.as_alias("organization_name"),
            ServiceAtLocation.location.name.as_alias("location_name"),
        )
        .where(ServiceAtLocation.id == service_at_location_id)
        .first()
    )
    if listing is None or names is None:
        raise Invalid(REFERRAL_LISTING_UNKNOWN, service_at_location_id=service_at_location_id)
    consents = await list_consents(principal, client)
    checks = [
        (consent, check_consent(consent, listing.organization_id, listing, need, now, settings)) for consent in consents
    ]
    covering = next(((consent, check) for consent, check in checks if check.allows), None)
    consent: ConsentRow | None = None
    if covering is not None:
        consent, check = covering
    else:
        live = [check for _, check in checks if check.state not in ("revoked", "expired")]
        check = live[0] if live else ConsentCheck("none", CONSENT_MISSING)
    return ReferralOffer(
        listing=listing,
        service_name=names["service_name"],
        organization_name=names["organization_name"],
        location_name=names["location_name"],
        consent=consent,
        check=check,
        directory_entry=await directory_entry(service_at_location_id),
    )


async def directory_entry(service_at_location_id: uuid.UUID) -> ServiceListing | None:
    """The listing as the public directory shows it now (phones, hours, capacity); None if it left search."""
    found = await public_listings([service_at_location_id])
    return found[0].listing if found else None


async def refer_with_consent(
    principal: Principal, data: ReferralIn, consent: ConsentIn | None, now: dt.datetime, settings: Settings
) -> ReferralOut:
    """Refer a client, first recording the consent the client just signed (when given) and relying on it:
    one transaction, so a refused referral leaves no consent behind and no referral goes without its consent."""
    if consent is None:
        return await create_referral(principal, data, now, settings)
    async with write_transaction(Referral._meta.db):
        client = await team_client(principal, data.client_id)
        recorded = await create_consent(principal, client, consent, now, settings)
        data = msgspec.structs.replace(data, consent_id=recorded["id"])
        return await create_referral(principal, data, now, settings)


async def _apply(
    principal: Principal, referral: NamedReferralRow, change: ReferralEventIn, now: dt.datetime, settings: Settings
) -> tuple[ReferralEventRow, list[ReferralEventRow], int | None]:
    """Apply one change to a referral found for this principal, inside the caller's transaction: (the event,
    all events, the directory revision if the listing got flagged). The event is sealed by the caller, last
    (`_render_and_seal`). PartnerAccessEnded if a partner may not see the client now; StaleVersion if another
    change landed first; TransitionRefused (ReferralClosed on a closed referral) if not allowed."""
    require_plausible(change.appointment_at, "appointment_at")
    if principal.role == "partner_staff":
        # A partner changes only what it may read: the same decision as every partner view, made now.
        access = await partner_access(principal, referral, now, settings)
        if not access.shows_client:
            raise PartnerAccessEnded(PARTNER_ACCESS_ENDED, consent_status=access.consent_state)
    if change.version != referral["version"]:
        raise StaleVersion(STALE_VERSION, version=referral["version"], based_on=change.version)
    status = referral["status"]
    to_status = change.status or status
    check_event(
        status,
        to_status,
        side_of(principal),
        change.reason_code,
        change.reason_text,
        note=change.note,
        appointment_given=change.appointment_at is not None,
        client_self=referral["handoff_type"] == "client_self",
    )
    if status == "draft" and to_status != status and referral["handoff_type"] != "client_self":
        # Sending a draft discloses it: the consent must cover it now, not only when it was drafted.
        listing = await listing_facts(referral["service_at_location"])
        if listing is None:
            raise Invalid(REFERRAL_LISTING_GONE)
        await _require_covering_consent(
            referral["client"], referral["consent"], listing, referral["need"], referral["handoff_type"], now, settings
        )
    events = await referral_events(referral["id"])
    if events and events[-1]["at"] > now:
        # A request that began before the last change's but lands after it (the version check lets one of
        # them land at a time): a timeline's times follow its order, so this change takes the last one's time.
        now = events[-1]["at"]
    event = _event(
        referral["id"],
        referral["version"] + 1,
        principal,
        now,
        status,
        referral["last_event_hash"],
        to_status=to_status,
        reason_code=change.reason_code,
        reason_text=change.reason_text,
        note=change.note,
        appointment_at=change.appointment_at,
    )
    updates: dict[Column | str, Any] = {
        Referral.status: to_status,
        Referral.version: event["sequence"],
        Referral.updated_at: now,
    }
    if change.appointment_at is not None:
        updates[Referral.appointment_at] = change.appointment_at
    # Only where the version is still the one the change was based on: of simultaneous changes one lands.
    landed = (
        await Referral.update(updates)
        .where((Referral.id == referral["id"]) & (Referral.version == referral["version"]))
        .returning(Referral.id)
    )
    if not landed:
        raise StaleVersion(SIMULTANEOUS_CHANGE)
    referral.update({"status": to_status, "version": event["sequence"], "updated_at": now})
    if change.appointment_at is not None:
        referral["appointment_at"] = change.appointment_at
    events.append(event)
    await reconcile_follow_ups(referral, events, now, settings)
    revision = await report_if_listing_wrong(principal, referral, event, now)
    detail = f"event {event['sequence']}: {status} -> {to_status}"
    await record_audit(principal, "update", "referral", referral["id"], detail)
    return event, events, revision


async def append_event(
    principal: Principal, referral_id: uuid.UUID, change: ReferralEventIn, now: dt.datetime, settings: Settings
) -> ReferralView:
    """Change a referral (status with reason, note, or new appointment) based on the version the caller saw.

    NotFound if the caller may not see it; PartnerAccessEnded (HTTP 403) if a partner may not see its client
    now; StaleVersion, TransitionRefused or ReferralClosed (HTTP 409) if it cannot be made. Nothing refused
    reaches the ledger."""
    async with write_transaction(Referral._meta.db):
        referral = await find_referral(principal, referral_id)
        event, events, revision = await _apply(principal, referral, change, now, settings)
        view = await _render_and_seal(principal, referral, event, events, now, settings, "api_event")
    if revision is not None:
        note_directory_change(revision)
    return view


async def open_referral(
    principal: Principal, referral_id: uuid.UUID, now: dt.datetime, settings: Settings
) -> ReferralView:
    """One referral as the caller may see it, the view audited (a partner's view recorded as a disclosure).

    Reading never changes the referral: a link prefetch or a crawler holding a partner's session must not
    acknowledge receipt on the partner's behalf. Acknowledging is an event (`append_event`, status received)."""
    async with write_transaction(Referral._meta.db):
        referral = await find_referral(principal, referral_id)
        await record_audit(principal, "view", "referral", referral_id)
        return await _render(principal, referral, await referral_events(referral_id), now, settings)


async def open_referral_to_call(
    principal: Principal, referral_id: uuid.UUID, now: dt.datetime, settings: Settings
) -> tuple[ReferralView, ServiceListing | None]:
    """One referral (as `open_referral`) with its listing as the directory shows it now, so the care manager
    can call the partner during a warm handoff (phones, hours, capacity)."""
    referral = await open_referral(principal, referral_id, now, settings)
    return referral, await directory_entry(uuid.UUID(referral.service_at_location_id))


async def list_referrals(
    principal: Principal,
    now: dt.datetime,
    settings: Settings,
    *,
    status: str | None,
    client_id: uuid.UUID | None,
    page: int,
    per_page: int,
) -> Page[ReferralView]:
    """One page of the referrals the principal may see, newest first (a partner's inbox), each view audited
    as a list and each partner view recorded as a disclosure."""
    condition = referrals_visible_to(principal)
    async with write_transaction(Referral._meta.db):
        if client_id is not None:
            if principal.role != "care_manager":
                raise Invalid(CLIENT_FILTER_FOR_CARE_MANAGERS)
            await team_client(principal, client_id)
        rows: list[NamedReferralRow] = []
        total = 0
        if condition is not None:
            if status is not None:
                condition &= Referral.status == status
            if client_id is not None:
                condition &= Referral.client == client_id
            page_rows = (
                await with_names()
                .where(condition)
                .order_by(Referral.created_at, ascending=False)
                .order_by(Referral.id)
                .limit(per_page)
                .offset(offset_of(page, per_page))
            )
            rows = cast("list[NamedReferralRow]", page_rows)
            total = await Referral.count().where(condition)
        views = await _render_list(principal, rows, now, settings, client_id)
    return make_page(views, total, page, per_page)


async def _render_list(
    principal: Principal,
    rows: list[NamedReferralRow],
    now: dt.datetime,
    settings: Settings,
    client_id: uuid.UUID | None = None,
) -> list[ReferralView]:
    """The caller's views of a page of referrals, audited as a list (each partner view a disclosure)."""
    events_by_referral: dict[str, list[ReferralEventRow]] = defaultdict(list)
    if rows:
        events = (
            await ReferralEvent.select()
            .where(ReferralEvent.referral.is_in([r["id"] for r in rows]))
            .order_by(ReferralEvent.sequence)
        )
        for event in cast("list[ReferralEventRow]", events):
            events_by_referral[str(event["referral"])].append(event)
    views = [
        await _render(principal, row, events_by_referral[str(row["id"])], now, settings, "api_list") for row in rows
    ]
    shown = ", ".join(str(row["id"]) for row in rows)
    await record_audit(principal, "view", "referral_list", client_id, f"{len(rows)} referrals: {shown}")
    return views


INBOX_ORDER = ("requested", "received", "on-hold", "accepted", "in-progress", "failed", *sorted(CLOSED_STATUSES))
"""A partner's inbox: not yet acknowledged first, then what needs the partner's work, then the closed ones."""


@dataclass(frozen=True)
class InboxFilter:
    """Which of the organization's referrals its inbox lists: the open ones (the default) or the closed ones,
    of one need or all, sent between two days (in TIME_ZONE, both included) or whenever."""

    closed: bool = False
    need: str | None = None
    sent_from: dt.date | None = None
    sent_to: dt.date | None = None

    def check(self) -> None:
        """Invalid for a need no referral can have."""
        if self.need is not None and self.need not in NEEDS_FOR_REFERRAL:
            raise Invalid(NEED_UNKNOWN, allowed=NEEDS_FOR_REFERRAL)

    def lists(self, key: dict[str, Any], zone: ZoneInfo) -> bool:
        """Whether a referral (its status, need and sending time) is one the inbox lists."""
        if (key["status"] in CLOSED_STATUSES) != self.closed:
            return False
        if self.need is not None and key["need"] != self.need:
            return False
        sent_on = key["created_at"].astimezone(zone).date()
        return (self.sent_from is None or sent_on >= self.sent_from) and (
            self.sent_to is None or sent_on <= self.sent_to
        )


async def partner_inbox(
    principal: Principal,
    now: dt.datetime,
    settings: Settings,
    *,
    page: int,
    per_page: int,
    listed: InboxFilter | None = None,
) -> tuple[Page[ReferralView], int]:
    """One page of the organization's inbox in INBOX_ORDER (newest first within a status), only the referrals
    `listed` names (the open ones unless told), and how many referrals are not yet acknowledged; audited and
    disclosed as the API's list is."""
    listed = listed or InboxFilter()
    listed.check()
    condition = referrals_visible_to(principal)
    if principal.role != "partner_staff" or condition is None:
        raise Forbidden(INBOX_FOR_PARTNERS)
    zone = ZoneInfo(settings.time_zone)
    async with write_transaction(Referral._meta.db):
        # Ordering by a status rank is not expressible portably in Piccolo: rank the (id, status) pairs here.
        every = await Referral.select(Referral.id, Referral.status, Referral.created_at, Referral.need).where(condition)
        unacknowledged = sum(1 for r in every if r["status"] == "requested")
        keys = [r for r in every if listed.lists(r, zone)]
        keys.sort(key=lambda r: r["created_at"], reverse=True)
        keys.sort(key=lambda r: INBOX_ORDER.index(r["status"]) if r["status"] in INBOX_ORDER else len(INBOX_ORDER))
        wanted = [r["id"] for r in keys[offset_of(page, per_page) : offset_of(page, per_page) + per_page]]
        named = await with_names().where(condition & Referral.id.is_in(wanted)) if wanted else []
        found = {str(r["id"]): r for r in cast("list[NamedReferralRow]", named)}
        rows = [found[str(i)] for i in wanted if str(i) in found]
        views = await _render_list(principal, rows, now, settings)
    return make_page(views, len(keys), page, per_page), unacknowledged


async def export_fhir(
    principal: Principal, referral_id: uuid.UUID, now: dt.datetime, base_url: str, settings: Settings
) -> FhirJson:
    """The referral as a FHIR R4 Bundle rendered from the caller's view (a partner's holds what the consent
    allows, recorded as a disclosure through the fhir channel); the export is audited."""
    async with write_transaction(Referral._meta.db):
        referral = await find_referral(principal, referral_id)
        view = await _render(principal, referral, await referral_events(referral_id), now, settings, channel="fhir")
        await record_audit(principal, "export", "referral", referral_id, "FHIR bundle")
    return referral_bundle(view, now, base_url)


async def read_fhir_resource(
    principal: Principal, referral_id: uuid.UUID, resource_type: ReadableResource, now: dt.datetime, settings: Settings
) -> FhirJson:
    """The referral's FHIR ServiceRequest or Task (what its Bundle's fullUrl names), from the caller's view: the
    same decision as the JSON view and the Bundle, a partner's read recorded as a disclosure (channel fhir);
    audited. Unlike the JSON view it never marks a referral received: a GET changes nothing."""
    async with write_transaction(Referral._meta.db):
        referral = await find_referral(principal, referral_id)
        view = await _render(principal, referral, await referral_events(referral_id), now, settings, channel="fhir")
        await record_audit(principal, "view", "referral", referral_id, f"FHIR {resource_type}")
    return readable_resource(view, resource_type)
