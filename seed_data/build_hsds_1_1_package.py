"""Write every real SAMHSA/HRSA facility in ../shared/data as one HSDS 1.1 tabular package, in the
shape 211 systems export (physical_addresses, services_at_location, services_taxonomy, taxonomy with
a vocabulary, phones), to try the 1.x import at national scale: `python seed_data/build_hsds_1_1_package.py OUT`.

Nothing is invented: no hours, languages or fees, since the sources have none. Terms are named the way
211 taxonomies name them, so the mapping to categories is exercised by name and keyword.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seed_data.build_seed_data import SNAPSHOT_DATE, read_csv, uid  # noqa: E402

TERMS = {
    # id: (name, parent id)
    "sud": ("Substance Use Disorder Treatment Programs", ""),
    "methadone": ("Methadone Maintenance", "sud"),
    "buprenorphine": ("Buprenorphine Maintenance", "sud"),
    "naltrexone": ("Naltrexone Treatment", "sud"),
    "fqhc": ("Community Health Centers", ""),
}

FILES = {
    "organizations.csv": ["id", "name", "description", "url"],
    "services.csv": ["id", "organization_id", "name", "description", "status"],
    "locations.csv": ["id", "organization_id", "name", "latitude", "longitude"],
    "physical_addresses.csv": ["id", "location_id", "address_1", "address_2", "city", "state_province", "postal_code"],
    "services_at_location.csv": ["id", "service_id", "location_id"],
    "phones.csv": ["id", "service_id", "number"],
    "taxonomy.csv": ["id", "name", "parent_id", "vocabulary"],
    "services_taxonomy.csv": ["id", "service_id", "taxonomy_id"],
}


def facilities():
    """(source, name, street, street 2, city, state, zip, lat, lng, phone, term ids) per real facility."""
    for row in read_csv("moud_facilities.csv"):
        terms = ["sud"] + [m for m in ("methadone", "buprenorphine", "naltrexone") if row[m] == "True"]
        name = " - ".join(p for p in (row["name1"], row["name2"]) if p)
        yield ("samhsa", name, row["street1"], row["street2"], row["city"], row["state"], row["zip"],
               row["latitude"], row["longitude"], "", terms)  # fmt: skip
    for row in read_csv("otp_directory.csv"):
        yield ("otp", row["ID"], row["ADDRESS"], "", row["CITY"], row["STATE"], row["POSTAL"],
               row["Latitude"], row["Longitude"], "", ["sud", "methadone"])  # fmt: skip
    for row in read_csv("hrsa_health_centers.csv"):
        yield ("hrsa", row["name"], row["address"], "", row["city"], row["st_abbr"], "",
               row["lat"], row["lon"], row["phone"], ["fqhc"])  # fmt: skip


def main(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[list[str]]] = {name: [] for name in FILES}
    rows["taxonomy.csv"] = [[term, name, parent, "211 taxonomy names"] for term, (name, parent) in TERMS.items()]
    for number, (source, name, street, street2, city, state, zip_code, lat, lng, phone, terms) in enumerate(
        facilities(), 1
    ):
        key = uid(source, str(number))
        rows["organizations.csv"].append([key, name, f"{source.upper()} record, {SNAPSHOT_DATE} snapshot", ""])
        rows["services.csv"].append([key, key, name, "", "active"])
        rows["locations.csv"].append([key, key, "", lat, lng])
        rows["physical_addresses.csv"].append([key, key, street, street2, city, state, zip_code])
        rows["services_at_location.csv"].append([key, key, key])
        if phone:
            rows["phones.csv"].append([key, key, phone])
        rows["services_taxonomy.csv"] += [[uid(key, term), key, term] for term in terms]
    for file_name, header in FILES.items():
        with (target / file_name).open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows[file_name])
    (target / "datapackage.json").write_text(
        json.dumps({"name": "samhsa-hrsa-2020-hsds-1.1", "resources": [{"path": f} for f in FILES]}, indent=1)
    )
    print(f"{len(rows['services.csv']):,} services written to {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/samhsa-hrsa-hsds-1.1"))
