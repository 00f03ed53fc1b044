"""What each side sees of a referral: the care team everything; the partner only what the consent names.

Every partner view that shows client information is recorded as a disclosure (§2.24), and carries
the §2.32 notice prohibiting redisclosure.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from accounts.services import Principal
from referrals.schemas import (
    ContactMethod,
    FollowUpOut,
    PartnerClientView,
    PartnerEventOut,
    PartnerReferralOut,
    ReferralEventOut,
    ReferralOut,
)
from referrals.services.consents import consent_status
from referrals.services.disclosures import record_disclosure
from referrals.services.transitions import next_statuses
from referrals.tables import Client, Consent

__all__ = ["REDISCLOSURE_NOTICE", "care_team_view", "partner_view", "disclose_to_partner", "usable_contact_methods"]

REDISCLOSURE_NOTICE = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
"""The statement §2.32(a) requires on each disclosure made with the patient's consent."""


def usable_contact_methods(value) -> list[ContactMethod]:
    """The contact methods (stored JSON) the client agreed may be used."""
    methods = msgspec.json.decode(value, type=list[ContactMethod]) if isinstance(value, str) else value
    methods = [m if isinstance(m, ContactMethod) else msgspec.convert(m, ContactMethod) for m in methods]
    return [m for m in methods if m.may_use]


async def _consent(referral: dict) -> dict | None:
    if referral["consent"] is None:
        return None
    return await Consent.select().where(Consent.id == referral["consent"]).first()


async def care_team_view(
    referral: dict, events: list[dict], follow_ups: list[FollowUpOut], now: dt.datetime
) -> ReferralOut:
    """The whole referral, for its care team."""
    client = await Client.select(Client.preferred_name).where(Client.id == referral["client"]).first()
    consent = await _consent(referral)
    return ReferralOut(
        id=str(referral["id"]),
        version=referral["version"],
        status=referral["status"],
        client_id=str(referral["client"]),
        client_preferred_name=client["preferred_name"],
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
        consent_status=consent_status(consent, now) if consent else None,
        created_at=referral["created_at"],
        updated_at=referral["updated_at"],
        next_statuses=next_statuses(
            referral["status"], "care_manager", client_self=referral["handoff_type"] == "client_self"
        ),
        timeline=[ReferralEventOut(**{f: e[f] for f in ReferralEventOut.__struct_fields__ if f in e}) for e in events],
        follow_ups=follow_ups,
    )


def _partner_event(event: dict, partner_scope: str) -> PartnerEventOut:
    own = event["organization"] == partner_scope
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


CONTACT_AND_NEED = ["preferred_name", "contact_methods", "preferred_language", "need", "appointment"]
SUD_TREATMENT = "goal (SUD treatment information)"


async def disclose_to_partner(
    principal: Principal, referral: dict, now: dt.datetime, channel: str
) -> tuple[str, list[str]]:
    """What the consent lets the partner see now, recorded as a disclosure when it is anything:
    (consent status, the information shown; empty unless the consent is active)."""
    consent = await _consent(referral)
    status = consent_status(consent, now) if consent else "revoked"
    if status != "active":
        return status, []
    extra = [SUD_TREATMENT] if consent["information_scope"] == "including_sud_treatment" else []
    information = CONTACT_AND_NEED + extra
    await record_disclosure(
        principal,
        client_id=referral["client"],
        referral_id=referral["id"],
        consent_id=consent["id"],
        channel=channel,
        information=information,
        now=now,
    )
    return status, information


async def partner_view(
    principal: Principal,
    referral: dict,
    events: list[dict],
    now: dt.datetime,
    *,
    channel: str = "api",
) -> PartnerReferralOut:
    """The referral as the partner may see it now; records the disclosure when client information is shown."""
    status, information = await disclose_to_partner(principal, referral, now, channel)
    shown = bool(information)
    client_view = None
    if shown:
        client = await Client.select().where(Client.id == referral["client"]).first()
        client_view = PartnerClientView(
            preferred_name=client["preferred_name"],
            contact_methods=usable_contact_methods(client["contact_methods"]),
            preferred_language=client["preferred_language"],
        )
    return PartnerReferralOut(
        id=str(referral["id"]),
        version=referral["version"],
        status=referral["status"],
        consent_status=status,
        referred_by=referral["care_team_name"],
        service_at_location_id=str(referral["service_at_location"]),
        service_name=referral["service_name"],
        location_name=referral["location_name"],
        priority=referral["priority"],
        handoff_type=referral["handoff_type"],
        created_at=referral["created_at"],
        need=referral["need"] if shown else None,
        appointment_at=referral["appointment_at"] if shown else None,
        client=client_view,
        goal=referral["goal"] if SUD_TREATMENT in information else None,
        next_statuses=next_statuses(referral["status"], "partner"),
        timeline=[_partner_event(e, principal.scope or "") for e in events],
        redisclosure_notice=REDISCLOSURE_NOTICE,
    )
