"""A real 211 export re-imports in place whatever its folder is called, is read as shipped (zipped, CSVs in
data/), keeps its contacts and the free text of its hours, reports one cause in one line, and does not
believe coordinates that lie far from their own ZIP."""

import asyncio
import csv
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from directory.tables import Location, Organization, Service
from server.app import create_app
from server.cli import directory_group
from tests.directory import region_211


def cli(*args: str):
    return CliRunner().invoke(directory_group, list(args))


def rewrite(path: Path, change) -> None:
    """Rewrite a CSV file: `change(header, rows)` returns the new (header, rows)."""
    rows = list(csv.reader(path.read_text().splitlines()))
    header, body = change(rows[0], rows[1:])
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *body])


def unnamed_export(root: Path) -> Path:
    """The region's export as a 211 system ships it: its datapackage.json lists the files but names nothing."""
    region_211.write_package(root)
    descriptor = root / "datapackage.json"
    document = json.loads(descriptor.read_text())
    del document["name"]
    descriptor.write_text(json.dumps(document))
    return root


def services_by_name() -> dict[str, dict]:
    rows = asyncio.run(Service.select(Service.id, Service.name, Service.status, Service.last_modified).run())
    return {r["name"]: r for r in rows}


def table_total(output: str) -> list[int]:
    """read, imported, skipped, changed from the report table's total line."""
    line = next(line for line in output.splitlines() if line.startswith("total "))
    return [int(n.replace(",", "")) for n in line.split()[1:]]


def headline_numbers(output: str) -> list[int]:
    match = re.search(
        r"([\d,]+) rows read, ([\d,]+) imported \(([\d,]+) of them with changes\), ([\d,]+) left out", output
    )
    assert match, output
    read, imported, changed, skipped = (int(n.replace(",", "")) for n in match.groups())
    return [read, imported, skipped, changed]


def test_a_renamed_folder_reimports_in_place_and_the_source_keeps_its_services(tmp_path):
    first = unnamed_export(tmp_path / "export-2026-11")
    result = cli("import", "--quiet", "--skip-invalid", str(first))
    assert result.exit_code == 0, result.output
    assert "Services: 8 new" in result.output
    before = services_by_name()
    organizations = asyncio.run(Organization.count().run())

    # The same export, downloaded again into another folder; upstream edited one service and dropped another.
    renamed = first.rename(tmp_path / "211 download (1)")
    services_csv = list(csv.reader((renamed / "data" / "services.csv").read_text().splitlines()))
    dropped = next(row for row in services_csv if row[0] == "s6")
    rewrite(
        renamed / "data" / "services.csv",
        lambda header, rows: (
            header,
            [
                [*r[:4], "Emergency beds for adults; families too." if r[0] == "s3" else r[4], *r[5:]]
                for r in rows
                if r[0] != "s6"
            ],
        ),
    )
    result = cli("import", "--quiet", "--skip-invalid", str(renamed))
    assert result.exit_code == 0, result.output
    assert "the package names no source: it is 'export-2026-11'" in result.output
    assert "Services: 1 changed, 6 unchanged, 1 no longer in the source: made inactive" in result.output

    after = services_by_name()
    assert len(after) == len(before) == len(region_211.SERVICES)
    assert asyncio.run(Organization.count().run()) == organizations
    assert {name: row["id"] for name, row in after.items()} == {name: row["id"] for name, row in before.items()}
    # last_modified moves for the service whose content changed, and for the one made inactive, only.
    moved = {name for name in after if after[name]["last_modified"] != before[name]["last_modified"]}
    assert moved == {"Faith Mission Shelter", "NORTH"}
    assert after["NORTH"]["status"] == "inactive"
    assert {row["status"] for name, row in after.items() if name != "NORTH"} == {"active"}
    with TestClient(app=create_app()) as client:
        found = client.get("/api/services", params={"search": "NORTH", "per_page": 50}).json()["contents"]
        assert "NORTH" not in [item["name"] for item in found]
        shelter = client.get(f"/api/services/{after['Faith Mission Shelter']['id']}").json()
    assert shelter["description"] == "Emergency beds for adults; families too."

    # Back, as it was, in the next export: active again, and that is a change.
    rewrite(renamed / "data" / "services.csv", lambda header, rows: (header, [*rows, dropped]))
    result = cli("import", "--quiet", "--skip-invalid", str(renamed))
    assert result.exit_code == 0, result.output
    assert "Services: 1 changed, 7 unchanged" in result.output
    back = services_by_name()["NORTH"]
    assert back["status"] == "active" and back["last_modified"] > after["NORTH"]["last_modified"]


def test_an_unnamed_package_is_named_by_the_source_option(tmp_path):
    first = unnamed_export(tmp_path / "a")
    result = cli("import", "--quiet", "--skip-invalid", "--source", "Franklin County 211", str(first))
    assert result.exit_code == 0, result.output
    assert "Imported Franklin County 211 (HSDS 1.x)" in result.output
    renamed = first.rename(tmp_path / "b")
    result = cli("import", "--quiet", "--skip-invalid", "--source", "Franklin County 211", str(renamed))
    assert result.exit_code == 0, result.output
    assert "Services: 8 unchanged" in result.output
    assert asyncio.run(Service.count().run()) == len(region_211.SERVICES)
    sources = {r["data_source"] for r in asyncio.run(Organization.select(Organization.data_source).run())}
    assert sources == {"Franklin County 211"}


def test_a_partial_package_leaves_the_other_services_be(tmp_path):
    package = region_211.write_package(tmp_path / "columbus")
    assert cli("import", "--quiet", "--skip-invalid", str(package)).exit_code == 0
    rewrite(package / "data" / "services.csv", lambda header, rows: (header, rows[:2]))
    result = cli("import", "--quiet", "--skip-invalid", "--partial", str(package))
    assert result.exit_code == 0, result.output
    assert "made inactive" not in result.output
    assert {r["status"] for r in services_by_name().values()} == {"active"}


def test_the_zip_as_shipped_is_followed_into_data_and_named_by_its_title(tmp_path):
    package = region_211.write_package(tmp_path / "export")
    # The export names its files its own way; the descriptor's resource names say which table each is.
    (package / "data" / "organizations.csv").rename(package / "data" / "211_Organizations_20261101.csv")
    descriptor = package / "datapackage.json"
    document = json.loads(descriptor.read_text())
    del document["name"]
    document["title"] = "Columbus 211 export"
    for resource in document["resources"]:
        if resource["name"] == "organizations":
            resource["path"] = "data/211_Organizations_20261101.csv"
    descriptor.write_text("\ufeff" + json.dumps(document))  # with the byte-order mark Windows tools write
    shipped = tmp_path / "HSDS_export.zip"
    with zipfile.ZipFile(shipped, "w") as archive:
        for path in sorted(package.rglob("*")):
            archive.write(path, Path("HSDS_export") / path.relative_to(package))

    result = cli("import", "--quiet", "--skip-invalid", str(shipped))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Imported Columbus 211 export (HSDS 1.x)")
    assert asyncio.run(Service.count().run()) == len(region_211.SERVICES)
    names = {r["name"] for r in asyncio.run(Organization.select(Organization.name).run())}
    assert "Organization O1" in names
    sources = {r["data_source"] for r in asyncio.run(Organization.select(Organization.data_source).run())}
    assert sources == {"Columbus 211 export"}


def test_a_zip_cannot_unpack_outside_itself(tmp_path):
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr("../services.csv", "id,organization_id,name\nx,o1,Planted\n")
    result = cli("import", "--quiet", str(hostile))
    assert result.exit_code == 2 and "would unpack outside the package" in result.output


def write_messy_export(root: Path, missing: int) -> Path:
    """A 1.1 export whose services mostly name organizations it does not contain (each a different id)."""
    data = root / "data"
    data.mkdir(parents=True)

    def write(name: str, header: list[str], rows: list[list[str]]) -> None:
        with (data / name).open("w", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])

    write("organizations.csv", ["id", "name"], [["o-kept", "Kept Org"]])
    services = [["s-kept", "o-kept", "Kept Service"]] + [[f"s{i}", f"ORG-{i}", f"Service {i}"] for i in range(missing)]
    write("services.csv", ["id", "organization_id", "name"], services)
    write("locations.csv", ["id", "name"], [[f"l{i}", f"Place {i}"] for i in range(len(services))])
    write(
        "services_at_location.csv",
        ["id", "service_id", "location_id"],
        [[f"sal{i}", s[0], f"l{i}"] for i, s in enumerate(services)],
    )
    (root / "datapackage.json").write_text(
        json.dumps({"resources": [{"name": p.stem, "path": f"data/{p.name}"} for p in sorted(data.glob("*.csv"))]})
    )
    return root


def test_one_cause_is_one_line_with_a_count_and_three_examples(tmp_path):
    package = write_messy_export(tmp_path / "messy", missing=3015)
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    cause = "  services.csv: 'organization_id' is not in the package or the directory: 3,015 rows"
    at = lines.index(cause)
    assert lines[at + 1 : at + 5] == [
        "    row 3: 'ORG-0'",
        "    row 4: 'ORG-1'",
        "    row 5: 'ORG-2'",
        "    … and 3,012 more",
    ]
    assert "  services_at_location.csv: belongs to a service that was left out: 3,015 rows" in lines
    assert len(lines) < 30, result.output
    # The headline says what the table's total line says.
    assert headline_numbers(result.output) == table_total(result.output)
    # organizations 1 + services, locations and services_at_location 3,016 each; 3,015 services and their
    # 3,015 services_at_location left out.
    assert table_total(result.output)[:3] == [1 + 3 * 3016, 1 + 1 + 3016 + 1, 2 * 3015]

    refused = cli("import", "--quiet", str(package))
    assert refused.exit_code == 1
    assert "Nothing imported from" in refused.output
    assert "of 9,049 rows read, 6,030 would be left out and 3,019 imported (0 of them with changes)" in refused.output
    assert len(refused.output.splitlines()) < 30


def test_schedule_text_and_contacts_are_kept_and_shown_readably(tmp_path):
    package = region_211.write_package(tmp_path / "columbus")
    source_text = "Intake Hours 6–7am Mon\\nWalk-In Hours (Food, Showers)"
    marked_text = "###MON### 9am-5pm ###TUE### 9am-noon"
    rewrite(
        package / "data" / "regular_schedules.csv",
        lambda header, rows: (
            [*header, "original_text"],
            [[*r, source_text if r[1] == "s1" else marked_text if r[1] == "s3" else ""] for r in rows],
        ),
    )
    (package / "data" / "contacts.csv").write_text(
        "id,service_id,name,title,department,email\nc1,s1,Pat Jones,Intake Coordinator,Intake,pat@example.org\n"
    )
    rewrite(
        package / "data" / "phones.csv",
        lambda header, rows: (
            [*header, "contact_id"],
            [*[[*r, ""] for r in rows], ["pc1", "", "614-555-0199", "", "", "c1"]],
        ),
    )
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    assert "'original_text'" not in result.output and "contacts are not kept" not in result.output

    with TestClient(app=create_app()) as client:
        hit = client.get("/api/services", params={"search": "Mid-Ohio Pantry Night"}).json()["contents"][0]
        service = client.get(f"/api/services/{hit['id']}").json()
        # The API gives the text as the source wrote it.
        assert {s["description"] for s in service["schedules"]} == {source_text}
        assert service["contacts"] == [
            {
                "id": service["contacts"][0]["id"],
                "name": "Pat Jones",
                "title": "Intake Coordinator",
                "department": "Intake",
                "email": "pat@example.org",
                "phones": [{"id": service["contacts"][0]["phones"][0]["id"], "number": "614-555-0199"}],
            }
        ]
        listing = client.get(f"/listings/{hit['service_at_location_id']}").text
        shelter_hit = client.get("/api/services", params={"search": "Faith Mission Shelter"}).json()["contents"][0]
        shelter = client.get(f"/listings/{shelter_hit['service_at_location_id']}").text
    # The page reads it as a person would: breaks where the source wrote \n, a line per ###DAY### marker.
    assert "Intake Hours 6–7am Mon<br>Walk-In Hours (Food, Showers)" in listing
    assert "Pat Jones, Intake Coordinator, Intake" in listing and "mailto:pat@example.org" in listing
    assert "614-555-0199" in listing
    assert "Mon: 9am-5pm<br>Tue: 9am-noon" in shelter
    assert "###" not in shelter and "\\n" not in listing


def test_eligibility_without_a_service_id_is_attached_only_when_unambiguous(tmp_path):
    package = region_211.write_package(tmp_path / "columbus")
    # e4's own id is a service's id (some exports key these rows by their service); e3 could be anyone's.
    with (package / "data" / "eligibility.csv").open("a", newline="") as handle:
        csv.writer(handle).writerow(["s5", "", "Adults with opioid use disorder"])
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    assert "eligibility.csv: 'service_id' is empty: attached to the only service it can be: 1 row" in result.output
    assert "eligibility.csv: 'service_id' is empty and no one service can be told: 1 row" in result.output
    with TestClient(app=create_app()) as client:
        hit = client.get("/api/services", params={"search": "Maple Clinic OTP"}).json()["contents"][0]
        service = client.get(f"/api/services/{hit['id']}").json()
    assert service["eligibility_description"] == "Adults with opioid use disorder"


def test_source_coordinates_far_from_their_own_zip_are_reported_and_not_used_for_distance(tmp_path):
    package = region_211.write_package(tmp_path / "columbus")
    # l1 (ZIP 43215, downtown Columbus) says it is 40 km north; l3 (also 43215) is 2 km off, which is believable.
    far, near = ("40.3270", "-83.0044"), ("39.9851", "-83.0044")
    rewrite(
        package / "data" / "locations.csv",
        lambda header, rows: (
            header,
            [[*r[:3], *(far if r[0] == "l1" else near if r[0] == "l3" else ("", ""))] for r in rows],
        ),
    )
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    assert (
        "locations.csv: coordinates more than 15 km from the centre of the location's own ZIP: not used for "
        "distance, placed by its address (ZIP centre, or the geocoder) instead: 1 row\n"
        "    row 2: '40.3270,-83.0044 is 40 km from ZIP 43215'"
    ) in result.output
    trusted = asyncio.run(Location.select(Location.latitude).where(Location.geocode_precision == "source").run())
    assert trusted == [{"latitude": 39.9851}]
    with TestClient(app=create_app()) as client:
        body = client.get("/api/services", params={"near": "43215", "radius_km": 3, "per_page": 50}).json()
    assert "Mid-Ohio Pantry Night" in [item["name"] for item in body["contents"]]


@pytest.mark.parametrize("name", ["contacts.csv"])
def test_contacts_of_a_30_package_are_read(tmp_path, name):
    package = tmp_path / "hsds30"
    package.mkdir()
    (package / "organizations.csv").write_text("id,name,description\no1,Org One,\n")
    (package / "services.csv").write_text("id,organization_id,name,status\ns1,o1,Service One,active\n")
    (package / name).write_text("id,organization_id,service_id,name,title\nc1,o1,,Dana Reyes,Director\n")
    (package / "phones.csv").write_text("id,contact_id,number\np1,c1,410-555-0100\n")
    result = cli("import", "--quiet", str(package))
    assert result.exit_code == 0, result.output
    with TestClient(app=create_app()) as client:
        hit = client.get("/api/services", params={"search": "Service One"}).json()["contents"][0]
        service = client.get(f"/api/services/{hit['id']}").json()
    contact = service["organization"]["contacts"][0]
    assert (contact["name"], contact["title"], contact["phones"][0]["number"]) == (
        "Dana Reyes",
        "Director",
        "410-555-0100",
    )
