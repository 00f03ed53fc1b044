"""Referrals: made by care managers, reported on by partners, every change an event in the ledger."""

from __future__ import annotations

import datetime as dt
import uuid

from accounts.services import Principal
from directory.services.taxonomy import CATEGORIES
from directory.tables import ServiceAtLocation
from kernel.database import write_transaction
from kernel.paging import offset_of
from referrals.schemas import ReferralEventIn, ReferralIn
from referrals.services.consents import consent_covers, consent_status
from referrals.services.ledger import GENESIS_HASH, event_hash
from referrals.services.transitions import TransitionRefused, check_transition
from referrals.tables import Client, Consent, Referral, ReferralEvent

__all__ = [
    "HANDOFF_TYPES",
    "NEEDS_FOR_REFERRAL",
    "PRIORITIES",
    "ReferralRefused",
    "StaleVersion",
    "append_event",
    "create_referral",
    "find_referral",
    "list_referrals",
    "referral_events",
    "side_of",
]

HANDOFF_TYPES = ("warm_handoff", "accompanied", "client_self", "partner_outreach")
PRIORITIES = ("routine", "urgent")
NEEDS_FOR_REFERRAL = tuple(term.code for term in CATEGORIES if "." not in term.code)
"""A referral's need is a top-level directory category."""


class ReferralRefused(Exception):
    """A referral or change that cannot be made as asked; the message says what is wrong (HTTP 400/422)."""


class StaleVersion(Exception):
    """The change was based on an older version of the referral (HTTP 409)."""


def side_of(principal: Principal) -> str:
    """Which side of a referral the principal acts for: care_manager or partner."""
    return "partner" if principal.role == "partner_staff" else "care_manager"


def _visibility(principal: Principal):
    """The condition on referrals the principal may see; None for anyone who sees none.

    Partners never see drafts (not sent yet) or client_self referrals (nothing was disclosed to them).
    """
    if principal.role == "care_manager":
        return Referral.care_team == principal.care_team_id
    if principal.role == "partner_staff":
        return (
            (Referral.partner_organization == principal.organization_id)
            & (Referral.handoff_type != "client_self")
            & (Referral.status != "draft")
        )
    return None


def _with_names():
    return Referral.select(
        *Referral.all_columns(),
        Referral.service.name.as_alias("service_name"),
        Referral.service_at_location.location.name.as_alias("location_name"),
        Referral.partner_organization.name.as_alias("partner_name"),
        Referral.care_team.name.as_alias("care_team_name"),
    )


async def find_referral(principal: Principal, referral_id: uuid.UUID) -> dict | None:
    """The referral if the principal may see it (its care team, or the partner it was sent to), else None."""
    visible = _visibility(principal)
    return None if visible is None else await _with_names().where(visible & (Referral.id == referral_id)).first()


async def list_referrals(
    principal: Principal, status: str | None, client_id: uuid.UUID | None, page: int, per_page: int
) -> tuple[list[dict], int]:
    """One page of the referrals the principal may see, newest first, and how many there are."""
    condition = _visibility(principal)
    if condition is None:
        return [], 0
    if status is not None:
        condition &= Referral.status == status
    if client_id is not None:
        condition &= Referral.client == client_id
    rows = (
        await _with_names()
        .where(condition)
        .order_by(Referral.created_at, ascending=False)
        .order_by(Referral.id)
        .limit(per_page)
        .offset(offset_of(page, per_page))
    )
    return rows, await Referral.count().where(condition)


async def referral_events(referral_id: uuid.UUID) -> list[dict]:
    """A referral's events in order."""
    return await ReferralEvent.select().where(ReferralEvent.referral == referral_id).order_by(ReferralEvent.sequence)


def _event(referral_id, sequence, principal: Principal, now, from_status, previous_hash, **fields) -> dict:
    event = {
        "id": uuid.uuid4(),
        "referral": referral_id,
        "sequence": sequence,
        "at": now,
        "account": principal.account_id,
        "api_token": principal.token_id,
        "role": principal.role,
        "organization": principal.scope,
        "from_status": from_status,
        "reason_code": None,
        "reason_text": "",
        "note": "",
        "appointment_at": None,
        "previous_hash": previous_hash,
        **fields,
    }
    event["hash"] = event_hash(event)
    return event


async def _check_consent(data: ReferralIn, client_id: uuid.UUID, organization_id: uuid.UUID, now) -> None:
    if data.handoff_type == "client_self" and data.consent_id is None:
        return
    if data.consent_id is None:
        raise ReferralRefused(
            f"a {data.handoff_type} referral discloses client information to the partner: "
            "consent_id must name the client's consent (or use handoff_type client_self)"
        )
    consent = await Consent.select().where((Consent.id == data.consent_id) & (Consent.client == client_id)).first()
    if consent is None:
        raise ReferralRefused(f"consent_id: the client has no consent with id {data.consent_id}")
    status = consent_status(consent, now)
    if status != "active":
        raise ReferralRefused(f"consent_id: that consent is {status}")
    if not consent_covers(consent, organization_id, data.need):
        raise ReferralRefused("consent_id: that consent does not name this partner organization as a recipient")
    if data.need == "moud" and consent["information_scope"] != "including_sud_treatment":
        raise ReferralRefused(
            "a MOUD referral tells the partner about SUD treatment: the consent must allow including_sud_treatment"
        )


async def create_referral(principal: Principal, data: ReferralIn, now: dt.datetime) -> uuid.UUID:
    """A new referral of one of the team's clients, with its first ledger event.

    LookupError if the client is not the team's (HTTP 404); ReferralRefused if the request is wrong."""
    if data.handoff_type not in HANDOFF_TYPES:
        raise ReferralRefused(f"handoff_type must be one of {', '.join(HANDOFF_TYPES)}")
    if data.priority not in PRIORITIES:
        raise ReferralRefused(f"priority must be one of {', '.join(PRIORITIES)}")
    if data.need not in NEEDS_FOR_REFERRAL:
        raise ReferralRefused(f"need must be one of {', '.join(NEEDS_FOR_REFERRAL)}")
    if data.status not in ("draft", "requested"):
        raise ReferralRefused("a new referral is a draft or requested")
    if not await Client.exists().where((Client.id == data.client_id) & (Client.care_team == principal.care_team_id)):
        raise LookupError(f"no client with id {data.client_id}")
    place = (
        await ServiceAtLocation.select(
            ServiceAtLocation.id, ServiceAtLocation.service, ServiceAtLocation.service.organization.as_alias("org")
        )
        .where(ServiceAtLocation.id == data.service_at_location_id)
        .first()
    )
    if place is None:
        raise ReferralRefused(f"service_at_location_id: no service at a location with id {data.service_at_location_id}")
    await _check_consent(data, data.client_id, place["org"], now)

    referral_id = uuid.uuid4()
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
    )
    async with write_transaction(Referral._meta.db):
        await Referral.insert(
            Referral(
                id=referral_id,
                client=data.client_id,
                care_team=principal.care_team_id,
                service_at_location=place["id"],
                service=place["service"],
                partner_organization=place["org"],
                need=data.need,
                goal=data.goal,
                priority=data.priority,
                handoff_type=data.handoff_type,
                appointment_at=data.appointment_at,
                consent=data.consent_id,
                status=data.status,
                version=1,
                last_event_hash=event["hash"],
                created_by=principal.account_id,
                created_at=now,
                updated_at=now,
            )
        )
        await ReferralEvent.insert(ReferralEvent(**event))
    return referral_id


async def append_event(principal: Principal, referral_id: uuid.UUID, change: ReferralEventIn, now: dt.datetime) -> dict:
    """Append one event if the principal may make it and the version is current; returns the event.

    The referral row is updated only where its version is still the one the change was based on,
    so of several simultaneous changes exactly one lands per version; the rest get StaleVersion.
    """
    async with write_transaction(Referral._meta.db):
        referral = await find_referral(principal, referral_id)
        if referral is None:
            raise LookupError(f"no referral with id {referral_id}")
        if change.version != referral["version"]:
            raise StaleVersion(
                f"the referral is at version {referral['version']}, not {change.version}: reload it and try again"
            )
        status = referral["status"]
        to_status = change.status or status
        if to_status != status:
            check_transition(
                status,
                to_status,
                side_of(principal),
                change.reason_code,
                change.reason_text,
                client_self=referral["handoff_type"] == "client_self",
            )
        elif not (change.note.strip() or change.appointment_at):
            raise TransitionRefused("an event without a new status needs a note or an appointment_at")
        elif change.reason_code:
            raise TransitionRefused("reason_code goes with a change of status")
        event = _event(
            referral_id,
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
        updates = {
            Referral.status: to_status,
            Referral.version: event["sequence"],
            Referral.last_event_hash: event["hash"],
            Referral.updated_at: now,
        }
        if change.appointment_at is not None:
            updates[Referral.appointment_at] = change.appointment_at
        landed = (
            await Referral.update(updates)
            .where((Referral.id == referral_id) & (Referral.version == referral["version"]))
            .returning(Referral.id)
        )
        if not landed:
            raise StaleVersion("someone changed the referral at the same moment: reload it and try again")
        await ReferralEvent.insert(ReferralEvent(**event))
    return event
