"""`make run` seeds a lived-in system: demo referrals in every status, a worklist, partner inboxes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from accounts.cli import DEMO_PASSWORD
from referrals.services.transitions import STATUSES
from server.app import create_app
from server.cli import directory_group
from tests.conftest import send_csrf_header


@pytest.fixture
async def client():
    """The demo data is dated from the real clock, so the app runs on it too."""
    async with AsyncTestClient(app=create_app()) as test_client:
        yield send_csrf_header(test_client)


async def _sign_in(client, email: str) -> None:
    response = await client.post("/api/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text


async def test_the_demo_care_manager_sees_referrals_in_every_status_and_a_worklist(seeded, client):
    await _sign_in(client, "care.manager@demo.example")
    referrals = (await client.get("/api/referrals", params={"per_page": 100})).json()["contents"]
    assert {r["status"] for r in referrals} == set(STATUSES)
    worklist = (await client.get("/api/worklist")).json()
    rules = {item["follow_up"]["rule"] for item in worklist}
    assert {"confirm_handoff", "chase_partner", "client_outreach"} <= rules
    assert any(item["client_at_risk"] for item in worklist)


async def test_each_demo_partner_sees_only_its_own_inbox(seeded, client):
    inboxes = {}
    for email in ("partner1@demo.example", "partner2@demo.example"):
        await _sign_in(client, email)
        inboxes[email] = {
            r["id"] for r in (await client.get("/api/referrals", params={"per_page": 100})).json()["contents"]
        }
        await client.post("/api/auth/logout")
    assert inboxes["partner1@demo.example"] and inboxes["partner2@demo.example"]
    assert not inboxes["partner1@demo.example"] & inboxes["partner2@demo.example"]


def test_the_demo_ledger_verifies(seeded):
    result = CliRunner().invoke(directory_group, ["referrals", "verify-ledger", "--quiet"])
    assert result.exit_code == 0 and "12 referrals" in result.output, result.output


async def test_the_demo_admin_reads_the_audit_log_but_no_client(seeded, client):
    await _sign_in(client, "admin@demo.example")
    assert (await client.get("/api/audit")).status_code == 200
    assert (await client.get("/api/referrals")).status_code == 403
    assert (await client.get("/api/clients")).status_code == 403
