"""Every word list of the referral ledger, defined once.

Each vocabulary is a `Literal` (what msgspec validates and OpenAPI shows as an enum); the tuple beside
it is derived from it, for rules and messages. Nothing else spells these words out.
"""

from __future__ import annotations

from typing import Literal, get_args

from directory.taxonomy.categories import CATEGORIES

__all__ = [
    "ANSWERS",
    "REFERRAL_NEEDS",
    "ATTEMPT_METHODS",
    "ATTEMPT_RESULTS",
    "CHANNELS",
    "CONSENT_STATES",
    "CONSENT_STATUSES",
    "CONTACT_METHODS",
    "HANDOFF_TYPES",
    "INFORMATION_SCOPES",
    "NEEDS",
    "PRIORITIES",
    "RECIPIENT_CLASSES",
    "SIGNATURE_METHODS",
    "STATUSES",
    "Answer",
    "AttemptMethod",
    "AttemptResult",
    "Channel",
    "ConsentState",
    "ConsentStatus",
    "ContactMethodKind",
    "EventSide",
    "HandoffType",
    "InformationScope",
    "NewStatus",
    "Need",
    "Priority",
    "RecipientClass",
    "SignatureMethod",
    "Status",
]

NewStatus = Literal["draft", "requested"]
"""What a new referral may be: a draft (not sent yet) or requested (sent to the partner)."""

Status = Literal[
    NewStatus,
    "received",
    "accepted",
    "rejected",
    "on-hold",
    "in-progress",
    "completed",
    "failed",
    "cancelled",
    "entered-in-error",
]
"""A referral's status: the FHIR Task statuses the SDOH Clinical Care IG uses."""
STATUSES: tuple[str, ...] = get_args(Status)

HandoffType = Literal["warm_handoff", "accompanied", "client_self", "partner_outreach"]
"""How the client is connected: a warm handoff (the care manager calls with the client), the care manager
goes along, the client goes alone (nothing is disclosed to the partner), or the partner reaches out."""
HANDOFF_TYPES: tuple[str, ...] = get_args(HandoffType)

Priority = Literal["routine", "urgent"]
PRIORITIES: tuple[str, ...] = get_args(Priority)

Need = Literal["housing", "food", "transportation", "utilities", "safety", "moud"]
"""What the needs screening asks about: the social needs that compete with treatment, plus MOUD / treatment."""
NEEDS: tuple[str, ...] = get_args(Need)

REFERRAL_NEEDS: tuple[str, ...] = tuple(term.code for term in CATEGORIES if "." not in term.code)
"""What a referral may be for: a top-level directory category (housing, food, moud, ...). The directory's own
list, so a tuple, not a Literal; OpenAPI gets it as the enum of `ReferralIn.need`."""

Answer = Literal["yes", "no", "declined"]
"""A screening answer: the client has this need, does not, or declined to answer."""
ANSWERS: tuple[str, ...] = get_args(Answer)

InformationScope = Literal["contact_and_need", "including_sud_treatment"]
"""What a consent lets the partner see: contact_and_need (preferred name, usable contact methods, language,
the need and the appointment); including_sud_treatment adds the client's goal and that the need is SUD treatment."""
INFORMATION_SCOPES: tuple[str, ...] = get_args(InformationScope)

RecipientClass = Literal["treating_providers"]
"""A general designation (§2.31(a)(4)) instead of a named recipient: any organization whose listing the
client is referred to provides SUD treatment, according to the directory."""
RECIPIENT_CLASSES: tuple[str, ...] = get_args(RecipientClass)

SignatureMethod = Literal["electronic", "paper"]
SIGNATURE_METHODS: tuple[str, ...] = get_args(SignatureMethod)

ConsentStatus = Literal["active", "revoked", "expired"]
"""A consent's own state."""
CONSENT_STATUSES: tuple[str, ...] = get_args(ConsentStatus)

ConsentState = Literal[ConsentStatus, "none", "does_not_cover", "unverifiable", "referral_withdrawn"]
"""Whether a partner may see the client now: the consent's own state; no consent on the referral; a consent
that does not cover the organization reading it (or the SUD information the referral carries); a consent
record that fails its seal (changed outside the app); or a referral the care team withdrew (cancelled or
entered in error)."""
CONSENT_STATES: tuple[str, ...] = get_args(ConsentState)

ContactMethodKind = Literal["phone", "text", "email", "mail", "in_person"]
CONTACT_METHODS: tuple[str, ...] = get_args(ContactMethodKind)

AttemptMethod = Literal["phone", "text", "in_person", "trusted_contact"]
"""How a care manager followed up."""
ATTEMPT_METHODS: tuple[str, ...] = get_args(AttemptMethod)

AttemptResult = Literal["reached", "no_answer", "re_engaged", "declined"]
"""What came of a follow-up; no_answer keeps the check open."""
ATTEMPT_RESULTS: tuple[str, ...] = get_args(AttemptResult)

EventSide = Literal["care_team", "partner"]
"""Who made a timeline entry, as a partner sees it."""

Channel = Literal["api", "api_list", "api_event", "fhir"]
"""Through what a partner was shown client information (the disclosure list says): one referral's JSON view,
an entry of the inbox list, the answer to a change the partner made, or the FHIR export."""
CHANNELS: tuple[str, ...] = get_args(Channel)
