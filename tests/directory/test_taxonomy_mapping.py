"""The shipped mapping puts the terms 211s, Open Eligibility and HSDS 1.x packages use in the right category, by
explicit AIRS codes and term names, never by a bare section: BT-8750 consulates are not transportation.
Target populations (AIRS Y codes) say who a listing is for instead of making a category; case management,
information and referral and support groups have categories of their own."""

import asyncio
import re

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from directory.listings.facts import provides_sud_treatment
from directory.search.documents import refresh_search_documents
from directory.tables import Service, TaxonomyTerm
from directory.taxonomy.mapping import assign_categories, load_rules, shipped_rules
from server.app import create_app
from server.cli import directory_group
from tests.directory import region_211, region_airs


def categories(*terms: dict) -> list[str | None]:
    rules, overrides = asyncio.run(load_rules())
    rows = [dict(term) for term in terms]
    assign_categories(rows, rules, overrides)
    return [row["category"] for row in rows]


@pytest.mark.parametrize(
    ("code", "name", "category"),
    [
        ("BD-1800.2000", "Food Pantries", "food.pantry"),
        ("BD-5000.8300", "Soup Kitchens", "food.meals"),
        ("BD-1800.1900", "Food Vouchers", "food"),  # an unlisted code takes its nearest listed ancestor's
        ("BH-1800.8500-800", "Homeless Shelter", "housing.shelter"),
        ("BT-4500", "Local Transit Services", "transportation.transit_passes"),  # the name says more
        ("BT-4500.4700", "Local Bus Services", "transportation.transit_passes"),
        ("BT-4500.6500-500", "Medical Appointments Transportation", "transportation.medical_rides"),
        ("BT-8300.1000", "Bus Fare", "transportation.transit_passes"),
        ("BT-8750.1400", "Consulates", None),  # travelers assistance, not transportation
        ("BT-8750.1800", "Roadside Assistance", None),
        ("BT-8750.8600", "Bus Route Information", None),  # a keyword ('bus') does not override the table
        ("BT", "Transportation", "transportation"),  # the section's own term, by its name
        ("RX-8450.5000", "Methadone Maintenance", "moud.methadone"),
        ("RX-8450.5000", "Medication Assisted Maintenance Treatment for Substance Use Disorders", "moud"),
        ("RX-8450", "Substance Use Disorder Treatment Programs", "moud"),
        ("RX-1700.1700", "Drug Detoxification", "moud.detox"),
        ("RX-8500.8000", "Sober Living Homes", "housing.recovery_housing"),
        ("RX-8470.1900-630", "Narcan Distribution", "harm_reduction.naloxone"),
        ("LH-2700.6000", "Naloxone Distribution", "harm_reduction.naloxone"),  # an SUD name beats a broad section
        ("PN-8100.0500-180", "Narcotics Anonymous", "moud.recovery_support"),
        ("RX-8470.8350", "Substance Use Disorder Hotlines", "moud"),  # SUD-related, as referrals to it are
        ("RX-8470.9999", "Case Management", "moud"),  # a name never takes an SUD service out of SUD care
        ("PN-8100.1000", "Grief/Bereavement Support Groups", "support_groups"),
        ("PH-1000", "Case/Care Management", "case_management"),
        ("RP-6400.8000-600", "Case Management", "case_management"),  # a known name beats an ancestor's code
        ("TJ-3000.8000", "Specialized Information and Referral", "information_referral"),
        ("NL-6000.2000", "Food Stamps/SNAP", "benefits.public_benefits"),
        ("NL-6000.9500", "WIC", "benefits.public_benefits"),
        ("NL-5000.5000", "Medicaid", "benefits.insurance_enrollment"),
        ("BV-8900.9300-180", "Electric Service Payment Assistance", "benefits.utility_help"),
        ("RP-1500.1400-800", "Suicide Prevention Hotlines", "mental_health.crisis"),
        ("LN-1500.1900", "Community Health Centers", "health_care.primary_care"),
        ("LV-1600", "Dental Care", "health_care"),
        ("FT-3200", "General Legal Aid", "legal.legal_aid"),
        ("ND-2000.6500", "Job Seeking Skills", "employment.job_training"),
        ("PH-1250.1400", "Child Care Centers", "family"),
        ("BM-6500.1500-150", "Diapers", "goods"),
        ("PD-6250.6600", "Pet Food Assistance", None),  # animals' food is not people's
        ("NL", "Public Assistance Programs", "benefits.public_benefits"),
        (None, "Addiction & Recovery", "moud"),  # Open Eligibility
        (None, "Help Pay for Housing", "housing.rental_help"),
        (None, "Emergency Food", "food"),
        (None, "Bus passes for job seekers", "transportation.transit_passes"),  # HSDS 1.x free text
        (None, "Naloxone distribution", "harm_reduction.naloxone"),
        (None, "Food Stamps/SNAP", "benefits.public_benefits"),  # the longer keyword wins over "food"
        (None, "Méthadone Maintenance", "moud.methadone"),  # accents and case folded
        (None, "Credit Counseling", None),  # counseling about money is not mental health
        (None, "Current affairs club", None),  # "rent" inside a word is not rent
        ("ZZ-1234", "Assistive Technology Repair", None),
    ],
)
def test_shipped_rules(code, name, category):
    assert categories({"id": 1, "code": code, "name": name, "taxonomy": "AIRS"}) == [category]


def test_detox_is_sud_treatment_and_a_12_step_meeting_is_sud_related_but_not_treatment():
    assert provides_sud_treatment({"moud", "moud.detox"}, set())
    assert not provides_sud_treatment({"moud", "moud.recovery_support"}, set())


def test_no_mixed_section_is_mapped_whole():
    codes = shipped_rules().codes
    for section in ("BT", "BD", "BH", "BM", "BV", "PH", "PN", "RX", "TH", "B", "L", "P", "R", "T"):
        assert section not in codes, section
    assert codes["BT-8750"] == "-"


def test_population_terms_are_no_category_and_say_who_a_service_is_for():
    rules = shipped_rules()
    veterans = {"id": 1, "code": "YN-9000", "name": "Veterans", "taxonomy": "AIRS"}
    homeless = {"id": 2, "code": None, "name": "Homeless People", "taxonomy": "local"}
    combined = {
        "id": 3,
        "code": "BH-1800.8500 * YB-8000",
        "name": "Homeless Shelter * Older Adults",
        "taxonomy": "AIRS",
    }
    under_food = {"id": 4, "code": None, "name": "Veterans", "parent_id": 5, "taxonomy": "local"}
    food = {"id": 5, "code": None, "name": "Emergency Food", "taxonomy": "local"}
    assert categories(veterans, homeless, combined, under_food, food) == [None, None, "housing.shelter", None, "food"]
    assert rules.population_label("YN-9000", "Veterans") == "Veterans"
    assert rules.population_label(None, "Homeless People") == "Homeless People"
    assert rules.population_label("BH-1800.8500 * YB-8000", "Homeless Shelter * Older Adults") == "Older Adults"
    assert rules.population_label("BH-1800.8500", "Homeless Shelter") is None
    # A local taxonomy's code that happens to start with Y is not an AIRS target population.
    assert not rules.is_population("YOUTH-01", "Youth Sports League")


def test_the_directorys_own_terms_keep_their_codes():
    own = {"id": 1, "code": "moud.methadone", "name": "Methadone", "taxonomy": "sud-community-resources"}
    attribute = {"id": 2, "code": "walk_in", "name": "walk in", "taxonomy": "sud-care-attributes"}
    assert categories(own, attribute) == ["moud.methadone", None]


def test_a_term_without_an_airs_code_matching_nothing_takes_its_nearest_mapped_ancestors_category():
    terms = (
        {"id": 1, "code": "X1", "name": "Basic Needs: Food", "taxonomy": "local"},
        {"id": 2, "code": "X1.1", "name": "Programs", "parent_id": 1, "taxonomy": "local"},
        {"id": 3, "code": "X1.1.1", "name": "Tuesday programs", "parent_id": 2, "taxonomy": "local"},
    )
    assert categories(*terms) == ["food", "food", "food"]


def test_an_airs_term_does_not_inherit_its_sections_category():
    section = {"id": 1, "code": "BT", "name": "Transportation", "taxonomy": "AIRS"}
    travel = {"id": 2, "code": "BT-9999", "name": "Something New", "parent_id": 1, "taxonomy": "AIRS"}
    assert categories(section, travel) == ["transportation", None]


# Through the public surface: a 211 export imported with the CLI, searched near downtown Columbus.


def cli(*args: str):
    return CliRunner().invoke(directory_group, list(args))


@pytest.fixture
def imported(tmp_path):
    package = region_airs.write_package(tmp_path / "columbus-211")
    result = cli("import", "--quiet", "--skip-invalid", str(package))
    assert result.exit_code == 0, result.output
    return package


def search(**params) -> list[dict]:
    with TestClient(app=create_app()) as client:
        response = client.get("/api/services", params={"near": region_211.DOWNTOWN_ZIP, "per_page": 50, **params})
        assert response.status_code == 200, response.text
        return response.json()["contents"]


def names(listings: list[dict]) -> set[str]:
    return {listing["name"] for listing in listings}


def test_transportation_is_buses_fares_and_medical_rides_not_consulates_or_road_side_help(imported):
    transportation = names(search(category="transportation"))
    assert transportation == {"Fare Help", "Central Ohio Bus Line", "MedRide Columbus"}
    assert names(search(category="transportation.medical_rides")) == {"MedRide Columbus"}
    for listing in search(search="Consulado de Mexico")[:1] + search(search="Motor Club Road Service")[:1]:
        assert listing["categories"] == []


def test_case_management_information_and_referral_and_support_groups_have_their_own_categories(imported):
    assert names(search(category="case_management")) == {"Franklin Care Coordination"}
    assert names(search(category="information_referral")) == {"Central Ohio 2-1-1"}
    assert names(search(category="support_groups")) == {"Grief Circle"}
    # A 12-step meeting is recovery support (SUD-related), and detox is SUD treatment.
    assert names(search(category="moud.recovery_support")) == {"Tuesday Night NA"}
    assert names(search(category="moud.detox")) == {"Maple Withdrawal Unit"}


def test_target_populations_are_shown_on_the_listing_not_made_categories(imported):
    pantry = search(search="Veterans Pantry")[0]
    assert pantry["name"] == "Veterans Pantry"
    assert pantry["populations"] == ["Veterans"]
    assert [c["code"] for c in pantry["categories"]] == ["food", "food.pantry"]
    senior = search(search="Sunrise Senior Center")[0]
    assert senior["populations"] == ["Older Adults"] and senior["categories"] == []
    with TestClient(app=create_app()) as client:
        page = client.get(f"/listings/{pantry['service_at_location_id']}")
        assert page.status_code == 200
        assert re.search(r"<dt>Serves</dt><dd>Veterans</dd>", page.text)
        spanish = client.get(f"/listings/{pantry['service_at_location_id']}", headers={"Accept-Language": "es"})
        assert "<dt>Atiende a</dt><dd>Veterans</dd>" in spanish.text


async def _as_an_old_directory_mapped_them() -> None:
    """What the prefix rule stored: every BT term transportation."""
    await TaxonomyTerm.update({TaxonomyTerm.category: "transportation"}).where(TaxonomyTerm.code.like("BT-8750%"))
    await refresh_search_documents([row["id"] for row in await Service.select(Service.id)])


def test_remapping_an_existing_directory_moves_its_listings_to_the_right_categories(imported):
    asyncio.run(_as_an_old_directory_mapped_them())
    assert "Consulado de Mexico" in names(search(category="transportation"))
    result = cli("reindex", "--quiet")
    assert result.exit_code == 0, result.output
    assert names(search(category="transportation")) == {"Fare Help", "Central Ohio Bus Line", "MedRide Columbus"}
