"""The FHIR export parses as FHIR, maps status and reasons as the SDOH Clinical Care IG does, and honours consent."""

from __future__ import annotations

import dataclasses

from fhir.resources.R4B.bundle import Bundle
from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from server.app import create_app
from tests.conftest import send_csrf_header
from tests.referrals.conftest import change, consent, new_client, refer, sign_in


def _resources(body: dict) -> dict[str, dict]:
    bundle = Bundle.model_validate(body)
    assert bundle.type == "collection"
    return {entry.resource.get_resource_type(): entry.resource for entry in bundle.entry}


async def test_a_rejected_referral_exports_task_service_request_consent_and_patient(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id, priority="urgent")
    await sign_in(client, "x@example.org")
    await change(client, referral, status="rejected", reason_code="not_eligible", reason_text="Outside service area")
    await sign_in(client, "a@example.org")

    response = await client.get(f"/api/referrals/{referral['id']}/fhir")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/fhir+json")
    resources = _resources(response.json())
    task, request = resources["Task"], resources["ServiceRequest"]
    assert task.status == "rejected" and task.intent == "order"
    assert task.statusReason.coding[0].code == "not_eligible" and task.statusReason.text == "Outside service area"
    assert task.focus.reference == f"ServiceRequest/{referral['id']}"
    assert task.owner.reference == f"Organization/{world.partner_x}"
    assert request.status == "revoked" and request.priority == "urgent"
    assert request.category[0].coding[0].code == "sdoh"
    assert request.patientInstruction == "Groceries while I start buprenorphine"
    assert resources["Patient"].name[0].text == "Jordan Quill"
    assert [t.value for t in resources["Patient"].telecom] == ["555-0142"]
    assert resources["Consent"].status == "active" and resources["Consent"].id == consent_id
    assert {e["fullUrl"].rsplit("/", 2)[-2] for e in response.json()["entry"]} >= {"Task", "Patient", "Consent"}


async def test_a_partner_export_honours_consent_and_is_disclosed(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    partner = {"Authorization": f"Bearer {world.token_x}"}
    shared = await client.get(f"/api/referrals/{referral['id']}/fhir", headers=partner)
    resources = _resources(shared.json())
    assert resources["Patient"].name[0].text == "Jordan Quill"
    assert resources["ServiceRequest"].patientInstruction is None  # the goal is SUD information
    assert "buprenorphine" not in shared.text

    reference = resources["Patient"].id
    assert reference != client_id and client_id not in shared.text  # a per-organization reference, not our id

    await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    withheld = await client.get(f"/api/referrals/{referral['id']}/fhir", headers=partner)
    resources = _resources(withheld.json())
    assert resources["Patient"].name is None and "Consent" not in resources
    # Without consent the Patient is named for this referral only: not our id, and not the reference that
    # ties the client's other referrals together.
    assert resources["Patient"].id not in (reference, client_id) and client_id not in withheld.text
    assert "Jordan" not in withheld.text and "555-0142" not in withheld.text
    channels = [d["channel"] for d in (await client.get(f"/api/clients/{client_id}/disclosures")).json()["contents"]]
    assert channels == ["fhir"]


async def test_a_partner_export_never_holds_more_than_the_partner_json_view(world, client):
    """The finding: the care team's reason text reached the partner through Task.statusReason.text."""
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    await change(client, referral, status="cancelled", reason_code="need_met_elsewhere", reason_text="Church pantry")
    partner = {"Authorization": f"Bearer {world.token_x}"}
    json_view = await client.get(f"/api/referrals/{referral['id']}", headers=partner)
    export = await client.get(f"/api/referrals/{referral['id']}/fhir", headers=partner)
    assert "Church pantry" not in json_view.text and "Church pantry" not in export.text
    task = _resources(export.json())["Task"]
    assert task.statusReason.coding[0].code == "need_met_elsewhere"
    # The export holds no more than the JSON view: the referral is withdrawn, so neither names the client.
    patient = _resources(export.json())["Patient"]
    assert patient.id == json_view.json()["client_reference"] and json_view.json()["client"] is None
    assert patient.name is None and "Jordan" not in export.text


async def test_the_same_client_has_one_reference_per_partner_organization(world, client):
    client_id = await new_client(client)
    food = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    shelter_consent = await consent(client, client_id, world.partner_y)
    shelter = await refer(client, client_id, world.shelter_y, shelter_consent, need="housing")
    again = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    x = {"Authorization": f"Bearer {world.token_x}"}
    reference_x = (await client.get(f"/api/referrals/{food['id']}", headers=x)).json()["client_reference"]
    assert (await client.get(f"/api/referrals/{again['id']}", headers=x)).json()["client_reference"] == reference_x
    await sign_in(client, "y@example.org")
    reference_y = (await client.get(f"/api/referrals/{shelter['id']}")).json()["client_reference"]
    assert reference_y != reference_x and client_id not in (reference_x, reference_y)


async def test_a_referral_the_partner_may_not_see_the_client_of_is_not_tied_to_the_client(world, client):
    """The review: one reference on a named referral and on a revoked one told the partner which client the
    revoked one (its listing, its need) was about."""
    client_id = await new_client(client)
    named = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    revoked_consent = await consent(client, client_id, world.partner_x)
    hidden = await refer(client, client_id, world.food_x, revoked_consent)
    revoked = await client.post(f"/api/clients/{client_id}/consents/{revoked_consent}/revoke")
    assert revoked.status_code in (200, 201), revoked.text
    x = {"Authorization": f"Bearer {world.token_x}"}
    inbox = {r["id"]: r for r in (await client.get("/api/referrals", headers=x)).json()["contents"]}
    assert inbox[named["id"]]["consent_status"] == "active" and inbox[hidden["id"]]["consent_status"] == "revoked"
    assert inbox[hidden["id"]]["client_reference"] != inbox[named["id"]]["client_reference"]
    patients = [
        _resources((await client.get(f"/api/referrals/{r['id']}/fhir", headers=x)).json())["Patient"].id
        for r in (named, hidden)
    ]
    assert patients[0] != patients[1] and client_id not in patients


async def test_full_urls_start_with_the_public_url_when_one_is_set(world, clock):
    """Behind a proxy the request's own address is the proxy's view of the app: PUBLIC_URL says the real one."""
    settings = dataclasses.replace(Settings.from_environment(), public_url="https://directory.example.org/")
    async with AsyncTestClient(app=create_app(settings, clock)) as client:
        send_csrf_header(client)
        client_id = await new_client(client)
        referral = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
        body = (await client.get(f"/api/referrals/{referral['id']}/fhir")).json()
    urls = [entry["fullUrl"] for entry in body["entry"]]
    assert urls and all(url.startswith("https://directory.example.org/fhir/") for url in urls), urls


def _resolvable(body: dict) -> dict[str, tuple[str, dict]]:
    """The Bundle's ServiceRequest and Task: their fullUrl as a path of this app, and the resource it holds."""
    entries = {e["resource"]["resourceType"]: e for e in body["entry"]}
    return {
        kind: (entries[kind]["fullUrl"].removeprefix("http://testserver.local"), entries[kind]["resource"])
        for kind in ("ServiceRequest", "Task")
    }


async def test_the_bundles_service_request_and_task_full_urls_resolve_for_who_may_see_them(world, client):
    client_id = await new_client(client)
    referral = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    partner_x = {"Authorization": f"Bearer {world.token_x}"}
    bundle = _resolvable((await client.get(f"/api/referrals/{referral['id']}/fhir", headers=partner_x)).json())
    for path, resource in bundle.values():
        # The right party: the partner the referral was sent to, through its token, and the care team.
        read = await client.get(path, headers=partner_x)
        assert read.status_code == 200 and read.headers["content-type"].startswith("application/fhir+json")
        assert read.json() == resource
        assert (await client.get(path)).status_code == 200  # care manager A (signed in)
    await sign_in(client, "y@example.org")  # the wrong partner
    assert {(await client.get(path)).status_code for path, _ in bundle.values()} == {404}
    await sign_in(client, "b@example.org")  # a care manager of another team
    assert {(await client.get(path)).status_code for path, _ in bundle.values()} == {404}
    await client.post("/api/auth/logout")  # nobody
    assert {(await client.get(path)).status_code for path, _ in bundle.values()} == {401}

    # Every partner read is a disclosure, as the JSON view's is; the goal (SUD information) stays out of it.
    await sign_in(client, "a@example.org")
    disclosures = (await client.get(f"/api/clients/{client_id}/disclosures")).json()["contents"]
    assert [d["channel"] for d in disclosures] == ["fhir"] * 3
    service_request = bundle["ServiceRequest"][1]
    assert "patientInstruction" not in service_request and service_request["subject"]["reference"].startswith(
        "Patient/cr-"
    )


async def test_a_task_read_shows_the_partner_only_what_the_consent_allows_now(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    partner_x = {"Authorization": f"Bearer {world.token_x}"}
    named = (await client.get(f"/fhir/Task/{referral['id']}", headers=partner_x)).json()
    await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    withheld = (await client.get(f"/fhir/Task/{referral['id']}", headers=partner_x)).json()
    # The same decision as the JSON view: the client's reference at this partner is withheld with the consent.
    json_view = (await client.get(f"/api/referrals/{referral['id']}", headers=partner_x)).json()
    assert withheld["for"]["reference"] == f"Patient/{json_view['client_reference']}" != named["for"]["reference"]
    assert [d["channel"] for d in (await client.get(f"/api/clients/{client_id}/disclosures")).json()["contents"]] == [
        "fhir"
    ]
