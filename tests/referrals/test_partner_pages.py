"""The partner pages: inbox, one referral within the consent, actions through the ledger, our listings with
re-verification, API tokens, and the admins' listing-report queue."""

from __future__ import annotations

import re

import pytest

from referrals.services.views import REDISCLOSURE_NOTICE
from tests.referrals.conftest import acknowledge, consent, new_client, refer, sign_in

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
    await acknowledge(client, first["id"])
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
    # In words, not codes: the contact method and the language.
    assert "Text messages: 555-0142" in page.text and "text: 555" not in page.text
    assert "<dd>English</dd>" in page.text and "<dd>en</dd>" not in page.text
    for private in ("555-0199", "Aunt Rose", "Loves cooking", "while I start buprenorphine", "Client was anxious"):
        assert private not in page.text
    # Viewing was recorded as the API records it: a disclosure for the care team, and no change of status.
    await sign_in(client, "a@example.org")
    seen = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert seen["status"] == "requested" and len(seen["timeline"]) == 1
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
        {"status": "received"},
        {"status": "accepted"},
        {"status": "on-hold", "reason_code": "waitlist", "reason_text": "Next intake Monday"},
        {"status": "in-progress"},
        {"status": "completed", "confirm": "yes"},
    ]
    version = 1
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
    await acknowledge(client, referral["id"])
    bad = await _post(
        client, f"{url}/events", {"version": "2", "status": "rejected", "confirm": "yes", "reason_code": "nonsense"}
    )
    assert bad.status_code == 400 and "listed reasons" in bad.text
    bad_version = await _post(client, f"{url}/events", {"version": "two", "status": "accepted"})
    assert bad_version.status_code == 400
    no_text = await _post(
        client, f"{url}/events", {"version": "2", "status": "rejected", "confirm": "yes", "reason_code": "no_capacity"}
    )
    assert no_text.status_code == 409 and "Say in a few words what happened" in no_text.text
    not_allowed = await _post(client, f"{url}/events", {"version": "2", "status": "completed", "confirm": "yes"})
    assert not_allowed.status_code == 409 and "This change is not possible" in not_allowed.text
    declined = await _post(
        client,
        f"{url}/events",
        {
            "version": "2",
            "status": "rejected",
            "confirm": "yes",
            "reason_code": "no_capacity",
            "reason_text": "Full this month",
        },
    )
    assert declined.status_code == 200 and "Declined" in declined.text


async def test_a_stale_version_shows_the_current_state_not_an_error(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    url = f"/partner/referrals/{referral['id']}"
    await acknowledge(client, referral["id"])
    await _post(client, f"{url}/events", {"version": "2", "status": "accepted"})
    stale = await _post(
        client,
        f"{url}/events",
        {"version": "2", "status": "rejected", "confirm": "yes", "reason_code": "other", "reason_text": "x"},
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
    await acknowledge(client, referral["id"])
    await _post(
        client,
        f"{url}/events",
        {"version": "2", "status": "rejected", "confirm": "yes", "reason_code": "no_capacity", "reason_text": "Full"},
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
    await acknowledge(client, referral["id"])
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


async def test_opening_a_referral_changes_nothing_until_the_partner_acknowledges_it(world, client):
    """A link prefetch or a crawler holding the partner's session must not acknowledge on its behalf."""
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    url = f"/partner/referrals/{referral['id']}"
    for _ in range(2):
        page = await client.get(url)
        assert page.status_code == 200 and "Acknowledge receipt" in page.text
    assert "1 new" in (await client.get("/partner/")).text
    await sign_in(client, "a@example.org")
    seen = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert seen["status"] == "requested" and [e["to_status"] for e in seen["timeline"]] == ["requested"]
    disclosures = (await client.get(f"/api/clients/{seen['client_id']}/disclosures")).json()["contents"]
    assert len([d for d in disclosures if d["channel"] == "api"]) == 2  # each view is still disclosed
    await sign_in(client, "x@example.org")
    acknowledged = await _post(client, f"{url}/events", {"version": "1", "status": "received"}, follow_redirects=False)
    assert acknowledged.status_code == 303
    page = await client.get(url)
    assert "Acknowledge receipt" not in page.text and "No new referrals" in (await client.get("/partner/")).text
    await sign_in(client, "a@example.org")
    seen = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert [e["to_status"] for e in seen["timeline"]] == ["requested", "received"]


LISTING_FORM = {"available": "4", "maximum": "20", "waitlist": "", "unit": "places", "accepting_new_patients": "yes"}


def _summary(page) -> str:
    """The words of the error summary at the top of a form page."""
    found = re.search(r'<div class="error-summary".*?</div>', page.text, re.S)
    assert found, page.text
    return re.sub(r"<[^>]+>", "", found.group(0))


def _last_verified(page) -> str:
    """What the public listing page says under "Last verified"."""
    found = re.search(r"Last verified</dt><dd>([^<]*)</dd>", page.text)
    assert found, page.text
    return found.group(1)


async def test_saving_a_listing_moves_its_last_verified_date_on_the_public_page_and_the_api(world, client, clock):
    clock.advance(hours=12)  # 02:00 UTC on March 3 is still March 2 in the directory's time zone
    await sign_in(client, "x@example.org")
    saved = await _post(client, f"/partner/listings/{world.food_x}", LISTING_FORM, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert _last_verified(await client.get(f"/listings/{world.food_x}")) == "Mar 2, 2026"
    listing = (await client.get(f"/api/service_at_locations/{world.food_x}")).json()
    service = (await client.get(f"/api/services/{listing['service']['id']}")).json()
    assert service["assured_date"] == "2026-03-02"
    results = (await client.get("/api/services?search=Harbor Food Pantry")).json()["contents"]
    assert next(r for r in results if r["name"] == "Harbor Food Pantry")["assured_date"] == "2026-03-02"
    # "Checked: it is right" moves it too.
    clock.advance(days=1)
    checked = await _post(client, f"/partner/listings/{world.food_x}/verify", {}, follow_redirects=False)
    assert checked.status_code == 303
    assert _last_verified(await client.get(f"/listings/{world.food_x}")) == "Mar 3, 2026"


async def test_overnight_hours_are_kept_and_the_same_time_twice_is_refused(world, client):
    await sign_in(client, "x@example.org")
    url = f"/partner/listings/{world.food_x}"
    form = await client.get(url)
    assert "24-hour" not in form.text and "after midnight" in form.text
    overnight = {**LISTING_FORM, "opens_FR": "17:00", "closes_FR": "08:00", "opens_SA": "5:00 PM", "closes_SA": "8 am"}
    saved = await _post(client, url, overnight, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert "Friday 17:00–08:00" in (await client.get("/partner/listings")).text
    assert "Saturday 17:00–08:00" in (await client.get("/partner/listings")).text
    same = await _post(client, url, {**LISTING_FORM, "opens_FR": "09:00", "closes_FR": "09:00"})
    assert same.status_code == 400
    assert "Friday: the opening and closing times are the same" in _summary(same) and "FR" not in _summary(same)
    assert 'href="#opens_FR"' in same.text
    spanish = await _post(
        client, url, {**LISTING_FORM, "opens_FR": "09:00", "closes_FR": "09:00"}, headers={"Accept-Language": "es"}
    )
    assert spanish.status_code == 400 and "Viernes: " in _summary(spanish) and "FR" not in _summary(spanish)
    half = await _post(client, url, {**LISTING_FORM, "opens_FR": "09:00"})
    assert half.status_code == 400 and "Friday: give both an opening and a closing time" in half.text
    unreadable = await _post(client, url, {**LISTING_FORM, "opens_FR": "25:00", "closes_FR": "08:00"})
    assert unreadable.status_code == 400 and "Friday: write the opening and closing times" in unreadable.text


@pytest.mark.parametrize(
    ("field", "label"),
    [("available", "Open places now"), ("maximum", "Places in total"), ("waitlist", "People on the waitlist")],
)
@pytest.mark.parametrize("value", ["²", "١٢", "-3", "2.5", "1000001", "99999999999", "9" * 60])
async def test_each_number_field_refuses_what_is_no_number_of_places_naming_the_field(
    world, client, field, label, value
):
    await sign_in(client, "x@example.org")
    form = {**LISTING_FORM, "available": "", "maximum": "", field: value}
    refused = await _post(client, f"/partner/listings/{world.food_x}", form)
    assert refused.status_code == 400, refused.text
    assert f"{label}: write a whole number from 0 to 1,000,000" in refused.text
    assert f'href="#{field}"' in refused.text


async def test_a_referral_action_with_a_version_that_is_no_number_is_refused(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    for version in ("²", "-1", "١"):
        response = await _post(
            client, f"/partner/referrals/{referral['id']}/events", {"version": version, "status": "received"}
        )
        assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    ("steps", "outcome", "extra"),
    [
        ([("received", {}), ("accepted", {})], "completed", {}),
        ([("received", {}), ("accepted", {})], "failed", {"reason_code": "no_show", "reason_text": "Did not come"}),
        ([("received", {})], "rejected", {"reason_code": "no_capacity", "reason_text": "Full this month"}),
    ],
)
async def test_an_outcome_the_partner_cannot_take_back_needs_its_box_ticked(world, client, steps, outcome, extra):
    """One stray tap on "Completed" (or did-not-connect, or decline) records nothing: the form's box must be
    ticked, and the server checks it too, for browsers that send the form without checking `required`."""
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    url = f"/partner/referrals/{referral['id']}"
    for version, (status, fields) in enumerate(steps, start=1):
        await _post(client, f"{url}/events", {"version": str(version), "status": status, **fields})
    version = str(len(steps) + 1)
    page = await client.get(url)
    assert f'id="confirm-{outcome}" name="confirm" value="yes" required' in page.text
    one_tap = await _post(client, f"{url}/events", {"version": version, "status": outcome, **extra})
    assert one_tap.status_code == 400
    assert "Tick the box to confirm this outcome" in _summary(one_tap)
    assert f'href="#confirm-{outcome}"' in one_tap.text
    assert f'id="confirm-{outcome}" name="confirm" value="yes" required autofocus' in one_tap.text
    await sign_in(client, "a@example.org")
    seen = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert seen["status"] == steps[-1][0] and len(seen["timeline"]) == len(steps) + 1
    await sign_in(client, "x@example.org")
    confirmed = {"version": version, "status": outcome, "confirm": "yes", **extra}
    assert (await _post(client, f"{url}/events", confirmed, follow_redirects=False)).status_code == 303
    await sign_in(client, "a@example.org")
    assert (await client.get(f"/api/referrals/{referral['id']}")).json()["status"] == outcome


async def _referral_sent(client, world, clock, hours_later: float, need: str = "food") -> dict:
    """A referral sent `hours_later` than the last one (as manager A)."""
    clock.advance(hours=hours_later)
    await sign_in(client, "a@example.org")
    return await _referral_to_x(client, world, need=need)


def _listed(page) -> list[str]:
    """The referral ids the inbox page lists, in order."""
    return re.findall(r'href="/partner/referrals/([0-9a-f-]{36})"', page.text)


async def test_the_inbox_lists_open_referrals_and_filters_by_state_need_and_day_sent(world, client, clock):
    food = await _referral_sent(client, world, clock, 0)  # March 2, 09:00 in New York
    housing = await _referral_sent(client, world, clock, 24, need="housing")  # March 3
    done = await _referral_sent(client, world, clock, 24)  # March 4, then completed
    await sign_in(client, "x@example.org")
    for version, status in enumerate(("accepted", "in-progress", "completed"), start=1):
        fields = {"version": str(version), "status": status, "confirm": "yes"}
        assert (await _post(client, f"/partner/referrals/{done['id']}/events", fields)).status_code in (200, 303)
    inbox = await client.get("/partner/")
    assert inbox.status_code == 200 and set(_listed(inbox)) == {food["id"], housing["id"]}
    assert 'name="show"' in inbox.text and 'method="get"' in inbox.text
    closed = await client.get("/partner/?show=closed")
    assert _listed(closed) == [done["id"]]
    assert _listed(await client.get("/partner/?need=housing")) == [housing["id"]]
    assert _listed(await client.get("/partner/?sent_from=2026-03-03")) == [housing["id"]]
    assert _listed(await client.get("/partner/?sent_to=2026-03-02")) == [food["id"]]
    assert _listed(await client.get("/partner/?show=closed&sent_to=2026-03-03")) == []
    assert "No referrals match what you chose" in (await client.get("/partner/?need=legal")).text
    for bad in (
        "show=shut",
        "need=spaceships",
        "sent_from=yesterday",
        "sent_to=2026-02-30",
        "sent_from=２０２６-03-02",
    ):
        refused = await client.get(f"/partner/?{bad}")
        assert refused.status_code == 400, bad


async def test_accepting_with_an_appointment_shows_it_to_the_partner_and_the_care_manager(world, client):
    referral = await _referral_to_x(client, world)
    await sign_in(client, "x@example.org")
    url = f"/partner/referrals/{referral['id']}"
    assert 'type="datetime-local" id="appointment_at" name="appointment_at"' in (await client.get(url)).text
    accepted = {"version": "1", "status": "accepted", "appointment_at": "2026-03-05T10:30"}
    assert (await _post(client, f"{url}/events", accepted, follow_redirects=False)).status_code == 303
    assert "Mar 5, 2026, 10:30\u202fAM" in (await client.get(url)).text
    assert "Appointment Mar 5, 2026, 10:30\u202fAM" in (await client.get("/partner/")).text
    await sign_in(client, "a@example.org")
    seen = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert seen["appointment_at"] == "2026-03-05T15:30:00Z"  # 10:30 in New York
    assert seen["timeline"][-1]["appointment_at"] == "2026-03-05T15:30:00Z"
    care_manager_page = await client.get(f"/app/referrals/{referral['id']}")
    assert "Mar 5, 2026, 10:30\u202fAM" in care_manager_page.text
    await sign_in(client, "x@example.org")
    unreadable = await _post(
        client, f"{url}/events", {"version": "2", "status": "in-progress", "appointment_at": "soon"}
    )
    assert unreadable.status_code == 400


async def test_an_unknown_answer_to_accepting_new_clients_is_refused_and_changes_nothing(world, client):
    """'maybe' was stored as 'not stated' over the partner's 'yes' (found by the second outside review)."""
    await sign_in(client, "x@example.org")
    saved = await _post(client, f"/partner/listings/{world.food_x}", {**LISTING_FORM, "accepting_new_patients": "yes"})
    assert saved.status_code == 200, saved.text  # saved, and back on the listings page
    refused = await _post(
        client, f"/partner/listings/{world.food_x}", {**LISTING_FORM, "accepting_new_patients": "maybe"}
    )
    assert refused.status_code == 400 and "not in the form this page expects" in refused.text
    form = await client.get(f"/partner/listings/{world.food_x}")
    assert 'value="yes" checked' in form.text
