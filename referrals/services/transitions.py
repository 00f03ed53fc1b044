"""The referral state machine: FHIR SDOH Task statuses, who may move a referral where, and why.

Care managers (CM) own the referral; the partner (P) that provides the service reports on it.
For a `client_self` referral nothing reaches the partner, so the care manager records every step.

    from          to             who     reason needed
    draft         requested      CM
    requested     received       P       (the partner acknowledges receipt: an event, never a read)
    requested,
    received      accepted       P
    requested,
    received,
    on-hold       rejected       P       yes
    received,
    accepted,
    in-progress   on-hold        P       yes (e.g. waitlist)
    on-hold       accepted       P
    accepted,
    on-hold       in-progress    P
    accepted,
    in-progress   completed      P, CM   (client connected: attended, got the service)
    accepted,
    on-hold,
    in-progress   failed         P, CM   yes (no-show, could not contact, no capacity...)
    failed        accepted       P, CM   (the client re-engaged; usually with a new appointment)
    any open      cancelled      CM      yes
    any           entered-in-error CM

A closed referral (completed, rejected, cancelled, entered-in-error) takes no more events: no note, no new
appointment, no status change, from either side. The one exception is the care team's correction: the care
manager may still mark a completed, rejected or cancelled referral entered-in-error (with a note saying
why, never with an appointment); entered-in-error itself is final.
"""

from __future__ import annotations

from kernel.problems import Conflict
from referrals.errors import (
    CLIENT_SELF_NOT_FOR_PARTNER,
    CLOSED_TAKES_NO_APPOINTMENT,
    CORRECTION_NEEDS_NOTE,
    EVENT_EMPTY,
    REASON_CODE_REQUIRED,
    REASON_TEXT_REQUIRED,
    REASON_WITHOUT_STATUS,
    REFERRAL_CLOSED,
    REFERRAL_ENTERED_IN_ERROR,
    STATUS_UNKNOWN,
    TRANSITION_BY_OTHER_SIDE,
    TRANSITION_CLOSED,
    TRANSITION_NOT_ALLOWED,
)
from referrals.vocabulary import STATUSES

__all__ = [
    "CLOSED_STATUSES",
    "REASON_CODES",
    "STATUSES",
    "ReferralClosed",
    "TransitionRefused",
    "check_event",
    "check_transition",
    "next_statuses",
]

CLOSED_STATUSES = frozenset({"completed", "rejected", "cancelled", "entered-in-error"})
"""No further work expected (failed stays open to re-engagement)."""

CARE_MANAGER = "care_manager"
PARTNER = "partner"

_OPEN = ("draft", "requested", "received", "accepted", "on-hold", "in-progress", "failed")
_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("draft", "requested"): frozenset({CARE_MANAGER}),
    ("requested", "received"): frozenset({PARTNER}),
    ("requested", "accepted"): frozenset({PARTNER}),
    ("received", "accepted"): frozenset({PARTNER}),
    ("on-hold", "accepted"): frozenset({PARTNER}),
    ("requested", "rejected"): frozenset({PARTNER}),
    ("received", "rejected"): frozenset({PARTNER}),
    ("on-hold", "rejected"): frozenset({PARTNER}),
    ("received", "on-hold"): frozenset({PARTNER}),
    ("accepted", "on-hold"): frozenset({PARTNER}),
    ("in-progress", "on-hold"): frozenset({PARTNER}),
    ("accepted", "in-progress"): frozenset({PARTNER}),
    ("on-hold", "in-progress"): frozenset({PARTNER}),
    ("accepted", "completed"): frozenset({PARTNER, CARE_MANAGER}),
    ("in-progress", "completed"): frozenset({PARTNER, CARE_MANAGER}),
    ("accepted", "failed"): frozenset({PARTNER, CARE_MANAGER}),
    ("on-hold", "failed"): frozenset({PARTNER, CARE_MANAGER}),
    ("in-progress", "failed"): frozenset({PARTNER, CARE_MANAGER}),
    ("failed", "accepted"): frozenset({PARTNER, CARE_MANAGER}),
    **{(status, "cancelled"): frozenset({CARE_MANAGER}) for status in _OPEN},
    **{(status, "entered-in-error"): frozenset({CARE_MANAGER}) for status in STATUSES if status != "entered-in-error"},
}

REASON_CODES: dict[str, tuple[str, ...]] = {
    "rejected": ("no_capacity", "not_eligible", "service_not_offered", "client_declined", "other"),
    "failed": (
        "no_show",
        "could_not_contact_client",
        "could_not_contact_agency",
        "no_capacity",
        "not_eligible",
        "service_not_offered",
        "client_declined",
        "other",
    ),
    "cancelled": ("client_declined", "need_met_elsewhere", "duplicate", "other"),
    "on-hold": ("waitlist", "client_request", "awaiting_documents", "other"),
}
"""Statuses that need a reason, and the codes each accepts (reason text is always required with them)."""


class TransitionRefused(Conflict):
    """A status change that is not allowed; its code says why, its parameters what is allowed."""


class ReferralClosed(TransitionRefused):
    """An event on a closed referral (HTTP 409); the message names its status."""


def next_statuses(status: str, side: str, *, client_self: bool = False) -> list[str]:
    """Statuses this side may move a referral to from `status`."""
    sides = {CARE_MANAGER, PARTNER} if client_self and side == CARE_MANAGER else {side}
    if client_self and side == PARTNER:
        return []
    return [to for (frm, to), who in _TRANSITIONS.items() if frm == status and who & sides]


def check_transition(
    status: str, to_status: str, side: str, reason_code: str | None, reason_text: str, *, client_self: bool = False
) -> None:
    """Raise TransitionRefused unless this side may move the referral from `status` to `to_status`."""
    if to_status not in STATUSES:
        raise TransitionRefused(STATUS_UNKNOWN, allowed=STATUSES)
    who = _TRANSITIONS.get((status, to_status))
    allowed = next_statuses(status, side, client_self=client_self)
    if who is None or to_status not in allowed:
        if client_self and side == PARTNER:
            raise TransitionRefused(CLIENT_SELF_NOT_FOR_PARTNER, status=status, to_status=to_status)
        if who is not None:
            made_by = PARTNER if PARTNER in who else CARE_MANAGER
            raise TransitionRefused(
                TRANSITION_BY_OTHER_SIDE, status=status, to_status=to_status, made_by=made_by, side=side
            )
        if not allowed:
            raise TransitionRefused(TRANSITION_CLOSED, status=status, to_status=to_status, side=side)
        raise TransitionRefused(TRANSITION_NOT_ALLOWED, status=status, to_status=to_status, side=side, allowed=allowed)
    codes = REASON_CODES.get(to_status)
    if codes is None:
        return
    if reason_code not in codes:
        raise TransitionRefused(REASON_CODE_REQUIRED, to_status=to_status, allowed=codes)
    if not reason_text.strip():
        raise TransitionRefused(REASON_TEXT_REQUIRED, to_status=to_status)


def check_event(
    status: str,
    to_status: str,
    side: str,
    reason_code: str | None,
    reason_text: str,
    *,
    note: str,
    appointment_given: bool,
    client_self: bool = False,
) -> None:
    """Raise TransitionRefused (ReferralClosed on a closed referral) unless this side may append this event
    to a referral that is `status`: a status change allowed by the table, or a note or new appointment
    on an open referral."""
    if to_status != status:
        # The table lets a closed referral move only into entered-in-error, by the care manager.
        check_transition(status, to_status, side, reason_code, reason_text, client_self=client_self)
        if status in CLOSED_STATUSES and appointment_given:
            raise ReferralClosed(CLOSED_TAKES_NO_APPOINTMENT, status=status, to_status=to_status)
        if status in CLOSED_STATUSES and not note.strip():
            raise ReferralClosed(CORRECTION_NEEDS_NOTE, status=status, to_status=to_status)
        return
    if status in CLOSED_STATUSES:
        raise ReferralClosed(
            REFERRAL_ENTERED_IN_ERROR if status == "entered-in-error" else REFERRAL_CLOSED, status=status
        )
    if not (note.strip() or appointment_given):
        raise TransitionRefused(EVENT_EMPTY)
    if reason_code:
        raise TransitionRefused(REASON_WITHOUT_STATUS)
