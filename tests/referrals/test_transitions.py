"""Who may move a referral where: not-allowed changes get 409 saying why; reasons are required."""

from __future__ import annotations

import pytest

from referrals.services.transitions import REASON_CODES, STATUSES, TransitionRefused, check_transition, next_statuses
from tests.referrals.conftest import change, consent, new_client, refer, sign_in


async def _sent(world, client, **extra) -> dict:
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    return await refer(client, client_id, world.food_x, consent_id, **extra)


async def test_the_partner_cannot_cancel_and_the_care_manager_cannot_accept(world, client):
    referral = await _sent(world, client)
    refused = await change(client, referral, expect=409, status="accepted")
    assert refused["detail"] == "requested -> accepted is made by the partner, not the care manager"
    await sign_in(client, "x@example.org")
    refused = await change(client, referral, expect=409, status="cancelled", reason_code="other", reason_text="x")
    assert refused["detail"] == "requested -> cancelled is made by the care manager, not the partner"


async def test_refusals_need_a_reason_code_and_text(world, client):
    referral = await _sent(world, client)
    await sign_in(client, "x@example.org")
    refused = await change(client, referral, expect=409, status="rejected")
    assert "rejected needs a reason_code, one of no_capacity" in refused["detail"]
    refused = await change(client, referral, expect=409, status="rejected", reason_code="not_eligible")
    assert refused["detail"] == "rejected needs a reason_text saying what happened"
    rejected = await change(client, referral, status="rejected", reason_code="not_eligible", reason_text="Over age")
    assert rejected["status"] == "rejected" and rejected["timeline"][-1]["reason_text"] == "Over age"


async def test_a_closed_referral_cannot_move_except_into_error(world, client):
    referral = await _sent(world, client)
    cancelled = await change(client, referral, status="cancelled", reason_code="duplicate", reason_text="Twice")
    refused = await change(client, cancelled, expect=409, status="requested")
    assert "cannot become requested" in refused["detail"] and "entered-in-error" in refused["detail"]
    fixed = await change(client, cancelled, status="entered-in-error", note="Wrong client")
    assert fixed["status"] == "entered-in-error" and fixed["next_statuses"] == []


async def test_a_stale_version_gets_409_and_a_wrong_id_404(world, client):
    referral = await _sent(world, client)
    await change(client, referral, note="First")
    stale = await change(client, referral, expect=409, note="Second")
    assert stale["detail"].startswith("the referral is at version 2, not 1")
    missing = await client.post(
        "/api/referrals/00000000-0000-0000-0000-000000000000/events", json={"version": 1, "note": "x"}
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"version": 1}, "needs a note or an appointment_at"),
        ({"version": 1, "status": "paused"}, "status"),
        ({"version": "one"}, "version"),
        ({"version": 1, "note": "x", "reason_code": "no_show"}, "reason_code goes with a change of status"),
    ],
)
async def test_malformed_events_say_what_is_wrong(world, client, body, message):
    referral = await _sent(world, client)
    response = await client.post(f"/api/referrals/{referral['id']}/events", json=body)
    assert response.status_code in (400, 409) and message in response.text, response.text


def test_every_status_needing_a_reason_is_reachable_and_checked():
    for status, codes in REASON_CODES.items():
        assert status in STATUSES and codes
        with pytest.raises(TransitionRefused):
            check_transition("accepted", status, "partner", None, "")
    assert next_statuses("requested", "partner", client_self=True) == []
    assert "accepted" in next_statuses("requested", "care_manager", client_self=True)
