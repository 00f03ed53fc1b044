"""Care managers find the right resource near a client through /api/services, typos and all."""

import pytest

pytestmark = pytest.mark.usefixtures("seeded")

BALTIMORE_ZIP = "21201"
DENVER_ZIP = "80204"


async def search(client, **params):
    response = await client.get("/api/services", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("near", [BALTIMORE_ZIP, DENVER_ZIP])
@pytest.mark.parametrize("words", ["buprenorphine", "bupenorphine", "suboxone"])
async def test_nearest_buprenorphine_provider_with_typos(client, near, words):
    body = await search(client, search=words, near=near, per_page=10)
    assert body["total_items"] > 5
    first = body["contents"][0]
    assert "buprenorphine" in first["medications"]
    distances = [c["distance_km"] for c in body["contents"] if c["relevance"] == first["relevance"]]
    assert distances == sorted(distances), "equally relevant results must be nearest first"
    # Nothing in the whole radius with the same relevance is nearer than the first result.
    everything = await search(client, medication="buprenorphine", near=near, per_page=100)
    assert first["distance_km"] <= min(c["distance_km"] for c in everything["contents"]) + 1e-6


@pytest.mark.parametrize(
    ("words", "category"),
    [
        ("methadon", "moud"),
        ("vivitrol", "moud"),
        ("fod pantry", "food"),
        ("shleter", "housing"),
        ("bus pass", "transportation"),
        ("food bank", "food"),
        ("narcan", "harm_reduction"),
    ],
)
async def test_misspellings_and_everyday_words_find_the_right_category(client, words, category):
    body = await search(client, search=words, near=BALTIMORE_ZIP)
    assert body["total_items"] > 0
    assert category in [c["code"] for c in body["contents"][0]["categories"]]


async def test_ranking_is_explained(client):
    body = await search(client, search="fod pantry", near=BALTIMORE_ZIP)
    first = body["contents"][0]
    explained = {m["query_term"]: m for m in first["match"]}
    assert explained["fod"]["matched"] == "food"
    assert explained["fod"]["similarity"] < 100
    assert explained["pantry"]["matched"] == "pantry" and explained["pantry"]["similarity"] == 100
    # The relevance is the mean of the per-word scores shown.
    assert first["relevance"] == pytest.approx(sum(m["score"] for m in first["match"]) / 2, abs=0.11)
    # A result matching only one of the words ranks below it.
    partial = [c for c in body["contents"] if len(c["match"]) == 1]
    assert partial and all(c["relevance"] < first["relevance"] for c in partial)


async def test_filters(client):
    walk_in = await search(client, near=BALTIMORE_ZIP, walk_in="true", per_page=100)
    assert walk_in["total_items"] > 0 and all(c["walk_in"] for c in walk_in["contents"])
    spanish = await search(client, near=DENVER_ZIP, language="Spanish", per_page=100)
    assert spanish["total_items"] > 0 and all("es" in c["languages"] for c in spanish["contents"])
    medicaid = await search(client, near=DENVER_ZIP, payment="medicaid", category="transportation")
    assert medicaid["total_items"] > 0
    assert all("medicaid" in c["payment_accepted"] for c in medicaid["contents"])
    housing = await search(client, near=BALTIMORE_ZIP, category="housing", per_page=100)
    assert {"housing"} <= {cat["code"] for c in housing["contents"] for cat in c["categories"]}
    assert all(c["distance_km"] <= 40 for c in housing["contents"])
    near = await search(client, near=BALTIMORE_ZIP, radius_km=5, per_page=100)
    assert all(c["distance_km"] <= 5 for c in near["contents"])


async def test_every_category_has_results_in_both_metros(client):
    for near in (BALTIMORE_ZIP, DENVER_ZIP):
        for category in (
            "housing",
            "transportation",
            "food",
            "moud",
            "mental_health",
            "harm_reduction",
            "benefits",
            "employment",
            "legal",
            "health_care",
        ):
            body = await search(client, near=near, category=category)
            assert body["total_items"] > 0, (near, category)


async def test_city_state_and_coordinates_work_as_locations(client):
    by_city = await search(client, near="Denver, CO", medication="methadone")
    by_point = await search(client, lat=39.7392, lng=-104.9903, medication="methadone")
    assert by_city["total_items"] > 0 and by_point["total_items"] > 0
    assert all(c["location"]["state_province"] == "CO" for c in by_city["contents"])


async def test_confidential_location_shows_no_address(client):
    body = await search(client, search="Safe Haven", near=BALTIMORE_ZIP)
    shelter = next(c for c in body["contents"] if c["name"].startswith("Safe Haven"))
    assert shelter["location"]["confidential"] is True
    for key in ("address_1", "postal_code", "latitude", "longitude"):
        assert key not in shelter["location"]
    detail = (await client.get(f"/api/services/{shelter['id']}")).json()
    location = detail["service_at_locations"][0]["location"]
    assert location.get("addresses", []) == [] and "latitude" not in location


async def test_sample_data_is_labelled(client):
    body = await search(client, search="shelter", near=BALTIMORE_ZIP)
    assert all(c["is_sample_data"] for c in body["contents"])
    real = await search(client, medication="methadone", near=BALTIMORE_ZIP)
    assert not any(c["is_sample_data"] for c in real["contents"])
    assert all("SAMHSA" in c["data_source"] or "OEPS" in c["data_source"] for c in real["contents"])


async def test_paging_wrapper(client):
    first = await search(client, near=BALTIMORE_ZIP, per_page=5, page=1)
    second = await search(client, near=BALTIMORE_ZIP, per_page=5, page=2)
    assert first["first_page"] and not first["last_page"] and first["size"] == 5
    assert first["total_pages"] == -(-first["total_items"] // 5)
    assert not {c["id"] for c in first["contents"]} & {c["id"] for c in second["contents"]}


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"lat": 91, "lng": 0}, "lat"),
        ({"lat": 10, "lng": -181}, "lng"),
        ({"lat": 10}, "lat"),
        ({"near": BALTIMORE_ZIP, "radius_km": -5}, "radius_km"),
        ({"near": BALTIMORE_ZIP, "radius_km": 100000}, "radius_km"),
        ({"radius_km": 5}, "radius_km"),
        ({"category": "spaceships"}, "category"),
        ({"page": 0}, "page"),
        ({"per_page": 1000}, "per_page"),
        ({"near": "qwertyuiop"}, "near"),
        ({"medication": "aspirin"}, "medication"),
        ({"payment": "bitcoin"}, "payment"),
        ({"language": "??"}, "language"),
        ({"lat": "north", "lng": 1}, "lat"),
    ],
)
async def test_bad_input_gets_400_naming_the_parameter(client, params, names):
    response = await client.get("/api/services", params=params)
    assert response.status_code == 400
    assert names in response.text


async def test_unknown_ids_get_404(client):
    missing = "00000000-0000-4000-8000-000000000000"
    for path in ("services", "organizations", "taxonomy_terms", "service_at_locations"):
        response = await client.get(f"/api/{path}/{missing}")
        assert response.status_code == 404, path


async def test_detail_endpoints(client):
    body = await search(client, medication="methadone", near=BALTIMORE_ZIP)
    service = (await client.get(f"/api/services/{body['contents'][0]['id']}")).json()
    assert {a["value"] for a in service["attributes"] if a["taxonomy_term"]["code"] == "medication"} >= {"methadone"}
    organization = (await client.get(f"/api/organizations/{service['organization_id']}")).json()
    assert organization["name"] == service["organization"]["name"]
    sal_id = service["service_at_locations"][0]["id"]
    sal = (await client.get(f"/api/service_at_locations/{sal_id}")).json()
    assert sal["location"]["addresses"][0]["state_province"] == "MD"
    terms = (
        await client.get("/api/taxonomy_terms", params={"top_only": "true", "taxonomy": "sud-community-resources"})
    ).json()
    assert {t["code"] for t in terms["contents"]} >= {"housing", "transportation", "food", "moud", "legal"}
    orgs = (await client.get("/api/organizations", params={"search": "health", "per_page": 5})).json()
    assert orgs["total_items"] > 0 and orgs["size"] <= 5
    sals = (await client.get("/api/service_at_locations", params={"per_page": 3})).json()
    assert sals["size"] == 3
