"""Consent to disclose (42 CFR Part 2 §2.31): recorded, checked before every disclosure, revocable at once."""

from __future__ import annotations

import datetime as dt
import uuid

from accounts.services import Principal
from directory.tables import Organization
from referrals.schemas import ConsentIn
from referrals.tables import Consent

__all__ = [
    "INFORMATION_SCOPES",
    "RECIPIENT_CLASSES",
    "ConsentRefused",
    "consent_covers",
    "consent_status",
    "create_consent",
    "list_consents",
    "revoke_consent",
]

INFORMATION_SCOPES = ("contact_and_need", "including_sud_treatment")
"""contact_and_need: preferred name, usable contact methods, language, the need and the appointment.
including_sud_treatment: also the client's goal in their own words and that the need is SUD treatment."""

RECIPIENT_CLASSES = ("treating_providers",)
"""A general designation (§2.31(a)(4)): any SUD treatment (MOUD) service the client is referred to."""


class ConsentRefused(Exception):
    """A consent that cannot be recorded, or does not cover a disclosure; the message says why."""


def consent_status(consent: dict, now: dt.datetime) -> str:
    """active, revoked or expired."""
    if consent["revoked_at"] is not None:
        return "revoked"
    if consent["expires_at"] is not None and consent["expires_at"] <= now:
        return "expired"
    return "active"


def consent_covers(consent: dict, organization_id: uuid.UUID, need: str) -> bool:
    """True when the consent names this organization, or a class the referral falls in."""
    if consent["recipient_organization"] is not None:
        return str(consent["recipient_organization"]) == str(organization_id)
    return consent["recipient_class"] == "treating_providers" and need == "moud"


async def create_consent(principal: Principal, client_id: uuid.UUID, data: ConsentIn, now: dt.datetime) -> uuid.UUID:
    """Record a signed consent of a client of the principal's team; ConsentRefused if it is incomplete."""
    signed_at = data.signed_at or now
    if (data.recipient_organization_id is None) == (data.recipient_class is None):
        raise ConsentRefused("name either recipient_organization_id or recipient_class, not both")
    if data.recipient_organization_id is not None and not await Organization.exists().where(
        Organization.id == data.recipient_organization_id
    ):
        raise ConsentRefused(f"recipient_organization_id: no organization with id {data.recipient_organization_id}")
    if data.expires_at is None and not (data.expiry_event or "").strip():
        raise ConsentRefused("a consent needs an expiry: expires_at, expiry_event or both")
    if data.expires_at is not None and data.expires_at <= now:
        raise ConsentRefused("expires_at must be in the future")
    if signed_at > now + dt.timedelta(minutes=5):
        raise ConsentRefused("signed_at cannot be in the future")
    consent_id = uuid.uuid4()
    await Consent.insert(
        Consent(
            id=consent_id,
            client=client_id,
            care_team=principal.care_team_id,
            recipient_organization=data.recipient_organization_id,
            recipient_class=data.recipient_class,
            purpose=data.purpose,
            information_scope=data.information_scope,
            information_description=data.information_description,
            expires_at=data.expires_at,
            expiry_event=data.expiry_event,
            signed_at=signed_at,
            signature_method=data.signature_method,
            signed_name=data.signed_name,
            created_by=principal.account_id,
            created_at=now,
        )
    )
    return consent_id


async def list_consents(client_id: uuid.UUID) -> list[dict]:
    """A client's consents, newest first, with the recipient organization's name."""
    return (
        await Consent.select(*Consent.all_columns(), Consent.recipient_organization.name.as_alias("recipient_name"))
        .where(Consent.client == client_id)
        .order_by(Consent.signed_at, ascending=False)
    )


async def revoke_consent(principal: Principal, client_id: uuid.UUID, consent_id: uuid.UUID, now: dt.datetime) -> bool:
    """Revoke a live consent of this client; False if there is none (unknown or already revoked)."""
    rows = (
        await Consent.update({Consent.revoked_at: now, Consent.revoked_by: principal.account_id})
        .where((Consent.id == consent_id) & (Consent.client == client_id) & Consent.revoked_at.is_null())
        .returning(Consent.id)
    )
    return bool(rows)
