"""A 211 region's HSDS 1.1 export gets in whole: the import report tells the truth (causes grouped, the
real faulty field named, every row accounted for), forgiving where the meaning is clear, and AIRS terms
land in the directory's categories so category and everyday-word searches find the region's services."""

import asyncio
import csv
import json

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from directory.tables import Language, Location, Schedule, Service
from server.app import create_app
from server.cli import directory_group
from tests.directory import region_211


def cli(*args: str):
    return CliRunner().invoke(directory_group, list(args))


@pytest.fixture
def package(tmp_path):
    return region_211.write_package(tmp_path / "columbus-211")


def search(**params) -> dict:
    with TestClient(app=create_app()) as client:
        response = client.get("/api/services", params={"near": region_211.DOWNTOWN_ZIP, "per_page": 50, **params})
        assert response.status_code == 200, response.text
        return response.json()


def names(body: dict) -> list[str]:
    return [item["name"] for item in body["contents"]]


def table_row(output: str, file_name: str) -> list[int]:
    """read, imported, skipped, changed for one file from the report's summary table."""
    line = next(line for line in output.splitlines() if line.startswith(file_name + " "))
    return [int(n.replace(",", "")) for n in line.split()[1:]]


def test_the_default_import_names_the_real_blocker_once_and_writes_nothing(package):
    result = cli("import", "--quiet", str(package))
    assert result.exit_code == 1
    # The eligibility row's fault is its own empty service_id, said once with its row, not a services error.
    assert "eligibility.csv: 'service_id' is empty and no one service can be told: 1 row\n    row 4" in result.output
    assert "organization_id" not in result.output.split("Left out:")[1].split("Imported with changes")[0]
    assert asyncio.run(Service.count().run()) == 0


def test_skip_invalid_imports_the_rest_and_accounts_for_every_row(package):
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    out = result.output
    # Hours written the 211 way are read, and said so, grouped by how they were written.
    assert "regular_schedules.csv: times written on a 12-hour clock read as HH:MM: 18 rows" in out
    assert "row 2: '8:00am → 08:00'" in out and "row 5: '8 AM → 08:00'" in out
    assert "regular_schedules.csv: times written as military time read as HH:MM: 6 rows" in out
    assert "regular_schedules.csv: times written in words read as HH:MM: 3 rows\n    row 11: 'noon → 12:00'" in out
    # One language id shared by eight services: eight rows, each kept.
    assert "languages.csv: 'id' is shared with other rows: kept as a row of its own: 7 rows" in out
    # A location whose organization is missing keeps its place, without the link, reported once.
    assert (
        "locations.csv: 'organization_id' is not in the package or the directory: imported without it: 1 row\n"
        "    row 3: 'ORG-GONE'" in out
    )
    assert "physical_addresses.csv: 'postal_code' is empty: imported without one: 1 row" in out
    assert "Coordinates by precision: city 1, zip 7" in out
    assert "phones.csv: 'department': 8 with a value" in out
    # The table adds up: read = imported + skipped for every file.
    for file_name in ("services.csv", "languages.csv", "regular_schedules.csv", "eligibility.csv", "contacts.csv"):
        read, imported, skipped, _changed = table_row(out, file_name)
        assert read == imported + skipped, file_name
    assert table_row(out, "languages.csv")[:3] == [9, 9, 0]
    assert table_row(out, "eligibility.csv")[:3] == [3, 2, 1]
    assert table_row(out, "contacts.csv")[:3] == [1, 1, 0]

    assert asyncio.run(Service.count().run()) == len(region_211.SERVICES)
    assert asyncio.run(Language.count().run()) == 9
    assert asyncio.run(Location.count().where(Location.organization.is_null()).run()) == 1
    opens = {r["opens_at"] for r in asyncio.run(Schedule.select(Schedule.opens_at).run())}
    assert opens == {"08:00", "12:00", "09:30"}
    closes = {r["closes_at"] for r in asyncio.run(Schedule.select(Schedule.closes_at).run())}
    assert closes == {"17:00", "16:30"}

    with TestClient(app=create_app()) as client:
        hit = client.get("/api/services", params={"search": "Mid-Ohio Pantry Night"}).json()["contents"][0]
        service = client.get(f"/api/services/{hit['id']}").json()
    assert service["eligibility_description"] == "Franklin County residents"
    assert service["fees_description"] == "Sliding scale"
    assert service["application_process"] == "Walk in or call 211."


def test_reimporting_a_211_package_changes_nothing(package):
    assert cli("import", "--quiet", "--skip-invalid", str(package)).exit_code == 0
    before = [asyncio.run(t.count().run()) for t in (Service, Language, Schedule, Location)]
    assert cli("import", "--quiet", "--skip-invalid", str(package)).exit_code == 0
    assert [asyncio.run(t.count().run()) for t in (Service, Language, Schedule, Location)] == before


def test_airs_terms_find_food_housing_transportation_and_moud_near_the_region(package):
    assert cli("import", "--quiet", "--skip-invalid", str(package)).exit_code == 0
    assert set(names(search(category="food"))) == {"Mid-Ohio Pantry Night", "CENTRAL"}
    assert names(search(category="food.pantry")) == ["Mid-Ohio Pantry Night"]
    assert names(search(category="housing")) == ["Faith Mission Shelter"]
    assert names(search(category="transportation")) == ["Fare Help"]
    assert set(names(search(category="moud"))) == {"Maple Clinic OTP", "NORTH", "Delaware Methadone Program"}
    assert set(names(search(category="moud.methadone"))) == {"Maple Clinic OTP", "Delaware Methadone Program"}
    # Everyday words reach the mapped categories: "bus pass" finds the fare program.
    assert names(search(search="bus pass"))[0] == "Fare Help"


def test_unmapped_terms_are_listed_and_mapping_one_reindexes_without_a_reimport(package):
    assert cli("import", "--quiet", "--skip-invalid", str(package)).exit_code == 0
    listed = cli("taxonomy", "unmapped")
    assert listed.exit_code == 0, listed.output
    assert "1 terms used by services map to no category" in listed.output
    assert "ZZ-1234" in listed.output and "Assistive Technology Repair" in listed.output
    assert search(category="health_care")["total_items"] == 0

    mapped = cli("taxonomy", "map", "ZZ-1234", "health_care")
    assert mapped.exit_code == 0, mapped.output
    assert "1 services re-indexed" in mapped.output
    assert names(search(category="health_care")) == ["Widget Repair Co-op"]
    assert "Every taxonomy term" in cli("taxonomy", "unmapped").output

    # A re-import keeps the mapping; an unknown category is refused with the known ones named.
    assert cli("import", "--quiet", "--skip-invalid", str(package)).exit_code == 0
    assert names(search(category="health_care")) == ["Widget Repair Co-op"]
    refused = cli("taxonomy", "map", "ZZ", "widgets")
    assert refused.exit_code == 2 and "'widgets' is not a category" in refused.output and "food" in refused.output


def test_reindex_applies_a_changed_mapping_file(package, monkeypatch, tmp_path):
    from directory.taxonomy import mapping as taxonomy_mapping

    assert cli("import", "--quiet", "--skip-invalid", str(package)).exit_code == 0
    edited = tmp_path / "mapping.csv"
    rows = taxonomy_mapping.MAPPING_FILE.read_text() + "code,ZZ,legal,test\n"
    edited.write_text(rows)
    monkeypatch.setattr(taxonomy_mapping, "MAPPING_FILE", edited)
    taxonomy_mapping._shipped_rules.cache_clear()
    try:
        assert search(category="legal")["total_items"] == 0
        result = cli("reindex", "--quiet")
        assert result.exit_code == 0 and f"Re-indexed {len(region_211.SERVICES)} services" in result.output
        assert names(search(category="legal")) == ["Widget Repair Co-op"]
    finally:
        taxonomy_mapping._shipped_rules.cache_clear()


def test_a_bad_location_takes_its_dependents_with_it_and_never_ends_in_a_database_error(package):
    locations = package / "data" / "locations.csv"
    rows = list(csv.reader(locations.read_text().splitlines()))
    rows[3][3:5] = ["123.5", "-82.9"]  # l3, the shelter's location: an impossible latitude
    with locations.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)

    refused = cli("import", "--quiet", str(package))
    assert refused.exit_code == 1
    assert "locations.csv: 'latitude' must be between -90 and 90: 1 row\n    row 4: '123.5'" in refused.output

    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    assert "physical_addresses.csv: belongs to a location that was left out: 1 row" in result.output
    assert "services_at_location.csv: belongs to a location that was left out: 1 row" in result.output
    assert "with locations.csv, row 4" in result.output
    assert asyncio.run(Location.count().run()) == len(region_211.SERVICES) - 1
    assert "Faith Mission Shelter" not in names(search(category="housing"))


def test_a_folder_that_is_not_hsds_is_refused(tmp_path):
    ohana = tmp_path / "ohana"
    ohana.mkdir()
    (ohana / "locations.csv").write_text("id,name\n1,Main\n")
    (ohana / "mail_addresses.csv").write_text("id,location_id,address_1\n1,1,1 Main St\n")
    result = cli("import", str(ohana))
    assert result.exit_code == 2
    assert "not an HSDS package" in result.output and "no services.csv" in result.output
    assert "locations.csv, mail_addresses.csv" in result.output


def test_a_descriptor_cannot_point_outside_its_package(package, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "services.csv").write_text("id,organization_id,name\nx,o1,Planted service\n")
    descriptor = package / "datapackage.json"
    document = json.loads(descriptor.read_text())
    for resource in document["resources"]:
        if resource["path"].endswith("/services.csv"):
            resource["path"] = "../elsewhere/services.csv"
    descriptor.write_text(json.dumps(document))
    (package / "data" / "services.csv").rename(package / "data" / "services.csv.bak")
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 2 and "not an HSDS package" in result.output
    assert asyncio.run(Service.count().run()) == 0


def test_the_most_specific_cli_mapping_wins_whatever_the_order(package):
    assert cli("import", "--quiet", "--skip-invalid", str(package)).exit_code == 0
    assert cli("taxonomy", "map", "ZZ-1234", "housing.shelter").exit_code == 0
    assert cli("taxonomy", "map", "ZZ", "health_care").exit_code == 0
    assert "Widget Repair Co-op" in names(search(category="housing.shelter"))
    assert search(category="health_care")["total_items"] == 0
    for nonsense in ("%", " ", ".."):
        refused = cli("taxonomy", "map", nonsense, "food")
        assert refused.exit_code == 2 and "neither a code prefix nor a term name" in refused.output


def test_a_link_out_of_the_package_is_not_read(package, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("id,organization_id,name\nx,o1,Planted service\n")
    services = package / "data" / "services.csv"
    services.unlink()
    services.symlink_to(outside)
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 2 and "not an HSDS package" in result.output


def test_a_windows_1252_export_is_read_and_said_so(package):
    organizations = package / "data" / "organizations.csv"
    accented = "Organización O1".encode("cp1252")
    organizations.write_bytes(organizations.read_bytes().replace(b"Organization O1", accented))
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    assert "Note: organizations.csv: not UTF-8, read as Windows-1252" in result.output
    assert names(search(search="Organización O1"))[0] == "Mid-Ohio Pantry Night"


def test_cells_beyond_the_header_are_reported(package):
    phones = package / "data" / "phones.csv"
    lines = phones.read_text().splitlines()
    lines[1] += ",EXTRA1,EXTRA2"
    phones.write_text("\n".join(lines) + "\n")
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    assert "phones.csv: '(cells beyond the header)': 1 with a value" in result.output


def test_hostile_json_is_refused_or_reported_never_a_traceback(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000)
    result = cli("import", "--quiet", str(deep))
    assert result.exit_code == 2 and "nested too deeply" in result.output

    odd = tmp_path / "odd.json"
    service = {
        "id": "x2",
        "name": "Odd Service",
        "status": "active",
        "organization_id": "o1",
        "organization": {"id": "o1", "name": "Odd Org", "description": ""},
        "service_at_locations": "nope",
        "phones": [{"number": "555-0100"}, "not a phone"],
    }
    odd.write_text(json.dumps({"contents": [service]}))
    result = cli("import", "--quiet", "--skip-invalid", str(odd))
    assert result.exit_code == 0, result.output
    assert "odd.json: 'service_at_locations' is not a list of objects: 1 row" in result.output
    assert "odd.json: 'phones' holds something that is not an object: 1 row" in result.output
    # The service is in, with parts of it left out: imported and changed, not skipped.
    assert table_row(result.output, "odd.json") == [1, 1, 0, 1]
