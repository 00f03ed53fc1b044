"""Clients are seen and changed only by their own care team, and every access is audited."""

import asyncio

import pytest

from accounts.services import create_account, create_care_team
from accounts.tables import AuditEvent
from directory.tables import Organization
from tests.conftest import send_csrf_header

PASSWORD = "correct horse battery"
CLIENT = {
    "preferred_name": "Jordan Quill",
    "contact_methods": [{"method": "text", "value": "555-0142", "may_use": True}],
    "home_postal_code": "21201",
    "goals": "Get back to work and stay on buprenorphine",
    "strengths": "Loves cooking",
    "informal_supports": [{"name": "Aunt Rose", "relationship": "aunt", "may_contact": True}],
}


async def _people() -> None:
    team_a = await create_care_team("Team A")
    team_b = await create_care_team("Team B")
    await create_account("a@example.org", "Manager A", PASSWORD, "care_manager", care_team_id=team_a)
    await create_account("b@example.org", "Manager B", PASSWORD, "care_manager", care_team_id=team_b)
    partner = await Organization.insert(Organization(name="Shelter", description="Shelter")).returning(Organization.id)
    await create_account("p@example.org", "Partner", PASSWORD, "partner_staff", organization_id=partner[0]["id"])
    await create_account("admin@example.org", "Admin", PASSWORD, "admin")


@pytest.fixture
def people():
    """Two care teams with a manager each, partner staff and an admin (made before the app starts)."""
    asyncio.run(_people())


async def sign_in(client, email):
    response = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200


async def test_care_manager_creates_reads_and_updates_a_client(people, client):
    await sign_in(client, "a@example.org")
    created = await client.post("/api/clients", json=CLIENT)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["preferred_name"] == "Jordan Quill" and body["informal_supports"][0]["may_contact"] is True
    changed = await client.patch(f"/api/clients/{body['id']}", json={"goals": "Find stable housing"})
    assert changed.json()["goals"] == "Find stable housing" and changed.json()["strengths"] == "Loves cooking"
    listed = (await client.get("/api/clients")).json()
    assert [c["id"] for c in listed["contents"]] == [body["id"]]


async def test_another_care_team_cannot_see_or_change_the_client(people, client):
    await sign_in(client, "a@example.org")
    client_id = (await client.post("/api/clients", json=CLIENT)).json()["id"]
    await sign_in(client, "b@example.org")
    for response in (
        await client.get(f"/api/clients/{client_id}"),
        await client.patch(f"/api/clients/{client_id}", json={"goals": "x"}),
    ):
        assert response.status_code == 404 and "Jordan" not in response.text
    assert (await client.get("/api/clients")).json()["total_items"] == 0


@pytest.mark.parametrize(("email", "status"), [(None, 401), ("p@example.org", 403), ("admin@example.org", 403)])
async def test_only_care_managers_reach_clients(people, client, email, status):
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
    ],
)
async def test_bad_client_data_gets_400_naming_the_field(people, client, change, field):
    await sign_in(client, "a@example.org")
    response = await client.post("/api/clients", json={**CLIENT, **change})
    assert response.status_code == 400 and field in response.text


def test_every_view_and_change_is_audited_without_private_details(people):
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
