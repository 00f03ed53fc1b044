"""How the public pages word a listing: hours and language names in the visitor's language, the organization's
line said once."""

from __future__ import annotations

import contextvars

import pytest

from directory.listing_words import hours_lines, language_names, organization_line
from directory.schemas import OrganizationRef, ServiceListing
from kernel.i18n import install_catalogs, use_language
from kernel.settings import PROJECT_ROOT
from server.templates import CATALOG_PACKAGES


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Nothing here reads the database; the catalogs are read as the app reads them."""
    install_catalogs(PROJECT_ROOT / package / "locale" for package in CATALOG_PACKAGES)


def in_language(language: str, function, *args):
    """Call `function` as a request in `language` would (in a context of its own, so no other test speaks it)."""

    def run():
        use_language(language)
        return function(*args)

    return contextvars.copy_context().run(run)


HOURS = ["Walk-in Tue, Thu, Sat 10:00–14:00", "Mon, Tue, Wed, Thu, Fri 09:00–16:30", "Intake Hours 6–7am Mon"]


def test_hours_in_spanish_name_the_days_and_use_the_24_hour_clock():
    assert in_language("es", hours_lines, HOURS) == [
        "Sin cita mar, jue, sáb 10:00–14:00",
        "lun–vie 9:00–16:30",
        "Intake Hours 6–7am Mon",  # the source's own words stay as written
    ]


def test_hours_in_english_read_as_a_range_of_days():
    shown = in_language("en", hours_lines, HOURS)
    assert shown[0].startswith("Walk-in Tue, Thu, Sat 10:00") and shown[0].endswith("2:00\u202fPM")
    assert shown[1].startswith("Mon–Fri 9:00") and shown[2] == HOURS[2]


def test_language_codes_become_names_in_the_visitors_language():
    assert in_language("es", language_names, ["en", "es", "vi", "asl", "xx"]) == [
        "inglés",
        "español",
        "vietnamita",
        "American Sign Language",
        "xx",
    ]
    assert in_language("en", language_names, ["en", "es"]) == ["English", "Spanish"]


def listing(name: str, organization: str) -> ServiceListing:
    return ServiceListing(id="s1", name=name, organization=OrganizationRef(id="o1", name=organization))


def test_the_organization_is_named_once():
    assert (
        organization_line(listing("Neighbors Food Pantry – Baltimore (sample)", "Neighbors Food Pantry (sample)")) == ""
    )
    assert organization_line(listing("CENTRAL", "Big Sky Recovery")) == "Big Sky Recovery"
