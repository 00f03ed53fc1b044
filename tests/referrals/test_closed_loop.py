"""Step 3's whole story on the demo data, through the API: a warm handoff, accepted, attended,
follow-ups appearing and closing on time, the ledger verifying and the FHIR export parsing."""

from __future__ import annotations

import datetime as dt

from fhir.resources.R4B.bundle import Bundle
from litestar.testing import AsyncTestClient

from accounts.cli import DEMO_PASSWORD
from kernel.clock import FixedClock
from kernel.settings import Settings
from referrals.services.ledger import verify_ledger
from server.app import create_app
from tests.conftest import send_csrf_header


async def _sign_in(client, email: str) -> None:
    await client.post("/api/auth/logout")
    response = await client.post("/api/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text


def _open(referral: dict) -> set[str]:
    return {f["rule"] for f in referral["follow_ups"] if f["closed_at"] is None}


async def test_a_demo_client_is_referred_connected_and_the_loop_closed(seeded):
    clock = FixedClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    async with AsyncTestClient(app=create_app(clock=clock)) as client:
        send_csrf_header(client)
        await _sign_in(client, "partner1@demo.example")
        partner_org = (await client.get("/api/auth/me")).json()["organization_id"]
        await _sign_in(client, "care.manager@demo.example")
        clients = (await client.get("/api/clients", params={"per_page": 100})).json()["contents"]
        alex = next(c for c in clients if c["preferred_name"] == "Alex R.")
        consent = next(
            c
            for c in (await client.get(f"/api/clients/{alex['id']}/consents")).json()
            if c["recipient_organization_id"] == partner_org and c["status"] == "active"
        )
        # The pantry Alex was referred to before (the demo draft): refer again with a warm handoff.
        earlier = (await client.get("/api/referrals", params={"client_id": alex["id"]})).json()["contents"]
        listing = next(r for r in earlier if r["partner_organization_id"] == partner_org)
        appointment = clock.now() + dt.timedelta(days=1)
        made = await client.post(
            "/api/referrals",
            json={
                "client_id": alex["id"],
                "service_at_location_id": listing["service_at_location_id"],
                "need": "food",
                "handoff_type": "warm_handoff",
                "goal": "Food for the week",
                "appointment_at": appointment.isoformat(),
                "consent_id": consent["id"],
                "note": "Three-way call with the pantry",
            },
        )
        assert made.status_code == 201, made.text
        referral = made.json()
        assert _open(referral) == {"chase_partner", "confirm_handoff", "check_attendance"}

        # The partner opens and accepts it the same afternoon.
        clock.advance(hours=3)
        await _sign_in(client, "partner1@demo.example")
        inbox = (await client.get("/api/referrals", params={"status": "requested"})).json()["contents"]
        assert referral["id"] in {r["id"] for r in inbox}
        opened = (await client.get(f"/api/referrals/{referral['id']}")).json()
        assert opened["status"] == "requested" and opened["client"]["preferred_name"] == "Alex R."
        received = await client.post(
            f"/api/referrals/{referral['id']}/events", json={"version": opened["version"], "status": "received"}
        )
        assert received.status_code == 201, received.text
        opened = received.json()
        accepted = await client.post(
            f"/api/referrals/{referral['id']}/events", json={"version": opened["version"], "status": "accepted"}
        )
        assert accepted.status_code == 201, accepted.text

        # The day after the appointment nobody has reported: the attendance check is due.
        clock.advance(days=1, hours=23)
        await _sign_in(client, "care.manager@demo.example")
        worklist = (await client.get("/api/worklist")).json()
        assert ("check_attendance", referral["id"]) in {
            (i["follow_up"]["rule"], i["follow_up"]["referral_id"]) for i in worklist
        }

        # The partner reports attendance; the loop is closed and the check goes away.
        await _sign_in(client, "partner1@demo.example")
        current = (await client.get(f"/api/referrals/{referral['id']}")).json()
        done = await client.post(
            f"/api/referrals/{referral['id']}/events",
            json={"version": current["version"], "status": "completed", "note": "Came and got groceries"},
        )
        assert done.status_code == 201 and done.json()["status"] == "completed"
        await _sign_in(client, "care.manager@demo.example")
        final = (await client.get(f"/api/referrals/{referral['id']}")).json()
        assert _open(final) == set()
        assert [e["to_status"] for e in final["timeline"]] == ["requested", "received", "accepted", "completed"]
        worklist = (await client.get("/api/worklist")).json()
        assert referral["id"] not in {i["follow_up"]["referral_id"] for i in worklist}

        bundle = Bundle.model_validate((await client.get(f"/api/referrals/{referral['id']}/fhir")).json())
        task = next(e.resource for e in bundle.entry if e.resource.get_resource_type() == "Task")
        assert task.status == "completed"

    # With the app stopped, check the whole ledger as `directory-admin referrals verify-ledger` does.
    referrals, events, problem = await verify_ledger(Settings.from_environment())
    assert problem is None and referrals == 13 and events >= 32
