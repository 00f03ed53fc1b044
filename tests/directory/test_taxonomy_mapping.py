"""The shipped mapping puts the terms 211s, Open Eligibility and HSDS 1.x packages use in the right category."""

import asyncio

import pytest

from directory.taxonomy.mapping import assign_categories, load_rules


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
        ("BD-1800.1900", "Food Vouchers", "food"),  # an unlisted code falls back to its listed prefix
        ("BH-1800.8500-800", "Homeless Shelter", "housing.shelter"),
        ("BT-4500", "Local Transit Services", "transportation.transit_passes"),  # top-level code, telling name
        ("RX-8450.5000", "Methadone Maintenance", "moud.methadone"),
        ("RX-8450", "Substance Use Disorder Treatment Programs", "moud"),
        ("LN-1500.1900", "Community Health Centers", "health_care.primary_care"),
        ("NL", "Public Assistance Programs", "benefits.public_benefits"),
        (None, "Addiction & Recovery", "moud"),  # Open Eligibility
        (None, "Help Pay for Housing", "housing.rental_help"),
        (None, "Emergency Food", "food"),
        (None, "Bus passes for job seekers", "transportation.transit_passes"),  # HSDS 1.x free text
        (None, "Naloxone distribution", "harm_reduction.naloxone"),
        (None, "Food Stamps/SNAP", "benefits.public_benefits"),  # the longer keyword wins over "food"
        (None, "Parenting classes", None),  # "rent" inside a word is not rent
        ("ZZ-1234", "Assistive Technology Repair", None),
    ],
)
def test_shipped_rules(code, name, category):
    assert categories({"id": 1, "code": code, "name": name, "taxonomy": "AIRS"}) == [category]


def test_a_term_matching_nothing_takes_its_nearest_mapped_ancestors_category():
    terms = (
        {"id": 1, "code": "X1", "name": "Basic Needs: Food", "taxonomy": "local"},
        {"id": 2, "code": "X1.1", "name": "Programs", "parent_id": 1, "taxonomy": "local"},
        {"id": 3, "code": "X1.1.1", "name": "Tuesday programs", "parent_id": 2, "taxonomy": "local"},
    )
    assert categories(*terms) == ["food", "food", "food"]


def test_the_directorys_own_terms_keep_their_codes():
    own = {"id": 1, "code": "moud.methadone", "name": "Methadone", "taxonomy": "sud-community-resources"}
    attribute = {"id": 2, "code": "walk_in", "name": "walk in", "taxonomy": "sud-care-attributes"}
    assert categories(own, attribute) == ["moud.methadone", None]
