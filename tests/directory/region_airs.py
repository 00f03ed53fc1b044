"""The miniature 211 export (region_211) with more of the AIRS terms real 211 exports use: the BT section's
travelers assistance (consulates, road-side help) beside local and medical transportation, target-population
(Y) terms, case management, information and referral, support groups, 12-step meetings and detox, each term
under its parents as AIRS nests them."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.directory import region_211

# id, service name, description, ZIP, AIRS codes of its terms
SERVICES = [
    ("a1", "Consulado de Mexico", "Passports and consular ID cards.", "43215", ["BT-8750.1400"]),
    (
        "a2",
        "Motor Club Road Service",
        "Road-side help for stranded drivers: jump starts, flat tires.",
        "43215",
        ["BT-8750.1800"],
    ),
    ("a3", "Central Ohio Bus Line", "Fixed-route city buses downtown.", "43215", ["BT-4500.4700"]),
    (
        "a4",
        "MedRide Columbus",
        "Rides to doctor and clinic visits for Medicaid members.",
        "43206",
        ["BT-4500.6500-500"],
    ),
    ("a5", "Veterans Pantry", "Groceries once a week.", "43215", ["BD-1800.2000", "YN-9000"]),
    ("a6", "Franklin Care Coordination", "A case manager plans services with you.", "43215", ["PH-1000"]),
    ("a7", "Central Ohio 2-1-1", "Call or text to find help near you.", "43215", ["TJ-3000.8000"]),
    ("a8", "Grief Circle", "A weekly group for people who lost someone.", "43206", ["PN-8100.1000"]),
    ("a9", "Tuesday Night NA", "A Narcotics Anonymous meeting, open to all.", "43206", ["PN-8100.0500-180"]),
    ("a10", "Maple Withdrawal Unit", "Medically monitored withdrawal, 24 hours.", "43205", ["RX-1700.1700"]),
    (
        "a11",
        "Sunrise Senior Center",
        "Lunch club and card games for older adults.",
        "43215",
        ["TC-5500.8000", "YB-8000"],
    ),
]

# code, name, parent code
TERMS = [
    ("BT", "Transportation", ""),
    ("BT-4500", "Local Transportation", "BT"),
    ("BT-4500.4700", "Local Bus Services", "BT-4500"),
    ("BT-4500.6500", "Paratransit Programs", "BT-4500"),
    ("BT-4500.6500-500", "Medical Appointments Transportation", "BT-4500.6500"),
    ("BT-8750", "Travelers Assistance", "BT"),
    ("BT-8750.1400", "Consulates", "BT-8750"),
    ("BT-8750.1800", "Roadside Assistance", "BT-8750"),
    ("PH-1000", "Case/Care Management", ""),
    ("TJ-3000", "Information and Referral", ""),
    ("TJ-3000.8000", "Specialized Information and Referral", "TJ-3000"),
    ("PN-8100", "Support Groups", ""),
    ("PN-8100.1000", "Grief/Bereavement Support Groups", "PN-8100"),
    ("PN-8100.0500", "Addiction/Substance Use Support Groups", "PN-8100"),
    ("PN-8100.0500-180", "Narcotics Anonymous", "PN-8100.0500"),
    ("RX-1700", "Detoxification", ""),
    ("RX-1700.1700", "Drug Detoxification", "RX-1700"),
    ("Y", "Target Populations", ""),
    ("YN-9000", "Veterans", "Y"),
    ("YB-8000", "Older Adults", "Y"),
    ("TC-5500.8000", "Senior Centers", ""),
]


def _append(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open(newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="")
        writer.writerows(rows)


def write_package(root: Path) -> Path:
    """region_211's package with these services and terms added; returns `root`."""
    region_211.write_package(root)
    data = root / "data"
    _append(data / "organizations.csv", [{"id": f"org-{sid}", "name": f"Agency {sid.upper()}"} for sid, *_ in SERVICES])
    _append(
        data / "services.csv",
        [
            {"id": sid, "organization_id": f"org-{sid}", "name": name, "description": text, "status": "active"}
            for sid, name, text, *_ in SERVICES
        ],
    )
    _append(data / "locations.csv", [{"id": f"loc-{sid}", "organization_id": f"org-{sid}"} for sid, *_ in SERVICES])
    _append(
        data / "physical_addresses.csv",
        [
            {
                "id": f"addr-{sid}",
                "location_id": f"loc-{sid}",
                "address_1": "1 Main St",
                "city": "Columbus",
                "state_province": "OH",
                "postal_code": zip_code,
                "country": "US",
            }
            for sid, _name, _text, zip_code, _codes in SERVICES
        ],
    )
    _append(
        data / "services_at_location.csv",
        [{"id": f"sal-{sid}", "service_id": sid, "location_id": f"loc-{sid}"} for sid, *_ in SERVICES],
    )
    _append(data / "taxonomy.csv", [{"id": c, "name": n, "parent_id": p, "vocabulary": "AIRS"} for c, n, p in TERMS])
    _append(
        data / "services_taxonomy.csv",
        [
            {"id": f"st-{sid}-{code}", "service_id": sid, "taxonomy_id": code}
            for sid, _name, _text, _zip, codes in SERVICES
            for code in codes
        ],
    )
    return root
