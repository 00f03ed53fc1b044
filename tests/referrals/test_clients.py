"""Clients are seen and changed only by their own care team, and every access is audited."""

import asyncio

import pytest

from accounts.tables import AuditEvent
from tests.conftest import send_csrf_header
from tests.referrals.conftest import CLIENT, PASSWORD, sign_in


async def test_care_manager_creates_reads_and_updates_a_client(world, client):
    await sign_in(client, "a@example.org")
    created = await client.post("/api/clients", json=CLIENT)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["preferred_name"] == "Jordan Quill" and body["informal_supports"][0]["may_contact"] is True
    changed = await client.patch(f"/api/clients/{body['id']}", json={"goals": "Find stable housing"})
    assert changed.json()["goals"] == "Find stable housing" and changed.json()["strengths"] == "Loves cooking"
    listed = (await client.get("/api/clients")).json()
    assert [c["id"] for c in listed["contents"]] == [body["id"]]


async def test_another_care_team_cannot_see_or_change_the_client(world, client):
    await sign_in(client, "a@example.org")
    client_id = (await client.post("/api/clients", json=CLIENT)).json()["id"]
    await sign_in(client, "b@example.org")
    for response in (
        await client.get(f"/api/clients/{client_id}"),
        await client.patch(f"/api/clients/{client_id}", json={"goals": "x"}),
    ):
        assert response.status_code == 404 and "Jordan" not in response.text
    assert (await client.get("/api/clients")).json()["total_items"] == 0


@pytest.mark.parametrize(("email", "status"), [(None, 401), ("x@example.org", 403), ("admin@example.org", 403)])
async def test_only_care_managers_reach_clients(world, client, email, status):
    if email:
        await sign_in(client, email)
    assert (await client.get("/api/clients")).status_code == status
    assert (await client.post("/api/clients", json=CLIENT)).status_code == status


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"preferred_name": ""}, "preferred_name"),
        ({"home_postal_code": "2120"}, "home_postal_code"),
        ({"contact_methods": [{"method": "pigeon", "value": "x"}]}, "contact_methods"),
        ({"preferred_language": "xx-INVALID-"}, "preferred_language"),
        ({"preferred_language": "español"}, "preferred_language"),
    ],
)
async def test_bad_client_data_gets_400_naming_the_field(world, client, change, field):
    await sign_in(client, "a@example.org")
    response = await client.post("/api/clients", json={**CLIENT, **change})
    assert response.status_code == 400 and field in response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"informal_supports": [{"name": "Aunt Rose", "relationship": "aunt", "may_contact": 0}]}, "may_contact"),
        ({"contact_methods": [{"method": "text", "value": "555-0142", "may_use": "true"}]}, "may_use"),
        ({"contact_methods": [{"method": "text", "value": "555-0142", "may_use": 1}]}, "may_use"),
    ],
)
async def test_a_yes_or_no_must_be_a_json_boolean(world, client, body, field):
    """`may_contact: 0` read as false once: whether Aunt Rose may be called is not guessed from a number."""
    await sign_in(client, "a@example.org")
    created = await client.post("/api/clients", json={**CLIENT, **body})
    assert created.status_code == 400 and field in created.json()["detail"], created.text
    client_id = (await client.post("/api/clients", json=CLIENT)).json()["id"]
    changed = await client.patch(f"/api/clients/{client_id}", json=body)
    assert changed.status_code == 400 and field in changed.json()["detail"], changed.text
    kept = (await client.get(f"/api/clients/{client_id}")).json()
    assert kept["informal_supports"][0]["may_contact"] is True and kept["contact_methods"][0]["may_use"] is True


def test_every_view_and_change_is_audited_without_private_details(world):
    from litestar.testing import TestClient

    from server.app import create_app

    with TestClient(app=create_app()) as client:
        send_csrf_header(client)
        client.post("/api/auth/login", json={"email": "a@example.org", "password": PASSWORD})
        client_id = client.post("/api/clients", json=CLIENT).json()["id"]
        client.get(f"/api/clients/{client_id}")
        client.patch(f"/api/clients/{client_id}", json={"goals": "new goal"})
        client.get("/api/clients")
    events = asyncio.run(AuditEvent.select().where(AuditEvent.object_type.is_in(["client", "client_list"])).run())
    assert sorted(e["action"] for e in events) == ["create", "update", "view", "view"]
    assert all(e["role"] == "care_manager" and e["organization"].startswith("care_team:") for e in events)
    private = ("Jordan", "555-0142", "Aunt Rose", "buprenorphine", "new goal", "cooking")
    assert not any(word in str(event) for event in events for word in private)
