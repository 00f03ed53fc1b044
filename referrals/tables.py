"""Referral-ledger tables: clients, needs screening, consent, disclosures, referrals, their events, follow-ups."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Account, CareTeam
from directory.tables import Organization, Service, ServiceAtLocation

__all__ = [
    "Client",
    "Consent",
    "Disclosure",
    "FollowUp",
    "FollowUpAttempt",
    "LedgerCheckpoint",
    "LedgerHead",
    "NeedAnswer",
    "Referral",
    "ReferralEvent",
]


class Client(Table):
    """A person the care team works with. Everything here is private SUD-related information."""

    id = UUID(primary_key=True)
    care_team = ForeignKey(references=CareTeam, index=True)
    assigned_care_manager = ForeignKey(references=Account, null=True, index=True)
    preferred_name = Varchar(length=255)
    contact_methods = JSON(default="[]")
    """[{method: phone|text|email|mail|in_person, value, may_use}]"""
    preferred_language = Varchar(length=20, null=True, default=None)
    home_postal_code = Varchar(length=10, null=True, default=None)
    """For 'near the client' searches."""
    goals = Text(default="")
    """The client's goals in their own words (strengths model)."""
    strengths = Text(default="")
    informal_supports = JSON(default="[]")
    """[{name, relationship, contact, may_contact}] people the client names."""
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class NeedAnswer(Table):
    """One dated answer of a social-needs screening; the latest answer per need says whether it is open."""

    id = UUID(primary_key=True)
    client = ForeignKey(references=Client, index=True)
    screening = UUID()
    """Groups the answers given at one contact."""
    need = Varchar(length=30)
    """housing, food, transportation, utilities, safety or moud."""
    answer = Varchar(length=20)
    """yes (the client has this need), no, or declined (to answer)."""
    answered_at = Timestamptz(default=TimestamptzNow(), index=True)
    recorded_by = ForeignKey(references=Account, null=True)


class Consent(Table):
    """A client's written consent to disclose (42 CFR Part 2 §2.31). Rows change only to record revocation,
    once (a trigger refuses anything else), and carry a seal checked at every disclosure."""

    id = UUID(primary_key=True)
    client = ForeignKey(references=Client, index=True)
    care_team = ForeignKey(references=CareTeam, index=True)
    """Who may disclose: the client's care team (the referring program)."""
    recipient_organization = ForeignKey(references=Organization, null=True, index=True)
    recipient_class = Varchar(length=40, null=True, default=None)
    """Instead of a named organization: treating_providers (any SUD treatment service the client is referred to)."""
    purpose = Text()
    information_scope = Varchar(length=40)
    """contact_and_need, or including_sud_treatment."""
    information_description = Text(default="")
    expires_at = Timestamptz(null=True, default=None)
    expiry_event = Text(null=True, default=None)
    """An event that ends the consent, e.g. 'when I finish the program' (with or instead of a date)."""
    signed_at = Timestamptz()
    signature_method = Varchar(length=20)
    """electronic or paper."""
    signed_name = Varchar(length=255)
    created_by = ForeignKey(references=Account, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(references=Account, null=True)
    seal = Varchar(length=64, default="")
    """HMAC under LEDGER_KEY over everything above: a consent edited or un-revoked outside the app fails it."""


class Referral(Table):
    """A client referred to a service at a location, for a need. Its status is what its events say."""

    id = UUID(primary_key=True)
    client = ForeignKey(references=Client, index=True)
    care_team = ForeignKey(references=CareTeam, index=True)
    service_at_location = ForeignKey(references=ServiceAtLocation, index=True)
    service = ForeignKey(references=Service, index=True)
    partner_organization = ForeignKey(references=Organization, index=True)
    """The organization that provides the service: whose staff and tokens see this referral."""
    need = Varchar(length=30)
    """A top-level directory category: housing, food, transportation, moud, ..."""
    goal = Text(default="")
    """What the client hopes to get, in their own words."""
    priority = Varchar(length=10, default="routine")
    handoff_type = Varchar(length=20)
    """warm_handoff, accompanied, client_self or partner_outreach."""
    appointment_at = Timestamptz(null=True, default=None)
    consent = ForeignKey(references=Consent, null=True, index=True)
    status = Varchar(length=20, index=True)
    """A FHIR Task status; always the to_status of the latest event (ledger verify checks)."""
    version = Integer(default=0)
    """How many events the referral has; a transition must name it (optimistic concurrency)."""
    last_event_hash = Varchar(length=64, default="")
    created_by = ForeignKey(references=Account, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ReferralEvent(Table):
    """One change to a referral, appended and never changed (a trigger refuses UPDATE and DELETE); sealed
    with LEDGER_KEY and chained per referral and across the whole ledger (see referrals.services.ledger)."""

    id = UUID(primary_key=True)
    referral = ForeignKey(references=Referral, index=True)
    sequence = Integer()
    """1, 2, 3... within the referral; (referral, sequence) is unique."""
    position = Integer(index=True)
    """1, 2, 3... across every event of every referral, without gaps: a deleted event leaves a hole
    (unique: a migration adds the index after numbering the events that were already there)."""
    at = Timestamptz()
    account = UUID(null=True, default=None)
    api_token = UUID(null=True, default=None)
    role = Varchar(length=20)
    organization = Varchar(length=100, null=True, default=None)
    from_status = Varchar(length=20, null=True, default=None)
    to_status = Varchar(length=20)
    reason_code = Varchar(length=40, null=True, default=None)
    reason_text = Text(default="")
    note = Text(default="")
    appointment_at = Timestamptz(null=True, default=None)
    """The appointment as of this event (set when it changes)."""
    subject = JSON(default="{}")
    """On a referral's first event: what the referral is (client, partner, listing, consent, need, goal...)."""
    previous_hash = Varchar(length=64)
    key_id = Varchar(length=12, default="")
    """Which LEDGER_KEY sealed the event (a public name of the key, not the key)."""
    hash = Varchar(length=64)
    """HMAC-SHA256 under LEDGER_KEY over this event's content, position, subject and previous_hash."""


class LedgerHead(Table):
    """The one row saying where the ledger ends: its last position and that event's seal, itself sealed."""

    id = Integer(primary_key=True)
    position = Integer(default=0)
    last_hash = Varchar(length=64, default="")
    seal = Varchar(length=64, default="")
    updated_at = Timestamptz(null=True, default=None)


class LedgerCheckpoint(Table):
    """The ledger head sealed at a moment, chained to the previous checkpoint; insert-only. A copy kept
    outside the database shows later whether the ledger still holds everything up to it."""

    id = UUID(primary_key=True)
    at = Timestamptz()
    position = Integer(index=True)
    last_hash = Varchar(length=64)
    previous_seal = Varchar(length=64, default="")
    ledger_digest = Varchar(length=64, default="")
    """Every event's seal up to `position`, folded in order (services.ledger.ledger_digest); empty in
    checkpoints from before it."""
    key_id = Varchar(length=12)
    seal = Varchar(length=64)


class Disclosure(Table):
    """Client information shown or exported to a partner (§2.24 list of disclosures). Insert-only."""

    id = UUID(primary_key=True)
    client = ForeignKey(references=Client, index=True)
    referral = ForeignKey(references=Referral, null=True, index=True)
    consent = ForeignKey(references=Consent, null=True)
    recipient_organization = ForeignKey(references=Organization, index=True)
    account = UUID(null=True, default=None)
    api_token = UUID(null=True, default=None)
    channel = Varchar(length=20)
    """api, page or fhir."""
    information = Text()
    """Which fields were shown, e.g. 'preferred_name, contact_methods, need, appointment'."""
    at = Timestamptz(default=TimestamptzNow(), index=True)


class FollowUp(Table):
    """A check the care manager owes, created by a rule and closed when its reason goes away."""

    id = UUID(primary_key=True)
    referral = ForeignKey(references=Referral, index=True)
    client = ForeignKey(references=Client, index=True)
    care_team = ForeignKey(references=CareTeam, index=True)
    rule = Varchar(length=40)
    """chase_partner, check_attendance, client_outreach, retention_7_days, retention_30_days, confirm_handoff."""
    due_at = Timestamptz(index=True)
    created_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)
    close_reason = Varchar(length=60, null=True, default=None)


class FollowUpAttempt(Table):
    """A follow-up the care manager made: how, with what result."""

    id = UUID(primary_key=True)
    follow_up = ForeignKey(references=FollowUp, null=True, index=True)
    referral = ForeignKey(references=Referral, index=True)
    client = ForeignKey(references=Client, index=True)
    method = Varchar(length=20)
    """phone, text, in_person or trusted_contact."""
    result = Varchar(length=20)
    """reached, no_answer, re_engaged or declined."""
    note = Text(default="")
    at = Timestamptz()
    recorded_by = ForeignKey(references=Account, null=True)
