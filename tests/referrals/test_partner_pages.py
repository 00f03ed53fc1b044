"""The partner pages: inbox, one referral within the consent, actions through the ledger, our listings with
re-verification, API tokens, and the admins' listing-report queue."""

from __future__ import annotations

import re

from referrals.services.views import REDISCLOSURE_NOTICE
from tests.referrals.conftest import consent, new_client, refer, sign_in

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _csrf(client) -> str:
    return client.cookies.get("csrftoken") or ""


async def _post(client, url: str, form: dict, **kwargs):
    """A form post as the page's form sends it (with the CSRF field)."""
    return await client.post(url, data={"_csrf_token": _csrf(client), **form}, **kwargs)


async def _referral_to_x(client, world, scope="contact_and_need", **extra) -> dict:
    """A referral from team A to partner X's food pantry, with a consent naming X."""
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x, scope)
    return await refer(client, client_id, world.food_x, consent_id, **extra)


async def test_the_inbox_shows_new_referrals_first_with_their_count(world, client):
    first = await _referral_to_x(client, world)
    await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    await client.get(f"/api/referrals/{first['id']}")  # opened: acknowledged
    page = await client.get("/partner/")
    assert page.status_code == 200
    assert "1 new" in page.text
    assert page.text.index(">Sent<") < page.text.index(">Acknowledged<")
    await sign_in(client, "y@example.org")
    other = await client.get("/partner/")
    assert other.status_code == 200 and "Jordan Quill" not in other.text


async def test_partner_y_cannot_open_or_act_on_partner_x_referral(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "y@example.org")
    assert (await client.get(f"/partner/referrals/{referral['id']}")).status_code == 404
    response = await _post(
        client, f"/partner/referrals/{referral['id']}/events", {"version": "1", "status": "accepted"}
    )
    assert response.status_code == 404
    assert "Jordan Quill" not in response.text


async def test_care_managers_and_the_anonymous_are_refused(world, client):
    referral = await _referral_to_x(client, world)
    response = await client.get(f"/partner/referrals/{referral['id']}")
    assert response.status_code == 403
    await client.post("/api/auth/logout")
    response = await client.get("/partner/", follow_redirects=False)
    assert response.status_code == 303 and "/app/sign-in" in response.headers["location"]


async def test_the_referral_shows_only_what_the_consent_allows_and_the_notice(world, client):
    referral = await _referral_to_x(client, world, note="Client was anxious")
    await sign_in(client, "x@example.org")
    page = await client.get(f"/partner/referrals/{referral['id']}")
    assert page.status_code == 200
    assert REDISCLOSURE_NOTICE in page.text
    assert "Jordan Quill" in page.text and "555-0142" in page.text
    for private in ("555-0199", "Aunt Rose", "Loves cooking", "while I start buprenorphine", "Client was anxious"):
        assert private not in page.text
    # Viewing was recorded as the API records it: receipt acknowledged, and a disclosure for the care team.
    await sign_in(client, "a@example.org")
    seen = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert seen["status"] == "received"
    disclosures = (await client.get(f"/api/clients/{seen['client_id']}/disclosures")).json()["contents"]
    assert any(d["referral_id"] == referral["id"] for d in disclosures)


async def test_a_consent_that_does_not_cover_the_partner_shows_no_client(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    await sign_in(client, "x@example.org")
    page = await client.get(f"/partner/referrals/{referral['id']}")
    assert page.status_code == 200
    assert "Jordan Quill" not in page.text and "555-0142" not in page.text
    assert "revoked the consent" in page.text
    assert 'name="status"' not in page.text  # no action on a client the partner may not see


async def test_each_action_moves_the_status_into_the_ledger(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    url = f"/partner/referrals/{referral['id']}"
    page = await client.get(url)
    assert 'value="accepted"' in page.text and 'value="completed"' not in page.text
    steps = [
        {"status": "accepted"},
        {"status": "on-hold", "reason_code": "waitlist", "reason_text": "Next intake Monday"},
        {"status": "in-progress"},
        {"status": "completed"},
    ]
    version = 2
    for step in steps:
        response = await _post(client, f"{url}/events", {"version": str(version), **step}, follow_redirects=False)
        assert response.status_code == 303, response.text
        version += 1
    page = await client.get(url)
    assert "This referral is closed" in page.text and 'name="status"' not in page.text
    await sign_in(client, "a@example.org")
    seen = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert [e["to_status"] for e in seen["timeline"]] == [
        "requested", "received", "accepted", "on-hold", "in-progress", "completed"
    ]  # fmt: skip


async def test_decline_and_no_show_need_a_listed_reason(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    url = f"/partner/referrals/{referral['id']}"
    await client.get(url)
    bad = await _post(client, f"{url}/events", {"version": "2", "status": "rejected", "reason_code": "nonsense"})
    assert bad.status_code == 400 and "listed reasons" in bad.text
    bad_version = await _post(client, f"{url}/events", {"version": "two", "status": "accepted"})
    assert bad_version.status_code == 400
    no_text = await _post(client, f"{url}/events", {"version": "2", "status": "rejected", "reason_code": "no_capacity"})
    assert no_text.status_code == 409 and "Say in a few words what happened" in no_text.text
    not_allowed = await _post(client, f"{url}/events", {"version": "2", "status": "completed"})
    assert not_allowed.status_code == 409 and "This change is not possible" in not_allowed.text
    declined = await _post(
        client,
        f"{url}/events",
        {"version": "2", "status": "rejected", "reason_code": "no_capacity", "reason_text": "Full this month"},
    )
    assert declined.status_code == 200 and "Declined" in declined.text


async def test_a_stale_version_shows_the_current_state_not_an_error(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    url = f"/partner/referrals/{referral['id']}"
    await client.get(url)
    await _post(client, f"{url}/events", {"version": "2", "status": "accepted"})
    stale = await _post(
        client, f"{url}/events", {"version": "2", "status": "rejected", "reason_code": "other", "reason_text": "x"}
    )
    assert stale.status_code == 409
    assert "Someone else updated this referral" in stale.text
    assert "Accepted" in stale.text and 'value="3"' in stale.text


async def test_a_form_post_without_the_csrf_token_is_refused(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    response = await client.post(
        f"/partner/referrals/{referral['id']}/events",
        data={"version": "2", "status": "accepted"},
        headers={"x-csrftoken": "forged"},
    )
    assert response.status_code == 403


async def test_our_listings_edit_reverifies_and_search_sees_it(world, client):
    await sign_in(client, "x@example.org")
    listings = await client.get("/partner/listings")
    assert listings.status_code == 200 and "Harbor Food Pantry" in listings.text
    assert "Eastside Night Shelter" not in listings.text
    # Two independent reports flag it; the partner then fixes the listing.
    for team in ("a@example.org", "b@example.org"):
        await sign_in(client, team)
    await sign_in(client, "x@example.org")
    form = {
        "available": "4",
        "maximum": "20",
        "waitlist": "7",
        "unit": "places",
        "accepting_new_patients": "yes",
        "opens_MO": "09:00",
        "closes_MO": "17:00",
        "opens_SA": "10:00",
        "closes_SA": "13:00",
    }
    saved = await _post(client, f"/partner/listings/{world.food_x}", form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    listing = (await client.get(f"/api/service_at_locations/{world.food_x}")).json()
    service_id = listing["service"]["id"] if isinstance(listing.get("service"), dict) else listing["service_id"]
    found = (await client.get(f"/api/services/{service_id}")).json()
    capacity = found["service_capacity"] if "service_capacity" in found else found.get("capacities", [])
    assert any(c.get("available") == 4 or c.get("value") == 4 for c in capacity) or "4" in str(found)
    results = (await client.get("/api/services?search=Harbor Food Pantry")).json()["contents"]
    pantry = next(r for r in results if r["name"] == "Harbor Food Pantry")
    assert pantry["capacity"][0]["available"] == 4 and pantry["capacity"][0]["waitlist"] == 7
    assert any("10:00" in line for line in pantry["hours"]) and pantry["accepting_new_patients"] is True
    assert pantry["needs_reverification"] is False
    page = await client.get("/partner/listings")
    assert "Saturday 10:00–13:00" in page.text


async def test_listing_edit_refuses_bad_input_and_other_organizations(world, client):
    await sign_in(client, "x@example.org")
    bad = await _post(client, f"/partner/listings/{world.food_x}", {"available": "9", "maximum": "3"})
    assert bad.status_code == 400 and "cannot be more than the most you have" in bad.text
    half = await _post(client, f"/partner/listings/{world.food_x}", {"opens_TU": "09:00"})
    assert half.status_code == 400
    assert (await client.get(f"/partner/listings/{world.shelter_y}")).status_code == 404
    other = await _post(client, f"/partner/listings/{world.shelter_y}", {"available": "1"})
    assert other.status_code == 404
    assert (await _post(client, f"/partner/listings/{world.shelter_y}/verify", {})).status_code == 404


async def test_a_problem_report_is_answered_from_our_listings(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    url = f"/partner/referrals/{referral['id']}"
    await client.get(url)
    await _post(
        client,
        f"{url}/events",
        {"version": "2", "status": "rejected", "reason_code": "no_capacity", "reason_text": "Full"},
    )
    listings = await client.get("/partner/listings")
    assert "1 open problem report" in listings.text and "Needs checking" in listings.text
    await sign_in(client, "admin@example.org")
    queue = await client.get("/app/reports")
    assert queue.status_code == 200 and "Harbor Food Pantry" in queue.text
    assert "the listing&#39;s own organization" in queue.text or "the listing's own organization" in queue.text
    await sign_in(client, "x@example.org")
    done = await _post(client, f"/partner/listings/{world.food_x}/verify", {}, follow_redirects=False)
    assert done.status_code == 303
    assert "open problem report" not in (await client.get("/partner/listings")).text


async def test_the_report_queue_is_for_admins_and_resolves_reports(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    await client.get(f"/api/referrals/{referral['id']}")
    await client.post(
        f"/api/referrals/{referral['id']}/events",
        json={"version": 2, "status": "rejected", "reason_code": "service_not_offered", "reason_text": "Closed"},
    )
    assert (await client.get("/app/reports")).status_code == 403
    await sign_in(client, "a@example.org")
    assert (await client.get("/app/reports")).status_code == 403
    await sign_in(client, "admin@example.org")
    queue = await client.get("/app/reports")
    assert 'href="/listings/' in queue.text and "They no longer offer this service" in queue.text
    done = await _post(client, f"/app/reports/{world.food_x}/verify", {}, follow_redirects=False)
    assert done.status_code == 303
    assert "No open reports" in (await client.get("/app/reports")).text


async def test_tokens_issue_once_and_revoke(world, client):
    await sign_in(client, "y@example.org")  # partner staff, not a partner admin
    assert (await client.get("/partner/tokens")).status_code in (403, 404)
    assert (await _post(client, "/partner/tokens/", {"name": "Sneaky"})).status_code in (403, 404)
    await sign_in(client, "a@example.org")
    assert (await client.get("/partner/tokens")).status_code == 403
    await sign_in(client, "x@example.org")
    page = await client.get("/partner/tokens")
    assert page.status_code == 200 and "Harbor EHR" in page.text
    empty = await _post(client, "/partner/tokens/", {"name": "  "})
    assert empty.status_code == 400 and "Give the token a name of 1 to 255 characters" in empty.text
    issued = await _post(client, "/partner/tokens/", {"name": "Intake EHR"})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    secret = re.search(r'value="(rdt_[^"]+)"', issued.text).group(1)
    listed = await client.get("/partner/tokens")
    assert "Intake EHR" in listed.text and secret not in listed.text
    assert (await client.get("/api/referrals", headers={"Authorization": f"Bearer {secret}"})).status_code == 200
    tokens = (await client.get(f"/api/partner_organizations/{world.partner_x}/tokens")).json()
    intake = next(t for t in tokens if t["name"] == "Intake EHR")
    revoked = await _post(client, f"/partner/tokens/{intake['id']}/revoke", {}, follow_redirects=False)
    assert revoked.status_code == 303
    client.cookies.clear()
    assert (await client.get("/api/referrals", headers={"Authorization": f"Bearer {secret}"})).status_code == 401
