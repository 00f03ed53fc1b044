"""Build seed_data/ from the real SAMHSA/HRSA records in ../shared/data plus labelled sample resources.

Run once by a developer (`python seed_data/build_seed_data.py`); the product only reads the
HSDS 3.0 CSV packages this writes, through the same import path users use.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from directory.geo.earth import km_between  # noqa: E402
from directory.hsds.export import CSV_COLUMNS  # noqa: E402
from directory.taxonomy.categories import attribute_term_id, term_id  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "samhsa-moud"
NAMESPACE = uuid.UUID("0b9f4a53-5d0e-4d55-8a0e-7f1c1f0e2a11")
METROS = {
    # name: (state, latitude, longitude, radius km)
    "Baltimore": ("MD", 39.2904, -76.6122, 25.0),
    "Denver": ("CO", 39.7392, -104.9903, 25.0),
}
SNAPSHOT_DATE = "2020-09-01"


def uid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))


def distance_km(a_lat, a_lng, b_lat, b_lng) -> float:
    return km_between((a_lat, a_lng), (b_lat, b_lng))


def read_csv(name: str) -> list[dict[str, str]]:
    raw = (SHARED / name).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return list(csv.DictReader(text.splitlines()))


def metro_of(lat: float, lng: float) -> str | None:
    for name, (_state, m_lat, m_lng, radius) in METROS.items():
        if distance_km(lat, lng, m_lat, m_lng) <= radius:
            return name
    return None


class PackageWriter:
    """Collects HSDS 3.0 rows and writes a CSV datapackage."""

    def __init__(self, name: str, title: str, description: str) -> None:
        self.name, self.title, self.description = name, title, description
        self.tables: dict[str, list[dict]] = {f: [] for f in CSV_COLUMNS}

    def add(self, file_name: str, **row) -> dict:
        self.tables[file_name].append(row)
        return row

    def attribute(self, link_id: str, entity: str, code: str, value: str) -> None:
        self.add(
            "attributes.csv",
            id=uid("attr", link_id, code, value),
            link_id=link_id,
            link_entity=entity,
            taxonomy_term_id=str(attribute_term_id(code)),
            value=value,
        )

    def category(self, service_id: str, code: str) -> None:
        self.add(
            "attributes.csv",
            id=uid("cat", service_id, code),
            link_id=service_id,
            link_entity="service",
            taxonomy_term_id=str(term_id(code)),
            value="",
        )

    def write(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for file_name, rows in self.tables.items():
            if not rows:
                continue
            columns = CSV_COLUMNS[file_name]
            with (directory / file_name).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
                writer.writeheader()
                for row in rows:
                    writer.writerow({c: row.get(c, "") for c in columns})
        descriptor = {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "profile": "tabular-data-package",
            "resources": [
                {"name": f.removesuffix(".csv"), "path": f, "profile": "tabular-data-resource"}
                for f, rows in self.tables.items()
                if rows
            ],
        }
        (directory / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")


def place(
    writer: PackageWriter,
    org_id: str,
    service_id: str,
    key: str,
    name: str,
    street: str,
    city: str,
    state: str,
    postal: str,
    lat: float | None,
    lng: float | None,
    confidential: bool = False,
) -> str:
    location_id = uid("location", key)
    writer.add(
        "locations.csv",
        id=location_id,
        location_type="physical",
        organization_id=org_id,
        name=name,
        latitude=f"{lat:.6f}" if lat is not None else "",
        longitude=f"{lng:.6f}" if lng is not None else "",
    )
    writer.add(
        "addresses.csv",
        id=uid("address", key),
        location_id=location_id,
        address_1=street,
        city=city,
        state_province=state,
        postal_code=postal[:5],
        country="US",
        address_type="physical",
    )
    sal_id = uid("sal", service_id, location_id)
    writer.add("service_at_location.csv", id=sal_id, service_id=service_id, location_id=location_id)
    if confidential:
        writer.attribute(location_id, "location", "confidential_location", "true")
    return sal_id


def build_real(target: Path) -> dict[str, int]:
    writer = PackageWriter(
        "samhsa_hrsa_2020",
        "SAMHSA and HRSA facilities (2020 snapshot)",
        "MOUD facilities (SAMHSA Treatment Locator, Sept 2020), Opioid Treatment Programs (SAMHSA OTP "
        "directory) and HRSA health center sites, as collected and geocoded by the Opioid Environment "
        "Policy Scan (OEPS), University of Chicago. Public domain (U.S. government works).",
    )
    counts = {"moud": 0, "otp": 0, "health_center": 0}
    organizations: dict[str, str] = {}

    def organization(name: str, source: str) -> str:
        key = name.casefold().strip()
        if key not in organizations:
            org_id = uid("organization", key)
            organizations[key] = org_id
            writer.add("organizations.csv", id=org_id, name=name.strip(), description=f"{name.strip()} ({source}).")
            writer.attribute(org_id, "organization", "data_source", source)
        return organizations[key]

    methadone_sites: list[tuple[float, float]] = []
    for row in read_csv("moud_facilities.csv"):
        lat, lng = float(row["latitude"]), float(row["longitude"])
        metro = metro_of(lat, lng)
        if metro is None:
            continue
        medications = [m for m in ("methadone", "buprenorphine", "naltrexone") if row[m] == "True"]
        if not medications:
            continue
        name = row["name1"].strip()
        org_id = organization(name, "SAMHSA Treatment Locator, Sept 2020 (via OEPS)")
        key = f"moud|{name}|{row['street1']}|{row['zip']}"
        service_id = uid("service", key)
        writer.add(
            "services.csv",
            id=service_id,
            organization_id=org_id,
            status="active",
            name=f"{row['name2'].strip() or name} – medications for opioid use disorder",
            description=f"Offers {', '.join(medications)} for opioid use disorder. "
            f"Listed in the SAMHSA Treatment Locator ({SNAPSHOT_DATE[:4]}); call to confirm.",
            assured_date=SNAPSHOT_DATE,
        )
        street = ", ".join(p for p in (row["street1"].strip(), row["street2"].strip()) if p)
        place(writer, org_id, service_id, key, name, street, row["city"], row["state"], row["zip"], lat, lng)
        writer.category(service_id, "moud")
        for medication in medications:
            writer.category(service_id, f"moud.{medication}")
            writer.attribute(service_id, "service", "medication", medication)
        if "methadone" in medications:
            methadone_sites.append((lat, lng))
        counts["moud"] += 1

    for row in read_csv("otp_directory.csv"):
        if not row["Latitude"]:
            continue
        lat, lng = float(row["Latitude"]), float(row["Longitude"])
        if metro_of(lat, lng) is None:
            continue
        # Most OTPs are also in the locator with a methadone flag; keep one listing per site.
        if any(distance_km(lat, lng, m_lat, m_lng) < 0.15 for m_lat, m_lng in methadone_sites):
            continue
        name = row["ID"].strip()
        org_id = organization(name, "SAMHSA Opioid Treatment Program directory (via OEPS)")
        key = f"otp|{name}|{row['ADDRESS']}|{row['POSTAL']}"
        service_id = uid("service", key)
        writer.add(
            "services.csv",
            id=service_id,
            organization_id=org_id,
            status="active",
            name=f"{name} – opioid treatment program (methadone)",
            description="Opioid treatment program certified to dispense methadone. "
            "Listed in SAMHSA's OTP directory; call to confirm hours and intake.",
            assured_date=SNAPSHOT_DATE,
        )
        place(writer, org_id, service_id, key, name, row["ADDRESS"], row["CITY"], row["STATE"], row["POSTAL"], lat, lng)
        writer.category(service_id, "moud")
        writer.category(service_id, "moud.methadone")
        writer.attribute(service_id, "service", "medication", "methadone")
        counts["otp"] += 1

    for row in read_csv("hrsa_health_centers.csv"):
        if not row["lat"]:
            continue
        lat, lng = float(row["lat"]), float(row["lon"])
        if metro_of(lat, lng) is None:
            continue
        name = row["name"].strip()
        org_id = organization(name, "HRSA health center sites (via OEPS)")
        key = f"hrsa|{name}|{row['address']}"
        service_id = uid("service", key)
        writer.add(
            "services.csv",
            id=service_id,
            organization_id=org_id,
            status="active",
            name=f"{name} – community health center",
            description="Federally qualified health center: primary care for everyone, with fees on a "
            "sliding scale by income. Many also offer behavioral health and buprenorphine.",
            assured_date=SNAPSHOT_DATE,
        )
        # HRSA sites carry no ZIP code: use the nearest ZIP centroid's.
        postal = _nearest_zip(lat, lng)
        place(writer, org_id, service_id, key, name, row["address"], row["city"], row["st_abbr"], postal, lat, lng)
        writer.add("phones.csv", id=uid("phone", key), service_id=service_id, number=row["phone"], type="voice")
        writer.category(service_id, "health_care")
        writer.category(service_id, "health_care.primary_care")
        for payment in ("medicaid", "medicare", "sliding_scale"):
            writer.attribute(service_id, "service", "payment_accepted", payment)
        counts["health_center"] += 1
    writer.write(target)
    return counts


_ZIPS: list[tuple[float, float, str, str, str]] = []


def _zip_points() -> list[tuple[float, float, str, str, str]]:
    if not _ZIPS:
        import zipcodes

        for z in zipcodes.list_all():
            if z["zip_code_type"] == "STANDARD" and z["lat"]:
                _ZIPS.append((float(z["lat"]), float(z["long"]), z["zip_code"], z["city"], z["state"]))
    return _ZIPS


def _nearest_zip(lat: float, lng: float) -> str:
    return min(_zip_points(), key=lambda z: (z[0] - lat) ** 2 + (z[1] - lng) ** 2)[2]


# (category code, name, description, options) — made-up resources so every category has results.
SAMPLE_RESOURCES = (
    (
        "housing.shelter",
        "Harbor Light Emergency Shelter",
        "Overnight beds for adults; MOUD patients welcome.",
        {
            "walk_in": True,
            "accepts_moud_residents": True,
            "no_sobriety_requirement": True,
            "capacity": ("beds", 12, 60),
            "hours": ("MO,TU,WE,TH,FR,SA,SU", "17:00", "08:00", "walk_in"),
        },
    ),
    (
        "housing.shelter",
        "Safe Haven Family Shelter",
        "Confidential shelter for people leaving domestic violence.",
        {"confidential": True, "accepts_moud_residents": True, "capacity": ("rooms", 2, 14)},
    ),
    (
        "housing.recovery_housing",
        "New Dawn Recovery Residence",
        "Certified recovery residence; residents on methadone or buprenorphine accepted.",
        {
            "accepts_moud_residents": True,
            "no_sobriety_requirement": False,
            "payment": ("self_pay", "sliding_scale"),
            "capacity": ("beds", 3, 24),
        },
    ),
    (
        "housing.rental_help",
        "Keys Forward Rental Assistance",
        "Help with back rent, deposits and eviction prevention.",
        {"payment": ("free",), "languages": ("en", "es")},
    ),
    (
        "transportation.transit_passes",
        "RideOn Bus Pass Program",
        "Free monthly transit passes for people in treatment or looking for work.",
        {"payment": ("free",), "hours": ("MO,TU,WE,TH,FR", "09:00", "16:00", None)},
    ),
    (
        "transportation.medical_rides",
        "CareCar Medical Rides",
        "Door-to-door rides to medical and MOUD appointments; Medicaid covered.",
        {"payment": ("medicaid", "free"), "languages": ("en", "es")},
    ),
    (
        "food.pantry",
        "Neighbors Food Pantry",
        "Groceries once a week, no ID needed.",
        {
            "walk_in": True,
            "payment": ("free",),
            "hours": ("TU,TH,SA", "10:00", "14:00", "walk_in"),
            "languages": ("en", "es"),
        },
    ),
    (
        "food.meals",
        "Open Table Community Kitchen",
        "Hot lunch every day, all welcome.",
        {"walk_in": True, "payment": ("free",), "hours": ("MO,TU,WE,TH,FR,SA,SU", "11:30", "13:30", "walk_in")},
    ),
    (
        "harm_reduction.naloxone",
        "Lifeline Harm Reduction Center",
        "Free naloxone (Narcan), fentanyl test strips and syringe services.",
        {
            "walk_in": True,
            "payment": ("free",),
            "hours": ("MO,TU,WE,TH,FR", "10:00", "18:00", "walk_in"),
            "extra": ("harm_reduction.syringe_services",),
        },
    ),
    (
        "mental_health.counseling",
        "Bridges Counseling Center",
        "Individual and group counseling; co-occurring disorders.",
        {"payment": ("medicaid", "private_insurance", "sliding_scale"), "accepting_new_patients": True},
    ),
    (
        "mental_health.crisis",
        "24/7 Crisis Walk-In Center",
        "Walk-in crisis support any time.",
        {"walk_in": True, "payment": ("free",), "hours": ("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59", "walk_in")},
    ),
    (
        "moud.buprenorphine",
        "Same Day Bridge Clinic",
        "Low-threshold buprenorphine: same-day start, walk-ins welcome, telehealth follow-up.",
        {
            "walk_in": True,
            "same_day_induction": True,
            "telehealth": True,
            "accepting_new_patients": True,
            "medications": ("buprenorphine",),
            "payment": ("medicaid", "medicare", "sliding_scale"),
            "hours": ("MO,TU,WE,TH,FR", "08:00", "15:00", "walk_in"),
        },
    ),
    (
        "moud.recovery_support",
        "Peer Recovery Hub",
        "Peer recovery coaches and support groups.",
        {"walk_in": True, "payment": ("free",)},
    ),
    (
        "benefits.insurance_enrollment",
        "Health Coverage Navigators",
        "Help applying for Medicaid and marketplace plans.",
        {"payment": ("free",), "languages": ("en", "es", "vi")},
    ),
    (
        "benefits.public_benefits",
        "Benefits Access Desk",
        "SNAP (food stamps), cash assistance and ID documents.",
        {"payment": ("free",)},
    ),
    (
        "employment.job_training",
        "Second Chance Jobs Program",
        "Job training and placement for people in recovery.",
        {"payment": ("free",)},
    ),
    (
        "legal.legal_aid",
        "Community Legal Aid Clinic",
        "Free civil legal help: housing, benefits, expungement.",
        {"payment": ("free",), "languages": ("en", "es")},
    ),
)


def build_sample(target: Path) -> int:
    writer = PackageWriter(
        "sample_community_resources",
        "Sample community resources (made up, for the demo)",
        "Made-up housing, transportation, food and support services so every category has results in the "
        "demo. Not real organizations: never refer a client to them.",
    )
    rng = random.Random(2026)
    count = 0
    for metro, (state, m_lat, m_lng, radius) in METROS.items():
        zips = [z for z in _zip_points() if z[4] == state and distance_km(z[0], z[1], m_lat, m_lng) < radius * 0.8]
        for index, (code, name, description, options) in enumerate(SAMPLE_RESOURCES):
            for copy in range(2):
                z_lat, z_lng, postal, city, _ = rng.choice(zips)
                lat, lng = z_lat + rng.uniform(-0.01, 0.01), z_lng + rng.uniform(-0.01, 0.01)
                key = f"sample|{metro}|{index}|{copy}"
                full_name = f"{name} – {city} (sample)"
                org_id = uid("organization", key)
                writer.add("organizations.csv", id=org_id, name=f"{name} (sample)", description=description)
                writer.attribute(org_id, "organization", "sample_data", "true")
                writer.attribute(org_id, "organization", "data_source", "Sample data made up for the demo")
                service_id = uid("service", key)
                writer.add(
                    "services.csv",
                    id=service_id,
                    organization_id=org_id,
                    name=full_name,
                    status="active",
                    description=description + " (Sample record for the demo, not a real service.)",
                    assured_date="2026-11-01",
                )
                street = (
                    f"{rng.randint(100, 4999)} {rng.choice(['Main', 'Oak', 'Park', 'Union', 'Liberty', 'Grand'])} St"
                )
                sal_id = place(
                    writer,
                    org_id,
                    service_id,
                    key,
                    full_name,
                    street,
                    city,
                    state,
                    postal,
                    lat,
                    lng,
                    confidential=options.get("confidential", False),
                )
                top = code.split(".")[0]
                for category in (top, code, *options.get("extra", ())):
                    writer.category(service_id, category)
                for medication in options.get("medications", ()):
                    writer.attribute(service_id, "service", "medication", medication)
                for payment in options.get("payment", ()):
                    writer.attribute(service_id, "service", "payment_accepted", payment)
                for flag in (
                    "walk_in",
                    "same_day_induction",
                    "telehealth",
                    "accepting_new_patients",
                    "accepts_moud_residents",
                    "no_sobriety_requirement",
                ):
                    if flag in options:
                        writer.attribute(service_id, "service", flag, "true" if options[flag] else "false")
                writer.add(
                    "phones.csv",
                    id=uid("phone", key),
                    service_id=service_id,
                    number=f"555-01{rng.randint(10, 99)}",
                    type="voice",
                    description="Sample number",
                )
                for language in options.get("languages", ()):
                    writer.add("languages.csv", id=uid("language", key, language), service_id=service_id, code=language)
                if "hours" in options:
                    byday, opens, closes, attending = options["hours"]
                    writer.add(
                        "schedules.csv",
                        id=uid("schedule", key),
                        service_at_location_id=sal_id,
                        freq="WEEKLY",
                        byday=byday,
                        opens_at=opens,
                        closes_at=closes,
                        attending_type=attending or "",
                    )
                if "capacity" in options:
                    unit, available, maximum = options["capacity"]
                    writer.add(
                        "service_capacity.csv",
                        id=uid("capacity", key),
                        service_id=service_id,
                        unit=unit,
                        available=str(rng.randint(0, available)),
                        maximum=str(maximum),
                        waitlist=str(rng.randint(0, 5)),
                        updated="2026-11-20T09:00:00+00:00",
                    )
                count += 1
    writer.write(target)
    return count


def main() -> None:
    real = build_real(ROOT / "seed_data" / "samhsa_hrsa_2020")
    sample = build_sample(ROOT / "seed_data" / "sample_community_resources")
    print(f"real: {real}; sample services: {sample}")


if __name__ == "__main__":
    main()
