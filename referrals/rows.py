"""Referral-ledger rows as Piccolo's `.select()` returns them, typed: each key a column of referrals/tables.py.

Piccolo returns plain dicts; these TypedDicts say which keys a row holds and what each holds, without
converting anything, so the rules that read them (consent, access, transitions, follow-ups, the ledger's
seals) are checked by mypy. A `Named...` row adds the names a query joins in for the views.
tests/referrals/test_rows.py keeps every key and type in step with the tables.

Ids (UUID and ForeignKey columns) are `uuid.UUID`; JSON columns are their text, as both engines return
it; a word from a vocabulary is its `Literal` (referrals/vocabulary.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypedDict

from referrals.vocabulary import (
    Answer,
    Channel,
    HandoffType,
    InformationScope,
    Need,
    Priority,
    RecipientClass,
    SignatureMethod,
    Status,
)

__all__ = [
    "ClientRow",
    "ConsentRow",
    "DisclosureRow",
    "FollowUpRow",
    "LedgerCheckpointRow",
    "LedgerHeadRow",
    "ListedDisclosureRow",
    "NamedConsentRow",
    "NamedDisclosureRow",
    "NamedReferralRow",
    "NeedAnswerRow",
    "ReferralEventRow",
    "ReferralRow",
    "WorklistRow",
]


class ClientRow(TypedDict):
    """A `Client`: a person the care team works with."""

    id: uuid.UUID
    care_team: uuid.UUID
    assigned_care_manager: uuid.UUID | None
    preferred_name: str
    contact_methods: str
    """JSON text: [{method, value, may_use}] (ContactMethod)."""
    preferred_language: str | None
    home_postal_code: str | None
    goals: str
    strengths: str
    informal_supports: str
    """JSON text: [{name, relationship, contact, may_contact}] (InformalSupport)."""
    created_at: dt.datetime
    updated_at: dt.datetime


class NeedAnswerRow(TypedDict):
    """A `NeedAnswer`: one dated answer of a needs screening."""

    id: uuid.UUID
    client: uuid.UUID
    screening: uuid.UUID
    need: Need
    answer: Answer
    answered_at: dt.datetime
    recorded_by: uuid.UUID | None


class ConsentRow(TypedDict):
    """A `Consent`: a client's written consent to disclose, and its seal."""

    id: uuid.UUID
    client: uuid.UUID
    care_team: uuid.UUID
    recipient_organization: uuid.UUID | None
    recipient_class: RecipientClass | None
    purpose: str
    information_scope: InformationScope
    information_description: str
    expires_at: dt.datetime | None
    expiry_event: str | None
    signed_at: dt.datetime
    signature_method: SignatureMethod
    signed_name: str
    created_by: uuid.UUID | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by: uuid.UUID | None
    seal: str


class NamedConsentRow(ConsentRow):
    """A consent as the care team's list shows it: with the recipient organization's name."""

    recipient_name: str | None


class ReferralRow(TypedDict):
    """A `Referral`: a client referred to a service at a location, for a need."""

    id: uuid.UUID
    client: uuid.UUID
    care_team: uuid.UUID
    service_at_location: uuid.UUID
    service: uuid.UUID
    partner_organization: uuid.UUID
    need: str
    """A top-level directory category (referrals.services.referrals.NEEDS_FOR_REFERRAL)."""
    goal: str
    priority: Priority
    handoff_type: HandoffType
    appointment_at: dt.datetime | None
    consent: uuid.UUID | None
    status: Status
    version: int
    last_event_hash: str
    created_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


class NamedReferralRow(ReferralRow):
    """A referral with the names its views show (referrals.services.access.with_names)."""

    service_name: str
    location_name: str | None
    partner_name: str
    care_team_name: str


class ReferralEventRow(TypedDict):
    """A `ReferralEvent`: one sealed change to a referral. A new event is built whole, with an empty
    position, key_id and hash until the ledger seals it (referrals.services.ledger.append_sealed)."""

    id: uuid.UUID
    referral: uuid.UUID
    sequence: int
    position: int
    at: dt.datetime
    account: uuid.UUID | None
    api_token: uuid.UUID | None
    role: str
    organization: str | None
    from_status: Status | None
    to_status: Status
    reason_code: str | None
    reason_text: str
    note: str
    appointment_at: dt.datetime | None
    subject: str
    """JSON text: on a referral's first event, what the referral is (ledger.SUBJECT_FIELDS); else {}."""
    previous_hash: str
    key_id: str
    hash: str


class LedgerHeadRow(TypedDict):
    """The `LedgerHead`: where the ledger ends, sealed."""

    id: int
    position: int
    last_hash: str
    seal: str
    updated_at: dt.datetime | None


class LedgerCheckpointRow(TypedDict):
    """A `LedgerCheckpoint`: the head sealed at a moment, chained to the checkpoint before it."""

    id: uuid.UUID
    at: dt.datetime
    position: int
    last_hash: str
    previous_seal: str
    ledger_digest: str
    key_id: str
    seal: str


class DisclosureRow(TypedDict):
    """A `Disclosure`: client information shown or exported to a partner (§2.24)."""

    id: uuid.UUID
    client: uuid.UUID
    referral: uuid.UUID | None
    consent: uuid.UUID | None
    recipient_organization: uuid.UUID
    account: uuid.UUID | None
    api_token: uuid.UUID | None
    channel: Channel
    information: str
    """The fields shown, comma-separated (access.CONTACT_AND_NEED and SUD_TREATMENT)."""
    at: dt.datetime


class NamedDisclosureRow(DisclosureRow):
    """A disclosure with its recipient organization's name."""

    recipient_name: str


class ListedDisclosureRow(NamedDisclosureRow):
    """A disclosure as the client's list shows it: naming the recipient organization and the person."""

    recipient_person: str
    """The partner staff member, or the API token and the partner admin who issued it."""


class FollowUpRow(TypedDict):
    """A `FollowUp`: a check the care manager owes, by rule, until closed."""

    id: uuid.UUID
    referral: uuid.UUID
    client: uuid.UUID
    care_team: uuid.UUID
    rule: str
    due_at: dt.datetime
    created_at: dt.datetime
    closed_at: dt.datetime | None
    close_reason: str | None


class WorklistRow(FollowUpRow):
    """A follow-up as the worklist shows it: with its referral's priority, need and status, and its client."""

    priority: Priority
    need: str
    referral_status: Status
    client_preferred_name: str
    assigned_care_manager: uuid.UUID | None
