"""The ledger is tamper-evident and exactly one change lands per version, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from kernel.clock import FixedClock
from referrals.tables import Referral, ReferralEvent
from server.app import create_app
from server.cli import directory_group
from tests.conftest import send_csrf_header
from tests.referrals.conftest import START, change, consent, new_client, refer, sign_in


async def _referrals_with_history(world) -> list[str]:
    """Three referrals of several events each, made through the API."""
    async with AsyncTestClient(app=create_app(clock=FixedClock(START))) as client:
        send_csrf_header(client)
        client_id = await new_client(client)
        consent_id = await consent(client, client_id, world.partner_x)
        ids = []
        for _ in range(3):
            referral = await refer(client, client_id, world.food_x, consent_id)
            referral = await change(client, referral, note="Called the pantry with the client")
            referral = await change(client, referral, status="cancelled", reason_code="duplicate", reason_text="dup")
            ids.append(referral["id"])
        await sign_in(client, "x@example.org")
    return ids


@pytest.fixture
def ledger(world) -> list[str]:
    """Referral ids; the app has stopped, so tests may reach into the database directly."""
    return asyncio.run(_referrals_with_history(world))


def verify():
    return CliRunner().invoke(directory_group, ["referrals", "verify-ledger", "--quiet"])


def _events(referral_id: str) -> list[dict]:
    return asyncio.run(
        ReferralEvent.select().where(ReferralEvent.referral == referral_id).order_by(ReferralEvent.sequence).run()
    )


def test_an_untouched_ledger_verifies(ledger):
    result = verify()
    assert result.exit_code == 0, result.output
    assert "3 referrals, 9 events" in result.output


def test_an_edited_event_is_named(ledger):
    event = _events(ledger[1])[1]
    asyncio.run(
        ReferralEvent.update({ReferralEvent.note: "nothing happened"}).where(ReferralEvent.id == event["id"]).run()
    )
    result = verify()
    assert result.exit_code == 1
    assert f"referral {ledger[1]}, event 2 ({event['id']})" in result.output and "changed" in result.output


def test_a_deleted_event_is_named(ledger):
    events = _events(ledger[0])
    asyncio.run(ReferralEvent.delete().where(ReferralEvent.id == events[1]["id"]).run())
    result = verify()
    assert result.exit_code == 1
    assert f"event 3 ({events[2]['id']})" in result.output and "missing" in result.output


def test_a_deleted_last_event_is_caught_by_the_referral_record(ledger):
    events = _events(ledger[2])
    asyncio.run(ReferralEvent.delete().where(ReferralEvent.id == events[-1]["id"]).run())
    result = verify()
    assert result.exit_code == 1 and f"referral {ledger[2]}, the referral record" in result.output


def test_reordered_events_are_caught(ledger):
    first, second = _events(ledger[0])[:2]

    async def swap():
        await ReferralEvent.update({ReferralEvent.sequence: 99}).where(ReferralEvent.id == first["id"])
        await ReferralEvent.update({ReferralEvent.sequence: 1}).where(ReferralEvent.id == second["id"])
        await ReferralEvent.update({ReferralEvent.sequence: 2}).where(ReferralEvent.id == first["id"])

    asyncio.run(swap())
    result = verify()
    assert result.exit_code == 1 and f"referral {ledger[0]}, event 1 ({second['id']})" in result.output


def test_a_status_changed_behind_the_ledgers_back_is_caught(ledger):
    asyncio.run(Referral.update({Referral.status: "completed"}).where(Referral.id == ledger[1]).run())
    result = verify()
    assert result.exit_code == 1 and "status completed but the events say cancelled" in result.output


async def test_fifty_simultaneous_changes_land_once_per_version(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    partner = {"Authorization": f"Bearer {world.token_x}"}

    async def accept(i: int):
        body = {"version": referral["version"], "status": "accepted", "note": f"attempt {i}"}
        return await client.post(f"/api/referrals/{referral['id']}/events", json=body, headers=partner)

    responses = await asyncio.gather(*(accept(i) for i in range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 49, statuses
    assert all(
        "version" in r.json()["detail"] or "same moment" in r.json()["detail"]
        for r in responses
        if r.status_code == 409
    )

    # A second round on the new version: again exactly one.
    current = (await client.get(f"/api/referrals/{referral['id']}")).json()
    notes = await asyncio.gather(
        *(
            client.post(
                f"/api/referrals/{referral['id']}/events", json={"version": current["version"], "note": f"n{i}"}
            )
            for i in range(50)
        )
    )
    assert sorted(r.status_code for r in notes) == [201] + [409] * 49
    final = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert final["version"] == 3 and [e["sequence"] for e in final["timeline"]] == [1, 2, 3]
    assert [e["to_status"] for e in final["timeline"]] == ["requested", "accepted", "accepted"]
