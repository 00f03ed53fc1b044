"""The follow-up rules as a table: a referral's events in, the checks owed and their due times out.

Every setting has its own value here (no two alike), so a rule that reads the wrong setting, or a due
time computed from the wrong event, fails its row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kernel.settings import Settings
from referrals.services.follow_ups import owed_checks

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SETTINGS = dataclasses.replace(
    Settings(),
    follow_up_chase_partner_hours=47,
    follow_up_handoff_hours=7,
    follow_up_attendance_hours=23,
    follow_up_outreach_hours=29,
    follow_up_retention_days=(6, 31),
)


def hours(n: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


def events(*steps: tuple[float, str | None, str]) -> list[dict]:
    """(hours after T0, from, to) per event."""
    return [{"at": hours(at), "from_status": frm, "to_status": to} for at, frm, to in steps]


SENT = (0, None, "requested")

CASES = [
    # id, handoff, need, appointment (hours), events, owed {rule: due (hours)}
    ("draft owes nothing", "warm_handoff", "food", None, [(0, None, "draft")], {}),
    (
        "a warm handoff sent: chase the partner, confirm the handoff",
        "warm_handoff",
        "food",
        None,
        [SENT],
        {"chase_partner": 47, "confirm_handoff": 7},
    ),
    ("a partner outreach sent: chase only", "partner_outreach", "food", None, [SENT], {"chase_partner": 47}),
    ("client_self: no partner to chase", "client_self", "food", None, [SENT], {}),
    (
        "received later: the chase counts from sending, not opening",
        "warm_handoff",
        "food",
        None,
        [SENT, (5, "requested", "received")],
        {"chase_partner": 47, "confirm_handoff": 7},
    ),
    (
        "accepted with an appointment: check attendance after it",
        "warm_handoff",
        "food",
        30,
        [SENT, (2, "requested", "accepted")],
        {"check_attendance": 30 + 23},
    ),
    (
        "an appointment while still waiting for the partner",
        "partner_outreach",
        "food",
        60,
        [SENT],
        {"chase_partner": 47, "check_attendance": 60 + 23},
    ),
    (
        "in progress: attendance known, nothing owed",
        "warm_handoff",
        "food",
        30,
        [SENT, (2, "requested", "accepted"), (31, "accepted", "in-progress")],
        {},
    ),
    (
        "failed (no-show): reach out to the client",
        "warm_handoff",
        "food",
        30,
        [SENT, (2, "requested", "accepted"), (40, "accepted", "failed")],
        {"client_outreach": 40 + 29},
    ),
    (
        "failed, then a note: outreach still counts from the failure",
        "warm_handoff",
        "food",
        None,
        [SENT, (2, "requested", "accepted"), (40, "accepted", "failed"), (41, "failed", "failed")],
        {"client_outreach": 40 + 29},
    ),
    (
        "re-engaged after failing: outreach no longer owed",
        "warm_handoff",
        "food",
        None,
        [SENT, (2, "requested", "accepted"), (40, "accepted", "failed"), (50, "failed", "accepted")],
        {},
    ),
    (
        "a completed MOUD referral: retention checks on the configured days",
        "warm_handoff",
        "moud",
        None,
        [SENT, (2, "requested", "accepted"), (10, "accepted", "completed")],
        {"retention_6_days": 10 + 6 * 24, "retention_31_days": 10 + 31 * 24},
    ),
    (
        "a completed food referral: no retention checks",
        "warm_handoff",
        "food",
        None,
        [SENT, (2, "requested", "accepted"), (10, "accepted", "completed")],
        {},
    ),
    (
        "on hold with the partner: no chase, no handoff confirmation",
        "warm_handoff",
        "food",
        None,
        [SENT, (1, "requested", "received"), (3, "received", "on-hold")],
        {},
    ),
    ("cancelled: nothing", "warm_handoff", "food", 30, [SENT, (1, "requested", "cancelled")], {}),
]


@pytest.mark.parametrize(
    ("handoff", "need", "appointment", "steps", "owed"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_owed_checks(handoff, need, appointment, steps, owed):
    history = events(*steps)
    referral = {
        "status": history[-1]["to_status"],
        "handoff_type": handoff,
        "need": need,
        "appointment_at": hours(appointment) if appointment is not None else None,
    }
    assert owed_checks(referral, history, SETTINGS) == {rule: hours(due) for rule, due in owed.items()}


def test_the_settings_in_the_table_are_all_different():
    values = [
        SETTINGS.follow_up_chase_partner_hours,
        SETTINGS.follow_up_handoff_hours,
        SETTINGS.follow_up_attendance_hours,
        SETTINGS.follow_up_outreach_hours,
        *(d * 24 for d in SETTINGS.follow_up_retention_days),
    ]
    assert len(set(values)) == len(values)
