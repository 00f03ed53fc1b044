"""Consent to disclose (42 CFR Part 2 §2.31): recorded, revocable at once, and what it covers.

Rows change only to record revocation, once (a database trigger refuses anything else).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import cast

from piccolo.query import Select

from accounts.services.audit import record_audit
from directory.listings.facts import SUD_CATEGORIES, ListingFacts
from directory.tables import Organization
from kernel.clock import require_plausible
from kernel.database import write_transaction
from kernel.principal import Principal
from kernel.problems import ErrorCode, Invalid, NotFound
from kernel.settings import Settings
from referrals.errors import (
    CONSENT_EXPIRED,
    CONSENT_EXPIRY_MISSING,
    CONSENT_EXPIRY_PAST,
    CONSENT_MISSING,
    CONSENT_NOT_FOUND,
    CONSENT_OTHER_RECIPIENT,
    CONSENT_RECIPIENT_AMBIGUOUS,
    CONSENT_RECIPIENT_UNKNOWN,
    CONSENT_REVOKED,
    CONSENT_SIGNED_IN_FUTURE,
    CONSENT_TREATING_PROVIDERS_ONLY,
    CONSENT_UNVERIFIABLE,
    CONSENT_WITHOUT_SUD_TREATMENT,
)
from referrals.rows import ClientRow, ConsentRow, NamedConsentRow
from referrals.schemas import ConsentIn
from referrals.services.ledger import consent_seal, consent_seal_holds
from referrals.tables import Consent
from referrals.vocabulary import ConsentState, ConsentStatus

__all__ = [
    "ConsentCheck",
    "check_consent",
    "consent_covers",
    "consent_status",
    "consent_to_revoke",
    "create_consent",
    "list_consents",
    "revoke_consent",
]


def consent_status(consent: ConsentRow, now: dt.datetime) -> ConsentStatus:
    """active, revoked or expired."""
    if consent["revoked_at"] is not None:
        return "revoked"
    if consent["expires_at"] is not None and consent["expires_at"] <= now:
        return "expired"
    return "active"


def consent_covers(consent: ConsentRow, organization_id: uuid.UUID | None, listing: ListingFacts) -> bool:
    """True when the consent lets `organization_id` be told about a referral to this listing.

    A named recipient covers only itself, and only for listings it runs. The class `treating_providers`
    covers the organization running the listing only when the directory says the listing provides SUD
    treatment; what the referral declares as its need plays no part.
    """
    if organization_id is None or listing.organization_id != organization_id:
        return False
    if consent["recipient_organization"] is not None:
        return str(consent["recipient_organization"]) == str(organization_id)
    return consent["recipient_class"] == "treating_providers" and listing.provides_sud_treatment


async def create_consent(
    principal: Principal, client: ClientRow, data: ConsentIn, now: dt.datetime, settings: Settings
) -> NamedConsentRow:
    """Record a signed consent of one of the team's clients, sealed under LEDGER_KEY; Invalid if it is incomplete.
    Returns the row."""
    require_plausible(data.expires_at, "expires_at")
    require_plausible(data.signed_at, "signed_at")
    signed_at = data.signed_at or now
    if (data.recipient_organization_id is None) == (data.recipient_class is None):
        raise Invalid(CONSENT_RECIPIENT_AMBIGUOUS)
    if data.expires_at is None and not (data.expiry_event or "").strip():
        raise Invalid(CONSENT_EXPIRY_MISSING)
    if data.expires_at is not None and data.expires_at <= now:
        raise Invalid(CONSENT_EXPIRY_PAST)
    if signed_at > now + dt.timedelta(minutes=5):
        raise Invalid(CONSENT_SIGNED_IN_FUTURE)
    row: ConsentRow = {
        "id": uuid.uuid4(),
        "client": client["id"],
        "care_team": client["care_team"],
        "recipient_organization": data.recipient_organization_id,
        "recipient_class": data.recipient_class,
        "purpose": data.purpose,
        "information_scope": data.information_scope,
        "information_description": data.information_description,
        "expires_at": data.expires_at,
        "expiry_event": data.expiry_event,
        "signed_at": signed_at,
        "signature_method": data.signature_method,
        "signed_name": data.signed_name,
        "created_by": principal.account_id,
        "created_at": now,
        "revoked_at": None,
        "revoked_by": None,
        "seal": "",
    }
    row["seal"] = consent_seal(row, settings.ledger_secret)
    consent_id = row["id"]
    async with write_transaction(Consent._meta.db):
        if data.recipient_organization_id is not None and not await Organization.exists().where(
            Organization.id == data.recipient_organization_id
        ):
            raise Invalid(CONSENT_RECIPIENT_UNKNOWN, recipient_organization_id=data.recipient_organization_id)
        await Consent.insert(Consent(**row))
        await record_audit(principal, "create", "consent", consent_id, f"client {client['id']}")
        return await _consent_with_names(consent_id)


async def list_consents(principal: Principal, client: ClientRow) -> list[NamedConsentRow]:
    """A client's consents, newest first, with the recipient organization's name (the view is audited)."""
    async with write_transaction(Consent._meta.db):
        rows = await _with_names().where(Consent.client == client["id"]).order_by(Consent.signed_at, ascending=False)
        await record_audit(principal, "view", "consent_list", client["id"])
        return cast("list[NamedConsentRow]", rows)


async def consent_to_revoke(principal: Principal, client: ClientRow, consent_id: uuid.UUID) -> NamedConsentRow:
    """A live consent of this client, shown before revoking it (the view is audited); NotFound if there is none
    (unknown or already revoked)."""
    async with write_transaction(Consent._meta.db):
        row = (
            await _with_names()
            .where((Consent.id == consent_id) & (Consent.client == client["id"]) & Consent.revoked_at.is_null())
            .first()
        )
        if row is None:
            raise NotFound(CONSENT_NOT_FOUND, consent_id=consent_id)
        await record_audit(principal, "view", "consent", consent_id, f"client {client['id']}")
        return cast("NamedConsentRow", row)


async def revoke_consent(
    principal: Principal, client: ClientRow, consent_id: uuid.UUID, now: dt.datetime, settings: Settings
) -> NamedConsentRow:
    """Revoke a live consent of this client at once; NotFound if there is none (unknown or already revoked)."""
    async with write_transaction(Consent._meta.db):
        current = cast(
            "ConsentRow | None",
            await Consent.select()
            .where((Consent.id == consent_id) & (Consent.client == client["id"]) & Consent.revoked_at.is_null())
            .first(),
        )
        if current is None:
            raise NotFound(CONSENT_NOT_FOUND, consent_id=consent_id)
        revoked: ConsentRow = {**current, "revoked_at": now, "revoked_by": principal.account_id}
        await Consent.update(
            {
                Consent.revoked_at: now,
                Consent.revoked_by: principal.account_id,
                Consent.seal: consent_seal(revoked, settings.ledger_secret),
            }
        ).where((Consent.id == consent_id) & Consent.revoked_at.is_null())
        await record_audit(principal, "revoke", "consent", consent_id, f"client {client['id']}")
        return await _consent_with_names(consent_id)


def _with_names() -> Select[Consent]:
    return Consent.select(*Consent.all_columns(), Consent.recipient_organization.name.as_alias("recipient_name"))


async def _consent_with_names(consent_id: uuid.UUID) -> NamedConsentRow:
    row = await _with_names().where(Consent.id == consent_id).first()
    if row is None:
        raise RuntimeError(f"consent {consent_id} vanished inside its own transaction")
    return cast(NamedConsentRow, row)


@dataclass(frozen=True)
class ConsentCheck:
    """Whether a consent allows telling an organization about a referral now, and if not, why (the refusal a
    referral relying on it meets)."""

    state: ConsentState
    refusal: ErrorCode | None = None

    @property
    def allows(self) -> bool:
        """True when the disclosure may be made."""
        return self.state == "active"


_LAPSED = {"revoked": CONSENT_REVOKED, "expired": CONSENT_EXPIRED}


def check_consent(
    consent: ConsentRow | None,
    organization_id: uuid.UUID | None,
    listing: ListingFacts,
    need: str,
    now: dt.datetime,
    settings: Settings,
) -> ConsentCheck:
    """The consent rule, for making a referral and for every partner read: the consent is active, covers
    the organization (as `consent_covers` says, from the directory's facts), and allows SUD treatment
    information whenever the referral carries it (an SUD-related listing, or an SUD need: moud, harm_reduction)."""
    if consent is None:
        return ConsentCheck("none", CONSENT_MISSING)
    if not consent_seal_holds(consent, settings):
        return ConsentCheck("unverifiable", CONSENT_UNVERIFIABLE)
    status = consent_status(consent, now)
    if status != "active":
        return ConsentCheck(status, _LAPSED[status])
    if not consent_covers(consent, organization_id, listing):
        if consent["recipient_class"] == "treating_providers" and not listing.provides_sud_treatment:
            return ConsentCheck("does_not_cover", CONSENT_TREATING_PROVIDERS_ONLY)
        return ConsentCheck("does_not_cover", CONSENT_OTHER_RECIPIENT)
    carries_sud = listing.sud_related or need in SUD_CATEGORIES
    if carries_sud and consent["information_scope"] != "including_sud_treatment":
        return ConsentCheck("does_not_cover", CONSENT_WITHOUT_SUD_TREATMENT)
    return ConsentCheck("active")
