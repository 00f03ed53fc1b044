"""msgspec Structs of the referral ledger: clients, needs, consent, disclosures, referrals, follow-ups."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from referrals.services.transitions import STATUSES

__all__ = [
    "ClientIn",
    "ClientOut",
    "ClientUpdate",
    "ConsentIn",
    "ConsentOut",
    "ContactMethod",
    "DisclosureOut",
    "FollowUpAttemptIn",
    "FollowUpOut",
    "InformalSupport",
    "NeedAnswerIn",
    "NeedStatus",
    "NeedsOut",
    "PartnerClientView",
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

    method: Literal["phone", "text", "email", "mail", "in_person"]
    value: Short
    may_use: bool = True


class InformalSupport(msgspec.Struct, kw_only=True):
    """Someone the client names (family, a neighbour, a faith community) and whether they may be contacted."""

    name: Short
    relationship: Short
    contact: Annotated[str, msgspec.Meta(max_length=255)] = ""
    may_contact: bool = False


class ClientIn(msgspec.Struct, kw_only=True):
    """A new client."""

    preferred_name: Short
    contact_methods: list[ContactMethod] = []
    preferred_language: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    home_postal_code: Annotated[str, msgspec.Meta(pattern=r"^\d{5}$")] | None = None
    goals: Text = ""
    strengths: Text = ""
    informal_supports: list[InformalSupport] = []


class ClientUpdate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Fields to change; those left out stay as they are."""

    preferred_name: Short | None = None
    contact_methods: list[ContactMethod] | None = None
    preferred_language: Annotated[str, msgspec.Meta(max_length=20)] | None = None
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

NeedCode = Literal["housing", "food", "transportation", "utilities", "safety", "moud"]


class NeedAnswerIn(msgspec.Struct, kw_only=True):
    """One screening answer: yes (the client has this need), no, or declined (to answer)."""

    need: NeedCode
    answer: Literal["yes", "no", "declined"]


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
    recipient_class: Literal["treating_providers"] | None = None
    purpose: Annotated[str, msgspec.Meta(min_length=3, max_length=1000)]
    information_scope: Literal["contact_and_need", "including_sud_treatment"]
    information_description: Text = ""
    expires_at: dt.datetime | None = None
    expiry_event: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    signed_at: dt.datetime | None = None
    """Defaults to now."""
    signature_method: Literal["electronic", "paper"] = "electronic"
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
    status: Literal["active", "revoked", "expired"]
    revoked_at: dt.datetime | None


class DisclosureOut(msgspec.Struct, kw_only=True):
    """One time the client's information was shown to a partner (§2.24)."""

    at: dt.datetime
    recipient_organization_id: str
    recipient_organization_name: str
    recipient_person: str
    """The partner staff member, or 'API token <name>'."""
    channel: str
    information: list[str]
    referral_id: str | None
    consent_id: str | None


# --- referrals -----------------------------------------------------------------------------------

Status = Literal[STATUSES]  # type: ignore[valid-type]


class ReferralIn(msgspec.Struct, kw_only=True):
    """A new referral of a client to a service at a location."""

    client_id: uuid.UUID
    service_at_location_id: uuid.UUID
    need: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
    """A top-level directory category: housing, food, transportation, moud, ..."""
    handoff_type: Literal["warm_handoff", "accompanied", "client_self", "partner_outreach"]
    goal: Text = ""
    priority: Literal["routine", "urgent"] = "routine"
    appointment_at: dt.datetime | None = None
    consent_id: uuid.UUID | None = None
    status: Literal["draft", "requested"] = "requested"
    note: Text = ""


class ReferralEventIn(msgspec.Struct, kw_only=True):
    """A change to a referral, based on the version you last saw: a new status, a note or a new appointment."""

    version: int
    status: Status | None = None
    reason_code: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    reason_text: Text = ""
    note: Text = ""
    appointment_at: dt.datetime | None = None


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


class ReferralOut(msgspec.Struct, kw_only=True, tag_field="view", tag="care_team"):
    """A referral as its care team sees it: everything, with its timeline and follow-ups."""

    id: str
    version: int
    status: str
    client_id: str
    client_preferred_name: str
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
    consent_status: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    next_statuses: list[str]
    timeline: list[ReferralEventOut]
    follow_ups: list[FollowUpOut]


class PartnerClientView(msgspec.Struct, kw_only=True):
    """What the consent lets the partner know about the client."""

    preferred_name: str
    contact_methods: list[ContactMethod]
    """Only the methods the client agreed may be used."""
    preferred_language: str | None


class PartnerEventOut(msgspec.Struct, kw_only=True):
    """A timeline entry as the partner sees it: the care team's notes stay with the care team."""

    sequence: int
    at: dt.datetime
    by: Literal["care_team", "partner"]
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
    consent_status: Literal["active", "revoked", "expired"]
    referred_by: str
    service_at_location_id: str
    service_name: str
    location_name: str | None
    priority: str
    handoff_type: str
    created_at: dt.datetime
    need: str | None
    """Hidden once consent is revoked or expired."""
    appointment_at: dt.datetime | None
    client: PartnerClientView | None
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

    method: Literal["phone", "text", "in_person", "trusted_contact"]
    result: Literal["reached", "no_answer", "re_engaged", "declined"]
    note: Text = ""
