"""The care manager workspace pages over HTTP: what each page shows (and must not), every form, and every
refusal as a page a person can act on (never a 500)."""

from __future__ import annotations

import re

from tests.referrals.conftest import consent, new_client, refer, sign_in

INLINE_CONSENT = {
    "record_consent": "true",
    "consent_purpose": "Referral and follow-up of care",
    "consent_information_scope": "contact_and_need",
    "consent_expiry_event": "End of the care coordination episode",
    "consent_expires_on": "",
    "consent_signed_name": "Jordan Quill",
    "consent_signature_method": "electronic",
}


async def post_form(client, path: str, fields: dict) -> object:
    """Post a form as the browser does (the CSRF token travels in the header the test client adds)."""
    return await client.post(path, data=fields, follow_redirects=False)


def refer_fields(world, **extra) -> dict:
    """The referral form for partner X's food pantry, warm handoff, relying on whatever consent is given."""
    return {
        "service_at_location_id": world.food_x,
        "need": "food",
        "handoff_type": "warm_handoff",
        "priority": "routine",
        "goal": "",
        "note": "",
        "appointment_at": "",
        **extra,
    }


def referral_id_of(response) -> str:
    """The referral a 303 after sending points at."""
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/app/referrals/([0-9a-f-]{36})", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


async def test_the_caseload_lists_the_teams_clients_and_says_why_one_is_at_risk(world, client):
    client_id = await new_client(client)
    made = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    await sign_in(client, "x@example.org")
    opened = (await client.get(f"/api/referrals/{made['id']}")).json()
    accepted = (
        await client.post(
            f"/api/referrals/{made['id']}/events", json={"version": opened["version"], "status": "accepted"}
        )
    ).json()
    failed = {"version": accepted["version"], "status": "failed", "reason_code": "no_show", "reason_text": "Missed"}
    assert (await client.post(f"/api/referrals/{made['id']}/events", json=failed)).status_code == 201
    await sign_in(client, "b@example.org")
    await client.post("/api/clients", json={"preferred_name": "Other Team Person"})
    await sign_in(client, "a@example.org")
    page = await client.get("/app/")
    assert page.status_code == 200
    assert "Jordan Quill" in page.text and "Other Team Person" not in page.text
    for flag in ("At risk", "Missed an appointment", "A referral failed", "1 open referral", "Next follow-up"):
        assert flag in page.text, flag
    # Paging: 21 more clients make a second page.
    for number in range(21):
        await client.post("/api/clients", json={"preferred_name": f"Zed {number:02d}"})
    first = await client.get("/app/")
    assert "Next page" in first.text and "Page 1 of 2" in first.text
    second = await client.get("/app/?page=2")
    assert second.status_code == 200 and "Zed 20" in second.text and "Jordan Quill" not in second.text


async def test_adding_a_client_through_the_form(world, client):
    await sign_in(client, "a@example.org")
    response = await post_form(
        client,
        "/app/clients",
        {"preferred_name": "Robin Park", "home_postal_code": "21201", "phone": "555-0110", "goals": "A steady job"},
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/app/clients/")
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and "Robin Park" in page.text and "A steady job" in page.text
    assert "Client added." in page.text
    for bad in ({"preferred_name": ""}, {"preferred_name": "Robin", "home_postal_code": "2120"}):
        refused = await post_form(client, "/app/clients", bad)
        assert refused.status_code == 400 and "Please check what you entered" in refused.text, refused.text
        assert "<h1>" in refused.text


async def test_who_may_open_the_workspace(world, client):
    client_id = await new_client(client)
    made = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    await client.post("/api/auth/logout")
    anonymous = await client.get(f"/app/clients/{client_id}", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/app/sign-in?next=/app/clients/{client_id}"
    for email in ("x@example.org", "admin@example.org"):
        await sign_in(client, email)
        for path in ("/app/", f"/app/clients/{client_id}", f"/app/referrals/{made['id']}", "/app/follow-ups"):
            refused = await client.get(path)
            assert refused.status_code == 403 and "You may not see this page" in refused.text, (email, path)
            assert "Jordan Quill" not in refused.text
    await sign_in(client, "b@example.org")
    for path in (
        f"/app/clients/{client_id}",
        f"/app/clients/{client_id}/resources",
        f"/app/clients/{client_id}/refer?service_at_location_id={world.food_x}",
        f"/app/referrals/{made['id']}",
    ):
        hidden = await client.get(path)
        assert hidden.status_code == 404 and "Not found" in hidden.text, path
        assert "Jordan Quill" not in hidden.text and "Loves cooking" not in hidden.text
    sneaky = await post_form(client, f"/app/clients/{client_id}/screenings", {"food": "yes"})
    assert sneaky.status_code == 404


async def test_a_form_without_the_csrf_token_is_refused(world, client):
    await sign_in(client, "a@example.org")
    client.event_hooks = {"request": [], "response": []}
    response = await client.post("/app/clients", data={"preferred_name": "Robin Park"}, follow_redirects=False)
    assert response.status_code == 403
    assert (await client.get("/api/clients")).json()["total_items"] == 0


async def test_the_client_page_shows_the_record_and_saves_changes(world, client):
    client_id = await new_client(client)
    page = await client.get(f"/app/clients/{client_id}")
    for shown in ("Stay on buprenorphine and get my own place", "Loves cooking", "Aunt Rose", "555-0142"):
        assert shown in page.text, shown
    saved = await post_form(
        client,
        f"/app/clients/{client_id}/profile",
        {
            "goals": "Keep my apartment",
            "strengths": "Great cook",
            "support_name": "Pastor Lee",
            "support_relationship": "faith community",
            "support_may_contact": "true",
        },
    )
    assert saved.status_code == 303
    page = await client.get(f"/app/clients/{client_id}")
    assert "Keep my apartment" in page.text and "Great cook" in page.text
    assert "Aunt Rose" in page.text and "Pastor Lee" in page.text
    screened = await post_form(client, f"/app/clients/{client_id}/screenings", {"housing": "yes", "food": "no"})
    assert screened.status_code == 303
    needs = (await client.get(f"/api/clients/{client_id}/needs")).json()
    assert needs["open_needs"] == ["housing"]
    assert 'class="open-need"><td>Housing</td><td>Yes</td>' in (await client.get(f"/app/clients/{client_id}")).text
    for bad in ({}, {"food": "maybe"}):
        refused = await post_form(client, f"/app/clients/{client_id}/screenings", bad)
        assert refused.status_code == 400 and "error-message" in refused.text, refused.text


async def test_recording_and_revoking_a_consent_on_the_client_page(world, client):
    client_id = await new_client(client)
    await refer(client, client_id, world.shelter_y, None, handoff_type="client_self", need="housing")
    fields = {
        "recipient": world.partner_y,
        "purpose": "Shelter referral",
        "information_scope": "contact_and_need",
        "expiry_event": "End of episode",
        "signed_name": "Jordan Quill",
        "signature_method": "paper",
    }
    assert (await post_form(client, f"/app/clients/{client_id}/consents", fields)).status_code == 303
    page = await client.get(f"/app/clients/{client_id}")
    assert "Eastside Shelter" in page.text and "Active" in page.text
    consent_id = (await client.get(f"/api/clients/{client_id}/consents")).json()[0]["id"]
    revoke = f"/app/clients/{client_id}/consents/{consent_id}/revoke"
    assert f'href="{revoke}"' in page.text  # the client page's button only opens the question
    revoked = await post_form(client, revoke, {"confirmed": "yes"})
    assert revoked.status_code == 303
    page = await client.get(f"/app/clients/{client_id}")
    assert "Revoked" in page.text and "partners no longer see" in page.text
    again = await post_form(client, revoke, {"confirmed": "yes"})
    assert again.status_code == 404 and "Not found" in again.text
    assert (await client.get(revoke)).status_code == 404
    for bad, code in (
        ({**fields, "signed_name": ""}, "field_invalid"),
        ({**fields, "expiry_event": ""}, "consent_expiry_missing"),
        ({**fields, "recipient": "nobody"}, "field_invalid"),
    ):
        refused = await post_form(client, f"/app/clients/{client_id}/consents", bad)
        assert refused.status_code == 400 and f'data-error-code="{code}"' in refused.text, refused.text
        assert "<details open>" in refused.text and 'value="Shelter referral"' in refused.text


async def test_the_refer_form_says_whether_a_consent_covers_the_partner(world, client):
    client_id = await new_client(client)
    form = f"/app/clients/{client_id}/refer?service_at_location_id={world.food_x}&need=food"
    page = await client.get(form)
    assert page.status_code == 200 and "No current consent covers Harbor Services" in page.text
    assert 'value="warm_handoff" checked' in page.text and 'name="consent_signed_name"' in page.text
    await consent(client, client_id, world.partner_x)
    page = await client.get(form)
    assert "A current consent covers Harbor Services" in page.text and 'name="consent_id"' in page.text
    unknown = await client.get(f"/app/clients/{client_id}/refer?service_at_location_id={world.partner_x}")
    assert unknown.status_code == 400 and "This listing is no longer in the directory" in unknown.text


async def test_referring_without_consent_is_refused_on_the_form(world, client):
    client_id = await new_client(client)
    response = await post_form(client, f"/app/clients/{client_id}/refer", refer_fields(world))
    assert response.status_code == 400
    assert 'role="alert"' in response.text and 'data-error-code="consent_missing"' in response.text
    assert "discloses client information" not in response.text  # the API's detail is not for people
    assert 'name="handoff_type"' in response.text  # the form again, not an error page
    assert (await client.get("/api/referrals")).json()["total_items"] == 0


async def test_bad_referral_forms_get_a_400_page_with_a_message(world, client):
    client_id = await new_client(client)
    path = f"/app/clients/{client_id}/refer"
    for fields, code, focused in (
        (refer_fields(world, handoff_type="carrier_pigeon"), "field_invalid", 'value="warm_handoff"'),
        (refer_fields(world, **{**INLINE_CONSENT, "consent_signed_name": ""}), "field_invalid", "consent_signed_name"),
        (refer_fields(world, **{**INLINE_CONSENT, "consent_purpose": ""}), "field_invalid", "consent_purpose"),
        (refer_fields(world, appointment_at="next tuesday"), "date_time_unreadable", "appointment_at"),
        (refer_fields(world, need="rent"), "need_unknown", "need"),
    ):
        fields["consent_recipient"] = world.partner_x
        response = await post_form(client, path, fields)
        assert response.status_code == 400 and f'data-error-code="{code}"' in response.text, (fields, code)
        field = re.search(r"<(?:input|select|textarea)[^>]*autofocus[^>]*>", response.text)
        assert field and focused in field.group(0), (code, field)
    assert (await client.get(f"/api/clients/{client_id}/consents")).json() == []
    assert (await client.get("/api/referrals")).json()["total_items"] == 0
    not_an_id = await post_form(client, path, refer_fields(world, service_at_location_id="nope"))
    assert not_an_id.status_code == 400


async def test_a_refused_referral_leaves_no_inline_consent_behind(world, client):
    client_id = await new_client(client)
    # A methadone program with a consent that does not allow SUD treatment information: refused as a whole.
    fields = refer_fields(world, service_at_location_id=world.otp_x, need="moud", **INLINE_CONSENT)
    fields["consent_recipient"] = world.partner_x
    response = await post_form(client, f"/app/clients/{client_id}/refer", fields)
    assert response.status_code == 400 and 'data-error-code="consent_without_sud_treatment"' in response.text
    assert (await client.get(f"/api/clients/{client_id}/consents")).json() == []
    assert (await client.get("/api/referrals")).json()["total_items"] == 0


async def test_referring_with_inline_consent_and_the_disclosure_after_the_partner_looks(world, client):
    client_id = await new_client(client)
    fields = refer_fields(world, note="Call before noon", appointment_at="2026-03-04T10:30", **INLINE_CONSENT)
    fields["consent_recipient"] = world.partner_x
    referral_id = referral_id_of(await post_form(client, f"/app/clients/{client_id}/refer", fields))
    page = await client.get(f"/app/referrals/{referral_id}")
    assert page.status_code == 200
    assert "Referral sent to Harbor Services." in page.text and "Sent" in page.text
    assert "Call before noon" in page.text and "Mar 4, 2026, 10:30" in page.text
    client_page = await client.get(f"/app/clients/{client_id}")
    assert "Harbor Services" in client_page.text and "Active" in client_page.text
    assert "No partner has been shown this client's information." in client_page.text
    assert f"/app/referrals/{referral_id}" in client_page.text and "Confirm the first contact" in client_page.text
    await sign_in(client, "x@example.org")
    assert (await client.get(f"/api/referrals/{referral_id}")).status_code == 200
    await sign_in(client, "a@example.org")
    client_page = await client.get(f"/app/clients/{client_id}")
    disclosures = client_page.text.split('id="disclosures"')[1]
    assert "Harbor Services: Staff X" in disclosures and "Preferred name, Contact details" in disclosures
    assert "preferred_name" not in disclosures and "contact_methods" not in disclosures
    # The partner's receipt is in the timeline, by the partner.
    assert "Acknowledged" in client_page.text


async def test_withdrawing_a_referral_and_a_stale_version(world, client, clock):
    client_id = await new_client(client)
    made = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    path = f"/app/referrals/{made['id']}"
    page = await client.get(path)
    assert 'name="version" value="1"' in page.text and 'value="cancelled"' in page.text
    no_reason = await post_form(client, f"{path}/events", {"version": "1", "status": "cancelled"})
    assert no_reason.status_code == 409 and "Choose a reason for this change." in no_reason.text
    withdraw = {"version": "1", "status": "cancelled", "reason_code": "client_declined", "reason_text": "Moved away"}
    assert (await post_form(client, f"{path}/events", withdraw)).status_code == 303
    page = await client.get(path)
    assert "Withdrawn" in page.text and "Client declined: Moved away" in page.text
    stale = await post_form(client, f"{path}/events", {"version": "1", "note": "Called the pantry"})
    assert stale.status_code == 409
    assert "Someone else updated this referral" in stale.text and 'role="alert"' in stale.text
    assert 'name="version" value="2"' in stale.text  # the page as it is now, ready for another try
    assert (await post_form(client, f"{path}/events", {"version": "two"})).status_code == 400


async def test_the_worklist_puts_overdue_first_and_records_in_one_step(world, client, clock):
    client_id = await new_client(client)
    first = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    clock.advance(hours=30)
    await refer(
        client,
        client_id,
        world.shelter_y,
        None,
        handoff_type="client_self",
        need="housing",
        appointment_at=(clock.now().isoformat()),
    )
    page = await client.get("/app/follow-ups")
    assert page.status_code == 200
    items = re.findall(r'class="card follow-up (overdue|due-soon)" id="follow-up-([0-9a-f-]+)"', page.text)
    assert items and items[0][0] == "overdue" and "Overdue" in page.text
    assert [kind for kind, _ in items] == sorted((kind for kind, _ in items), key=lambda k: k != "overdue")
    overdue_id = items[0][1]
    kept = await post_form(
        client, f"/app/follow-ups/{overdue_id}/attempts", {"method": "phone", "result": "no_answer", "note": ""}
    )
    assert kept.status_code == 303 and kept.headers["location"] == "/app/follow-ups"
    page = await client.get("/app/follow-ups")
    assert "stays open" in page.text and f"follow-up-{overdue_id}" in page.text
    done = await post_form(client, f"/app/follow-ups/{overdue_id}/attempts", {"method": "text", "result": "reached"})
    assert done.status_code == 303
    page = await client.get("/app/follow-ups")
    assert "Follow-up recorded and closed." in page.text and f"follow-up-{overdue_id}" not in page.text
    assert first["id"]
    bad = await post_form(client, f"/app/follow-ups/{overdue_id}/attempts", {"method": "pigeon", "result": "reached"})
    assert bad.status_code == 400 and 'data-error-code="field_invalid"' in bad.text
    assert "<h1>Follow-ups</h1>" in bad.text  # the worklist again, the refusal at the top
    await sign_in(client, "b@example.org")
    other = await post_form(client, f"/app/follow-ups/{overdue_id}/attempts", {"method": "phone", "result": "reached"})
    assert other.status_code == 404
