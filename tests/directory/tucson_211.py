"""A made-up 211 directory around downtown Tucson (ZIP 85701), written as real 211 exports are: HSDS 1.1 CSV with
AIRS taxonomy terms (parent_id left empty: the code says the level), or HSDS 3.0 JSON with nested terms.

Each kind of help the everyday phrases name has a listing, in the words 211 records use; and near the ZIP's
centre sit the decoys a loose search falls for: a naltrexone clinic for "naloxone", a dental clinic for
"rental", a mental health clinic for "dental", a heat relief station for "eat", a grants office for "gratis",
a late laundry for "tonight".
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pytest

TUCSON_ZIP = "85701"
TUCSON = (32.2139, -110.9694)  # the offline ZIP table's centre of 85701
ALBUQUERQUE_ZIP = "87102"
ALBUQUERQUE = (35.0818, -106.6482)


@dataclass(frozen=True)
class Listing:
    """One service at one location, with its AIRS term."""

    key: str
    organization: str
    name: str
    description: str
    km: float
    code: str
    term: str


#: AIRS terms a level up that listings' terms hang under (by code: the export leaves parent_id empty).
PARENT_TERMS = [
    ("RX-8450", "Substance Use Disorder Treatment Programs"),
    ("BD-1800", "Emergency Food"),
    ("NL-6000", "Public Assistance Programs"),
    ("PN-8100", "Mutual Support Groups"),
    ("LR-8000", "Health Screening/Diagnostic Services"),
    ("BT-4500", "Local Transit"),
]

LISTINGS = [
    # Decoys nearest the centre.
    Listing(
        "naltrexone",
        "Desert Bloom Health",
        "Vivitrol Injection Clinic",
        "Extended-release naltrexone (Vivitrol) injections for opioid and alcohol use disorder.",
        0.4,
        "RX-8450.5500",
        "Naltrexone Maintenance",
    ),
    Listing(
        "dental",
        "Pima Smiles",
        "Pima Dental Clinic",
        "Dentist visits, cleanings and dentistry for adults.",
        0.5,
        "LV-1600",
        "Dental Care",
    ),
    Listing(
        "mental",
        "La Frontera",
        "La Frontera Mental Health Counseling",
        "Therapy and counseling for depression and anxiety; mental health care for adults.",
        0.6,
        "RP-1400",
        "Mental Health Counseling",
    ),
    Listing(
        "heat",
        "City of Tucson",
        "Heat Relief Station",
        "Cool place to rest on hot days, water.",
        0.3,
        "TH-2600",
        "Extreme Heat Relief",
    ),
    Listing(
        "grants",
        "Startup Tucson",
        "Small Business Grants Office",
        "Grants and ratios workshops.",
        0.3,
        "ND-6500",
        "Small Business Development",
    ),
    Listing(
        "night",
        "Night Owl",
        "Night Owl Laundry",
        "Coin laundry open late.",
        0.35,
        "BM-4000",
        "Laundry Facilities",
    ),
    # MOUD and treatment.
    Listing(
        "bupe",
        "Sonora Behavioral",
        "Office-Based Opioid Treatment",
        "Buprenorphine prescribing: Suboxone, Subutex, Zubsolv, Sublocade and Brixadi.",
        1.2,
        "RX-8450.1150",
        "Buprenorphine Maintenance",
    ),
    Listing(
        "methadone",
        "CODAC Health",
        "CODAC Campbell Avenue",
        "Opioid treatment program (OTP): daily dosing, counseling.",
        1.3,
        "RX-8450.5000",
        "Methadone Clinics",
    ),
    Listing(
        "mat",
        "Arizona Complete Health",
        "MAT Program",
        "Medication assisted treatment (MOUD) for opioid use disorder, opioids and addiction.",
        1.4,
        "RX-8450.4500",
        "Medication Assisted Treatment",
    ),
    Listing(
        "outpatient",
        "Cope Community Services",
        "Outpatient Addiction Treatment",
        "Substance use and addiction treatment, individual and group.",
        1.5,
        "RX-8450.8000",
        "Outpatient Substance Use Disorder Treatment",
    ),
    Listing(
        "rehab",
        "Amity Foundation",
        "Residential Rehab",
        "Residential treatment and rehabilitation, inpatient stays of 30 to 90 days.",
        1.6,
        "RX-8450.7000",
        "Residential Substance Use Disorder Treatment Facilities",
    ),
    Listing(
        "detox",
        "Crisis Response Network",
        "DETOX",
        "Medically supervised withdrawal management, 24 hours.",
        1.7,
        "RX-8450.1000",
        "Inpatient Drug Detoxification",
    ),
    Listing(
        "sober",
        "Oxford House Sunrise",
        "Sunrise Sober Living",
        "Sober living recovery residence; halfway house for men in recovery.",
        1.8,
        "RX-8470.8250",
        "Recovery Homes/Halfway Houses",
    ),
    Listing(
        "peer",
        "Hope Inc",
        "Peer Recovery Coaching",
        "Peer support and recovery coach services.",
        1.9,
        "RX-8470.6600",
        "Peer Recovery Coaching",
    ),
    Listing(
        "aa",
        "Tucson Central Office",
        "Alcoholics Anonymous Meetings",
        "Alcoholics Anonymous (AA) meetings, twelve step mutual support.",
        2.0,
        "PN-8100.0500",
        "Alcoholics Anonymous",
    ),
    Listing(
        "na",
        "Tucson Area NA",
        "Narcotics Anonymous and SMART Recovery Meetings",
        "Narcotics Anonymous (NA) and SMART mutual support meetings.",
        2.1,
        "PN-8100.5000",
        "Narcotics Anonymous",
    ),
    # Harm reduction.
    Listing(
        "naloxone",
        "Sonoran Prevention Works",
        "Naloxone Distribution",
        "Free naloxone (Narcan) kits and overdose response training.",
        2.2,
        "LH-2700.6000",
        "Naloxone Distribution",
    ),
    Listing(
        "syringe",
        "Sonoran Prevention Works",
        "Syringe Services Program",
        "Syringe exchange: clean needles and syringes, safe disposal.",
        2.3,
        "LH-2700.8500",
        "Needle Exchange",
    ),
    Listing(
        "strips",
        "Sonoran Prevention Works",
        "Drug Checking",
        "Fentanyl test strips and drug checking; harm reduction supplies.",
        2.4,
        "LH-2700.2000",
        "Harm Reduction Supplies",
    ),
    # Transportation.
    Listing(
        "bus",
        "Sun Tran",
        "Reduced Fare Bus Pass",
        "Bus passes, tokens and transit fares; light rail too.",
        2.5,
        "BT-4500.6500-170",
        "Bus Fare",
    ),
    Listing(
        "rides",
        "AHCCCS",
        "Medical Rides (NEMT)",
        "Non-emergency medical transportation: rides to appointments (NEMT).",
        2.6,
        "BT-4500.6500-500",
        "Medical Appointment Transportation",
    ),
    Listing(
        "gas",
        "Catholic Community Services",
        "Gas Card Assistance",
        "Gas cards for getting to work.",
        2.7,
        "BT-8300.2500",
        "Gas Money",
    ),
    # Food and benefits.
    Listing(
        "pantry",
        "Community Food Bank",
        "Food Pantry",
        "Groceries to take home; food boxes every week.",
        2.8,
        "BD-1800.2000",
        "Food Pantries",
    ),
    Listing(
        "meals",
        "Casa Maria",
        "Casa Maria",
        "Hot meals every day: breakfast, lunch and dinner (supper).",
        2.9,
        "BD-5000.8300",
        "Soup Kitchens",
    ),
    Listing(
        "snap",
        "Pima County Benefits",
        "WEST",
        "Applications taken Monday to Friday.",
        3.0,
        "NL-6000.2000",
        "Food Stamps/SNAP",
    ),
    Listing(
        "wic",
        "Pima County Health",
        "WIC Nutrition Program",
        "WIC: food, formula and nutrition for women, infants and children.",
        3.1,
        "NL-6000.9500",
        "WIC",
    ),
    Listing(
        "medicaid",
        "Arizona Enrollment Help",
        "Health Insurance Enrollment",
        "Medicaid (AHCCCS) and Marketplace insurance enrollment.",
        3.2,
        "NL-5000.5000",
        "Medicaid",
    ),
    Listing(
        "cash", "DES", "Cash Assistance", "TANF cash assistance (welfare) for families.", 3.3, "NL-6000.8000", "TANF"
    ),
    Listing(
        "ssi",
        "Disability Rights Arizona",
        "SSI/SSDI Disability Benefits Help",
        "Applying for SSI and SSDI disability benefits.",
        3.4,
        "NS-8000",
        "Social Security Disability",
    ),
    Listing(
        "id",
        "Tucson Identity Project",
        "ID Help",
        "Identification documents: state ID and birth certificates.",
        3.5,
        "DF-7000.3300",
        "Identification Cards",
    ),
    # Housing.
    Listing(
        "shelter",
        "Gospel Rescue Mission",
        "Emergency Shelter",
        "Shelter beds for homeless adults; warming center in winter.",
        3.6,
        "BH-1800.8500",
        "Homeless Shelter",
    ),
    Listing(
        "rental",
        "Primavera Foundation",
        "Rental Assistance",
        "Help with rent and eviction prevention.",
        3.7,
        "BH-3800.7000",
        "Rent Payment Assistance",
    ),
    Listing(
        "utility",
        "Pima Energy",
        "Utility Bill Assistance",
        "Help with utilities: energy and water bills.",
        3.8,
        "BV-8900",
        "Utility Assistance",
    ),
    Listing(
        "housing",
        "Tucson Housing Authority",
        "Affordable Housing",
        "Affordable housing and apartments.",
        3.9,
        "BH-8300",
        "Low Income/Subsidized Rental Housing",
    ),
    # Health.
    Listing(
        "clinic",
        "El Rio Health",
        "El Rio Community Health Center",
        "Primary care clinic (FQHC): physician visits and checkups; community health.",
        4.0,
        "LN-1500.1900",
        "Community Health Centers",
    ),
    Listing(
        "vision",
        "Tucson Eye Care",
        "Vision Clinic",
        "Eye exams and glasses (optometry).",
        4.1,
        "LT-1750",
        "Vision Care",
    ),
    Listing(
        "pharmacy",
        "St. Mary's",
        "Prescription Assistance Pharmacy",
        "Pharmacy help paying for prescriptions.",
        4.2,
        "LH-6700",
        "Prescription Expense Assistance",
    ),
    Listing(
        "hiv",
        "Southern Arizona AIDS Foundation",
        "HIV and Hepatitis C Testing",
        "HIV testing and hepatitis C (HCV) testing.",
        4.3,
        "LR-8000.3200",
        "HIV Testing",
    ),
    Listing(
        "psychiatry",
        "Banner Behavioral",
        "Psychiatric Clinic",
        "Psychiatry: a psychiatrist for medications.",
        4.4,
        "RM-6500",
        "Psychiatric Services",
    ),
    Listing(
        "crisis",
        "Crisis Response Network",
        "988 Crisis Line",
        "24-hour suicide and crisis hotline; call or text 988.",
        4.5,
        "RP-1500.1400",
        "Crisis Intervention",
    ),
    # Legal, work, family.
    Listing(
        "legal",
        "Southern Arizona Legal Aid",
        "Civil Legal Aid",
        "Free lawyer (attorney) help with civil cases.",
        4.6,
        "FT-3000",
        "Legal Aid",
    ),
    Listing(
        "expunge",
        "Pima Public Defender",
        "Record Clearing",
        "Expungement: expunge or set aside old convictions; record clearing.",
        4.7,
        "FT-1800.2000",
        "Expungement",
    ),
    Listing(
        "reentry",
        "Reentry Coalition",
        "Reentry Services",
        "Reentry help after prison.",
        4.8,
        "FF-0500.6950",
        "Ex-Offender Reentry Programs",
    ),
    Listing(
        "immigration",
        "Florence Project",
        "Immigration Legal Services",
        "Immigration help.",
        4.9,
        "FT-3000.3000",
        "Immigration Legal Services",
    ),
    Listing(
        "jobs",
        "ARIZONA@WORK",
        "Job Center",
        "Employment services: jobs, job search and resume help; job training.",
        5.0,
        "ND-1500",
        "Employment",
    ),
    Listing(
        "childcare",
        "Child Care Resource",
        "Child Care Referrals",
        "Childcare and daycare for child ages 0-5.",
        5.1,
        "PH-1250",
        "Child Care Provider Referrals",
    ),
    Listing(
        "family",
        "Family Resource Center",
        "Parenting Classes",
        "Parenting help for families with children and youth.",
        5.2,
        "PH-6300",
        "Parenting Education",
    ),
    Listing(
        "prenatal",
        "Pima Health",
        "Prenatal Care",
        "Prenatal care for pregnant women; pregnancy tests.",
        5.3,
        "LJ-5000",
        "Prenatal Care",
    ),
    Listing(
        "dv",
        "Emerge",
        "Domestic Violence Services",
        "Domestic violence help and safety planning.",
        5.4,
        "RP-1400.8000-200",
        "Domestic Violence Counseling",
    ),
    # Tagged only with a target population (an AIRS Y code): found by it, and by "VA" in its organization's name.
    Listing(
        "veterans",
        "Southern Arizona VA Health Care System",
        "Tucson Vet Center",
        "Readjustment counseling and referrals after military service.",
        5.5,
        "YN-9000",
        "Veterans",
    ),
]


def point_at(centre: tuple[float, float], km: float, bearing_degrees: float) -> tuple[float, float]:
    """A point `km` from `centre` along a bearing."""
    from directory.geo.earth import EARTH_RADIUS_KM

    latitude, longitude = map(math.radians, centre)
    angle, bearing = km / EARTH_RADIUS_KM, math.radians(bearing_degrees)
    lat2 = math.asin(math.sin(latitude) * math.cos(angle) + math.cos(latitude) * math.sin(angle) * math.cos(bearing))
    lng2 = longitude + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(latitude), math.cos(angle) - math.sin(latitude) * math.sin(lat2)
    )
    return math.degrees(lat2), math.degrees(lng2)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_hsds_1_1(root: Path) -> Path:
    """The Tucson listings as an HSDS 1.1 CSV package (AIRS terms with empty parent_id) under `root`."""
    places = [point_at(TUCSON, listing.km, 37.0 * i) for i, listing in enumerate(LISTINGS)]
    _write(
        root / "organizations.csv",
        ["id", "name", "description"],
        [[f"o-{x.key}", x.organization, ""] for x in LISTINGS],
    )
    _write(
        root / "services.csv",
        ["id", "organization_id", "name", "description", "status"],
        [[f"s-{x.key}", f"o-{x.key}", x.name, x.description, "active"] for x in LISTINGS],
    )
    _write(
        root / "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude"],
        [
            [f"l-{x.key}", f"o-{x.key}", "", f"{lat:.6f}", f"{lng:.6f}"]
            for x, (lat, lng) in zip(LISTINGS, places, strict=True)
        ],
    )
    _write(
        root / "physical_addresses.csv",
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country"],
        [[f"a-{x.key}", f"l-{x.key}", "1 Congress St", "Tucson", "AZ", TUCSON_ZIP, "US"] for x in LISTINGS],
    )
    _write(
        root / "services_at_location.csv",
        ["id", "service_id", "location_id"],
        [[f"sal-{x.key}", f"s-{x.key}", f"l-{x.key}"] for x in LISTINGS],
    )
    terms = {code: name for code, name in PARENT_TERMS} | {x.code: x.term for x in LISTINGS}
    _write(
        root / "taxonomy.csv",
        ["id", "name", "parent_id", "vocabulary"],
        [[code, name, "", "AIRS"] for code, name in terms.items()],
    )
    _write(
        root / "services_taxonomy.csv",
        ["id", "service_id", "taxonomy_id", "taxonomy_detail"],
        [[f"st-{x.key}", f"s-{x.key}", x.code, ""] for x in LISTINGS],
    )
    _write(
        root / "payments_accepted.csv",
        ["id", "service_id", "payment"],
        [["pay-clinic", "s-clinic", "Free"], ["pay-naltrexone", "s-naltrexone", "Medicaid"]],
    )
    resources = sorted(p.name for p in root.glob("*.csv"))
    (root / "datapackage.json").write_text(
        json.dumps(
            {"name": "tucson-211", "resources": [{"name": n[:-4], "path": n, "format": "csv"} for n in resources]}
        )
    )
    return root


def write_hsds_3_0(path: Path) -> Path:
    """The same listings around Albuquerque (ZIP 87102) as HSDS 3.0 JSON, each term nested with its parent."""
    parents = {code: name for code, name in PARENT_TERMS}
    services = []
    for i, listing in enumerate(LISTINGS):
        latitude, longitude = point_at(ALBUQUERQUE, listing.km, 37.0 * i)
        parent_code = listing.code.split(".")[0]
        term = {"id": f"abq-{listing.code}", "code": listing.code, "name": listing.term, "taxonomy": "AIRS"}
        if parent_code in parents and parent_code != listing.code:
            term["parent_id"] = f"abq-{parent_code}"
        services.append(
            {
                "id": f"abq-s-{listing.key}",
                "name": listing.name,
                "description": listing.description,
                "status": "active",
                "organization": {"id": f"abq-o-{listing.key}", "name": listing.organization, "description": ""},
                "attributes": [{"id": f"abq-at-{listing.key}", "taxonomy_term": term}],
                "service_at_locations": [
                    {
                        "id": f"abq-sal-{listing.key}",
                        "location": {
                            "id": f"abq-l-{listing.key}",
                            "name": "",
                            "location_type": "physical",
                            "latitude": latitude,
                            "longitude": longitude,
                            "addresses": [
                                {
                                    "id": f"abq-a-{listing.key}",
                                    "address_1": "1 Central Ave",
                                    "city": "Albuquerque",
                                    "state_province": "NM",
                                    "postal_code": ALBUQUERQUE_ZIP,
                                    "country": "US",
                                    "address_type": "physical",
                                }
                            ],
                        },
                    }
                ],
            }
        )
    taxonomy_terms = [
        {"id": f"abq-{code}", "code": code, "name": name, "taxonomy": "AIRS"} for code, name in PARENT_TERMS
    ]
    path.write_text(json.dumps({"services": services, "organizations": [], "taxonomy_terms": taxonomy_terms}))
    return path


@pytest.fixture(scope="module")
def tucson(seeded, tmp_path_factory):
    """The Tucson 211 directory (HSDS 1.1 CSV) and its copy around Albuquerque (HSDS 3.0 JSON), imported through
    the CLI on top of the seed data."""
    from click.testing import CliRunner

    from server.cli import directory_group

    folder = tmp_path_factory.mktemp("tucson")
    for package in (write_hsds_1_1(folder / "tucson-211"), write_hsds_3_0(folder / "albuquerque.json")):
        result = CliRunner().invoke(directory_group, ["import", "--quiet", str(package)])
        assert result.exit_code == 0, result.output
