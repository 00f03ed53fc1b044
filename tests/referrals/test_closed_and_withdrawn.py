"""The review: closed and withdrawn referrals took events, and a partner that lost access moved appointments.

A closed referral takes no note, appointment or status change from anyone (409 naming its status), but for
the care manager's correction into entered-in-error; a partner that may not see the client now (consent
revoked or expired, referral withdrawn) changes nothing (403, as `partner_access` decides); a refused
attempt leaves the referral and the ledger as they were.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest

from referrals.services.ledger import verify_ledger
from referrals.services.transitions import CLOSED_STATUSES, ReferralClosed, TransitionRefused, check_event
from referrals.tables import LedgerHead, Referral, ReferralEvent
from tests.conftest import in_app_loop
from tests.referrals.conftest import START, acknowledge, change, consent, new_client, refer, sign_in

APPOINTMENT = "2026-12-05T10:00:00Z"
ATTEMPTS = (
    {"note": "Moved the appointment", "appointment_at": APPOINTMENT},
    {"note": "One more thing"},
    {"appointment_at": APPOINTMENT},
    {"status": "accepted"},
    {"status": "in-progress", "appointment_at": APPOINTMENT},
)
"""What the review sent, and the other kinds of event: none may land."""


def _as(world, partner: str) -> dict:
    """Request headers for a partner's token (partner X) or nothing (partner Y signs in)."""
    return {"Authorization": f"Bearer {world.token_x}"} if partner == "x" else {}


async def _referral(world, client, partner: str = "x", **extra) -> tuple[dict, str, str]:
    """A referral sent to partner X's food pantry or partner Y's shelter: (its care-team view, client, consent)."""
    client_id = await new_client(client)
    organization, listing = (world.partner_x, world.food_x) if partner == "x" else (world.partner_y, world.shelter_y)
    consent_id = await consent(client, client_id, organization)
    need = "food" if partner == "x" else "housing"
    return await refer(client, client_id, listing, consent_id, need=need, **extra), client_id, consent_id


async def _as_partner(client, world, partner: str, referral: dict, expect: int = 201, **body) -> dict:
    """Append an event as the partner (X by token, Y signed in), based on the version given."""
    if partner == "y":
        await sign_in(client, "y@example.org")
    payload = {"version": referral["version"], **body}
    response = await client.post(f"/api/referrals/{referral['id']}/events", json=payload, headers=_as(world, partner))
    assert response.status_code == expect, response.text
    return response.json()


async def _closed(world, client, status: str, partner: str = "x") -> dict:
    """A referral brought to a closed status through the API, as the care team sees it (manager A signed in)."""
    referral, _, _ = await _referral(world, client, partner, appointment_at=(START + dt.timedelta(days=1)).isoformat())
    if status in ("completed", "rejected"):
        if partner == "y":
            await sign_in(client, "y@example.org")
        opened = await acknowledge(client, referral["id"], headers=_as(world, partner))
        if status == "completed":
            accepted = await _as_partner(client, world, partner, opened, status="accepted")
            await _as_partner(client, world, partner, accepted, status="completed", note="Came and got groceries")
        else:
            reason = {"reason_code": "no_capacity", "reason_text": "Full this month"}
            await _as_partner(client, world, partner, opened, status="rejected", **reason)
        await sign_in(client, "a@example.org")
    elif status == "cancelled":
        await change(client, referral, status="cancelled", reason_code="duplicate", reason_text="Made twice")
    else:
        await change(client, referral, status="entered-in-error", note="Wrong client")
    current = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert current["status"] == status
    return current


async def _ledger_state(client, referral_id: str) -> dict:
    """The referral row, its events and the ledger head: what a refused attempt must leave as it was."""

    async def read() -> dict:
        row = await Referral.select().where(Referral.id == referral_id).first()
        return {
            "referral": {k: row[k] for k in ("status", "version", "appointment_at", "last_event_hash", "updated_at")},
            "events": await ReferralEvent.count().where(ReferralEvent.referral == referral_id),
            "head": await LedgerHead.select(LedgerHead.position, LedgerHead.last_hash).first(),
        }

    return await in_app_loop(client, read)


async def _verifies(client) -> None:
    referrals, events, problem = await in_app_loop(client, partial(verify_ledger, client.app.state.settings))
    assert problem is None and events >= referrals > 0


@pytest.mark.parametrize("status", sorted(CLOSED_STATUSES))
async def test_a_closed_referral_refuses_every_event_from_the_care_manager(world, client, status):
    referral = await _closed(world, client, status)
    before = await _ledger_state(client, referral["id"])
    for body in ATTEMPTS:
        refused = await change(client, referral, expect=409, **body)
        assert status in refused["detail"], (body, refused)
    assert await _ledger_state(client, referral["id"]) == before
    await _verifies(client)


@pytest.mark.parametrize("status", sorted(CLOSED_STATUSES))
async def test_a_closed_referral_refuses_every_event_from_the_partner(world, client, status):
    referral = await _closed(world, client, status)
    before = await _ledger_state(client, referral["id"])
    # Withdrawn (cancelled, entered in error): the partner no longer sees the client, so it is refused
    # as a partner without access; completed or rejected under a live consent: refused as closed.
    withdrawn = status in ("cancelled", "entered-in-error")
    for body in ATTEMPTS + ({"status": "entered-in-error", "note": "Not ours"},):
        refused = await _as_partner(client, world, "x", referral, expect=403 if withdrawn else 409, **body)
        assert ("referral_withdrawn" if withdrawn else status) in refused["detail"], (body, refused)
        assert "Jordan" not in str(refused)
    assert await _ledger_state(client, referral["id"]) == before
    await _verifies(client)


async def test_the_reviews_completed_referral_of_partner_y_refuses_its_staff(world, client):
    referral = await _closed(world, client, "completed", partner="y")
    before = await _ledger_state(client, referral["id"])
    refused = await _as_partner(client, world, "y", referral, expect=409, note="Next visit", appointment_at=APPOINTMENT)
    assert refused["detail"].startswith("the referral is completed, which is closed")
    await sign_in(client, "a@example.org")
    assert await _ledger_state(client, referral["id"]) == before


@pytest.mark.parametrize("status", ["completed", "rejected", "cancelled"])
async def test_the_care_manager_may_still_correct_a_closed_referral_into_error(world, client, status):
    """The documented correction: a closed referral recorded by mistake can be marked entered-in-error, with a
    note saying why, but not given an appointment; entered-in-error itself is final."""
    referral = await _closed(world, client, status)
    refused = await change(client, referral, expect=409, status="entered-in-error", appointment_at=APPOINTMENT)
    assert "takes no appointment" in refused["detail"]
    for note in ("", "   "):
        unexplained = await change(client, referral, expect=409, status="entered-in-error", note=note)
        assert unexplained["code"] == "correction_needs_note"
    fixed = await change(client, referral, status="entered-in-error", note="Recorded for the wrong client")
    assert fixed["status"] == "entered-in-error" and fixed["next_statuses"] == []
    assert fixed["appointment_at"] == referral["appointment_at"]
    final = await change(client, fixed, expect=409, note="And another thing")
    closed = "the referral is entered-in-error, which is closed: it takes no more notes, appointments or changes"
    assert final["detail"] == closed
    await _verifies(client)


async def test_a_revoked_consent_stops_the_partners_events(world, client):
    """The review: partner 2 accepted and re-scheduled a referral whose consent had been revoked."""
    referral, client_id, consent_id = await _referral(world, client, "y")
    await sign_in(client, "y@example.org")
    opened = (await client.get(f"/api/referrals/{referral['id']}")).json()
    await sign_in(client, "a@example.org")
    revoked = await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    assert revoked.status_code == 200, revoked.text
    before = await _ledger_state(client, referral["id"])
    for body in ATTEMPTS:
        refused = await _as_partner(client, world, "y", opened, expect=403, **body)
        assert "consent_status is revoked" in refused["detail"] and "Jordan" not in str(refused)
    # Not even a stale version or a malformed event tells the partner more.
    stale = await _as_partner(client, world, "y", {**opened, "version": 1}, expect=403, note="x")
    assert "consent_status is revoked" in stale["detail"]
    await sign_in(client, "a@example.org")
    assert await _ledger_state(client, referral["id"]) == before
    # The care team still records what happens to its client.
    mine = (await client.get(f"/api/referrals/{referral['id']}")).json()
    await change(client, mine, note="Client asked us to stop sharing with the shelter")
    await _verifies(client)


async def test_an_expired_consent_stops_the_partners_events(world, client, clock):
    client_id = await new_client(client)
    expires = (START + dt.timedelta(days=30)).isoformat()
    consent_id = await consent(client, client_id, world.partner_x, expires_at=expires, expiry_event=None)
    referral = await refer(client, client_id, world.food_x, consent_id)
    opened = (await client.get(f"/api/referrals/{referral['id']}", headers=_as(world, "x"))).json()
    accepted = await _as_partner(client, world, "x", opened, status="accepted")
    clock.advance(days=31)
    before = await _ledger_state(client, referral["id"])
    refused = await _as_partner(client, world, "x", accepted, expect=403, appointment_at=APPOINTMENT)
    assert "consent_status is expired" in refused["detail"]
    assert await _ledger_state(client, referral["id"]) == before


async def test_a_withdrawn_referral_stops_the_partners_events(world, client):
    """The review: after the care team withdrew a referral the partner could still move the appointment."""
    referral, _, _ = await _referral(world, client, appointment_at=(START + dt.timedelta(days=2)).isoformat())
    opened = (await client.get(f"/api/referrals/{referral['id']}", headers=_as(world, "x"))).json()
    accepted = await _as_partner(client, world, "x", opened, status="accepted")
    withdrawn = await change(
        client, accepted, status="cancelled", reason_code="need_met_elsewhere", reason_text="Church pantry"
    )
    before = await _ledger_state(client, referral["id"])
    for body in ATTEMPTS:
        refused = await _as_partner(client, world, "x", withdrawn, expect=403, **body)
        assert "consent_status is referral_withdrawn" in refused["detail"]
    assert await _ledger_state(client, referral["id"]) == before
    mine = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert mine["appointment_at"] == withdrawn["appointment_at"] and mine["version"] == withdrawn["version"]
    await _verifies(client)


async def test_a_partner_opening_a_referral_it_may_not_see_records_nothing(world, client):
    """Opening a referral whose consent was revoked before the partner opened it shows only its existence and
    records nothing in the ledger (opening any referral never does: acknowledging is an event)."""
    referral, client_id, consent_id = await _referral(world, client)
    await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    before = await _ledger_state(client, referral["id"])
    opened = await client.get(f"/api/referrals/{referral['id']}", headers=_as(world, "x"))
    assert opened.status_code == 200 and opened.json()["status"] == "requested"
    assert opened.json()["consent_status"] == "revoked" and opened.json()["client"] is None
    assert await _ledger_state(client, referral["id"]) == before


def test_the_closed_rule_without_http():
    for status in CLOSED_STATUSES:
        for side in ("care_manager", "partner"):
            with pytest.raises(ReferralClosed, match=status):
                check_event(status, status, side, None, "", note="A note", appointment_given=False)
            with pytest.raises(ReferralClosed, match=status):
                check_event(status, status, side, None, "", note="", appointment_given=True)
        with pytest.raises(TransitionRefused):
            check_event(status, "entered-in-error", "partner", None, "", note="", appointment_given=False)
    check_event("completed", "entered-in-error", "care_manager", None, "", note="Mistake", appointment_given=False)
    with pytest.raises(ReferralClosed, match="takes no appointment"):
        check_event("cancelled", "entered-in-error", "care_manager", None, "", note="", appointment_given=True)
    # Open referrals, including failed (open to re-engagement), still take notes and appointments.
    for status in ("requested", "accepted", "failed"):
        check_event(status, status, "partner", None, "", note="", appointment_given=True)
