"""A confidential location (a recovery residence) stays confidential through re-imports, syncs and
round trips of our own exports: no package publishes its address by leaving our flag out."""

import asyncio
import json
import shutil

from click.testing import CliRunner
from litestar.testing import TestClient

from directory.tables import Address, Location
from directory.taxonomy.categories import attribute_term_id
from server.app import create_app
from server.cli import directory_group
from tests.conftest import SEED_DATA

CONFIDENTIAL_TERM = str(attribute_term_id("confidential_location"))


def cli(*args: str):
    return CliRunner().invoke(directory_group, list(args))


def confidential_locations() -> dict[str, dict]:
    rows = asyncio.run(Location.select().where(Location.is_confidential.eq(True)).run())
    return {str(r["id"]): r for r in rows}


def addresses_of(location_ids) -> int:
    return asyncio.run(Address.count().where(Address.location.is_in(list(location_ids))).run())


def public_text() -> str:
    """Everything the public API says about every listing, nested in full."""
    with TestClient(app=create_app()) as client:
        listings = client.get("/api/service_at_locations", params={"full": "true", "per_page": 100}).json()
        services = client.get("/api/services", params={"per_page": 100}).json()
    return json.dumps(listings) + json.dumps(services)


def test_a_reimport_without_our_flag_keeps_the_location_confidential(tmp_path):
    package = tmp_path / "pkg"
    shutil.copytree(SEED_DATA / "sample_community_resources", package)
    assert cli("import", "--quiet", str(package)).exit_code == 0
    before = confidential_locations()
    assert len(before) == 4
    streets = [r["address_1"] for r in asyncio.run(Address.select().where(Address.location.is_in(list(before))).run())]

    attributes = (package / "attributes.csv").read_text().splitlines()
    (package / "attributes.csv").write_text("\n".join(a for a in attributes if CONFIDENTIAL_TERM not in a) + "\n")
    result = cli("import", "--quiet", str(package))
    assert result.exit_code == 0, result.output
    assert "locations.csv: kept confidential, as this directory has it: 4 rows" in result.output
    assert confidential_locations().keys() == before.keys()
    text = public_text()
    assert not any(street in text for street in streets)


def test_a_package_may_say_a_location_is_no_longer_confidential(tmp_path):
    package = tmp_path / "pkg"
    shutil.copytree(SEED_DATA / "sample_community_resources", package)
    assert cli("import", "--quiet", str(package)).exit_code == 0
    attributes = (package / "attributes.csv").read_text().splitlines()
    flipped = [a.replace(",location,true", ",location,false") if CONFIDENTIAL_TERM in a else a for a in attributes]
    (package / "attributes.csv").write_text("\n".join(flipped) + "\n")
    result = cli("import", "--quiet", str(package))
    assert result.exit_code == 0, result.output
    assert "locations.csv: made public: the package says it is not confidential: 4 rows" in result.output
    assert confidential_locations() == {}


def test_reimporting_our_own_export_keeps_confidential_addresses_and_coordinates(tmp_path):
    assert cli("import", "--quiet", str(SEED_DATA / "sample_community_resources")).exit_code == 0
    before = confidential_locations()
    assert addresses_of(before) == 4 and all(r["latitude"] is not None for r in before.values())
    streets = [r["address_1"] for r in asyncio.run(Address.select().where(Address.location.is_in(list(before))).run())]
    for export_format in ("csv", "json"):
        target = tmp_path / f"export.{export_format}"
        assert cli("export", "--format", export_format, str(target)).exit_code == 0
        exported = target.read_text() if export_format == "json" else (target / "addresses.csv").read_text()
        assert not any(street in exported for street in streets)
        result = cli("import", "--quiet", str(target))
        assert result.exit_code == 0, result.output
        after = confidential_locations()
        assert after.keys() == before.keys()
        assert addresses_of(after) == 4, export_format
        assert [after[k]["latitude"] for k in before] == [before[k]["latitude"] for k in before], export_format


def test_a_json_package_naming_the_flag_by_its_code_is_understood(tmp_path):
    package = tmp_path / "one.json"
    package.write_text(
        json.dumps(
            [
                {
                    "id": "svc-1",
                    "name": "Quiet House",
                    "status": "active",
                    "organization": {"id": "org-1", "name": "Quiet House Inc", "description": ""},
                    "service_at_locations": [
                        {
                            "id": "sal-1",
                            "location": {
                                "id": "loc-1",
                                "location_type": "physical",
                                "addresses": [
                                    {
                                        "address_1": "77 Secret Rd",
                                        "city": "Baltimore",
                                        "state_province": "MD",
                                        "postal_code": "21230",
                                        "country": "US",
                                        "address_type": "physical",
                                    }
                                ],
                                "attributes": [{"taxonomy_term": {"code": "confidential_location"}, "value": "true"}],
                            },
                        }
                    ],
                }
            ]
        )
    )
    result = cli("import", "--quiet", str(package))
    assert result.exit_code == 0, result.output
    assert len(confidential_locations()) == 1
    assert "Secret Rd" not in public_text()
