"""Importing HSDS packages through the CLI: idempotent, all-or-nothing, precise about bad rows;
exporting HSDS 3.0 that validates against the official schemas and re-imports."""

import asyncio
import csv
import json
import shutil

import pytest
from click.testing import CliRunner

from directory.tables import Attribute, Location, Organization, Phone, SearchDocument, Service, ServiceAtLocation
from server.cli import directory_group
from tests.conftest import FIXTURES, SEED_DATA

HSDS_SCHEMAS = FIXTURES / "hsds-3.0" / "schema"


def cli(*args: str):
    return CliRunner().invoke(directory_group, list(args))


async def _counts() -> dict[str, int]:
    return {
        table._meta.tablename: await table.count()
        for table in (Organization, Service, Location, ServiceAtLocation, Phone, Attribute, SearchDocument)
    }


def counts() -> dict[str, int]:
    return asyncio.run(_counts())


def test_reimporting_the_same_package_updates_never_duplicates():
    package = SEED_DATA / "samhsa_hrsa_2020"
    first = cli("import", "--quiet", str(package))
    assert first.exit_code == 0, first.output
    after_first = counts()
    assert after_first["service"] > 250
    second = cli("import", "--quiet", str(package))
    assert second.exit_code == 0, second.output
    assert counts() == after_first


def test_an_edited_package_updates_rows_in_place(tmp_path):
    package = tmp_path / "pkg"
    shutil.copytree(SEED_DATA / "sample_community_resources", package)
    assert cli("import", "--quiet", str(package)).exit_code == 0
    with (package / "services.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["name"] = "Renamed Pantry"
    with (package / "services.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    before = counts()
    assert cli("import", "--quiet", str(package)).exit_code == 0
    assert counts() == before
    names = asyncio.run(Service.select(Service.name).where(Service.id == rows[0]["id"]).run())
    assert names == [{"name": "Renamed Pantry"}]


def test_bad_rows_are_reported_with_file_row_and_reason_and_nothing_is_written(tmp_path):
    package = tmp_path / "bad"
    shutil.copytree(SEED_DATA / "sample_community_resources", package)
    lines = (package / "locations.csv").read_text().splitlines()
    header = lines[0].split(",")
    broken = next(csv.reader([lines[3]]))
    broken[header.index("latitude")] = "123.5"
    lines[3] = ",".join(f'"{v}"' for v in broken)
    (package / "locations.csv").write_text("\n".join(lines) + "\n")
    services = (package / "services.csv").read_text().splitlines()
    services[5] = services[5].replace(",active,", ",sort of open,")
    (package / "services.csv").write_text("\n".join(services) + "\n")

    result = cli("import", "--quiet", str(package))
    assert result.exit_code == 1
    assert "locations.csv: 'latitude' must be between -90 and 90: 1 row\n    row 4: '123.5'" in result.output
    assert "services.csv: 'status' must be active" in result.output and "row 6: 'sort of open'" in result.output
    assert counts()["service"] == 0

    skipped = cli("import", "--quiet", "--skip-invalid", str(package))
    assert skipped.exit_code == 0, skipped.output
    assert "skipped" in skipped.output and counts()["service"] > 0


def test_a_failure_half_way_leaves_the_database_as_it_was(monkeypatch):
    from directory.hsds import importer as hsds_import
    from directory.hsds.readers import read_package

    assert cli("import", "--quiet", str(SEED_DATA / "sample_community_resources")).exit_code == 0
    before = counts()
    real_upsert = hsds_import._upsert

    async def failing_upsert(table, rows, progress):
        if table is Phone:
            raise RuntimeError("disk full")
        await real_upsert(table, rows, progress)

    monkeypatch.setattr(hsds_import, "_upsert", failing_upsert)
    with pytest.raises(RuntimeError, match="disk full"):
        asyncio.run(hsds_import.import_package(read_package(SEED_DATA / "samhsa_hrsa_2020")))
    assert counts() == before


def test_hsds_1_1_package_from_a_211_system_imports_and_is_searchable():
    result = cli("import", "--quiet", str(FIXTURES / "hsds-1.1-sample" / "all_resources"))
    assert result.exit_code == 0, result.output
    assert "HSDS 1.x" in result.output
    assert counts()["service"] == 13
    from litestar.testing import TestClient

    from server.app import create_app

    with TestClient(app=create_app()) as client:
        body = client.get("/api/services", params={"search": "homless helpline"}).json()
        assert body["contents"][0]["name"] == "Never Homeless Helpline"
        detail = client.get(f"/api/services/{body['contents'][0]['id']}").json()
        assert any(
            s.get("byday") == "MO"
            for s in detail["service_at_locations"][0].get("schedules", []) + detail.get("schedules", [])
        )


def test_unreadable_package_is_a_clear_error(tmp_path):
    (tmp_path / "x.json").write_text("{not json")
    result = cli("import", str(tmp_path / "x.json"))
    assert result.exit_code == 2 and "not valid JSON" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("import", str(empty))
    assert result.exit_code == 2 and "services.csv" in result.output


@pytest.fixture
def registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = []
    for path in HSDS_SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(schema, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def test_json_export_validates_against_hsds_schema_and_reimports(tmp_path, registry):
    from jsonschema import Draft202012Validator

    assert cli("seed", "--quiet").exit_code == 0
    before = counts()
    target = tmp_path / "export.json"
    result = cli("export", "--format", "json", str(target))
    assert result.exit_code == 0, result.output
    services = json.loads(target.read_text())
    assert len(services) == before["service"]
    validator = Draft202012Validator(json.loads((HSDS_SCHEMAS / "service.json").read_text()), registry=registry)
    for service in services:
        errors = sorted(validator.iter_errors(service), key=str)
        assert not errors, (service["id"], errors[:3])
    confidential = [
        s
        for s in services
        if any(
            a["taxonomy_term"]["code"] == "confidential_location"
            for sal in s.get("service_at_locations", [])
            for a in sal["location"].get("attributes", [])
        )
    ]
    assert confidential and all(
        not sal["location"].get("addresses") for s in confidential for sal in s["service_at_locations"]
    )
    # Round trip: the export re-imports onto itself without changing anything.
    assert cli("import", "--quiet", str(target)).exit_code == 0
    assert counts() == before


def test_csv_export_matches_the_hsds_datapackage_and_reimports(tmp_path):
    assert cli("seed", "--quiet").exit_code == 0
    before = counts()
    target = tmp_path / "csv"
    assert cli("export", str(target)).exit_code == 0
    official = json.loads((FIXTURES / "hsds-3.0" / "datapackage.json").read_text())
    for resource in official["resources"]:
        path = target / resource["path"]
        if not path.exists():
            continue
        fields = resource["schema"]["fields"]
        with path.open() as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == [f["name"] for f in fields], resource["path"]
            required = [f["name"] for f in fields if f.get("constraints", {}).get("required")]
            numbers = [f["name"] for f in fields if f["type"] == "number"]
            for line, row in enumerate(reader, start=2):
                for name in required:
                    assert row[name], f"{resource['path']} row {line}: {name} is required"
                for name in numbers:
                    if row[name]:
                        float(row[name])
    # Re-import the export into an empty directory: the same services come back.
    from tests.conftest import _reset_database

    asyncio.run(_reset_database())
    assert cli("import", "--quiet", str(target)).exit_code == 0
    after = counts()
    assert after["service"] == before["service"] and after["location"] == before["location"]
    sample = asyncio.run(Organization.count().where(Organization.is_sample_data.eq(True)).run())
    assert sample == 68


def test_listings_written_by_an_import_match_listings_rebuilt_from_the_database():
    """The import builds listings from the rows it just wrote; the database must agree with them."""
    from directory.search.documents import refresh_search_documents

    assert cli("seed", "--quiet").exit_code == 0
    columns = [
        SearchDocument.id,
        SearchDocument.latitude,
        SearchDocument.longitude,
        SearchDocument.categories,
        SearchDocument.facets,
        SearchDocument.text_fields,
        SearchDocument.listing,
        SearchDocument.is_active,
    ]

    async def documents():
        return await SearchDocument.select(*columns).order_by(SearchDocument.id)

    from_import = asyncio.run(documents())
    service_ids = [row["id"] for row in asyncio.run(Service.select(Service.id).run())]
    asyncio.run(refresh_search_documents(service_ids))
    assert asyncio.run(documents()) == from_import


@pytest.mark.parametrize("command", [["import", "{package}"], ["export", "{tmp}/out"], ["geocode"]])
def test_commands_on_an_unmigrated_database_say_to_migrate(tmp_path, command):
    """Not a traceback about a missing table: what to do."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    package = FIXTURES / "hsds-1.1-sample" / "simple"
    args = [part.format(package=package, tmp=tmp_path) for part in command]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite'}"}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("directory-admin")), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "run `directory-admin migrate` first" in result.stderr and "Traceback" not in result.stderr
