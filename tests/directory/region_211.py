"""A 211 region's HSDS 1.1 export in miniature, with the habits real ones have: AIRS taxonomy codes,
hours written like `8:00am`, one language row id reused across services, a location naming an
organization the package does not contain, eligibility rows with an empty service_id, the CSV files
in a subfolder that datapackage.json points to, and generic service names ("CENTRAL").

Places are real Columbus, Ohio ZIP codes (centroids come from the offline ZIP table).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

DOWNTOWN_ZIP = "43215"

# id, organization, service name, description, ZIP, AIRS code of its taxonomy term
SERVICES = [
    ("s1", "o1", "Mid-Ohio Pantry Night", "Groceries to take home every week.", "43215", "BD-1800.2000"),
    ("s2", "o2", "CENTRAL", "Hot lunch served daily, no questions asked.", "43205", "BD-5000.8300"),
    ("s3", "o3", "Faith Mission Shelter", "Emergency beds for adults.", "43215", "BH-1800.8500"),
    ("s4", "o4", "Fare Help", "Free COTA passes for people going to treatment or work.", "43206", "BT-8300.1000"),
    ("s5", "o5", "Maple Clinic OTP", "Daily dosing; new patients seen the same day.", "43205", "RX-8450.5000"),
    ("s6", "o6", "NORTH", "Outpatient substance use disorder treatment.", "43229", "RX-8450"),
    # No ZIP code: placed at the centroid of Columbus.
    ("s7", "o7", "Widget Repair Co-op", "Fixes wheelchairs and walkers.", "", "ZZ-1234"),
    ("s8", "o8", "Delaware Methadone Program", "Methadone maintenance and counseling.", "43015", "RX-8450.5000"),
]

TERMS = [
    ("BD", "Food", ""),
    ("BD-1800", "Emergency Food", "BD"),
    ("BD-1800.2000", "Food Pantries", "BD-1800"),
    ("BD-5000", "Meals", "BD"),
    ("BD-5000.8300", "Soup Kitchens", "BD-5000"),
    ("BH-1800.8500", "Homeless Shelter", ""),
    ("BT-8300.1000", "Bus Fare", ""),
    ("RX-8450", "Substance Use Disorder Treatment Programs", ""),
    ("RX-8450.5000", "Methadone Maintenance", "RX-8450"),
    ("ZZ-1234", "Assistive Technology Repair", ""),
]

HOURS = ["8:00am", "8 AM", "0800", "noon", "9:30 a.m."]
CLOSING = ["5:00pm", "5 PM", "1700", "4:30 p.m.", "17:00"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_package(root: Path) -> Path:
    """Write the package under `root` (datapackage.json at the root, CSVs in data/) and return `root`."""
    data = root / "data"
    _write(
        data / "organizations.csv",
        ["id", "name", "description", "url"],
        [[org, f"Organization {org.upper()}", "", ""] for _sid, org, *_ in SERVICES],
    )
    _write(
        data / "services.csv",
        ["id", "organization_id", "program_id", "name", "description", "status", "application_process", "fees"],
        [
            [sid, org, "", name, text, "active", "Walk in or call 211.", "Free" if i % 2 else "Sliding scale"]
            for i, (sid, org, name, text, _zip, _code) in enumerate(SERVICES)
        ],
    )
    _write(
        data / "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude"],
        # l2 names an organization the package does not contain.
        [[f"l{i}", "ORG-GONE" if i == 2 else org, "", "", ""] for i, (_sid, org, *_) in enumerate(SERVICES, 1)],
    )
    _write(
        data / "physical_addresses.csv",
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country"],
        [
            [f"a{i}", f"l{i}", f"{100 * i} High St", "Columbus", "OH", z, "US"]
            for i, (*_, z, _c) in enumerate(SERVICES, 1)
        ],
    )
    _write(
        data / "services_at_location.csv",
        ["id", "service_id", "location_id"],
        [[f"sal{i}", sid, f"l{i}"] for i, (sid, *_) in enumerate(SERVICES, 1)],
    )
    _write(
        data / "phones.csv",
        ["id", "service_id", "number", "language", "department"],
        [[f"p{i}", sid, f"614-555-01{i:02d}", "", "Intake"] for i, (sid, *_) in enumerate(SERVICES, 1)],
    )
    _write(
        data / "regular_schedules.csv",
        ["id", "service_id", "weekday", "opens_at", "closes_at"],
        [
            [f"h{i}-{day}", sid, str(day), HOURS[i % len(HOURS)], CLOSING[i % len(CLOSING)]]
            for i, (sid, *_) in enumerate(SERVICES)
            for day in (1, 2, 3)
        ],
    )
    # One language row id for every service, as some 211 exports do.
    _write(
        data / "languages.csv",
        ["id", "service_id", "language"],
        [["1", sid, "Spanish"] for sid, *_ in SERVICES] + [["2", SERVICES[0][0], "English"]],
    )
    _write(
        data / "eligibility.csv",
        ["id", "service_id", "eligibility"],
        [["e1", "s1", "Franklin County residents"], ["e2", "s3", "Adults 18 and over"], ["e3", "", "Seniors"]],
    )
    _write(data / "taxonomy.csv", ["id", "name", "parent_id", "vocabulary"], [[c, n, p, "AIRS"] for c, n, p in TERMS])
    _write(
        data / "services_taxonomy.csv",
        ["id", "service_id", "taxonomy_id", "taxonomy_detail"],
        [[f"st{i}", sid, code, ""] for i, (sid, *_, code) in enumerate(SERVICES, 1)],
    )
    _write(data / "contacts.csv", ["id", "service_id", "name"], [["c1", "s1", "Pat"]])
    resources = sorted(p.name for p in data.glob("*.csv"))
    (root / "datapackage.json").write_text(
        json.dumps(
            {
                "name": "columbus-211",
                "resources": [{"name": n[:-4], "path": f"data/{n}", "format": "csv"} for n in resources],
            }
        )
    )
    return root
