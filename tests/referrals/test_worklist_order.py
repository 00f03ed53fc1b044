"""The worklist's order and reach: overdue first, then urgent referrals, then clients at risk, then by due time;
checks due within WORKLIST_HORIZON_HOURS (24) or overdue, and none beyond."""

from __future__ import annotations

import datetime as dt

from tests.referrals.conftest import START, consent, new_client, refer


async def _sent_at(world, client, clock, hours: float, **extra) -> dict:
    """A partner_outreach referral (its one check: chase the partner 48 h later) of a new client, sent then."""
    clock.current = START + dt.timedelta(hours=hours)
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    return await refer(client, client_id, world.food_x, consent_id, handoff_type="partner_outreach", **extra)


async def test_overdue_then_urgent_then_at_risk_then_due_time_within_the_horizon(world, client, clock):
    overdue = await _sent_at(world, client, clock, 0)  # due at 48 h
    beyond = await _sent_at(world, client, clock, 40)  # due at 88 h: beyond the horizon
    at_horizon = await _sent_at(world, client, clock, 36)  # due at 84 h: at the horizon
    soonest = await _sent_at(world, client, clock, 16)  # due at 64 h
    at_risk = await _sent_at(world, client, clock, 18)  # due at 66 h
    urgent = await _sent_at(world, client, clock, 20, priority="urgent")  # due at 68 h
    at_risk_check = at_risk["follow_ups"][0]["id"]
    for _ in range(2):  # two unanswered calls in a row: the client is at risk
        answer = await client.post(
            f"/api/follow_ups/{at_risk_check}/attempts", json={"method": "phone", "result": "no_answer"}
        )
        assert answer.status_code == 201, answer.text
        clock.advance(hours=1)  # two calls, an hour apart (the same call sent twice is recorded once)

    clock.current = START + dt.timedelta(hours=60)  # the horizon reaches 84 h
    worklist = (await client.get("/api/worklist")).json()
    shown = [
        (item["follow_up"]["referral_id"], item["overdue"], item["priority"], item["client_at_risk"])
        for item in worklist
    ]
    assert shown == [
        (overdue["id"], True, "routine", False),
        (urgent["id"], False, "urgent", False),
        (at_risk["id"], False, "routine", True),
        (soonest["id"], False, "routine", False),
        (at_horizon["id"], False, "routine", False),
    ]
    assert beyond["id"] not in {item["follow_up"]["referral_id"] for item in worklist}
    assert {item["follow_up"]["rule"] for item in worklist} == {"chase_partner"}
    assert worklist[0]["follow_up"]["description"] == "The partner has not accepted the referral: call them."
