"""The HSDS 3.0 API: each parameter of the official openapi.json changes what comes back, as it says."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from directory.taxonomy.categories import TAXONOMY_NAME, term_id
from server.cli import directory_group
from tests.directory.test_hsds_openapi import BASE, assert_page, assert_valid

ORGANIZATION = "5b0d7a52-7c1e-4f0e-9a53-000000000001"
SERVICE = "5b0d7a52-7c1e-4f0e-9a53-000000000002"
LOCATION = "5b0d7a52-7c1e-4f0e-9a53-000000000003"
SERVICE_AT_LOCATION = "5b0d7a52-7c1e-4f0e-9a53-000000000004"
PEER_TERM = "5b0d7a52-7c1e-4f0e-9a53-000000000005"
OTHER_TAXONOMY = "Open Eligibility"
POSTCODE = "21230"

#: One service of an organization without a description, in a taxonomy of its own, imported after the seed.
PACKAGE = [
    {
        "id": SERVICE,
        "name": "Quillfeather peer recovery line",
        "status": "active",
        "description": "Peer recovery coaching by phone and in person.",
        "url": "https://example.org/quillfeather",
        "organization": {"id": ORGANIZATION, "name": "Quillfeather Collective", "description": ""},
        "service_at_locations": [
            {
                "id": SERVICE_AT_LOCATION,
                "location": {
                    "id": LOCATION,
                    "location_type": "physical",
                    # LIKE's wildcards, literally: searching for "%" or "_" finds this hall and nothing else.
                    "name": "Quillfeather hall, 100% peer_run",
                    "latitude": 39.2710,
                    "longitude": -76.6110,
                    "addresses": [
                        {
                            "id": "5b0d7a52-7c1e-4f0e-9a53-000000000006",
                            "address_1": "1400 Light St",
                            "city": "Baltimore",
                            "state_province": "MD",
                            "postal_code": POSTCODE,
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "attributes": [
            {
                "id": "5b0d7a52-7c1e-4f0e-9a53-000000000007",
                "taxonomy_term_id": PEER_TERM,
                "taxonomy_term": {
                    "id": PEER_TERM,
                    "name": "Peer support",
                    "description": "Support from people with lived experience.",
                    "code": "peer-support",
                    "taxonomy": OTHER_TAXONOMY,
                },
            }
        ],
    }
]


@pytest.fixture(scope="module", autouse=True)
def directory(seeded, tmp_path_factory) -> None:
    """The demo seed, then the package above imported on top (later, so it was modified last)."""
    package = tmp_path_factory.mktemp("hsds") / "quillfeather.json"
    package.write_text(json.dumps(PACKAGE))
    result = CliRunner().invoke(directory_group, ["import", "--quiet", str(package)])
    assert result.exit_code == 0, result.output


async def get(client, path: str, **params) -> dict:
    response = await client.get("/api" + path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    if "contents" in body:
        assert_page(body)
    return body


async def refused(client, path: str, **params) -> str:
    response = await client.get("/api" + path, params=params)
    assert 400 <= response.status_code < 500, (params, response.status_code, response.text)
    return response.json().get("detail", "")


async def taxonomy_id_of(client, name: str) -> str:
    return next(t["id"] for t in (await get(client, "/taxonomies"))["contents"] if t["name"] == name)


# --- /services --------------------------------------------------------------------------------------


async def test_services_paging(client):
    first = await get(client, "/services", per_page=3)
    second = await get(client, "/services", per_page=3, page=2)
    assert first["size"] == second["size"] == 3 and first["total_items"] > 6
    assert first["first_page"] and not second["first_page"] and second["page_number"] == 2
    assert {c["service_at_location_id"] for c in first["contents"]}.isdisjoint(
        c["service_at_location_id"] for c in second["contents"]
    )


async def test_services_filters(client):
    everything = (await get(client, "/services", per_page=1))["total_items"]
    words = await get(client, "/services", search="quillfeather")
    assert words["contents"][0]["id"] == SERVICE and words["total_items"] < everything
    by_term = await get(client, "/services", taxonomy_term_id=PEER_TERM)
    assert [c["id"] for c in by_term["contents"]] == [SERVICE]
    other = await get(client, "/services", taxonomy_id=await taxonomy_id_of(client, OTHER_TAXONOMY))
    assert [c["id"] for c in other["contents"]] == [SERVICE]
    ours = await get(client, "/services", taxonomy_id=await taxonomy_id_of(client, TAXONOMY_NAME), per_page=100)
    assert 0 < ours["total_items"] < everything and SERVICE not in {c["id"] for c in ours["contents"]}
    by_organization = await get(client, "/services", organization_id=ORGANIZATION)
    assert [c["organization"]["id"] for c in by_organization["contents"]] == [ORGANIZATION]
    # Filters combine with the search's own: words, a place and a category.
    assert (await get(client, "/services", organization_id=ORGANIZATION, search="pantry"))["total_items"] == 0
    near = await get(client, "/services", organization_id=ORGANIZATION, near="21201", radius_km=10)
    assert near["contents"][0]["distance_km"] < 10
    assert (await get(client, "/services", organization_id=ORGANIZATION, category="food"))["total_items"] == 0


async def test_services_modified_after(client):
    minimal = await get(client, "/services", organization_id=ORGANIZATION, minimal="true")
    changed = minimal["contents"][0]["last_modified"]
    everything = (await get(client, "/services", per_page=1))["total_items"]
    since = await get(client, "/services", modified_after=changed)
    assert [c["id"] for c in since["contents"]] == [SERVICE] and everything > 1
    assert (await get(client, "/services", modified_after="2000-01-01"))["total_items"] == everything
    assert (await get(client, "/services", modified_after="2099-12-31T23:59:59+02:00"))["total_items"] == 0
    # A date is the start of that day in UTC; a date-time is the moment its offset says.
    assert await get(client, "/services", modified_after="2024-05-01") == await get(
        client, "/services", modified_after="2024-05-01T00:00:00Z"
    )
    in_new_york = dt.datetime.fromisoformat(changed).astimezone(dt.timezone(dt.timedelta(hours=-5))).isoformat()
    assert [c["id"] for c in (await get(client, "/services", modified_after=in_new_york))["contents"]] == [SERVICE]


@pytest.mark.parametrize("path", ["/services", "/service_at_locations"])
@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("last tuesday", "ISO 8601"),
        ("2024-13-45", "ISO 8601"),
        ("2024-01-01T00:00:00", "UTC offset"),  # a bare local time: whose midnight?
        ("9999-12-31T23:59:59-12:00", "modified_after"),  # beyond the calendar in UTC
    ],
)
async def test_modified_after_is_a_moment_with_an_offset(client, path, value, says):
    detail = await refused(client, path, modified_after=value)
    assert detail.startswith("modified_after") and says in detail, detail


@pytest.mark.parametrize("path", ["/services", "/service_at_locations"])
async def test_modified_after_has_no_bounds_a_future_moment_finds_nothing(client, path):
    everything = (await get(client, path, per_page=1))["total_items"]
    for future in ("2100-01-01", "2100-01-01T00:00:00Z", "2999-01-01T00:00:00+02:00", "9999-12-31"):
        body = await get(client, path, modified_after=future)
        assert body["total_items"] == 0 and body["contents"] == []
    for past in ("1900-01-01", "1999-12-31T23:59:59Z"):
        assert (await get(client, path, modified_after=past, per_page=1))["total_items"] == everything


async def test_services_minimal_and_full(client):
    plain = (await get(client, "/services", search="quillfeather"))["contents"][0]
    minimal = (await get(client, "/services", search="quillfeather", minimal="true"))["contents"][0]
    full = (await get(client, "/services", search="quillfeather", full="true"))["contents"][0]
    assert set(minimal) == {"id", "name", "status", "last_modified"}
    assert "distance_km" in plain and "service_at_locations" not in plain
    assert full["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == POSTCODE
    assert full["attributes"][0]["taxonomy_term"]["taxonomy_id"] == await taxonomy_id_of(client, OTHER_TAXONOMY)
    assert_valid(full, BASE + "compiled/service.json")
    assert "minimal" in await refused(client, "/services", minimal="true", full="true")


async def test_services_format(client):
    page = await get(client, "/services", category="food", per_page=5)
    response = await client.get("/api/services", params={"category": "food", "format": "ndjson"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == page["total_items"] > 5 and lines[:5] == page["contents"]
    full = await client.get("/api/services", params={"organization_id": ORGANIZATION, "format": "ndjson", "full": 1})
    assert [json.loads(line)["organization"]["description"] for line in full.text.splitlines()] == [
        "Quillfeather Collective"
    ]
    assert "format" in await refused(client, "/services", format="xml")


async def test_search_listings_are_hsds_services(client):
    body = await get(client, "/services", search="quillfeather")
    listing = body["contents"][0]
    # An organization without a description still carries one, and nothing HSDS knows is null.
    assert listing["organization"]["description"] == "Quillfeather Collective"
    assert_valid(body, BASE + "openapi.json#/paths/~1services/get/responses/200/content/application~1json/schema")


# --- /service_at_locations ----------------------------------------------------------------------------


async def test_service_at_locations_filters(client):
    everything = (await get(client, "/service_at_locations", per_page=1))["total_items"]

    async def ids(**params) -> list[str]:
        body = await get(client, "/service_at_locations", per_page=100, **params)
        assert body["total_items"] < everything
        return [c["id"] for c in body["contents"]]

    assert SERVICE_AT_LOCATION in await ids(search="quillfeather")
    assert await ids(organization_id=ORGANIZATION) == [SERVICE_AT_LOCATION]
    assert await ids(taxonomy_term_id=PEER_TERM) == [SERVICE_AT_LOCATION]
    assert await ids(taxonomy_id=await taxonomy_id_of(client, OTHER_TAXONOMY)) == [SERVICE_AT_LOCATION]
    assert SERVICE_AT_LOCATION not in await ids(taxonomy_id=await taxonomy_id_of(client, TAXONOMY_NAME))
    minimal = await get(client, "/services", organization_id=ORGANIZATION, minimal="true")
    assert await ids(modified_after=minimal["contents"][0]["last_modified"]) == [SERVICE_AT_LOCATION]
    in_postcode = await get(client, "/service_at_locations", postcode=POSTCODE, full="true", per_page=100)
    assert SERVICE_AT_LOCATION in {c["id"] for c in in_postcode["contents"]}
    assert all(a["postal_code"] == POSTCODE for c in in_postcode["contents"] for a in c["location"]["addresses"]), (
        "only locations in the postcode"
    )
    # proximity: within so many metres of the postcode's centre, nearest first.
    near = await get(client, "/service_at_locations", postcode="21201", proximity="3000", per_page=100)
    wider = await get(client, "/service_at_locations", postcode="21201", proximity="30000", per_page=100)
    assert 0 < near["total_items"] < wider["total_items"] < everything


async def test_service_at_locations_paging_full_and_format(client):
    first = await get(client, "/service_at_locations", per_page=2)
    second = await get(client, "/service_at_locations", per_page=2, page=2)
    assert first["size"] == 2 and {c["id"] for c in first["contents"]}.isdisjoint(c["id"] for c in second["contents"])
    plain = (await get(client, "/service_at_locations", organization_id=ORGANIZATION))["contents"][0]
    full = (await get(client, "/service_at_locations", organization_id=ORGANIZATION, full="true"))["contents"][0]
    assert "addresses" not in plain["location"] and plain["service"]["name"] == PACKAGE[0]["name"]
    assert full["location"]["addresses"] and full["service"]["attributes"]
    response = await client.get("/api/service_at_locations", params={"format": "ndjson", "taxonomy_term_id": PEER_TERM})
    assert [json.loads(line)["id"] for line in response.text.splitlines()] == [SERVICE_AT_LOCATION]
    one = await get(client, f"/service_at_locations/{SERVICE_AT_LOCATION}")
    assert one["name"] == PACKAGE[0]["name"] and one["status"] == "active" and one["location"]["addresses"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"proximity": "1000"}, "postcode"),
        ({"postcode": "21201", "proximity": "far"}, "proximity"),
        ({"postcode": "21201", "proximity": "-5"}, "proximity"),
        ({"postcode": "21201", "proximity": "1e12"}, "proximity"),
        ({"postcode": "00000", "proximity": "1000"}, "postcode"),
        ({"postcode": "%%"}, "postcode"),
        ({"postcode": "%"}, "postcode"),
        ({"postcode": "abc"}, "postcode"),
        ({"postcode": "2120_"}, "postcode"),
        ({"format": "csv"}, "format"),
        ({"modified_after": "2024-13-45"}, "modified_after"),
    ],
)
async def test_service_at_locations_bad_input_is_named(client, params, named):
    assert named in await refused(client, "/service_at_locations", **params)


async def test_search_takes_like_wildcards_literally(client):
    everything = (await get(client, "/service_at_locations", per_page=1))["total_items"]
    for text in ("%", "_", "100%", "0% peer_"):
        found = await get(client, "/service_at_locations", search=text, per_page=100)
        assert [c["id"] for c in found["contents"]] == [SERVICE_AT_LOCATION], text
    for text in ("1_0%", "100%%", "\\", "\\%", "peer\\_run"):
        assert (await get(client, "/service_at_locations", search=text))["total_items"] == 0, text
    assert (await get(client, "/service_at_locations", search="PEER_RUN"))["total_items"] == 1, "any case"
    assert (await get(client, "/organizations", search="%"))["total_items"] == 0
    terms = await get(client, "/taxonomy_terms", search="_", per_page=100)
    every_term = (await get(client, "/taxonomy_terms", per_page=1))["total_items"]
    assert 0 < terms["total_items"] < every_term
    assert all("_" in t["name"] + t["code"] for t in terms["contents"])
    assert everything > 1


async def test_a_postcode_matches_exactly_or_as_a_zip_plus_4(client):
    assert (await get(client, "/service_at_locations", postcode="SW1A 1AA"))["total_items"] == 0
    in_postcode = await get(client, "/service_at_locations", postcode=POSTCODE, per_page=100)
    assert SERVICE_AT_LOCATION in [c["id"] for c in in_postcode["contents"]]
    assert SERVICE_AT_LOCATION not in [
        c["id"] for c in (await get(client, "/service_at_locations", postcode=POSTCODE[:4], per_page=100))["contents"]
    ]


# --- /organizations -------------------------------------------------------------------------------------


async def test_organizations(client):
    everything = (await get(client, "/organizations", per_page=1))["total_items"]
    found = await get(client, "/organizations", search="quillfeather")
    assert found["total_items"] == 1 < everything
    plain = found["contents"][0]
    assert plain["description"] == "Quillfeather Collective" and "services" not in plain
    full = (await get(client, "/organizations", search="quillfeather", full="true"))["contents"][0]
    assert [s["id"] for s in full["services"]] == [SERVICE] and "service_at_locations" not in full["services"][0]
    assert full["locations"][0]["id"] == LOCATION
    full_service = (await get(client, "/organizations", search="quillfeather", full_service="true"))["contents"][0]
    assert full_service["services"][0]["service_at_locations"][0]["location_id"] == LOCATION
    one = await get(client, f"/organizations/{ORGANIZATION}")
    assert "service_at_locations" not in one["services"][0]
    one_full = await get(client, f"/organizations/{ORGANIZATION}", full_service="true")
    assert one_full["services"][0]["service_at_locations"]
    assert_valid(one_full, BASE + "compiled/organization.json")
    lines = (await client.get("/api/organizations", params={"format": "ndjson"})).text.splitlines()
    assert len(lines) == everything


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/organizations", {"full_service": "true"}),
        ("/services", {"full": "true"}),
        ("/services", {"near": "21201"}),
        ("/service_at_locations", {"full": "true"}),
        ("/taxonomy_terms", {}),
        ("/taxonomies", {}),
    ],
)
async def test_ndjson_streams_at_most_a_ceiling_per_response_and_links_the_next(client, monkeypatch, path, params):
    """One request (counted once by the rate limit) cannot pull the whole directory: `page` walks the rest."""
    total = (await get(client, path, per_page=1, **params))["total_items"]
    ceiling = -(-total // 3)  # three responses, the last perhaps shorter
    monkeypatch.setattr("directory.controllers.NDJSON_MAX_OBJECTS", ceiling)
    url, seen, responses = f"/api{path}", [], 0
    query: dict | None = {**params, "format": "ndjson", "per_page": 1}
    while query is not None or url:
        response = await client.get(url, params=query)
        responses += 1
        assert response.status_code == 200 and response.headers["x-total-count"] == str(total)
        lines = [json.loads(line)["id"] for line in response.text.splitlines()]
        assert 0 < len(lines) <= ceiling and (len(lines) == ceiling or "link" not in response.headers)
        seen += lines
        following = response.headers.get("link")
        if following is None:
            break
        url, query = following.removeprefix("<").split(">;")[0], None
        assert following.endswith('; rel="next"') and f"page={responses + 1}" in url and "format=ndjson" in url
    assert len(seen) == total > 2 and responses == 3, "per_page is for JSON pages; ndjson takes the ceiling"
    if path != "/services":  # one listing per service at a location: a service may come twice
        assert len(set(seen)) == total


# --- /taxonomies and /taxonomy_terms ------------------------------------------------------------------


async def test_taxonomies(client):
    listed = await get(client, "/taxonomies")
    names = [t["name"] for t in listed["contents"]]
    assert TAXONOMY_NAME in names and OTHER_TAXONOMY in names
    assert [t["name"] for t in (await get(client, "/taxonomies", search="eligib"))["contents"]] == [OTHER_TAXONOMY]
    assert (await get(client, "/taxonomies", per_page=1, page=2))["contents"][0]["name"] == names[1]
    one = await get(client, f"/taxonomies/{await taxonomy_id_of(client, OTHER_TAXONOMY)}")
    assert one["name"] == OTHER_TAXONOMY and one["description"]
    assert (await client.get(f"/api/taxonomies/{PEER_TERM}")).status_code == 404


async def test_taxonomy_terms(client):
    everything = (await get(client, "/taxonomy_terms", per_page=1))["total_items"]
    other = await get(client, "/taxonomy_terms", taxonomy_id=await taxonomy_id_of(client, OTHER_TAXONOMY))
    assert [t["id"] for t in other["contents"]] == [PEER_TERM]
    assert other["contents"][0]["taxonomy_detail"]["name"] == OTHER_TAXONOMY
    top = await get(client, "/taxonomy_terms", top_only="true", per_page=100)
    assert 0 < top["total_items"] < everything and all("parent_id" not in t for t in top["contents"])
    food = str(term_id("food"))
    children = await get(client, "/taxonomy_terms", parent_id=food, per_page=100)
    assert children["total_items"] > 0 and all(t["parent_id"] == food for t in children["contents"])
    found = await get(client, "/taxonomy_terms", search="peer")
    assert PEER_TERM in [t["id"] for t in found["contents"]] and found["total_items"] < everything
    one = await get(client, f"/taxonomy_terms/{PEER_TERM}")
    assert one["taxonomy_id"] == await taxonomy_id_of(client, OTHER_TAXONOMY)


@pytest.mark.parametrize(
    "url",
    [
        "/api/services?taxonomy_id=nope",
        "/api/services?organization_id=1",
        "/api/services?per_page=0",
        "/api/services?format=",
        "/api/taxonomy_terms?parent_id=x",
        "/api/taxonomy_terms?top_only=maybe",
        "/api/taxonomies?format=ndjson2",
        "/api/organizations?full=perhaps",
        "/api/organizations/5b0d7a52-7c1e-4f0e-9a53-00000000ffff",
        "/api/service_at_locations/not-a-uuid",
        "/api/taxonomies/5b0d7a52-7c1e-4f0e-9a53-00000000ffff",
    ],
)
async def test_bad_input_is_a_4xx_never_a_500(client, url):
    response = await client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code, response.text)
