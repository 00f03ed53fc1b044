"""Who may see a referral, and what a partner may see of it: the one decision every channel goes through.

Care managers see their own care team's referrals, whole. Partner staff and tokens see referrals sent to
listings their organization runs, never drafts or client_self ones, and of the client only what
`partner_access` allows at the moment of reading: the JSON view, the inbox list, the answer to an event
and the FHIR export all render from its answer. Admins see no referrals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import cast

from piccolo.custom_types import Combinable
from piccolo.query import Select

from directory.listings.facts import listing_facts
from kernel.principal import Principal
from kernel.problems import NotFound
from kernel.settings import Settings
from referrals.errors import REFERRAL_NOT_FOUND
from referrals.rows import ConsentRow, NamedReferralRow
from referrals.services.consents import check_consent
from referrals.tables import Consent, Referral
from referrals.vocabulary import ConsentState

__all__ = [
    "CONTACT_AND_NEED",
    "SUD_TREATMENT",
    "PartnerAccess",
    "client_reference",
    "find_referral",
    "partner_access",
    "referrals_visible_to",
    "with_names",
]

CONTACT_AND_NEED = ("preferred_name", "contact_methods", "preferred_language", "need", "appointment")
"""What a partner sees of the client under any consent that covers it."""
SUD_TREATMENT = "goal (SUD treatment information)"
"""Added when the consent includes SUD treatment information."""
WITHDRAWN = frozenset({"cancelled", "entered-in-error"})
"""A referral the care team withdrew: the partner no longer needs the client's details (minimum necessary)."""


def referrals_visible_to(principal: Principal) -> Combinable | None:
    """The condition on referrals the principal may see; None for anyone who sees none.

    Partners never see drafts (not sent yet) or client_self referrals (nothing was disclosed to them)."""
    if principal.role == "care_manager" and principal.care_team_id is not None:
        return Referral.care_team == principal.care_team_id
    if principal.role == "partner_staff" and principal.organization_id is not None:
        return (
            (Referral.partner_organization == principal.organization_id)
            & (Referral.handoff_type != "client_self")
            & (Referral.status != "draft")
        )
    return None


def with_names() -> Select[Referral]:
    """A referral query with the names its views show."""
    return Referral.select(
        *Referral.all_columns(),
        Referral.service.name.as_alias("service_name"),
        Referral.service_at_location._.location._.name.as_alias("location_name"),
        Referral.partner_organization.name.as_alias("partner_name"),
        Referral.care_team.name.as_alias("care_team_name"),
    )


async def find_referral(principal: Principal, referral_id: uuid.UUID) -> NamedReferralRow:
    """The referral if the principal may see it; NotFound otherwise (others' referrals are 'not found')."""
    visible = referrals_visible_to(principal)
    row = None if visible is None else await with_names().where(visible & (Referral.id == referral_id)).first()
    if row is None:
        raise NotFound(REFERRAL_NOT_FOUND, referral_id=referral_id)
    return cast(NamedReferralRow, row)


@dataclass(frozen=True)
class PartnerAccess:
    """What a partner may see of one referral's client right now."""

    consent_state: ConsentState
    consent: ConsentRow | None
    information: tuple[str, ...]
    """The client information that may be shown (and is recorded as disclosed); empty: none."""
    client_reference: str
    """The client's reference at this organization while the client may be shown; otherwise one that
    names this referral only."""

    @property
    def shows_client(self) -> bool:
        """Whether any client information may be shown."""
        return bool(self.information)

    @property
    def shows_goal(self) -> bool:
        """Whether the client's goal (SUD treatment information) may be shown."""
        return SUD_TREATMENT in self.information


def client_reference(organization_id: uuid.UUID | str, client_id: uuid.UUID | str, secret: str) -> str:
    """A stable name for a client at one organization, meaningless at any other and not the client's id
    (`secret`: SECRET_KEY)."""
    message = f"client-reference|{organization_id}|{client_id}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"cr-{digest[:20]}"


async def partner_access(
    principal: Principal, referral: NamedReferralRow, now: dt.datetime, settings: Settings
) -> PartnerAccess:
    """Decide, from facts read now, what the partner principal may see of the referral's client.

    The referral must not be withdrawn; the organization reading must be the one the directory says runs
    the referral's listing; and the referral's consent must be sealed as the app wrote it, active, and
    cover that organization (`check_consent`). Anything else shows the referral's existence and status only."""
    consent = None
    if referral["consent"] is not None:
        consent = cast(
            "ConsentRow | None",
            await Consent.select()
            .where((Consent.id == referral["consent"]) & (Consent.client == referral["client"]))
            .first(),
        )
    organization = principal.organization_id or ""
    # Without a client to show, the reference names this referral only: one shared with the client's
    # other referrals would tie this one (its listing, its need) to a client the partner knows by name.
    unlinked = client_reference(organization, f"referral|{referral['id']}", settings.signing_secret)
    if referral["status"] in WITHDRAWN:
        return PartnerAccess("referral_withdrawn", consent, (), unlinked)
    listing = await listing_facts(referral["service_at_location"])
    if listing is None or principal.role != "partner_staff":
        return PartnerAccess("does_not_cover", consent, (), unlinked)
    check = check_consent(consent, principal.organization_id, listing, referral["need"], now, settings)
    if not check.allows or consent is None:
        return PartnerAccess(check.state, consent, (), unlinked)
    extra = (SUD_TREATMENT,) if consent["information_scope"] == "including_sud_treatment" else ()
    reference = client_reference(organization, referral["client"], settings.signing_secret)
    return PartnerAccess("active", consent, CONTACT_AND_NEED + extra, reference)
