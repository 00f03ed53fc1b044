"""Referral outcomes feed back into the directory, fairly: one care team's bad day does not move a listing
for everyone; independent evidence (two care teams or organizations, or the partner's own report) flags
it, and a flagged listing pays a stated, bounded penalty in the ranking until it is re-verified."""

from __future__ import annotations

import asyncio
import math

import pytest

from directory.search.documents import refresh_search_documents
from directory.search.ranking import REVERIFICATION_PENALTY_KM
from directory.tables import Attribute, Location, Organization, Service, ServiceAtLocation
from directory.taxonomy.categories import term_id
from tests.referrals.conftest import START, change, consent, new_client, refer, sign_in

BALTIMORE = (39.2904, -76.6122)
LISTINGS = 12
STEP_KM = 2.0


async def _methadone_clinics(world) -> list[str]:
    """Twelve methadone listings north of downtown Baltimore, 2 km apart; the first is partner X's."""
    ids = []
    for i in range(LISTINGS):
        if i == 0:
            organization = world.partner_x
        else:
            organization = (await Organization.insert(Organization(name=f"Clinic {i:02d}")).returning(Organization.id))[
                0
            ]["id"]
        service = await Service.insert(Service(organization=organization, name=f"Methadone program {i:02d}")).returning(
            Service.id
        )
        for code in ("moud", "moud.methadone"):
            await Attribute.insert(
                Attribute(link_id=service[0]["id"], link_entity="service", taxonomy_term=term_id(code), value="")
            )
        latitude = BALTIMORE[0] + (i * STEP_KM + 0.5) / 111.2
        location = await Location.insert(
            Location(organization=organization, name=f"Site {i:02d}", latitude=latitude, longitude=BALTIMORE[1])
        ).returning(Location.id)
        sal = await ServiceAtLocation.insert(
            ServiceAtLocation(service=service[0]["id"], location=location[0]["id"])
        ).returning(ServiceAtLocation.id)
        ids.append(str(sal[0]["id"]))
    await refresh_search_documents([s["id"] for s in await Service.select(Service.id)])
    return ids


@pytest.fixture
def clinics(world) -> list[str]:
    return asyncio.run(_methadone_clinics(world))


async def _ranking(client) -> list[tuple[str, bool]]:
    params = {"category": "moud", "lat": BALTIMORE[0], "lng": BALTIMORE[1], "radius_km": 40, "per_page": 50}
    results = (await client.get("/api/services", params=params)).json()["contents"]
    return [(r["service_at_location_id"], r["needs_reverification"]) for r in results]


async def _client_self_failure(client, email: str, listing: str) -> None:
    """A care manager's own client_self referral that failed because the listing had no capacity."""
    await sign_in(client, email)
    made = await client.post("/api/clients", json={"preferred_name": "Someone"})
    body = {
        "client_id": made.json()["id"],
        "service_at_location_id": listing,
        "need": "moud",
        "handoff_type": "client_self",
    }
    referral = (await client.post("/api/referrals", json=body)).json()
    referral = await change(client, referral, status="accepted")
    await change(client, referral, status="failed", reason_code="no_capacity", reason_text="Told no slots")


async def test_one_care_team_alone_does_not_move_a_listing_two_do_by_a_bounded_penalty(clinics, client):
    top = clinics[0]
    assert (await _ranking(client))[0] == (top, False)

    await _client_self_failure(client, "a@example.org", top)
    await _client_self_failure(client, "a2@example.org", top)  # the same care team again: still one source
    assert (await _ranking(client))[0] == (top, False)

    await _client_self_failure(client, "b@example.org", top)  # a second, independent care team
    ranking = await _ranking(client)
    position = ranking.index((top, True))
    # It ranks as if REVERIFICATION_PENALTY_KM farther: behind those nearer than that, ahead of the rest.
    expected = math.ceil((0.5 + REVERIFICATION_PENALTY_KM - 0.5) / STEP_KM)
    assert position == expected and position < len(ranking) - 1, ranking

    await sign_in(client, "x@example.org")  # the partner that runs it re-verifies it
    assert (await client.post(f"/api/service_at_locations/{top}/verify")).status_code == 200
    assert (await _ranking(client))[0] == (top, False)


async def test_the_partners_own_report_flags_its_listing_at_once(world, clinics, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x, scope="including_sud_treatment")
    referral = await refer(client, client_id, clinics[0], consent_id, need="moud")
    await sign_in(client, "x@example.org")
    await change(client, referral, status="rejected", reason_code="no_capacity", reason_text="Waitlist full")
    assert (clinics[0], True) in await _ranking(client)

    # Staff of another partner cannot clear it.
    await sign_in(client, "y@example.org")
    assert (await client.post(f"/api/service_at_locations/{clinics[0]}/verify")).status_code == 404


@pytest.fixture
def searchable(world):
    async def index_everything() -> None:
        await refresh_search_documents([s["id"] for s in await Service.select(Service.id)])

    asyncio.run(index_everything())
    return world


async def test_a_client_declining_does_not_flag_the_listing(searchable, client):
    world = searchable
    client_id = await new_client(client)
    referral = await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))
    await change(client, referral, status="cancelled", reason_code="client_declined", reason_text="Changed mind")
    results = (await client.get("/api/services", params={"search": "harbor pantry"})).json()["contents"]
    assert results and not any(r["needs_reverification"] for r in results)


def test_a_re_import_keeps_a_flagged_listing_flagged(world):
    from directory.search.documents import RowSource
    from directory.search.reverification import report_listing_problem
    from directory.tables import SearchDocument

    async def flag_then_reimport() -> dict:
        await report_listing_problem(
            world.food_x,
            "no_capacity",
            f"organization:{world.partner_x}",
            reporter_runs_listing=True,
            referral_id=None,
            now=START,
        )
        row = await ServiceAtLocation.select().where(ServiceAtLocation.id == world.food_x).first()
        imported = {k: v for k, v in row.items() if not k.startswith(("needs_", "reverification"))}
        service = await Service.select().where(Service.id == row["service"]).first()
        written = RowSource({Service: [service], ServiceAtLocation: [imported]})  # what an import holds
        await refresh_search_documents([row["service"]], source=written)
        return await SearchDocument.select(SearchDocument.listing).where(SearchDocument.id == world.food_x).first()

    document = asyncio.run(flag_then_reimport())
    assert '"needs_reverification":true' in document["listing"].replace(" ", "")
