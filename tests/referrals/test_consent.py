"""Partners see exactly what the client's consent names, nothing once it is revoked, and every view is disclosed."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys

import pytest

from directory.tables import Attribute, ServiceAtLocation
from referrals.tables import Consent, Referral
from tests.conftest import bypassing_guards, in_app_loop
from tests.referrals.conftest import START, consent, new_client, refer, sign_in


def referral_body(client_id: str, sal_id: str, consent_id: str | None, **fields) -> dict:
    return {"client_id": client_id, "service_at_location_id": sal_id, "consent_id": consent_id, **fields}


PRIVATE_BEYOND_CONSENT = ("555-0199", "Aunt Rose", "Loves cooking", "Stay on buprenorphine", "buprenorphine")


async def _partner_view(client, world, referral_id: str) -> dict:
    response = await client.get(f"/api/referrals/{referral_id}", headers={"Authorization": f"Bearer {world.token_x}"})
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_food_bank_sees_name_contact_need_and_appointment_but_not_sud_treatment(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    appointment = (START + dt.timedelta(days=1)).isoformat()
    referral = await refer(client, client_id, world.food_x, consent_id, appointment_at=appointment)
    response = await client.get(
        f"/api/referrals/{referral['id']}", headers={"Authorization": f"Bearer {world.token_x}"}
    )
    view = response.json()
    assert view["client"] == {
        "preferred_name": "Jordan Quill",
        "contact_methods": [{"method": "text", "value": "555-0142", "may_use": True}],
        "preferred_language": "en",
    }
    assert view["need"] == "food" and view["appointment_at"].startswith("2026-03-03T14:00")
    assert view["goal"] is None and view["referred_by"] == "Team A"
    assert view["redisclosure_notice"] == "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
    assert not any(secret in response.text for secret in PRIVATE_BEYOND_CONSENT)


async def test_consent_including_sud_treatment_shows_the_goal(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x, scope="including_sud_treatment")
    referral = await refer(client, client_id, world.otp_x, consent_id, need="moud", goal="Start methadone")
    view = await _partner_view(client, world, referral["id"])
    assert view["goal"] == "Start methadone" and view["need"] == "moud"


async def test_a_moud_referral_needs_consent_to_share_sud_treatment(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    body = referral_body(client_id, world.otp_x, consent_id, need="moud", handoff_type="warm_handoff")
    response = await client.post("/api/referrals", json=body)
    assert response.status_code == 400 and "including_sud_treatment" in response.json()["detail"]


async def _class_consent(client, client_id: str) -> str:
    return await consent(
        client,
        client_id,
        None,
        scope="including_sud_treatment",
        recipient_organization_id=None,
        recipient_class="treating_providers",
    )


# (consent names, listing referred to, declared need) -> may the referral be made and the partner see the client?
# Partner X runs a food pantry and an opioid treatment program (the directory says which is SUD treatment);
# partner Y runs a shelter.
CONSENT_CASES = [
    ("partner_x", "food_x", "food", True),
    ("partner_x", "otp_x", "moud", True),
    ("partner_x", "shelter_y", "housing", False),  # a named consent covers only the organization it names
    ("treating_providers", "otp_x", "moud", True),
    ("treating_providers", "otp_x", "food", True),  # SUD treatment by the directory, whatever the need says
    ("treating_providers", "food_x", "moud", False),  # declaring need=moud does not make a pantry a treating provider
    ("treating_providers", "food_x", "food", False),  # the same organization's non-treatment listing
    ("treating_providers", "shelter_y", "moud", False),
    ("treating_providers", "recovery_y", "moud", False),  # peer recovery support is not a treating provider
    ("partner_y", "recovery_y", "moud", True),  # ... so the consent must name it
    ("treating_providers", "sober_living_y", "housing", False),  # a recovery residence is no treating provider
    ("partner_y", "sober_living_y", "housing", True),
]


@pytest.mark.parametrize(("recipient", "listing", "need", "covered"), CONSENT_CASES)
async def test_each_consent_class_covers_exactly_the_organizations_the_directory_says(
    world, client, recipient, listing, need, covered
):
    client_id = await new_client(client)
    if recipient == "treating_providers":
        consent_id = await _class_consent(client, client_id)
    else:
        consent_id = await consent(client, client_id, getattr(world, recipient), scope="including_sud_treatment")
    body = referral_body(client_id, getattr(world, listing), consent_id, need=need, handoff_type="warm_handoff")
    response = await client.post("/api/referrals", json=body)
    if not covered:
        assert response.status_code == 400, response.text
        assert "consent_id" in response.json()["detail"]
        return
    assert response.status_code == 201, response.text
    await sign_in(client, "y@example.org" if listing.endswith("_y") else "x@example.org")
    view = (await client.get(f"/api/referrals/{response.json()['id']}")).json()
    assert view["consent_status"] == "active" and view["client"]["preferred_name"] == "Jordan Quill"


@pytest.mark.parametrize(
    ("listing", "need"),
    [
        ("recovery_y", "moud"),
        ("food_x", "harm_reduction"),
        ("otp_x", "food"),
        ("sober_living_y", "housing"),
        ("airs_otp_x", "health_care"),  # treatment known only through a 211 taxonomy term
    ],
)
async def test_a_referral_that_tells_of_drug_use_needs_consent_to_share_it(world, client, listing, need):
    """Recovery support, recovery housing, harm reduction and treatment all tell the partner the client uses
    drugs."""
    client_id = await new_client(client)
    partner = world.partner_y if listing.endswith("_y") else world.partner_x
    consent_id = await consent(client, client_id, partner)  # contact_and_need only
    body = referral_body(client_id, getattr(world, listing), consent_id, need=need, handoff_type="warm_handoff")
    response = await client.post("/api/referrals", json=body)
    assert response.status_code == 400 and "including_sud_treatment" in response.json()["detail"]


async def test_a_withdrawn_referral_no_longer_shows_the_client(world, client):
    client_id = await new_client(client)
    referral = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    assert (await _partner_view(client, world, referral["id"]))["client"] is not None
    current = (await client.get(f"/api/referrals/{referral['id']}")).json()
    await client.post(
        f"/api/referrals/{referral['id']}/events",
        json={"version": current["version"], "status": "entered-in-error", "note": "Wrong client"},
    )
    view = await _partner_view(client, world, referral["id"])
    assert view["consent_status"] == "referral_withdrawn" and view["client"] is None and view["need"] is None


async def test_a_consent_changed_outside_the_app_discloses_nothing(world, client):
    """Un-revoking or widening a consent in the database fails its seal, at every read and in verify-ledger."""
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")

    async def unrevoke() -> None:
        async with bypassing_guards():
            await Consent.update({Consent.revoked_at: None, Consent.revoked_by: None}).where(Consent.id == consent_id)

    await in_app_loop(client, unrevoke)
    view = await _partner_view(client, world, referral["id"])
    assert view["consent_status"] == "unverifiable" and view["client"] is None and "Jordan" not in str(view)
    command = [sys.executable, "-c", "from server.cli import main; main()", "referrals", "verify-ledger", "--quiet"]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True)
    assert result.returncode == 1 and f"consent {consent_id}" in result.stderr


async def test_a_food_pantry_never_reads_a_treating_providers_referral(world, client):
    """The finding: need=moud sent to a pantry under a treating_providers consent was accepted and disclosed."""
    client_id = await new_client(client)
    consent_id = await _class_consent(client, client_id)
    body = referral_body(client_id, world.food_x, consent_id, need="moud", handoff_type="warm_handoff")
    response = await client.post("/api/referrals", json=body)
    assert response.status_code == 400 and "does not list this service as SUD treatment" in response.text
    inbox = await client.get("/api/referrals", headers={"Authorization": f"Bearer {world.token_x}"})
    assert inbox.json()["total_items"] == 0 and "Jordan" not in inbox.text


async def test_every_partner_read_rechecks_the_consent_against_the_reader(world, client):
    """A referral re-pointed at another organization behind the app's back shows that organization nothing."""
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)

    async def repoint() -> None:
        async with bypassing_guards():
            await Referral.update({Referral.partner_organization: world.partner_y}).where(Referral.id == referral["id"])

    await in_app_loop(client, repoint)
    await sign_in(client, "y@example.org")
    channels = {
        "json": await client.get(f"/api/referrals/{referral['id']}"),
        "inbox": await client.get("/api/referrals"),
        "fhir": await client.get(f"/api/referrals/{referral['id']}/fhir"),
        "event": await client.post(f"/api/referrals/{referral['id']}/events", json={"version": 2, "note": "Hi"}),
    }
    for name, response in channels.items():
        # Reads show the referral's existence; a change is refused, as partner_access does not cover it.
        assert response.status_code == (403 if name == "event" else 200), (name, response.text)
        assert not any(secret in response.text for secret in ("Jordan", "555-0142", "food")), name
    assert channels["json"].json()["consent_status"] == "does_not_cover"
    assert channels["event"].json()["detail"].endswith("its consent_status is does_not_cover")
    await sign_in(client, "a@example.org")
    assert (await client.get(f"/api/clients/{client_id}/disclosures")).json()["total_items"] == 0


async def test_a_listing_that_stops_being_sud_treatment_stops_a_class_consent(world, client):
    client_id = await new_client(client)
    consent_id = await _class_consent(client, client_id)
    referral = await refer(client, client_id, world.otp_x, consent_id, need="moud")
    assert (await _partner_view(client, world, referral["id"]))["client"] is not None

    async def correct_the_directory() -> None:
        sal = ServiceAtLocation.select(ServiceAtLocation.service).where(ServiceAtLocation.id == world.otp_x)
        service = await sal.first()
        await Attribute.delete().where(Attribute.link_id == service["service"])

    await in_app_loop(client, correct_the_directory)
    view = await _partner_view(client, world, referral["id"])
    assert view["client"] is None and view["consent_status"] == "does_not_cover" and view["need"] is None


async def test_consent_for_another_partner_does_not_cover_the_referral(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_y)
    body = referral_body(client_id, world.food_x, consent_id, need="food", handoff_type="partner_outreach")
    response = await client.post("/api/referrals", json=body)
    assert response.status_code == 400 and "does not name this partner" in response.json()["detail"]
    response = await client.post("/api/referrals", json={**body, "consent_id": None})
    assert response.status_code == 400 and "consent_id must name" in response.json()["detail"]


async def test_revoking_consent_hides_the_client_at_once(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    assert (await _partner_view(client, world, referral["id"]))["client"] is not None

    revoked = await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    response = await client.get(
        f"/api/referrals/{referral['id']}", headers={"Authorization": f"Bearer {world.token_x}"}
    )
    view = response.json()
    assert view["consent_status"] == "revoked" and view["status"] == "requested"  # reading acknowledges nothing
    assert view["client"] is None and view["need"] is None and view["appointment_at"] is None
    assert "Jordan" not in response.text and "555-0142" not in response.text
    inbox = await client.get("/api/referrals", headers={"Authorization": f"Bearer {world.token_x}"})
    assert inbox.json()["total_items"] == 1 and "Jordan" not in inbox.text
    # A revoked consent cannot cover a new referral, and cannot be revoked twice.
    body = referral_body(client_id, world.food_x, consent_id, need="food", handoff_type="warm_handoff")
    assert "revoked" in (await client.post("/api/referrals", json=body)).json()["detail"]
    again = await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    assert again.status_code == 404


async def test_an_expired_consent_hides_the_client(world, client, clock):
    client_id = await new_client(client)
    expires = (START + dt.timedelta(days=30)).isoformat()
    consent_id = await consent(client, client_id, world.partner_x, expires_at=expires, expiry_event=None)
    referral = await refer(client, client_id, world.food_x, consent_id)
    clock.advance(days=31)
    view = await _partner_view(client, world, referral["id"])
    assert view["consent_status"] == "expired" and view["client"] is None
    consents = (await client.get(f"/api/clients/{client_id}/consents")).json()
    assert consents[0]["status"] == "expired"


async def test_the_disclosure_list_names_who_saw_what_and_when(world, client, clock):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    await _partner_view(client, world, referral["id"])
    clock.advance(hours=1)
    await sign_in(client, "x@example.org")
    assert (await client.get("/api/referrals")).json()["total_items"] == 1
    await client.post("/api/referrals/{}/events".format(referral["id"]), json={"version": 1, "status": "accepted"})
    await sign_in(client, "a@example.org")
    disclosures = (await client.get(f"/api/clients/{client_id}/disclosures")).json()
    people = [(d["recipient_person"], d["channel"], d["at"][:16]) for d in disclosures["contents"]]
    assert sorted(people) == [
        ("API token Harbor EHR, issued by Staff X", "api", "2026-03-02T14:00"),
        ("Staff X", "api_event", "2026-03-02T15:00"),
        ("Staff X", "api_list", "2026-03-02T15:00"),
    ]
    first = disclosures["contents"][-1]
    assert first["recipient_organization_name"] == "Harbor Services" and first["consent_id"] == consent_id
    assert first["information"] == ["preferred_name", "contact_methods", "preferred_language", "need", "appointment"]
    # Another care team cannot read the list.
    await sign_in(client, "b@example.org")
    assert (await client.get(f"/api/clients/{client_id}/disclosures")).status_code == 404


async def test_client_self_referrals_and_drafts_never_reach_the_partner(world, client):
    client_id = await new_client(client)
    await refer(client, client_id, world.food_x, None, handoff_type="client_self")
    consent_id = await consent(client, client_id, world.partner_x)
    draft = await refer(client, client_id, world.food_x, consent_id, status="draft")
    inbox = await client.get("/api/referrals", headers={"Authorization": f"Bearer {world.token_x}"})
    assert inbox.json()["total_items"] == 0
    response = await client.get(f"/api/referrals/{draft['id']}", headers={"Authorization": f"Bearer {world.token_x}"})
    assert response.status_code == 404
    assert (await client.get(f"/api/clients/{client_id}/disclosures")).json()["total_items"] == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"recipient_class": "treating_providers"}, "not both"),
        ({"recipient_organization_id": None}, "either"),
        ({"expiry_event": None}, "expiry"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "future"),
        ({"recipient_organization_id": "00000000-0000-0000-0000-000000000000"}, "no organization"),
        ({"recipient_organization_id": "not-an-id"}, "recipient_organization_id"),
        ({"information_scope": "everything"}, "information_scope"),
        ({"signed_name": ""}, "signed_name"),
    ],
)
async def test_an_incomplete_consent_gets_400_saying_what_is_missing(world, client, change, message):
    client_id = await new_client(client)
    body = {
        "recipient_organization_id": world.partner_x,
        "purpose": "Referral",
        "information_scope": "contact_and_need",
        "expiry_event": "End of episode",
        "signed_name": "Jordan Quill",
        **change,
    }
    response = await client.post(f"/api/clients/{client_id}/consents", json=body)
    assert response.status_code == 400 and message in response.text, response.text


async def test_a_draft_is_sent_only_if_the_consent_still_covers_it(world, client):
    """The review: a draft made under consent, the consent revoked, then sent: the partner got it."""
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    body = referral_body(client_id, world.food_x, consent_id, need="food", handoff_type="warm_handoff")
    draft = (await client.post("/api/referrals", json={**body, "status": "draft"})).json()
    assert draft["status"] == "draft"
    await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
    sent = await client.post(f"/api/referrals/{draft['id']}/events", json={"version": 1, "status": "requested"})
    assert sent.status_code == 400 and "revoked" in sent.json()["detail"]
    assert (await client.get(f"/api/referrals/{draft['id']}")).json()["status"] == "draft"
    await sign_in(client, "x@example.org")
    assert (await client.get(f"/api/referrals/{draft['id']}")).status_code == 404


async def test_a_clients_consents_are_listed_newest_first_and_the_reading_is_audited(world, client, clock):
    client_id = await new_client(client)
    older = await consent(client, client_id, world.partner_x, signed_at=(START - dt.timedelta(days=3)).isoformat())
    newer = await consent(client, client_id, world.partner_y, signed_at=(START - dt.timedelta(days=1)).isoformat())
    listed = (await client.get(f"/api/clients/{client_id}/consents")).json()
    assert [c["id"] for c in listed] == [newer, older]
    await sign_in(client, "admin@example.org")
    events = (await client.get("/api/audit", params={"per_page": 100})).json()["contents"]
    reads = [(e["action"], e["object_type"], e["object_id"]) for e in events if e["object_type"] == "consent_list"]
    assert reads == [("view", "consent_list", client_id)]
