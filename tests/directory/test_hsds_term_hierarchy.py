"""HSDS `taxonomy_term_id` finds the services under a term: those carrying it and those carrying a term below it."""

from __future__ import annotations

import pytest

from tests.directory.tucson_211 import LISTINGS, tucson  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("tucson")

UNDER_TREATMENT_PROGRAMS = {listing.name for listing in LISTINGS if listing.code.startswith("RX-8450.")}
"""The listings tagged with a term below RX-8450 (Substance Use Disorder Treatment Programs), never RX-8450 itself."""


async def _treatment_programs_term(client) -> str:
    """RX-8450 as the HSDS 3.0 package (Albuquerque) nested it: the parent of its listings' terms."""
    response = await client.get("/api/taxonomy_terms", params={"search": "RX-8450", "per_page": 100})
    terms = response.json()["contents"]
    parents = {t["parent_id"] for t in terms if t.get("parent_id")}
    return next(t["id"] for t in terms if t["code"] == "RX-8450" and t["id"] in parents)


async def _names(client, path: str, name_of, **params) -> set[str]:
    response = await client.get(f"/api{path}", params={"per_page": 100, **params})
    assert response.status_code == 200, response.text
    return {name_of(item) for item in response.json()["contents"]}


async def test_services_under_a_child_term_are_found_by_its_parent(client):
    term = await _treatment_programs_term(client)
    services = await _names(client, "/services", lambda s: s["name"], taxonomy_term_id=term, near="87102")
    listings = await _names(
        client, "/service_at_locations", lambda s: s["service"]["name"], taxonomy_term_id=term, full="true"
    )
    assert len(UNDER_TREATMENT_PROGRAMS) > 3
    assert services == listings == UNDER_TREATMENT_PROGRAMS
