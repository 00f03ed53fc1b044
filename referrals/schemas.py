"""msgspec Structs of the referral ledger: clients, needs, consent, disclosures, referrals, follow-ups."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from kernel.clock import Instant
from referrals.vocabulary import (
    REFERRAL_NEEDS,
    Answer,
    AttemptMethod,
    AttemptResult,
    ConsentState,
    ConsentStatus,
    ContactMethodKind,
    EventSide,
    HandoffType,
    InformationScope,
    Need,
    NewStatus,
    Priority,
    RecipientClass,
    SignatureMethod,
    Status,
)

__all__ = [
    "ClientIn",
    "ClientOut",
    "ClientSummary",
    "ClientUpdate",
    "ConsentIn",
    "ConsentOut",
    "ConsentSummary",
    "ContactMethod",
    "DisclosureOut",
    "FollowUpAttemptIn",
    "FollowUpOut",
    "InformalSupport",
    "NeedAnswerIn",
    "NeedStatus",
    "NeedsOut",
    "PartnerEventOut",
    "PartnerReferralOut",
    "ReferralEventIn",
    "ReferralEventOut",
    "ReferralIn",
    "ReferralOut",
    "ScreeningIn",
    "WorklistItemOut",
]

Text = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class ContactMethod(msgspec.Struct, kw_only=True):
    """One way to reach the client, and whether the client agrees to its use."""

    method: ContactMethodKind
    value: Short
    may_use: bool = True


class InformalSupport(msgspec.Struct, kw_only=True):
    """Someone the client names (family, a neighbour, a faith community) and whether they may be contacted."""

    name: Short
    relationship: Short
    contact: Annotated[str, msgspec.Meta(max_length=255)] = ""
    may_contact: bool = False


LanguageTag = Annotated[
    str,
    msgspec.Meta(
        max_length=20,
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
        description="A BCP 47 language tag: en, es, es-MX (it becomes the FHIR Patient's communication language).",
    ),
]
"""A language as BCP 47 spells it; anything else would go into FHIR as an invalid code."""


class ClientIn(msgspec.Struct, kw_only=True):
    """A new client."""

    preferred_name: Short
    contact_methods: list[ContactMethod] = []
    preferred_language: LanguageTag | None = None
    home_postal_code: Annotated[str, msgspec.Meta(pattern=r"^\d{5}$")] | None = None
    goals: Text = ""
    strengths: Text = ""
    informal_supports: list[InformalSupport] = []


class ClientUpdate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Fields to change; those left out stay as they are."""

    preferred_name: Short | None = None
    contact_methods: list[ContactMethod] | None = None
    preferred_language: LanguageTag | None = None
    home_postal_code: Annotated[str, msgspec.Meta(pattern=r"^\d{5}$")] | None = None
    goals: Text | None = None
    strengths: Text | None = None
    informal_supports: list[InformalSupport] | None = None


class ClientOut(ClientIn, kw_only=True):
    """A client as their care team sees them."""

    id: str
    care_team_id: str
    assigned_care_manager_id: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


# --- needs screening ------------------------------------------------------------------------------


class NeedAnswerIn(msgspec.Struct, kw_only=True):
    """One screening answer: yes (the client has this need), no, or declined (to answer)."""

    need: Need
    answer: Answer


class ScreeningIn(msgspec.Struct, kw_only=True):
    """The answers given at one contact; needs not asked keep their earlier answer."""

    answers: Annotated[list[NeedAnswerIn], msgspec.Meta(min_length=1, max_length=6)]


class NeedStatus(msgspec.Struct, kw_only=True):
    """The latest answer about one need, and when it was given."""

    need: str
    answer: str
    answered_at: dt.datetime


class NeedsOut(msgspec.Struct, kw_only=True):
    """The client's needs: the latest answer for each, and those still open (what resources are searched for)."""

    open_needs: list[str]
    latest: list[NeedStatus]


# --- consent -------------------------------------------------------------------------------------


class ConsentIn(msgspec.Struct, kw_only=True):
    """A signed consent to disclose (42 CFR Part 2 §2.31). Name one recipient: an organization or a class."""

    recipient_organization_id: uuid.UUID | None = None
    recipient_class: RecipientClass | None = None
    purpose: Annotated[str, msgspec.Meta(min_length=3, max_length=1000)]
    information_scope: InformationScope
    information_description: Text = ""
    expires_at: Instant | None = None
    expiry_event: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    signed_at: Instant | None = None
    """Defaults to now."""
    signature_method: SignatureMethod = "electronic"
    signed_name: Short


class ConsentOut(msgspec.Struct, kw_only=True):
    """A consent as the client's care team sees it, with its current status."""

    id: str
    client_id: str
    recipient_organization_id: str | None
    recipient_organization_name: str | None
    recipient_class: str | None
    purpose: str
    information_scope: str
    information_description: str
    expires_at: dt.datetime | None
    expiry_event: str | None
    signed_at: dt.datetime
    signature_method: str
    signed_name: str
    status: ConsentStatus
    revoked_at: dt.datetime | None


class DisclosureOut(msgspec.Struct, kw_only=True):
    """One time the client's information was shown to a partner (§2.24)."""

    at: dt.datetime
    recipient_organization_id: str
    recipient_organization_name: str
    recipient_person: str
    """The partner staff member, or 'API token <name>, issued by <partner admin>'."""
    channel: str
    information: list[str]
    referral_id: str | None
    consent_id: str | None


# --- referrals -----------------------------------------------------------------------------------


class ReferralIn(msgspec.Struct, kw_only=True):
    """A new referral of a client to a service at a location."""

    client_id: uuid.UUID
    service_at_location_id: uuid.UUID
    need: Annotated[
        str, msgspec.Meta(min_length=1, max_length=30, extra_json_schema={"extra": {"enum": list(REFERRAL_NEEDS)}})
    ]
    """A top-level directory category: housing, food, transportation, moud, ... (checked by the service, with
    its own error code; declared as an enum)."""
    handoff_type: HandoffType
    goal: Text = ""
    priority: Priority = "routine"
    appointment_at: Instant | None = None
    consent_id: uuid.UUID | None = None
    status: NewStatus = "requested"
    note: Text = ""


class ReferralEventIn(msgspec.Struct, kw_only=True):
    """A change to a referral, based on the version you last saw: a new status, a note or a new appointment."""

    version: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    status: Status | None = None
    reason_code: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    reason_text: Text = ""
    note: Text = ""
    appointment_at: Instant | None = None


class ReferralEventOut(msgspec.Struct, kw_only=True):
    """One event of a referral's timeline."""

    sequence: int
    at: dt.datetime
    role: str
    organization: str | None
    from_status: str | None
    to_status: str
    reason_code: str | None
    reason_text: str
    note: str
    appointment_at: dt.datetime | None
    hash: str


class FollowUpOut(msgspec.Struct, kw_only=True):
    """A follow-up check the care manager owes."""

    id: str
    referral_id: str
    client_id: str
    rule: str
    description: str
    due_at: dt.datetime
    created_at: dt.datetime
    closed_at: dt.datetime | None
    close_reason: str | None


class ClientSummary(msgspec.Struct, kw_only=True):
    """Who the referral is for, as far as the viewer may know: name, usable contact methods, language."""

    preferred_name: str
    contact_methods: list[ContactMethod]
    """Only the methods the client agreed may be used."""
    preferred_language: str | None


class ConsentSummary(msgspec.Struct, kw_only=True):
    """The consent a referral relies on: whom it names, what it allows, until when (never the signer's name)."""

    id: str
    status: ConsentStatus
    recipient_organization_id: str | None
    recipient_class: str | None
    information_scope: str
    expires_at: dt.datetime | None
    signed_at: dt.datetime


class ReferralOut(msgspec.Struct, kw_only=True, tag_field="view", tag="care_team"):
    """A referral as its care team sees it: everything, with its timeline and follow-ups."""

    id: str
    version: int
    status: str
    client_id: str
    client_preferred_name: str
    client: ClientSummary
    care_team_id: str
    care_team_name: str
    service_at_location_id: str
    service_id: str
    service_name: str
    location_name: str | None
    partner_organization_id: str
    partner_organization_name: str
    need: str
    goal: str
    priority: str
    handoff_type: str
    appointment_at: dt.datetime | None
    consent_id: str | None
    consent_status: ConsentStatus | None
    consent: ConsentSummary | None
    created_at: dt.datetime
    updated_at: dt.datetime
    next_statuses: list[str]
    timeline: list[ReferralEventOut]
    follow_ups: list[FollowUpOut]


class PartnerEventOut(msgspec.Struct, kw_only=True):
    """A timeline entry as the partner sees it: the care team's notes stay with the care team."""

    sequence: int
    at: dt.datetime
    by: EventSide
    from_status: str | None
    to_status: str
    reason_code: str | None
    reason_text: str
    note: str


class PartnerReferralOut(msgspec.Struct, kw_only=True, tag_field="view", tag="partner"):
    """A referral as the partner it was sent to sees it: exactly what the client's consent allows."""

    id: str
    version: int
    status: str
    consent_status: ConsentState
    """Whether the consent lets your organization see the client now; anything but active hides the client."""
    consent: ConsentSummary | None
    client_reference: str
    """The same for every referral of this client to your organization, and different for any other
    organization; it is not the client's id and does not change when consent ends."""
    referred_by: str
    referred_by_id: str
    partner_organization_id: str
    partner_organization_name: str
    service_at_location_id: str
    service_name: str
    location_name: str | None
    priority: str
    handoff_type: str
    created_at: dt.datetime
    updated_at: dt.datetime
    need: str | None
    """Hidden unless the consent covers your organization now."""
    appointment_at: dt.datetime | None
    client: ClientSummary | None
    goal: str | None
    """The client's goal in their own words: only when the consent includes SUD treatment information."""
    next_statuses: list[str]
    timeline: list[PartnerEventOut]
    redisclosure_notice: str


# --- follow-ups ----------------------------------------------------------------------------------


class WorklistItemOut(msgspec.Struct, kw_only=True):
    """A due or overdue check, with what the care manager needs to act on it."""

    follow_up: FollowUpOut
    overdue: bool
    priority: str
    need: str
    referral_status: str
    client_preferred_name: str
    client_at_risk: bool
    """A missed appointment not yet re-engaged, or the last two outreach attempts unanswered."""


class FollowUpAttemptIn(msgspec.Struct, kw_only=True):
    """A follow-up made: how, and with what result; reached, re_engaged or declined closes the check."""

    method: AttemptMethod
    result: AttemptResult
    note: Text = ""
