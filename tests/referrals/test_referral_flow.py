"""A referral from warm handoff to a closed loop, through the API as care manager and partner would."""

from __future__ import annotations

import datetime as dt

from tests.referrals.conftest import START, change, consent, new_client, refer, sign_in


def _open_rules(referral: dict) -> dict[str, str]:
    return {f["rule"]: f["due_at"] for f in referral["follow_ups"] if f["closed_at"] is None}


async def test_warm_handoff_accepted_attended_and_followed_up(world, client, clock):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    appointment = START + dt.timedelta(days=2)
    referral = await refer(
        client, client_id, world.food_x, consent_id, appointment_at=appointment.isoformat(), priority="urgent"
    )
    assert referral["status"] == "requested" and referral["version"] == 1
    assert set(_open_rules(referral)) == {"chase_partner", "confirm_handoff", "check_attendance"}
    assert _open_rules(referral)["chase_partner"].startswith("2026-03-04T14:00")

    # Today's list holds the handoff confirmation (due in 8 hours); the partner chase is two days out.
    worklist = (await client.get("/api/worklist")).json()
    assert [(i["follow_up"]["rule"], i["overdue"]) for i in worklist] == [("confirm_handoff", False)]
    # 25 hours later the confirmation is overdue and the chase is due within the day.
    clock.advance(hours=25)
    worklist = (await client.get("/api/worklist")).json()
    assert [(i["follow_up"]["rule"], i["overdue"]) for i in worklist] == [
        ("confirm_handoff", True),
        ("chase_partner", False),
    ]

    # The partner opens it, acknowledges receipt, then accepts: the chase and the confirmation close.
    await sign_in(client, "x@example.org")
    seen = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert seen["view"] == "partner" and seen["status"] == "requested"
    seen = await change(client, seen, status="received")
    assert seen["client"]["preferred_name"] == "Jordan Quill"
    assert [m["value"] for m in seen["client"]["contact_methods"]] == ["555-0142"]
    assert seen["goal"] is None and "42 CFR part 2" in seen["redisclosure_notice"]
    accepted = await change(client, seen, status="accepted", note="Bring ID")
    assert accepted["status"] == "accepted"

    await sign_in(client, "a@example.org")
    mine = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert set(_open_rules(mine)) == {"check_attendance"}
    assert [e["to_status"] for e in mine["timeline"]] == ["requested", "received", "accepted"]
    assert mine["timeline"][2]["note"] == "Bring ID"

    # The appointment passes with no outcome: a day later the attendance check is overdue.
    clock.advance(days=2)
    worklist = (await client.get("/api/worklist")).json()
    assert [(i["follow_up"]["rule"], i["overdue"], i["priority"]) for i in worklist] == [
        ("check_attendance", True, "urgent")
    ]

    # The partner reports the client came: completed closes the loop and the check.
    await sign_in(client, "x@example.org")
    current = (await client.get(f"/api/referrals/{referral['id']}")).json()
    done = await change(client, current, status="completed", note="Picked up groceries")
    assert done["status"] == "completed"
    await sign_in(client, "a@example.org")
    assert (await client.get("/api/worklist")).json() == []
    final = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert _open_rules(final) == {} and final["version"] == 4


async def test_an_event_never_reads_as_earlier_than_the_one_before_it(world, client, clock):
    """A request that began before another but commits after it (found by the outside review: sequence 5 was
    stamped before sequence 4) takes the time of the event before it: the timeline's times follow its order."""
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    clock.current = START + dt.timedelta(hours=1)
    called = await change(client, referral, note="Called the pantry")
    clock.current = START + dt.timedelta(minutes=30)  # the next change's request started earlier
    messaged = await change(client, called, note="Left a message")
    times = [event["at"] for event in messaged["timeline"]]
    assert times == sorted(times)
    assert messaged["timeline"][-1]["at"] == called["timeline"][-1]["at"]
    stored = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert [event["at"] for event in stored["timeline"]] == times
