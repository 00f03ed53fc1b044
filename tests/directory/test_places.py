"""`near=` finds the places people type, the way they type them, and the answer says which point it measured from.

A small directory of five listings (Miami, Coral Gables, Doral, Española, Cañon City) is imported through the
CLI; each search is judged by the listing it puts first, by that listing's own name and place.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from server.cli import directory_group

# Each listing sits where its own address is (coordinates from the publisher, as a 211 export carries them).
LISTINGS = [
    ("little-havana", "Little Havana Food Pantry", "1500 SW 8th St", "Miami", "FL", "33135", 25.7656, -80.2197),
    ("gables", "Coral Gables Counseling Center", "405 Biltmore Way", "Coral Gables", "FL", "33134", 25.7490, -80.2610),
    ("doral", "Doral Community Clinic", "8401 NW 53rd Ter", "Doral", "FL", "33166", 25.8208, -80.3533),
    ("espanola", "Española Valley Recovery Program", "10 Railroad Ave", "Española", "NM", "87532", 35.9932, -106.0770),
    ("canon", "Cañon City Food Bank", "125 Main St", "Cañon City", "CO", "81212", 38.4410, -105.2400),
]  # fmt: skip
NAME_IN = {listing[3]: listing[1] for listing in LISTINGS}


@pytest.fixture
def directory(tmp_path) -> None:
    """The five listings, imported as a publisher's HSDS package."""
    package = tmp_path / "places"
    package.mkdir()
    rows = {
        "organizations.csv": ["id,name,description"],
        "services.csv": ["id,organization_id,name,description,status"],
        "locations.csv": ["id,organization_id,location_type,name,latitude,longitude"],
        "addresses.csv": ["id,location_id,address_1,city,state_province,postal_code,country,address_type"],
        "service_at_location.csv": ["id,service_id,location_id"],
    }
    for key, name, street, city, state, zip_code, latitude, longitude in LISTINGS:
        rows["organizations.csv"].append(f"o-{key},{name},Community services")
        rows["services.csv"].append(f"s-{key},o-{key},{name},Help for everyone,active")
        rows["locations.csv"].append(f"l-{key},o-{key},physical,{name},{latitude},{longitude}")
        rows["addresses.csv"].append(f"a-{key},l-{key},{street},{city},{state},{zip_code},US,physical")
        rows["service_at_location.csv"].append(f"sl-{key},s-{key},l-{key}")
    for file_name, lines in rows.items():
        (package / file_name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(directory_group, ["import", "--quiet", str(package)])
    assert result.exit_code == 0, result.output


async def search(client, **params) -> dict:
    response = await client.get("/api/services", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("near", "located_as", "town"),
    [
        ("miami fl", "Miami, FL", "Miami"),
        ("Miami, Florida", "Miami, FL", "Miami"),
        ("Miámi, FL", "Miami, FL", "Miami"),
        ("Miama, FL", "Miami, FL (the nearest name to “Miama, FL”)", "Miami"),
        ("Coral Gables, FL", "Coral Gables, FL", "Coral Gables"),
        ("Doral, FL", "Doral, FL", "Doral"),
        ("Española, NM", "Española, NM", "Española"),
        ("espanola new mexico", "Española, NM", "Española"),
        ("Cañon City, CO", "Cañon City, CO", "Cañon City"),
        ("canon city colorado", "Cañon City, CO", "Cañon City"),
    ],
)
async def test_a_town_as_people_type_it_puts_that_towns_listing_first(directory, client, near, located_as, town):
    body = await search(client, near=near, radius_km=25)
    assert body["located_as"] == located_as
    first = body["contents"][0]
    assert first["name"] == NAME_IN[town] and first["location"]["city"] == town
    assert first["distance_km"] < 4, "measured from the town itself, not from somewhere in its postal area"
    assert {"latitude", "longitude"} <= set(body["search_centre"])


async def test_a_zip_is_measured_from_its_centre_and_says_so(directory, client):
    body = await search(client, near="33166", radius_km=10)
    assert body["located_as"] == "ZIP 33166 centre"
    assert body["contents"][0]["name"] == NAME_IN["Doral"]
    with_city = await search(client, near="Doral, FL 33166", radius_km=10)
    assert with_city["located_as"] == "ZIP 33166 centre"


async def test_coordinates_say_they_were_given(directory, client):
    body = await search(client, lat=25.8208, lng=-80.3533, radius_km=5)
    assert body["located_as"] == "the coordinates given"
    assert body["search_centre"] == {"latitude": 25.8208, "longitude": -80.3533}
    assert body["contents"][0]["name"] == NAME_IN["Doral"]


async def test_no_place_no_located_as(directory, client):
    body = await search(client, search="food bank")
    assert "located_as" not in body and "search_centre" not in body


async def test_street_address_without_zip_is_refused_rather_than_moved_to_the_city_centre(directory, client):
    # No geocoder is configured (the default): the street cannot be placed, and the city's centre is not it.
    response = await client.get("/api/services", params={"near": "8401 NW 53rd Ter, Doral, FL"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "address_not_placed"
    assert "ZIP code" in problem["detail"] and "'Doral, FL'" in problem["detail"]


async def test_street_address_with_zip_is_measured_from_the_zip_and_says_so(directory, client):
    body = await search(client, near="8401 NW 53rd Ter, Doral, FL 33166", radius_km=10)
    assert body["located_as"] == "ZIP 33166 centre (the street address could not be placed exactly)"
    assert body["contents"][0]["name"] == NAME_IN["Doral"]


@pytest.mark.parametrize(
    ("near", "code", "named"),
    [
        ("Springfield", "place_ambiguous", "Springfield, MO"),
        ("00000", "zip_unknown", "00000"),
        ("Narnia, FL", "place_not_found", "Narnia, FL"),
        ("qwertyuiop", "place_not_found", "qwertyuiop"),
    ],
)
async def test_unknown_or_ambiguous_places_get_a_400_naming_the_problem(client, near, code, named):
    response = await client.get("/api/services", params={"near": near})
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == code and named in problem["detail"] and "near" in problem["detail"]


async def test_the_results_page_says_where_it_searched_in_english_and_spanish(directory, client):
    english = await client.get("/", params={"near": "doral fl"})
    assert english.status_code == 200
    assert "Searching near: Doral, FL" in english.text and NAME_IN["Doral"] in english.text
    spanish = await client.get("/", params={"near": "33166"}, headers={"Accept-Language": "es"})
    assert spanish.status_code == 200
    assert "Buscando cerca de: centro del código postal 33166" in spanish.text
    refused = await client.get("/", params={"near": "8401 NW 53rd Ter, Doral, FL"}, headers={"Accept-Language": "es"})
    assert refused.status_code == 400 and "código postal" in refused.text and "Doral, FL" in refused.text


@pytest.mark.parametrize(
    ("near", "located_as"),
    [
        ("St. Louis, MO", "St. Louis, MO"),
        ("saint louis missouri", "St. Louis, MO"),
        ("Washington, D.C.", "Washington, DC"),
        ("Miami", "Miami, FL"),
        ("New York", "New York, NY"),
        ("Miami, FL, USA", "Miami, FL"),
        ("Coconut Grove, FL", "Coconut Grove, FL"),
        ("Santa Fe, Nuevo México", "Santa Fe, NM"),
        ("Orlando, Flordia", "Orlando, FL (the nearest name to “Orlando, Flordia”)"),
        ("Pittsburg, PA", "Pittsburgh, PA (the nearest name to “Pittsburg, PA”)"),
    ],
)
async def test_other_ways_of_naming_a_place(client, near, located_as):
    assert (await search(client, near=near))["located_as"] == located_as
