"""In a word search, a listing awaiting re-verification ranks as if it matched 10 points less well: below a
slightly weaker match, above a much weaker one; its shown relevance stays what it matched."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from litestar.testing import AsyncTestClient

from directory.search.documents import refresh_search_documents
from directory.search.reverification import report_listing_problem
from directory.tables import Location, Organization, Service, ServiceAtLocation
from server.app import create_app
from tests.conftest import send_csrf_header


async def _listing(organization: str, service: str, description: str = "") -> str:
    organization_id = (await Organization.insert(Organization(name=organization)).returning(Organization.id))[0]["id"]
    service_row = Service(organization=organization_id, name=service, description=description)
    service_id = (await Service.insert(service_row).returning(Service.id))[0]["id"]
    location = Location(organization=organization_id, name=f"{service} site")
    location_id = (await Location.insert(location).returning(Location.id))[0]["id"]
    listing = ServiceAtLocation(service=service_id, location=location_id)
    return str((await ServiceAtLocation.insert(listing).returning(ServiceAtLocation.id))[0]["id"])


async def _three_pantries() -> dict[str, str]:
    listings = {
        # both words in its name (100), but flagged: it ranks as 90
        "flagged": await _listing("Eastside Services", "Harbor Pantry"),
        # 'pantry' in its name (100), 'harbor' in its organization's (90): 95
        "organization": await _listing("Harbor Help", "Pantry Central"),
        # 'pantry' in its name (100), 'harbor' only in its description (60): 80
        "description": await _listing("Westside Services", "Pantry West", "Two blocks from the harbor"),
    }
    await report_listing_problem(
        listings["flagged"],
        "no_capacity",
        "organization:eastside",
        reporter_runs_listing=True,
        referral_id=None,
        now=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
    )
    await refresh_search_documents([s["id"] for s in await Service.select(Service.id)])
    return listings


@pytest.fixture
def pantries() -> dict[str, str]:
    """Three listings matching "harbor pantry" at 100 (flagged), 95 and 80 (made before the app starts)."""
    return asyncio.run(_three_pantries())


async def test_a_flagged_listing_ranks_ten_points_lower_and_shows_what_it_matched(pantries):
    async with AsyncTestClient(app=create_app()) as client:
        send_csrf_header(client)
        body = (await client.get("/api/services", params={"search": "harbor pantry"})).json()
    ranked = [(r["service_at_location_id"], r["relevance"], r["needs_reverification"]) for r in body["contents"]]
    assert ranked == [
        (pantries["organization"], 95.0, False),
        (pantries["flagged"], 100.0, True),
        (pantries["description"], 80.0, False),
    ]
