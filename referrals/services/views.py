"""What each side sees of a referral, rendered from rows already read: the care team everything; the
partner exactly what `partner_access` allowed (the JSON view and the FHIR bundle both come from here).

Every partner view carries the §2.32 notice prohibiting redisclosure.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from kernel.i18n import N_
from kernel.principal import Principal
from referrals.rows import ClientRow, ConsentRow, NamedReferralRow, ReferralEventRow
from referrals.schemas import (
    ClientSummary,
    ConsentSummary,
    ContactMethod,
    FollowUpOut,
    PartnerEventOut,
    PartnerReferralOut,
    ReferralEventOut,
    ReferralOut,
)
from referrals.services.access import PartnerAccess
from referrals.services.consents import consent_status
from referrals.services.transitions import next_statuses

__all__ = [
    "REDISCLOSURE_NOTICE",
    "care_team_view",
    "client_summary",
    "consent_summary",
    "partner_view",
    "usable_contact_methods",
]

REDISCLOSURE_NOTICE = N_("42 CFR part 2 prohibits unauthorized use or disclosure of these records.")
"""The statement §2.32(a) requires on each disclosure made with the patient's consent."""


def usable_contact_methods(value: str) -> list[ContactMethod]:
    """The contact methods (stored JSON) the client agreed may be used."""
    return [m for m in msgspec.json.decode(value, type=list[ContactMethod]) if m.may_use]


def client_summary(client: ClientRow) -> ClientSummary:
    """Name, usable contact methods and language of a client row."""
    return ClientSummary(
        preferred_name=client["preferred_name"],
        contact_methods=usable_contact_methods(client["contact_methods"]),
        preferred_language=client["preferred_language"],
    )


def consent_summary(consent: ConsentRow | None, now: dt.datetime) -> ConsentSummary | None:
    """What a consent names and allows, without the signer's name."""
    if consent is None:
        return None
    return ConsentSummary(
        id=str(consent["id"]),
        status=consent_status(consent, now),
        recipient_organization_id=str(consent["recipient_organization"]) if consent["recipient_organization"] else None,
        recipient_class=consent["recipient_class"],
        information_scope=consent["information_scope"],
        expires_at=consent["expires_at"],
        signed_at=consent["signed_at"],
    )


def care_team_view(
    referral: NamedReferralRow,
    events: list[ReferralEventRow],
    follow_ups: list[FollowUpOut],
    client: ClientRow,
    consent: ConsentRow | None,
    now: dt.datetime,
) -> ReferralOut:
    """The whole referral, for its care team."""
    summary = consent_summary(consent, now)
    return ReferralOut(
        id=str(referral["id"]),
        version=referral["version"],
        status=referral["status"],
        client_id=str(referral["client"]),
        client_preferred_name=client["preferred_name"],
        client=client_summary(client),
        care_team_id=str(referral["care_team"]),
        care_team_name=referral["care_team_name"],
        service_at_location_id=str(referral["service_at_location"]),
        service_id=str(referral["service"]),
        service_name=referral["service_name"],
        location_name=referral["location_name"],
        partner_organization_id=str(referral["partner_organization"]),
        partner_organization_name=referral["partner_name"],
        need=referral["need"],
        goal=referral["goal"],
        priority=referral["priority"],
        handoff_type=referral["handoff_type"],
        appointment_at=referral["appointment_at"],
        consent_id=str(referral["consent"]) if referral["consent"] else None,
        consent_status=summary.status if summary else None,
        consent=summary,
        created_at=referral["created_at"],
        updated_at=referral["updated_at"],
        next_statuses=next_statuses(
            referral["status"], "care_manager", client_self=referral["handoff_type"] == "client_self"
        ),
        timeline=[_care_team_event(e) for e in events],
        follow_ups=follow_ups,
    )


def _care_team_event(event: ReferralEventRow) -> ReferralEventOut:
    return ReferralEventOut(
        sequence=event["sequence"],
        at=event["at"],
        role=event["role"],
        organization=event["organization"],
        from_status=event["from_status"],
        to_status=event["to_status"],
        reason_code=event["reason_code"],
        reason_text=event["reason_text"],
        note=event["note"],
        appointment_at=event["appointment_at"],
        hash=event["hash"],
    )


def _partner_event(event: ReferralEventRow, partner_scope: str | None) -> PartnerEventOut:
    own = partner_scope is not None and event["organization"] == partner_scope
    return PartnerEventOut(
        sequence=event["sequence"],
        at=event["at"],
        by="partner" if own else "care_team",
        from_status=event["from_status"],
        to_status=event["to_status"],
        reason_code=event["reason_code"],
        reason_text=event["reason_text"] if own else "",
        note=event["note"] if own else "",
    )


def partner_view(
    principal: Principal,
    referral: NamedReferralRow,
    events: list[ReferralEventRow],
    access: PartnerAccess,
    client: ClientRow | None,
    now: dt.datetime,
) -> PartnerReferralOut:
    """The referral as the partner may see it now: client details only as `access` allows; the care
    team's notes and reason texts never (the partner sees its own)."""
    shown = access.shows_client and client is not None
    return PartnerReferralOut(
        id=str(referral["id"]),
        version=referral["version"],
        status=referral["status"],
        consent_status=access.consent_state,
        consent=consent_summary(access.consent, now) if shown else None,
        client_reference=access.client_reference,
        referred_by=referral["care_team_name"],
        referred_by_id=str(referral["care_team"]),
        partner_organization_id=str(referral["partner_organization"]),
        partner_organization_name=referral["partner_name"],
        service_at_location_id=str(referral["service_at_location"]),
        service_name=referral["service_name"],
        location_name=referral["location_name"],
        priority=referral["priority"],
        handoff_type=referral["handoff_type"],
        created_at=referral["created_at"],
        updated_at=referral["updated_at"],
        need=referral["need"] if shown else None,
        appointment_at=referral["appointment_at"] if shown else None,
        client=client_summary(client) if shown and client is not None else None,
        goal=referral["goal"] if shown and access.shows_goal else None,
        # A partner changes a referral only while it may see the client (referrals._apply): offer nothing else.
        next_statuses=next_statuses(referral["status"], "partner") if access.shows_client else [],
        timeline=[_partner_event(e, principal.scope) for e in events],
        redisclosure_notice=REDISCLOSURE_NOTICE,
    )
