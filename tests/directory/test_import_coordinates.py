"""A location's coordinates come as a pair: a latitude without its longitude (or the reverse) is no place,
so the import leaves the location out and says so, rather than store half a point as the publisher's."""

from __future__ import annotations

import asyncio
import csv
import shutil

from click.testing import CliRunner

from directory.tables import Location
from server.cli import directory_group
from tests.conftest import SEED_DATA


def _package_with_half_points(tmp_path) -> tuple[str, list[str]]:
    """The sample package with its first location's longitude and its second location's latitude emptied."""
    package = tmp_path / "half-points"
    shutil.copytree(SEED_DATA / "sample_community_resources", package)
    path = package / "locations.csv"
    with path.open(newline="") as handle:
        locations = list(csv.DictReader(handle))
    locations[0]["longitude"] = ""
    locations[1]["latitude"] = ""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(locations[0]))
        writer.writeheader()
        writer.writerows(locations)
    return str(package), [locations[0]["id"], locations[1]["id"]]


def _stored(location_ids: list[str]) -> list[dict]:
    query = Location.select(Location.id, Location.latitude, Location.longitude).where(Location.id.is_in(location_ids))
    return asyncio.run(query.run())


def test_a_latitude_without_longitude_or_the_reverse_leaves_the_location_out(tmp_path):
    package, half_points = _package_with_half_points(tmp_path)

    refused = CliRunner().invoke(directory_group, ["import", "--quiet", package])
    assert refused.exit_code == 1
    assert "locations.csv: 'latitude' and 'longitude' must be given together: 2 rows\n    row 2\n    row 3\n" in (
        refused.output
    )
    assert "locations.csv                  68        66         2         0" in refused.output
    assert asyncio.run(Location.count().run()) == 0  # nothing is written

    skipped = CliRunner().invoke(directory_group, ["import", "--quiet", "--skip-invalid", package])
    assert skipped.exit_code == 0, skipped.output
    assert "locations.csv: 'latitude' and 'longitude' must be given together: 2 rows" in skipped.output
    assert "Coordinates by precision: source 66\n" in skipped.output
    assert _stored(half_points) == []
    assert asyncio.run(Location.count().run()) == 66
