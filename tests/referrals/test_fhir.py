"""The FHIR export parses as FHIR, maps status and reasons as the SDOH Clinical Care IG does, and honours consent."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

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

    await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    withheld = await client.get(f"/api/referrals/{referral['id']}/fhir", headers=partner)
    resources = _resources(withheld.json())
    assert resources["Patient"].name is None and resources["Consent"].status == "inactive"
    assert "Jordan" not in withheld.text and "555-0142" not in withheld.text
    channels = [d["channel"] for d in (await client.get(f"/api/clients/{client_id}/disclosures")).json()["contents"]]
    assert channels == ["fhir"]
