"""How the public pages word a listing for a person, in the visitor's language: the names of the languages
spoken, the opening hours, and the organization's line under a service's name.

The search index stores hours and languages as the API gives them (English hours, ISO codes); the pages read
them here, so the Spanish pages say "sáb 10:00–14:00" and "inglés, español", not "Sat" and "en, es".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from babel import Locale, UnknownLocaleError

from directory.schemas import ServiceListing
from directory.search.documents import DAY_NAMES
from directory.search.folding import folded
from kernel.i18n import N_, current_language, gettext
from kernel.page_format import weekly_hours

__all__ = ["hours_lines", "language_names", "organization_line"]

_DAY = "|".join(DAY_NAMES)
WEEKLY_LINE = re.compile(
    rf"^(?P<walk_in>Walk-in )?(?P<days>(?:{_DAY})(?:, (?:{_DAY}))*) "
    r"(?P<opens>\d{2}:\d{2})(?::\d{2})?–(?P<closes>\d{2}:\d{2})(?::\d{2})?$"
)
"""A line of hours as the index writes it from a weekly schedule ('Walk-in Tue, Thu 10:00–14:00')."""
WALK_IN_HOURS = N_("Walk-in %(hours)s")
CLDR_LANGUAGE = {"asl": "ase"}
"""Codes the directory uses that CLDR spells otherwise (American Sign Language)."""
_SAMPLE = re.compile(r"\s*\(sample\)\s*$")


def hours_lines(lines: list[str]) -> list[str]:
    """Each line of a listing's hours in the visitor's language; free text from the source stays as written."""
    shown = []
    for line in lines:
        weekly = WEEKLY_LINE.match(line)
        if not weekly:
            shown.append(line)
            continue
        weekdays = [DAY_NAMES.index(name) for name in weekly["days"].split(", ")]
        hours = weekly_hours(weekdays, weekly["opens"], weekly["closes"])
        shown.append(gettext(WALK_IN_HOURS) % {"hours": hours} if weekly["walk_in"] else hours)
    return shown


def language_names(codes: list[str]) -> list[str]:
    """The languages a listing records, named in the visitor's language ('en' -> 'English' / 'inglés')."""
    try:
        names: Mapping[str, str] = Locale.parse(current_language()).languages
    except (UnknownLocaleError, ValueError):
        names = {}
    english = Locale.parse("en").languages
    # A language CLDR has no name for in the visitor's language keeps its English name, then its code.
    return [names.get(cldr, english.get(cldr, code)) for code in codes for cldr in [CLDR_LANGUAGE.get(code, code)]]


def organization_line(listing: ServiceListing) -> str:
    """The organization's name to show under the service's, or "" when the service's name already says it
    ('Neighbors Food Pantry – Baltimore' by 'Neighbors Food Pantry' would say the same thing twice)."""
    organization = _SAMPLE.sub("", listing.organization.name)
    if organization and folded(organization) in folded(listing.name):
        return ""
    return listing.organization.name
