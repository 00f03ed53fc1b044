"""Care managers find the right resource near a client through /api/services, typos and all."""

import json
import math

import pytest

from directory.search.words import EXACT_FLOOR

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
    body = await search(client, search="food pantri", near=BALTIMORE_ZIP)
    first = body["contents"][0]
    explained = {m["query_term"]: m for m in first["match"]}
    assert explained["pantri"]["matched"] == "pantry" and explained["pantri"]["fuzzy"] is True
    assert explained["pantri"]["similarity"] < 100
    assert explained["food"]["matched"] == "food" and explained["food"]["similarity"] == 100
    assert explained["food"]["fuzzy"] is False
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


@pytest.mark.parametrize(
    ("words", "category"),
    [
        ("comida", "food"),
        ("despensa", "food"),
        ("Necesito comida cerca", "food"),
        ("refugio", "housing"),
        ("albergue", "housing"),
        ("vivienda", "housing"),
        ("renta", "housing"),
        ("alquiler", "housing"),
        ("transporte", "transportation"),
        ("pase de autobús", "transportation"),
        ("pase de autobus", "transportation"),
        ("metadona", "moud"),
        ("buprenorfina", "moud"),
        ("tratamiento", "moud"),
        ("desintoxicación", "moud"),
        ("naloxona", "harm_reduction"),
        ("médico", "health_care"),
        ("medico", "health_care"),
        ("trabajo", "employment"),
        ("abogado", "legal"),
        ("seguro", "benefits"),
    ],
)
async def test_everyday_spanish_finds_the_right_category(client, words, category):
    body = await search(client, search=words, near=BALTIMORE_ZIP)
    assert body["total_items"] > 0
    assert category in [c["code"] for c in body["contents"][0]["categories"]]


@pytest.mark.parametrize(
    ("with_accents", "without"), [("médico", "medico"), ("clínica", "clinica"), ("metadóna", "metadona")]
)
async def test_accents_are_optional(client, with_accents, without):
    accented = await search(client, search=with_accents, near=BALTIMORE_ZIP, per_page=50)
    plain = await search(client, search=without, near=BALTIMORE_ZIP, per_page=50)
    assert accented["total_items"] == plain["total_items"] > 0
    assert [c["id"] for c in accented["contents"]] == [c["id"] for c in plain["contents"]]


async def test_spanish_medication_words_find_the_medication(client):
    for words, medication, near in (
        ("metadona", "methadone", BALTIMORE_ZIP),
        ("buprenorfina", "buprenorphine", DENVER_ZIP),
    ):
        body = await search(client, search=words, near=near, per_page=10)
        assert medication in body["contents"][0]["medications"]
        assert {m["matched"] for c in body["contents"] for m in c["match"]} == {medication}


async def test_confidential_location_distance_is_approximate(client):
    body = await search(client, search="Safe Haven", near=BALTIMORE_ZIP)
    shelter = next(c for c in body["contents"] if c["name"].startswith("Safe Haven"))
    assert shelter["location_precision"] in ("zip", "city")
    assert shelter["distance_approximate"] is True
    assert shelter["distance_km"] >= 1 and shelter["distance_km"] == round(shelter["distance_km"])
    # The location says the precision of the centre it is measured from, never that of its hidden point.
    assert shelter["location"]["geocode_precision"] == shelter["location_precision"]
    one = (await client.get(f"/api/services/{shelter['id']}")).json()
    full = (await client.get("/api/services", params={"search": "Safe Haven", "full": 1, "per_page": 100})).json()
    services = [one, *(s for s in full["contents"] if s["id"] == shelter["id"])]
    locations = [at["location"] for service in services for at in service["service_at_locations"]]
    assert len(services) >= 2 and locations
    assert not any("geocode_precision" in location or "latitude" in location for location in locations)


async def test_listings_say_where_distances_are_measured_from(client):
    body = await search(client, medication="methadone", near=BALTIMORE_ZIP, per_page=50)
    for listing in body["contents"]:
        # The seed's facilities carry their own coordinates: exact, shown to 10 m.
        assert listing["location_precision"] == "source"
        assert listing["distance_approximate"] is False
    without_place = await search(client, search="methadone")
    assert all(c["distance_km"] is None and c["distance_approximate"] is None for c in without_place["contents"])


# --- a small made-up directory in Helena, MT (no seed data there), measured from ZIP 59601's centre -------

HELENA_ZIP = "59601"
HELENA = (46.6131, -112.0213)  # the offline ZIP table's centre of 59601


def _east_of_helena(km: float) -> tuple[float, float]:
    """A point `km` due east of HELENA (great-circle distance to within a few metres at these ranges)."""
    from directory.geo.earth import EARTH_RADIUS_KM

    latitude, longitude = map(math.radians, HELENA)
    angle = km / EARTH_RADIUS_KM
    # Destination along bearing 90 degrees.
    lat2 = math.asin(math.sin(latitude) * math.cos(angle))
    lng2 = longitude + math.atan2(
        math.sin(angle) * math.cos(latitude), math.cos(angle) - math.sin(latitude) * math.sin(lat2)
    )
    return math.degrees(lat2), math.degrees(lng2)


def _helena_service(
    key: str,
    name: str,
    organization: str,
    *,
    km: float | None,
    description: str = "",
    medication: str | None = None,
    category: str | None = None,
    languages: tuple[dict, ...] = (),
    postal_code: str = HELENA_ZIP,
    confidential: bool = False,
) -> dict:
    from directory.taxonomy.categories import attribute_term_id, term_id

    location: dict = {
        "id": f"loc-{key}",
        "name": name,
        "location_type": "physical",
        "addresses": [
            {
                "id": f"addr-{key}",
                "address_1": "100 Last Chance Gulch",
                "city": "Helena",
                "state_province": "MT",
                "postal_code": postal_code,
                "country": "US",
                "address_type": "physical",
            }
        ],
        "attributes": [
            {"id": f"conf-{key}", "taxonomy_term_id": str(attribute_term_id("confidential_location")), "value": "true"}
        ]
        if confidential
        else [],
    }
    if km is not None:
        location["latitude"], location["longitude"] = _east_of_helena(km)
    attributes = []
    if medication:
        attributes.append(
            {"id": f"med-{key}", "taxonomy_term_id": str(attribute_term_id("medication")), "value": medication}
        )
    if category:
        attributes.append({"id": f"cat-{key}", "taxonomy_term_id": str(term_id(category))})
    return {
        "id": f"svc-{key}",
        "name": name,
        "description": description,
        "status": "active",
        "organization": {"id": f"org-{key}", "name": organization, "description": "Made up for the tests."},
        "attributes": attributes,
        "languages": [{"id": f"lang-{key}-{i}", **language} for i, language in enumerate(languages)],
        "service_at_locations": [{"id": f"sal-{key}", "location": location}],
    }


HELENA_SERVICES = [
    # Methadone two ways: near, matching only by its category (the medication), and far, by its name too.
    _helena_service(
        "central",
        "CENTRAL",
        "Big Sky Recovery Partners",
        km=2,
        medication="methadone",
        languages=({"name": "Español"},),
    ),
    _helena_service(
        "far",
        "Treasure State Methadone Clinic",
        "Treasure State",
        km=26,
        # No ZIP: 26 km from Helena's, its own coordinates would be distrusted (more than 15 km off its ZIP).
        postal_code="",
        description="Methadone dosing seven days a week.",
        medication="methadone",
        languages=({"name": "Spanish; English"},),
    ),
    # A made-up word, found in a category 3.5 and 5 km away and only in a description 2 km away.
    _helena_service(
        "desc",
        "Main Office",
        "Prickly Pear Counseling",
        km=2,
        description="We refer people to naltrexone prescribers.",
        languages=({"name": "SPANISH"},),
    ),
    _helena_service(
        "cat35", "NORTH", "Mount Helena Health", km=3.5, medication="naltrexone", languages=({"code": "spa"},)
    ),
    _helena_service(
        "cat5", "SOUTH", "Mount Helena Health", km=5, medication="naltrexone", languages=({"code": "es-MX"},)
    ),
    # Placed at centroids: one by its ZIP, one by its city (the ZIP is unknown), one confidential.
    _helena_service(
        "pantry",
        "Food Pantry",
        "Helena Food Share",
        km=None,
        category="food.pantry",
        languages=({"name": "espanol"}, {"name": "English"}),
    ),
    _helena_service("city", "Meals", "Helena Food Share", km=None, category="food.meals", postal_code="00000"),
    _helena_service(
        "hidden",
        "Safe Harbor Shelter",
        "Safe Harbor Shelter",
        km=0.4,
        category="housing.shelter",
        confidential=True,
        languages=({"code": "en"},),
    ),
]


@pytest.fixture(scope="module")
def helena(seeded, tmp_path_factory):
    """The made-up Helena listings, imported through the CLI on top of the seed data."""
    from click.testing import CliRunner

    from server.cli import directory_group

    package = tmp_path_factory.mktemp("helena") / "helena.json"
    package.write_text(json.dumps(HELENA_SERVICES))
    result = CliRunner().invoke(directory_group, ["import", "--quiet", str(package)])
    assert result.exit_code == 0, result.output


def _names(body) -> list[str]:
    return [c["name"] for c in body["contents"]]


@pytest.mark.usefixtures("helena")
async def test_the_nearer_methadone_clinic_comes_first_even_if_the_far_one_says_methadone_in_its_name(client):
    body = await search(client, search="methadone", near=HELENA_ZIP)
    assert _names(body) == ["CENTRAL", "Treasure State Methadone Clinic"]
    near, far = body["contents"]
    assert {m["field"] for m in near["match"]} <= {"category", "medication"}
    assert far["match"][0]["field"] == "name"
    assert near["distance_km"] == pytest.approx(2, abs=0.05) and far["distance_km"] == pytest.approx(26, abs=0.1)


@pytest.mark.usefixtures("helena")
async def test_a_stronger_match_moves_a_listing_ahead_of_a_nearer_one_only_within_twice_the_distance(client):
    body = await search(client, search="naltrexone", near=HELENA_ZIP)
    # Category matches at 3.5 km (within 2 x 2 km) rank above a description match at 2 km; but a description that
    # only mentions the medication ("we refer people to naltrexone prescribers") ranks after every listing offering
    # it, at 5 km too.
    assert _names(body) == ["NORTH", "SOUTH", "Main Office"]
    assert [m["field"] for m in body["contents"][2]["match"]] == ["description"]


def _mention(listing: dict) -> bool:
    """Matched by a word scoring below any exact word's score, yet not a typo: a medication only mentioned."""
    return any(not m["fuzzy"] and m["score"] < EXACT_FLOOR for m in listing["match"])


@pytest.mark.usefixtures("helena")
async def test_nearness_leads_within_the_distance_factor_everywhere(client):
    """Of two results matching as many words, the farther may come first only if at most 2x as far."""
    for words, near in (("food", BALTIMORE_ZIP), ("counseling", DENVER_ZIP), ("naltrexone", HELENA_ZIP)):
        body = await search(client, search=words, near=near, per_page=100)
        # Re-verification adds its own penalty; an approximate distance is shown rounded to whole kilometres.
        contents = [c for c in body["contents"] if not c["needs_reverification"] and not c["distance_approximate"]]
        assert len(contents) > 2
        for i, earlier in enumerate(contents):
            for later in contents[i + 1 :]:
                # (a medication a description only mentions ranks after the listings offering it)
                if len(earlier["match"]) == len(later["match"]) and _mention(earlier) == _mention(later):
                    assert max(earlier["distance_km"], 1) <= 2 * max(later["distance_km"], 1) + 0.02, (words, i)


@pytest.mark.usefixtures("helena")
async def test_generic_service_names_are_shown_with_their_organization(client):
    body = await search(client, near=HELENA_ZIP, per_page=50)
    shown = {c["name"]: c["display_name"] for c in body["contents"]}
    assert shown["CENTRAL"] == "Big Sky Recovery Partners — CENTRAL"
    assert shown["Main Office"] == "Prickly Pear Counseling — Main Office"
    assert shown["Food Pantry"] == "Helena Food Share — Food Pantry"
    # A name that already says whose it is stays as it is.
    assert shown["Treasure State Methadone Clinic"] == "Treasure State Methadone Clinic"
    assert shown["Safe Harbor Shelter"] == "Safe Harbor Shelter"
    # The organization's name finds its services, as before.
    by_organization = await search(client, search="Big Sky Recovery Partners", near=HELENA_ZIP)
    assert _names(by_organization)[0] == "CENTRAL"


@pytest.mark.usefixtures("helena")
async def test_listings_at_a_centroid_say_so_and_never_claim_to_be_0_km_away(client):
    body = await search(client, near=HELENA_ZIP, per_page=50)
    listings = {c["name"]: c for c in body["contents"]}
    pantry, meals, hidden, central = (listings[n] for n in ("Food Pantry", "Meals", "Safe Harbor Shelter", "CENTRAL"))
    # The pantry sits at the centre of the very ZIP searched: about 1 km, not 0.0.
    assert pantry["location_precision"] == "zip" and pantry["distance_approximate"] is True
    assert pantry["distance_km"] == 1.0
    assert meals["location_precision"] == "city" and meals["distance_approximate"] is True
    assert meals["distance_km"] >= 1 and meals["distance_km"] == round(meals["distance_km"])
    # Confidential: measured from its ZIP centre, however near the building is.
    assert hidden["location_precision"] == "zip" and hidden["distance_approximate"] is True
    assert hidden["location"]["geocode_precision"] == "zip", "not the source coordinates it hides"
    assert hidden["distance_km"] == 1.0
    assert central["location_precision"] == "source" and central["distance_approximate"] is False
    assert central["distance_km"] == pytest.approx(2, abs=0.05)


@pytest.mark.usefixtures("helena")
@pytest.mark.parametrize("language", ["es", "ES", "Spanish", "Español", "espanol", "SPANISH", "spa", "es-MX"])
async def test_language_filter_counts_every_way_a_package_names_spanish(client, language):
    body = await search(client, near=HELENA_ZIP, language=language, per_page=50)
    assert set(_names(body)) == {
        "CENTRAL",
        "Treasure State Methadone Clinic",
        "Main Office",
        "NORTH",
        "SOUTH",
        "Food Pantry",
    }
    assert all(c["languages"].count("es") == 1 for c in body["contents"])


@pytest.mark.usefixtures("helena")
async def test_a_field_naming_two_languages_counts_for_both(client):
    english = await search(client, near=HELENA_ZIP, language="English", per_page=50)
    names = set(_names(english))
    assert {"Treasure State Methadone Clinic", "Food Pantry", "Safe Harbor Shelter"} <= names
    # Listings that record no language are taken to be in English; those recording only Spanish are not.
    assert "Meals" in names and "CENTRAL" not in names


@pytest.mark.parametrize("words", ["refugio", "shelter", ""])
async def test_results_are_in_the_order_of_the_distances_shown(client, words):
    """An approximate listing ("about 3 km", shown as 3.0) ranks by the distance it shows, never after 3.16 km."""
    body = await search(client, search=words, near=BALTIMORE_ZIP, per_page=100)
    assert any(c["distance_approximate"] for c in body["contents"]), "the seed has confidential listings here"
    by_relevance: dict = {}
    for listing in body["contents"]:
        by_relevance.setdefault((listing["relevance"], len(listing["match"])), []).append(listing["distance_km"])
    for distances in by_relevance.values():
        assert distances == sorted(distances), "equally relevant results must be in the order of their distances"
