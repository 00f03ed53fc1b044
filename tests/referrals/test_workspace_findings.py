"""What care managers and admins found wrong on the workspace pages, over HTTP: the partner's capacity, phones and
hours where a care manager refers; no result chosen for them on a follow-up; a question before a consent is
revoked; the report queue in words; codes in words; one status vocabulary on both sides; Spanish; the caseload
found by name, sorted and narrowed."""

from __future__ import annotations

import re
import uuid

from directory.tables import Location, Phone, ServiceAtLocation
from tests.conftest import in_app_loop
from tests.referrals.conftest import consent, new_client, refer, sign_in
from tests.referrals.test_workspace_pages import post_form

SPANISH = {"Accept-Language": "es"}
PARTNER_SAYS = {
    "available": "3",
    "maximum": "20",
    "waitlist": "5",
    "unit": "places",
    "accepting_new_patients": "yes",
    "opens_MO": "09:00",
    "closes_MO": "17:00",
}


async def _partner_updates_the_pantry(client, world) -> None:
    """Partner X gives its food pantry a phone and says: 3 open of 20, waitlist 5, accepting, Mondays 9 to 5."""

    async def add_phone() -> None:
        listing = await ServiceAtLocation.select(ServiceAtLocation.service).where(ServiceAtLocation.id == world.food_x)
        await Phone.insert(Phone(id=uuid.uuid4(), service=listing[0]["service"], number="410-555-0100"))

    await in_app_loop(client, add_phone)
    await sign_in(client, "x@example.org")
    saved = await post_form(client, f"/partner/listings/{world.food_x}", PARTNER_SAYS)
    assert saved.status_code == 303, saved.text


async def _client_needing_food(client) -> str:
    """A client of team A with no home ZIP (so every listing for the need is found), screened: needs food."""
    await sign_in(client, "a@example.org")
    made = await client.post("/api/clients", json={"preferred_name": "Casey Lin", "preferred_language": "es"})
    client_id = made.json()["id"]
    assert (await post_form(client, f"/app/clients/{client_id}/screenings", {"food": "yes"})).status_code == 303
    return client_id


def _card(page_text: str, name: str) -> str:
    """The resource card naming this service."""
    found = [card for card in page_text.split('<li class="card resource">')[1:] if f"<h2>{name}</h2>" in card]
    assert found, page_text
    return found[0].split('<a class="button"')[0]  # up to its Refer button


async def test_the_capacity_a_partner_sets_shows_on_the_resource_cards_and_the_refer_form(world, client):
    await _partner_updates_the_pantry(client, world)
    client_id = await _client_needing_food(client)
    resources = await client.get(f"/app/clients/{client_id}/resources")
    assert resources.status_code == 200
    card = _card(resources.text, "Harbor Food Pantry")
    for said in ("Accepting new clients", "3 places open of 20", "waitlist: 5", "Updated Mar 2, 2026"):
        assert said in card, said
    form = await client.get(f"/app/clients/{client_id}/refer?service_at_location_id={world.food_x}&need=food")
    intake = form.text.split('class="intake"')[1].split("</dd>")[0]
    for said in ("Accepting new clients", "3 places open of 20", "waitlist: 5", "Updated Mar 2, 2026"):
        assert said in intake, said
    assert 'href="tel:410-555-0100"' in form.text
    # A partner that stops taking clients says so, and the card says it at once.
    await sign_in(client, "x@example.org")
    full = {**PARTNER_SAYS, "available": "0", "accepting_new_patients": "no"}
    assert (await post_form(client, f"/partner/listings/{world.food_x}", full)).status_code == 303
    await sign_in(client, "a@example.org")
    card = _card((await client.get(f"/app/clients/{client_id}/resources")).text, "Harbor Food Pantry")
    assert "Not accepting new clients" in card and "0 places open of 20" in card
    spanish = await client.get(f"/app/clients/{client_id}/resources", headers=SPANISH)
    card = _card(spanish.text, "Harbor Food Pantry")
    assert "No acepta clientes nuevos" in card and "0 cupos libres de 20" in card and "lista de espera: 5" in card


async def test_the_referral_page_shows_the_partners_phone_and_hours_for_the_warm_handoff(world, client):
    await _partner_updates_the_pantry(client, world)
    client_id = await new_client(client)
    made = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    page = await client.get(f"/app/referrals/{made['id']}")
    assert page.status_code == 200
    phones = page.text.split('class="partner-phones"')[1].split("</dd>")[0]
    assert '<a href="tel:410-555-0100">410-555-0100</a>' in phones
    hours = page.text.split('class="partner-hours"')[1].split("</dd>")[0]
    assert "09:00" in hours and "17:00" in hours
    assert "Warm handoff: call Harbor Services with the client now." in page.text


async def test_a_follow_up_has_no_result_until_the_care_manager_chooses_one(world, client, clock):
    client_id = await new_client(client)
    await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    clock.advance(hours=30)
    page = await client.get("/app/follow-ups")
    follow_up_id = re.search(r'id="follow-up-([0-9a-f-]+)"', page.text).group(1)
    result = re.search(rf'<select id="result-{follow_up_id}"[^>]*>(.*?)</select>', page.text, re.S)
    assert result and " required" in result.group(0).split(">")[0]
    options = re.findall(r"<option[^>]*>", result.group(1))
    assert options[0] == '<option value="" selected>' and all("selected" not in o for o in options[1:])
    for fields in ({"method": "phone", "note": "Left a message"}, {"method": "phone", "result": ""}):
        refused = await post_form(client, f"/app/follow-ups/{follow_up_id}/attempts", fields)
        assert refused.status_code == 400 and 'data-error-code="follow_up_result_missing"' in refused.text
        assert "Choose what came of the follow-up" in refused.text
        field = re.search(r"<select[^>]*autofocus[^>]*>", refused.text)
        assert field and f'id="result-{follow_up_id}"' in field.group(0)
        assert fields.get("note", "") in refused.text  # what was typed is kept
    still = await client.get("/app/follow-ups")
    assert f"follow-up-{follow_up_id}" in still.text  # nothing was recorded
    attempts = (await client.get(f"/api/referrals?client_id={client_id}")).json()["contents"][0]["follow_ups"]
    assert all(item["closed_at"] is None for item in attempts)


async def test_revoking_a_consent_asks_first_on_a_page_of_its_own(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    revoke = f"/app/clients/{client_id}/consents/{consent_id}/revoke"
    record = await client.get(f"/app/clients/{client_id}")
    assert f'<form method="post" action="{revoke}"' not in record.text and f'href="{revoke}"' in record.text
    asked = await client.get(revoke)
    assert asked.status_code == 200 and "Revoke this consent?" in asked.text and "Harbor Services" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text and "No, keep it" in asked.text
    unconfirmed = await post_form(client, revoke, {})
    assert unconfirmed.status_code == 303 and unconfirmed.headers["location"] == revoke
    assert (await client.get(f"/api/clients/{client_id}/consents")).json()[0]["revoked_at"] is None
    assert (await post_form(client, revoke, {"confirmed": "yes"})).status_code == 303
    assert (await client.get(f"/api/clients/{client_id}/consents")).json()[0]["revoked_at"] is not None
    another = await consent(client, client_id, world.partner_x)
    spanish = await client.get(f"/app/clients/{client_id}/consents/{another}/revoke", headers=SPANISH)
    assert "¿Revocar este consentimiento?" in spanish.text


async def test_the_report_queue_says_the_reason_in_words_with_the_reporters_note(world, client):
    note = "The number rings a fax machine"
    sent = await client.post(
        f"/listings/{world.food_x}/report", data={"reason": "wrong_phone", "note": note}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text
    await sign_in(client, "admin@example.org")
    queue = await client.get("/app/reports")
    assert "The phone number is wrong" in queue.text and note in queue.text
    assert "wrong_phone" not in queue.text
    spanish = await client.get("/app/reports", headers=SPANISH)
    assert "El número de teléfono es incorrecto" in spanish.text and note in spanish.text
    # The listing's own partner reads the same words on its listings page.
    await sign_in(client, "x@example.org")
    own = await client.get("/partner/listings")
    assert "The phone number is wrong" in own.text and "wrong_phone" not in own.text


async def test_codes_read_as_words_on_the_client_and_referral_pages(world, client):
    client_id = await new_client(client)
    await client.patch(f"/api/clients/{client_id}", json={"preferred_language": "es"})
    page = await client.get(f"/app/clients/{client_id}")
    language = page.text.split('class="preferred-language"')[1].split("</dd>")[0]
    assert ">Spanish" in language
    assert "Text messages: 555-0142" in page.text
    spanish = await client.get(f"/app/clients/{client_id}", headers=SPANISH)
    assert ">Español" in spanish.text.split('class="preferred-language"')[1].split("</dd>")[0]
    # A location named as its service: the name once, not "X · X".

    async def name_the_location_as_its_service() -> None:
        listing = await ServiceAtLocation.select(ServiceAtLocation.location).where(ServiceAtLocation.id == world.food_x)
        await Location.update({Location.name: "Harbor Food Pantry"}).where(Location.id == listing[0]["location"])

    await in_app_loop(client, name_the_location_as_its_service)
    made = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    referral = await client.get(f"/app/referrals/{made['id']}")
    assert "Harbor Food Pantry · Harbor Food Pantry" not in referral.text and "Harbor Food Pantry" in referral.text
    assert "Harbor Food Pantry · Harbor Food Pantry" not in (await client.get(f"/app/clients/{client_id}")).text


def _status_word(page_text: str) -> str:
    """The status badge's word on either side's referral page."""
    after = re.split(r"\b(?:Status|Estado)\b", page_text, maxsplit=1)[1]
    found = re.search(r'<span class="badge[^"]*">([^<]+)</span>', after)
    assert found, page_text
    return found.group(1).strip()


async def test_the_same_referral_shows_the_same_status_word_on_both_sides(world, client):
    client_id = await new_client(client)
    made = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    care_team = await client.get(f"/app/referrals/{made['id']}")
    assert _status_word(care_team.text) == "Sent"
    seen = []
    for status, reason in (("received", None), ("accepted", None), ("in-progress", None), ("failed", "no_show")):
        await sign_in(client, "x@example.org")
        partner = await client.get(f"/partner/referrals/{made['id']}")  # opening it acknowledges it
        partner_es = await client.get(f"/partner/referrals/{made['id']}", headers=SPANISH)
        current = (await client.get(f"/api/referrals/{made['id']}")).json()
        if current["status"] != status:
            body = {"version": current["version"], "status": status}
            if reason:
                body |= {"reason_code": reason, "reason_text": "Did not come"}
            changed = await client.post(f"/api/referrals/{made['id']}/events", json=body)
            assert changed.status_code == 201, changed.text
            partner = await client.get(f"/partner/referrals/{made['id']}")
            partner_es = await client.get(f"/partner/referrals/{made['id']}", headers=SPANISH)
        await sign_in(client, "a@example.org")
        care_team = await client.get(f"/app/referrals/{made['id']}")
        care_team_es = await client.get(f"/app/referrals/{made['id']}", headers=SPANISH)
        assert _status_word(partner.text) == _status_word(care_team.text), status
        assert _status_word(partner_es.text) == _status_word(care_team_es.text), status
        seen.append(_status_word(care_team.text))
    assert seen == ["Acknowledged", "Accepted", "In progress", "Did not connect"]


async def test_the_workspace_in_spanish_names_follow_ups_and_the_two_handoffs_apart(world, client, clock):
    client_id = await new_client(client)
    await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    clock.advance(hours=30)
    worklist = await client.get("/app/follow-ups", headers=SPANISH)
    assert "Confirm the first contact" not in worklist.text
    assert "Confirme que ocurrió el primer contacto" in worklist.text
    form = await client.get(
        f"/app/clients/{client_id}/refer?service_at_location_id={world.food_x}&need=food", headers=SPANISH
    )
    labels = re.findall(r'<input type="radio" name="handoff_type" value="([a-z_]+)"[^>]*>([^<]+)</label>', form.text)
    named = dict(labels)
    assert "compañ" not in named["warm_handoff"].casefold()  # nothing like "Acompañado" for the call
    assert named["warm_handoff"].split()[0] != named["accompanied"].split()[0]
    referral = (await client.get(f"/api/referrals?client_id={client_id}")).json()["contents"][0]
    page = await client.get(f"/app/referrals/{referral['id']}", headers=SPANISH)
    handoff = page.text.split("<dt>Traspaso</dt>")[1].split("</dd>")[0]
    assert "Llamada conjunta" in handoff and "Traspaso acompañado" not in handoff


async def test_the_caseload_is_found_by_name_sorted_and_narrowed(world, client, clock):
    at_risk = await new_client(client)  # Jordan Quill
    made = await refer(client, at_risk, world.food_x, await consent(client, at_risk, world.partner_x))
    for name in ("Avery Stone", "Blake Moss", "Zoe Quinn"):
        assert (await client.post("/api/clients", json={"preferred_name": name})).status_code == 201
    clock.advance(hours=2)
    blake = (await client.get("/api/clients")).json()["contents"]
    blake_id = next(c["id"] for c in blake if c["preferred_name"] == "Blake Moss")
    await client.patch(f"/api/clients/{blake_id}", json={"goals": "Finish school"})
    page = await client.get("/app/")
    top = page.text.split('<ul class="cards caseload">')[0]
    assert 'href="#add-client"' in top  # "Add a client" before the list, not only after it
    assert 'method="get" action="/app/"' in top and 'name="name"' in top

    def names(response) -> list[str]:
        return re.findall(r'<h2><a href="/app/clients/[^"]+">([^<]+)</a>', response.text)

    assert names(page) == ["Avery Stone", "Blake Moss", "Jordan Quill", "Zoe Quinn"]
    assert names(await client.get("/app/?name=qu")) == ["Jordan Quill", "Zoe Quinn"]
    assert names(await client.get("/app/?name=QUILL")) == ["Jordan Quill"]
    assert names(await client.get("/app/?name=50%25")) == []
    assert "No client matches." in (await client.get("/app/?name=nobody")).text
    assert names(await client.get("/app/?sort=last_activity"))[0] == "Blake Moss"
    assert names(await client.get("/app/?sort=follow_up_due"))[0] == "Jordan Quill"
    assert names(await client.get("/app/?show=open_referrals")) == ["Jordan Quill"]
    clock.advance(hours=30)  # Jordan's first follow-up is now overdue
    assert names(await client.get("/app/?show=follow_up_due")) == ["Jordan Quill"]
    assert names(await client.get("/app/?show=at_risk&name=jordan")) == ["Jordan Quill"]
    assert names(await client.get("/app/?show=at_risk&name=zoe")) == []
    assert made["id"]
    for bad in ("/app/?sort=shoe_size", "/app/?show=everyone", "/app/?name=" + "x" * 300):
        refused = await client.get(bad)
        assert refused.status_code == 400 and "<h1>" in refused.text, bad
