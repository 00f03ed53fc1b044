"""The point a search is centred on, found from what someone typed, and how it was found (`located_as`).

A ZIP code is its centre; a place name ('miami fl', 'Coral Gables, Florida', 'Miama, FL') is found offline in
the gazetteer; anything else is a street address for the configured geocoder. A street address the geocoder
cannot place is never quietly replaced by its city's centre (which can be 20 km off): with a ZIP it is measured
from the ZIP's centre and `located_as` says so; without one the search is refused, naming the city to search
near instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from directory.errors import ADDRESS_NOT_PLACED, PLACE_AMBIGUOUS, PLACE_NOT_FOUND, ZIP_UNKNOWN
from directory.geo.gazetteer import Ambiguous, PlaceMatch, gazetteer, place_key, strip_country
from directory.geo.geocoding import Geocoder, zip_centroid
from kernel.i18n import N_
from kernel.problems import Invalid

__all__ = ["SearchCentre", "centre_of_coordinates", "centre_of_zip", "find_place"]

_ZIP = re.compile(r"(?<![\d-])(\d{5})(?:-\d{4})?(?![\d-])")

ZIP_CENTRE = N_("ZIP %(zip)s centre")
PLACE = "%(place)s"  # a place name reads the same in every language
NEAREST_NAME = N_("%(place)s (the nearest name to “%(asked)s”)")
ADDRESS = N_("street address via the configured geocoder")
ZIP_CENTRE_FOR_ADDRESS = N_("ZIP %(zip)s centre (the street address could not be placed exactly)")
COORDINATES = N_("the coordinates given")


@dataclass(frozen=True)
class SearchCentre:
    """Where distances are measured from, and how that point was found: `words`, one of the catalog messages
    above, over `parameters` (the pages translate the words, then fill them in)."""

    latitude: float
    longitude: float
    words: str
    parameters: Mapping[str, str] = field(default_factory=dict)

    @property
    def located_as(self) -> str:
        """How the point was found, in English, as the API says it: 'ZIP 33136 centre', 'Coral Gables, FL'."""
        return self.words % self.parameters


def centre_of_coordinates(latitude: float, longitude: float) -> SearchCentre:
    """The point someone gave as coordinates (the pages' "use my location")."""
    return SearchCentre(latitude, longitude, COORDINATES)


def centre_of_zip(zip_code: str, words: str = ZIP_CENTRE) -> SearchCentre | None:
    """The centre of a ZIP code (ZIP+4 accepted), or None when there is no such ZIP."""
    point = zip_centroid(zip_code)
    if point is None:
        return None
    return SearchCentre(point.latitude, point.longitude, words, {"zip": zip_code[:5]})


async def find_place(text: str, geocoder: Geocoder) -> SearchCentre:
    """The centre of a ZIP, a place or a street address; 400 naming what went wrong."""
    zip_code, before = _split_zip(text)
    found = gazetteer().find(before) if place_key(before) else None
    if zip_code is not None:
        if zip_centroid(zip_code) is None:
            raise Invalid(ZIP_UNKNOWN, zip=zip_code)
        if found is not None or not place_key(before):
            # 'Miami, FL 33136': the ZIP is the nearer point.
            return centre_of_zip(zip_code)  # type: ignore[return-value]
    elif isinstance(found, PlaceMatch):
        return _centre_of_match(found, before)
    elif isinstance(found, Ambiguous):
        example = found.example
        raise Invalid(PLACE_AMBIGUOUS, near=text, place=example.name, states=found.states, example=example.label)
    point = await geocoder.geocode_online(text)
    if point is not None:
        return SearchCentre(point.latitude, point.longitude, ADDRESS)
    if zip_code is not None:
        return centre_of_zip(zip_code, ZIP_CENTRE_FOR_ADDRESS)  # type: ignore[return-value]
    city = gazetteer().find_tail(text)
    if city is not None:
        raise Invalid(ADDRESS_NOT_PLACED, near=text, place=city.label)
    raise Invalid(PLACE_NOT_FOUND, near=text)


def _centre_of_match(found: PlaceMatch, asked: str) -> SearchCentre:
    place = found.place
    if found.exact:
        return SearchCentre(place.latitude, place.longitude, PLACE, {"place": place.label})
    return SearchCentre(place.latitude, place.longitude, NEAREST_NAME, {"place": place.label, "asked": asked.strip()})


def _split_zip(text: str) -> tuple[str | None, str]:
    """The ZIP at the end of a text ('..., MD 21201', '21201-1234, USA') and the text before it; a five-digit
    house number at the start is not a ZIP."""
    matches = list(_ZIP.finditer(text))
    if not matches:
        return None, text
    last = matches[-1]
    if strip_country(" " + place_key(text[last.end() :])).strip():
        return None, text
    return last.group(1), text[: last.start()]
