"""Needs screening: dated answers, repeatable, and the open needs drive 'find resources for this client'."""

from __future__ import annotations

from accounts.cli import DEMO_PASSWORD

CLIENT = {"preferred_name": "Sam Rivera", "home_postal_code": "21201"}


async def _care_manager(client) -> str:
    response = await client.post(
        "/api/auth/login", json={"email": "care.manager@demo.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return (await client.post("/api/clients", json=CLIENT)).json()["id"]


async def test_open_needs_are_the_latest_yes_answers(seeded, client):
    client_id = await _care_manager(client)
    first = await client.post(
        f"/api/clients/{client_id}/screenings",
        json={"answers": [{"need": "housing", "answer": "yes"}, {"need": "food", "answer": "yes"}]},
    )
    assert first.status_code == 201 and first.json()["open_needs"] == ["housing", "food"]
    # At the next contact the client has food again; housing was not asked and stays open.
    second = await client.post(
        f"/api/clients/{client_id}/screenings",
        json={"answers": [{"need": "food", "answer": "no"}, {"need": "moud", "answer": "yes"}]},
    )
    needs = second.json()
    assert needs["open_needs"] == ["housing", "moud"]
    assert {n["need"]: n["answer"] for n in needs["latest"]} == {"housing": "yes", "food": "no", "moud": "yes"}
    assert (await client.get(f"/api/clients/{client_id}/needs")).json() == needs


async def test_resources_for_a_client_match_open_needs_near_home(seeded, client):
    client_id = await _care_manager(client)
    await client.post(f"/api/clients/{client_id}/screenings", json={"answers": [{"need": "moud", "answer": "yes"}]})
    response = await client.get(f"/api/clients/{client_id}/resources", params={"radius_km": 15})
    assert response.status_code == 200, response.text
    results = response.json()["contents"]
    assert results and all(any(c["code"] == "moud" for c in r["categories"]) for r in results)
    distances = [r["distance_km"] for r in results]
    assert distances == sorted(distances) and distances[-1] <= 15
    # No open needs, no resources.
    await client.post(f"/api/clients/{client_id}/screenings", json={"answers": [{"need": "moud", "answer": "no"}]})
    assert (await client.get(f"/api/clients/{client_id}/resources")).json()["total_items"] == 0


async def test_bad_screenings_get_400(seeded, client):
    client_id = await _care_manager(client)
    for body, message in (
        ({"answers": [{"need": "rent", "answer": "yes"}]}, "need"),
        ({"answers": [{"need": "food", "answer": "maybe"}]}, "answer"),
        ({"answers": []}, "answers"),
        ({"answers": [{"need": "food", "answer": "yes"}, {"need": "food", "answer": "no"}]}, "once"),
    ):
        response = await client.post(f"/api/clients/{client_id}/screenings", json=body)
        assert response.status_code == 400 and message in response.text, response.text
    assert (await client.get(f"/api/clients/{client_id}/resources", params={"radius_km": 0})).status_code == 400


async def test_the_audit_log_admins_read_does_not_name_a_clients_needs(seeded, client):
    """Admins see no client data: the audit row of a screening says how many answers, not which needs."""
    client_id = await _care_manager(client)
    await client.post(f"/api/clients/{client_id}/screenings", json={"answers": [{"need": "moud", "answer": "yes"}]})
    await client.post("/api/auth/logout")
    await client.post("/api/auth/login", json={"email": "admin@demo.example", "password": DEMO_PASSWORD})
    events = (await client.get("/api/audit", params={"per_page": 100})).json()["contents"]
    screenings = [e for e in events if e["object_type"] == "need_screening"]
    assert screenings and all("moud" not in e["detail"] for e in screenings)
