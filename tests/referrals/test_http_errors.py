"""Errors are what they say: plain requests never get a 5xx, declared bounds get a 400 naming the parameter,
domain errors are RFC 9457 problem details, and a programming error is a 500, never a misleading 404."""

from __future__ import annotations

import pytest

from kernel.paging import MAX_PAGE, MAX_PER_PAGE
from server.app import create_app
from tests.referrals.conftest import change, consent, new_client, refer


def _routes(app) -> list[str]:
    return [route.path for route in app.routes if route.path.startswith("/api")]


def _concrete(path: str) -> str:
    for name in ("client_id", "consent_id", "referral_id", "follow_up_id", "organization_id", "token_id", "sal_id"):
        path = path.replace("{" + name + ":uuid}", "00000000-0000-0000-0000-000000000000")
    for name in ("service_id", "term_id", "taxonomy_id"):
        path = path.replace("{" + name + ":uuid}", "00000000-0000-0000-0000-000000000000")
    return path


async def test_options_on_every_route_lists_its_methods(client):
    """The finding: OPTIONS on any guarded route answered 500."""
    for path in _routes(create_app()):
        response = await client.options(_concrete(path))
        assert response.status_code == 204, (path, response.status_code, response.text)
        assert "OPTIONS" in response.headers["allow"] and not response.content, path


def _paged(app) -> list[str]:
    paged = []
    for route in app.routes:
        for handler in route.route_handlers:
            if "GET" in handler.http_methods and "page" in handler.parsed_fn_signature.parameters:
                paged.append(_concrete(route.path))
    return paged


@pytest.mark.parametrize("page", ["9223372036854775807", str(MAX_PAGE + 1), "0", "-1", "two"])
async def test_out_of_range_pages_get_400_on_every_paged_list(world, client, page):
    """The finding: ?page=9223372036854775807 on any database-paged list answered 500."""
    for caller in ("a@example.org", "admin@example.org"):
        await client.post("/api/auth/logout")
        await client.post("/api/auth/login", json={"email": caller, "password": "correct horse battery"})
        for path in _paged(create_app()):
            response = await client.get(path, params={"page": page})
            assert response.status_code in (400, 403, 404), (path, response.status_code, response.text)
            if response.status_code == 400:
                assert "page" in response.text


async def test_per_page_is_bounded_and_the_bounds_are_in_the_schema(client):
    response = await client.get("/api/services", params={"per_page": MAX_PER_PAGE + 1})
    assert response.status_code == 400 and "per_page" in response.text
    schema = (await client.get("/schema/openapi.json")).json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/services"]["get"]["parameters"]}
    assert parameters["page"]["minimum"] == 1 and parameters["page"]["maximum"] == MAX_PAGE
    assert parameters["per_page"]["minimum"] == 1 and parameters["per_page"]["maximum"] == MAX_PER_PAGE


async def test_domain_errors_are_problem_details(world, client):
    await new_client(client)
    response = await client.get("/api/referrals/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == {
        "status": 404,
        "type": "about:blank",
        "title": "Not Found",
        "detail": "no referral with id 00000000-0000-0000-0000-000000000000",
        "code": "referral_not_found",
        "parameters": {"referral_id": "00000000-0000-0000-0000-000000000000"},
    }


async def test_a_programming_error_inside_a_change_is_a_500_not_a_404(world, client, monkeypatch):
    """The finding: a KeyError raised inside append_event answered 404 'no referral'."""
    client_id = await new_client(client)
    referral = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))

    async def broken(*_args, **_kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr("referrals.services.referrals.reconcile_follow_ups", broken)
    response = await client.post(f"/api/referrals/{referral['id']}/events", json={"version": 1, "note": "x"})
    assert response.status_code == 500 and "no referral" not in response.text
    monkeypatch.undo()
    # Nothing of the failed change was kept: the referral is still at version 1.
    assert (await change(client, referral, note="Called again"))["version"] == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("appointment_at", "2027-01-01T09:00:00", "timezone"),
        ("appointment_at", "9999-12-31T23:59:59Z", "between 2000 and 2100"),
        ("appointment_at", "0001-01-01T00:00:00+14:00", ""),
    ],
)
async def test_implausible_times_get_400(world, client, field, value, message):
    """The review's finding: a naive or far-off date-time answered 500."""
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    body = {
        "client_id": client_id,
        "service_at_location_id": world.food_x,
        "need": "food",
        "handoff_type": "warm_handoff",
        "consent_id": consent_id,
        field: value,
    }
    made = await client.post("/api/referrals", json=body)
    assert made.status_code == 400 and message in made.text, made.text
    referral = await refer(client, client_id, world.food_x, consent_id)
    changed = await client.post(f"/api/referrals/{referral['id']}/events", json={"version": 1, field: value})
    assert changed.status_code == 400 and message in changed.text, changed.text
    for consent_field in ("expires_at", "signed_at"):
        response = await client.post(
            f"/api/clients/{client_id}/consents",
            json={
                "recipient_organization_id": world.partner_x,
                "purpose": "Referral",
                "information_scope": "contact_and_need",
                "expiry_event": "End of episode",
                "signed_name": "Jordan Quill",
                consent_field: value,
            },
        )
        assert response.status_code == 400, (consent_field, response.text)


async def test_list_views_are_audited_with_the_ids_they_showed(world, client):
    from accounts.tables import AuditEvent
    from tests.conftest import in_app_loop

    client_id = await new_client(client)
    referral = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    await client.get("/api/referrals")
    await client.get("/api/clients")
    rows = await in_app_loop(client, AuditEvent.select(AuditEvent.object_type, AuditEvent.detail).run)
    details = {row["object_type"]: row["detail"] for row in rows}
    assert referral["id"] in details["referral_list"] and client_id in details["client_list"]
