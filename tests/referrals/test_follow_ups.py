"""Follow-up checks appear when their reason arises, close when it goes, and the worklist puts risk first."""

from __future__ import annotations

import asyncio
import datetime as dt

from tests.referrals.conftest import START, change, consent, new_client, refer, sign_in

PARTNER = "x@example.org"


def _open(referral: dict) -> dict[str, str]:
    return {f["rule"]: f["due_at"][:16] for f in referral["follow_ups"] if f["closed_at"] is None}


async def _accepted_referral(world, client, **extra) -> dict:
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x, scope="including_sud_treatment")
    referral = await refer(client, client_id, world.food_x, consent_id, **extra)
    await sign_in(client, PARTNER)
    accepted = await change(client, referral, status="accepted")
    await sign_in(client, "a@example.org")
    return (await client.get(f"/api/referrals/{accepted['id']}")).json()


async def test_a_no_show_calls_for_outreach_and_flags_the_client_at_risk(world, client, clock):
    appointment = START + dt.timedelta(days=1)
    referral = await _accepted_referral(world, client, appointment_at=appointment.isoformat())
    clock.advance(days=1, hours=2)
    await sign_in(client, PARTNER)
    failed = await change(client, referral, status="failed", reason_code="no_show", reason_text="Did not come")
    await sign_in(client, "a@example.org")
    mine = (await client.get(f"/api/referrals/{failed['id']}")).json()
    assert _open(mine) == {"client_outreach": "2026-03-04T16:00"}
    closed = {f["rule"]: f["close_reason"] for f in mine["follow_ups"] if f["closed_at"]}
    assert closed["check_attendance"] == "no longer needed: referral failed"

    worklist = (await client.get("/api/worklist")).json()
    assert [(i["follow_up"]["rule"], i["client_at_risk"]) for i in worklist] == [("client_outreach", True)]
    outreach_id = worklist[0]["follow_up"]["id"]
    attempt = {"method": "phone", "result": "no_answer", "note": "Voicemail full"}
    response = await client.post(f"/api/follow_ups/{outreach_id}/attempts", json=attempt)
    assert response.status_code == 201 and response.json()["closed_at"] is None
    reached = await client.post(
        f"/api/follow_ups/{outreach_id}/attempts", json={"method": "trusted_contact", "result": "re_engaged"}
    )
    assert reached.json()["close_reason"] == "done: re_engaged"
    assert (await client.get("/api/worklist")).json() == []

    # The client re-engages: a new appointment, a new attendance check; the old outreach is not owed again.
    new_appointment = (START + dt.timedelta(days=5)).isoformat()
    back = await change(client, mine, status="accepted", appointment_at=new_appointment, note="Rebooked")
    assert _open(back) == {"check_attendance": "2026-03-08T14:00"}


async def test_two_unanswered_outreach_attempts_in_a_row_flag_the_client(world, client, clock):
    referral = await _accepted_referral(world, client)
    await change(client, referral, status="failed", reason_code="could_not_contact_client", reason_text="No reply")
    outreach = (await client.get("/api/worklist")).json()[0]["follow_up"]["id"]
    for _ in range(2):
        await client.post(f"/api/follow_ups/{outreach}/attempts", json={"method": "text", "result": "no_answer"})
        clock.advance(hours=4)
    assert (await client.get("/api/worklist")).json()[0]["client_at_risk"] is True


async def test_one_unanswered_call_sent_twice_at_once_is_recorded_once(world, client, clock):
    """A double click (or a resent form) is one attempt: two would flag the client at risk on one call."""
    referral = await _accepted_referral(world, client)
    await change(client, referral, status="failed", reason_code="could_not_contact_client", reason_text="No reply")
    outreach = (await client.get("/api/worklist")).json()[0]["follow_up"]["id"]
    attempt = {"method": "phone", "result": "no_answer", "note": "Rang out"}
    answers = await asyncio.gather(
        *(client.post(f"/api/follow_ups/{outreach}/attempts", json=attempt) for _ in range(4))
    )
    assert {answer.status_code for answer in answers} == {201}
    assert (await client.get("/api/worklist")).json()[0]["client_at_risk"] is False
    clock.advance(minutes=5)
    await client.post(f"/api/follow_ups/{outreach}/attempts", json=attempt)
    assert (await client.get("/api/worklist")).json()[0]["client_at_risk"] is True


async def test_a_closed_follow_up_takes_no_more_attempts(world, client, clock):
    referral = await _accepted_referral(world, client)
    await change(client, referral, status="failed", reason_code="could_not_contact_client", reason_text="No reply")
    outreach = (await client.get("/api/worklist")).json()[0]["follow_up"]["id"]
    reached = {"method": "phone", "result": "reached"}
    assert (await client.post(f"/api/follow_ups/{outreach}/attempts", json=reached)).status_code == 201
    again = await client.post(f"/api/follow_ups/{outreach}/attempts", json={"method": "text", "result": "no_answer"})
    assert again.status_code == 409
    assert again.json()["code"] == "follow_up_closed"
    assert "done: reached" in again.json()["detail"]


async def test_a_completed_moud_referral_calls_for_retention_checks_at_7_and_30_days(world, client, clock):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x, scope="including_sud_treatment")
    referral = await refer(client, client_id, world.otp_x, consent_id, need="moud", handoff_type="accompanied")
    await sign_in(client, PARTNER)
    referral = await change(client, referral, status="accepted")
    clock.advance(days=1)
    referral = await change(client, referral, status="in-progress", note="First dose")
    referral = await change(client, referral, status="completed", note="Stabilised on dose")
    await sign_in(client, "a@example.org")
    mine = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert _open(mine) == {"retention_7_days": "2026-03-10T14:00", "retention_30_days": "2026-04-02T14:00"}
    assert (await client.get("/api/worklist")).json() == []
    clock.advance(days=6, hours=1)
    worklist = (await client.get("/api/worklist")).json()
    assert [(i["follow_up"]["rule"], i["overdue"]) for i in worklist] == [("retention_7_days", False)]


async def test_the_partner_chase_is_due_48_hours_after_sending_and_closes_on_acceptance(world, client, clock):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id, handoff_type="partner_outreach")
    assert _open(referral) == {"chase_partner": "2026-03-04T14:00"}
    clock.advance(hours=49)
    worklist = (await client.get("/api/worklist")).json()
    assert [(i["follow_up"]["rule"], i["overdue"]) for i in worklist] == [("chase_partner", True)]
    await sign_in(client, PARTNER)
    await change(client, referral, status="accepted")
    await sign_in(client, "a@example.org")
    assert (await client.get("/api/worklist")).json() == []


async def test_worklists_are_per_care_team(world, client, clock):
    await _accepted_referral(world, client, appointment_at=START.isoformat())
    clock.advance(days=2)
    items = (await client.get("/api/worklist")).json()
    assert len(items) == 1
    other_team_item = items[0]["follow_up"]["id"]
    assert len((await client.get("/api/worklist", params={"assigned_to_me": True})).json()) == 1
    await sign_in(client, "a2@example.org")
    assert len((await client.get("/api/worklist")).json()) == 1
    assert (await client.get("/api/worklist", params={"assigned_to_me": True})).json() == []
    await sign_in(client, "b@example.org")
    assert (await client.get("/api/worklist")).json() == []
    response = await client.post(
        f"/api/follow_ups/{other_team_item}/attempts", json={"method": "text", "result": "reached"}
    )
    assert response.status_code == 404 and "Jordan" not in response.text
