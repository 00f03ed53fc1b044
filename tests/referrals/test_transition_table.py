"""The referral state machine as the table in referrals/services/transitions.py draws it: for every status,
where each side may move a referral, and which reasons each refusal or failure takes. A row changed in the
code, and not here, fails."""

from __future__ import annotations

import pytest

from referrals.services.transitions import (
    CLOSED_STATUSES,
    REASON_CODES,
    STATUSES,
    ReferralClosed,
    TransitionRefused,
    check_event,
    check_transition,
    next_statuses,
)

OPEN_EXITS = {"cancelled", "entered-in-error"}
CARE_MANAGER_MAY = {
    "draft": {"requested"} | OPEN_EXITS,
    "requested": OPEN_EXITS,
    "received": OPEN_EXITS,
    "accepted": {"completed", "failed"} | OPEN_EXITS,
    "on-hold": {"failed"} | OPEN_EXITS,
    "in-progress": {"completed", "failed"} | OPEN_EXITS,
    "failed": {"accepted"} | OPEN_EXITS,
    "completed": {"entered-in-error"},
    "rejected": {"entered-in-error"},
    "cancelled": {"entered-in-error"},
    "entered-in-error": set(),
}
PARTNER_MAY = {
    "draft": set(),
    "requested": {"received", "accepted", "rejected"},
    "received": {"accepted", "rejected", "on-hold"},
    "accepted": {"on-hold", "in-progress", "completed", "failed"},
    "on-hold": {"accepted", "rejected", "in-progress", "failed"},
    "in-progress": {"on-hold", "completed", "failed"},
    "failed": {"accepted"},
    "completed": set(),
    "rejected": set(),
    "cancelled": set(),
    "entered-in-error": set(),
}
REASONS = {
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


def test_the_table_covers_every_status():
    assert set(CARE_MANAGER_MAY) == set(PARTNER_MAY) == set(STATUSES)


@pytest.mark.parametrize("status", STATUSES)
def test_where_each_side_may_move_a_referral(status):
    assert set(next_statuses(status, "care_manager")) == CARE_MANAGER_MAY[status]
    assert set(next_statuses(status, "partner")) == PARTNER_MAY[status]
    # A client_self referral reaches no partner: the care manager records every step, the partner none.
    both = CARE_MANAGER_MAY[status] | PARTNER_MAY[status]
    assert set(next_statuses(status, "care_manager", client_self=True)) == both
    assert next_statuses(status, "partner", client_self=True) == []


@pytest.mark.parametrize("status", STATUSES)
def test_check_transition_agrees_with_the_table(status):
    for to_status in STATUSES:
        for side, allowed in (("care_manager", CARE_MANAGER_MAY), ("partner", PARTNER_MAY)):
            code = REASONS.get(to_status, (None,))[0]
            if to_status in allowed[status]:
                check_transition(status, to_status, side, code, "what happened")
            else:
                with pytest.raises(TransitionRefused):
                    check_transition(status, to_status, side, code, "what happened")


def test_the_reasons_each_refusal_takes():
    assert REASON_CODES == REASONS
    for to_status, codes in REASONS.items():
        source = next(s for s in STATUSES if to_status in PARTNER_MAY[s] | CARE_MANAGER_MAY[s])
        side = "partner" if to_status in PARTNER_MAY[source] else "care_manager"
        for code in codes:
            check_transition(source, to_status, side, code, "what happened")
        with pytest.raises(TransitionRefused, match=f"{to_status} needs a reason_code, one of {', '.join(codes)}$"):
            check_transition(source, to_status, side, "not_a_code", "what happened")
        with pytest.raises(TransitionRefused, match=f"^{to_status} needs a reason_text saying what happened$"):
            check_transition(source, to_status, side, codes[0], "  ")
    # Statuses without reasons take none, and need no text.
    check_transition("requested", "accepted", "partner", None, "")


def test_refusals_say_who_may_and_what_is_possible():
    with pytest.raises(TransitionRefused, match="^requested -> accepted is made by the partner, not the care manager$"):
        check_transition("requested", "accepted", "care_manager", None, "")
    with pytest.raises(TransitionRefused, match="^draft -> requested is made by the care manager, not the partner$"):
        check_transition("draft", "requested", "partner", None, "")
    with pytest.raises(
        TransitionRefused, match="^accepted -> completed: a client_self referral is changed by the care manager only$"
    ):
        check_transition("accepted", "completed", "partner", None, "", client_self=True)
    with pytest.raises(
        TransitionRefused,
        match="^a referral that is completed cannot become accepted; the partner may move it to nothing "
        r"\(the referral is closed\)$",
    ):
        check_transition("completed", "accepted", "partner", None, "")
    with pytest.raises(
        TransitionRefused,
        match="^a referral that is requested cannot become in-progress; the care manager may move it to "
        "cancelled, entered-in-error$",
    ):
        check_transition("requested", "in-progress", "care_manager", None, "")
    with pytest.raises(TransitionRefused, match="^status must be one of draft, "):
        check_transition("requested", "paused", "partner", None, "")


def test_events_without_a_status_change():
    check_event("accepted", "accepted", "partner", None, "", note="Called", appointment_given=False)
    check_event("accepted", "accepted", "care_manager", None, "", note="", appointment_given=True)
    with pytest.raises(TransitionRefused, match="^an event without a new status needs a note or an appointment_at$"):
        check_event("accepted", "accepted", "partner", None, "", note="  ", appointment_given=False)
    with pytest.raises(TransitionRefused, match="^reason_code goes with a change of status$"):
        check_event("accepted", "accepted", "partner", "no_show", "", note="x", appointment_given=False)
    with pytest.raises(ReferralClosed, match="; the care manager may still mark it entered-in-error$"):
        check_event("completed", "completed", "care_manager", None, "", note="x", appointment_given=False)
    with pytest.raises(ReferralClosed, match="changes$"):
        check_event("entered-in-error", "entered-in-error", "care_manager", None, "", note="x", appointment_given=False)
    with pytest.raises(ReferralClosed, match="takes no appointment$"):
        check_event("completed", "entered-in-error", "care_manager", None, "", note="x", appointment_given=True)
    check_event("completed", "entered-in-error", "care_manager", None, "", note="Wrong client", appointment_given=False)


@pytest.mark.parametrize("status", ["completed", "rejected", "cancelled", "entered-in-error"])
def test_a_closed_referral_takes_no_note_and_no_appointment_from_either_side(status):
    assert status in CLOSED_STATUSES
    for side in ("care_manager", "partner"):
        with pytest.raises(ReferralClosed, match=f"^the referral is {status}, which is closed"):
            check_event(status, status, side, None, "", note="Still here", appointment_given=False)
        with pytest.raises(ReferralClosed):
            check_event(status, status, side, None, "", note="", appointment_given=True)


@pytest.mark.parametrize("status", ["draft", "requested", "received", "accepted", "on-hold", "in-progress", "failed"])
def test_an_open_referral_takes_notes_and_appointments_from_both_sides(status):
    assert status not in CLOSED_STATUSES
    for side in ("care_manager", "partner"):
        check_event(status, status, side, None, "", note="Called", appointment_given=False)
        check_event(status, status, side, None, "", note="", appointment_given=True)


def test_a_status_change_event_follows_the_table_for_client_self_referrals_too():
    """A client_self referral reaches no partner: the care manager records the partner's steps; by default a
    referral is not client_self, and there the partner's steps are the partner's."""
    check_event("requested", "accepted", "care_manager", None, "", note="", appointment_given=False, client_self=True)
    with pytest.raises(TransitionRefused, match="is made by the partner, not the care manager$"):
        check_event("requested", "accepted", "care_manager", None, "", note="", appointment_given=False)
    check_event("requested", "accepted", "partner", None, "", note="", appointment_given=False)
    with pytest.raises(TransitionRefused):
        check_event("requested", "accepted", "partner", None, "", note="", appointment_given=False, client_self=True)
