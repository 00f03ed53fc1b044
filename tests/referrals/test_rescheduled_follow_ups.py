"""A moved appointment moves its attendance check: the old check closes as rescheduled, so the worklist
never asks twice whether the client attended."""

from __future__ import annotations

import datetime as dt

from tests.referrals.conftest import START, change, consent, new_client, refer, sign_in


async def test_a_moved_appointment_leaves_one_attendance_check_on_the_worklist(world, client, clock):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    first_appointment = START + dt.timedelta(hours=2)
    referral = await refer(client, client_id, world.food_x, consent_id, appointment_at=first_appointment.isoformat())
    await sign_in(client, "x@example.org")
    referral = await change(client, referral, status="accepted")
    await sign_in(client, "a@example.org")

    moved_to = START + dt.timedelta(hours=5)
    moved = await change(client, referral, appointment_at=moved_to.isoformat(), note="The pantry moved it to 7 pm")
    attendance = [f for f in moved["follow_ups"] if f["rule"] == "check_attendance"]
    assert [(f["due_at"][:16], f["close_reason"]) for f in attendance] == [
        ("2026-03-03T16:00", "rescheduled"),
        ("2026-03-03T19:00", None),
    ]
    assert attendance[0]["closed_at"] is not None and attendance[1]["closed_at"] is None

    clock.advance(hours=30)  # both due times have passed: each check would now be overdue
    worklist = (await client.get("/api/worklist")).json()
    checks = [(i["follow_up"]["rule"], i["follow_up"]["due_at"][:16], i["overdue"]) for i in worklist]
    assert checks == [("check_attendance", "2026-03-03T19:00", True)]
