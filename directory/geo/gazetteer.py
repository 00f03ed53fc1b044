"""Every US place the Postal Service knows, offline: each ZIP's city names and the centre of each name.

Built once from the `zipcodes` package (42k ZIPs, each with its primary city, the other names the Postal Service
accepts for it and the local names it does not, such as neighbourhoods): a name's centre is the mean of the
centres of its ZIPs of the best kind (primary names before accepted ones before local ones, street ZIPs before
PO-box ones). A postal city spans far more than the town (Miami's ZIPs average 10 km west of downtown), so the
7,555 cities of 5,000 people or more take their centre, spelling and population from GeoNames instead
(data/us_cities.csv, CC BY 4.0, see data/NOTICE.md).

Names are compared folded, so "Cañon City, CO", "canon city co" and "Canon City, Colorado" are one place,
"St. Louis" is "Saint Louis", and a name a letter or two off within its state is taken when nothing matches
exactly ("Miama, FL" is Miami).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from directory.search.folding import folded

__all__ = [
    "STATES",
    "Ambiguous",
    "Gazetteer",
    "Place",
    "PlaceMatch",
    "gazetteer",
    "place_key",
]

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico", "VI": "Virgin Islands", "GU": "Guam",
    "AS": "American Samoa", "MP": "Northern Mariana Islands",
}  # fmt: skip
"""The states, DC and the territories the Postal Service serves, by their two-letter codes."""

_OTHER_STATE_NAMES = {
    # Spanish names that differ from the English ones, and common short forms.
    "Nuevo Mexico": "NM", "Nueva York": "NY", "Nueva Jersey": "NJ", "Nuevo Hampshire": "NH",
    "Carolina del Norte": "NC", "Carolina del Sur": "SC", "Dakota del Norte": "ND", "Dakota del Sur": "SD",
    "Virginia Occidental": "WV", "Luisiana": "LA", "Misisipi": "MS", "Pensilvania": "PA", "Hawai": "HI",
    "Misuri": "MO", "Tennesse": "TN", "Islas Virgenes": "VI", "Washington DC": "DC",
    "Calif": "CA", "Penn": "PA", "Mass": "MA", "Wash": "WA", "Fla": "FL", "Tex": "TX",
}  # fmt: skip
_COUNTRY_WORDS = ("united states of america", "united states", "usa", "us", "estados unidos", "eeuu", "ee uu")
_NAME_ABBREVIATIONS = {"saint": "st", "sainte": "ste", "fort": "ft", "mount": "mt"}
_ZIP_TYPE_ORDER = {"STANDARD": 0, "UNIQUE": 1, "PO BOX": 1}
_MAX_STATE_WORDS = 4
_DOMINANT = 10
"""A name without a state is the place this many times larger than any other place so named."""
_SMALL_TOWN = 5000
_CITIES = Path(__file__).parent / "data" / "us_cities.csv"
_REMOVED = re.compile(r"['’.]")
_SEPARATOR = re.compile(r"[^a-z0-9]+")


def place_key(text: str) -> str:
    """A place name as names are compared: folded, punctuation gone, 'Saint'/'Fort'/'Mount' as 'St'/'Ft'/'Mt'."""
    words = _SEPARATOR.sub(" ", _REMOVED.sub("", folded(text))).split()
    return " ".join(_NAME_ABBREVIATIONS.get(word, word) for word in words)


@dataclass(frozen=True, slots=True)
class Place:
    """One named place in one state and its centre (GeoNames' for a city of 5,000 people or more, else the mean
    of its ZIPs' centres)."""

    name: str
    state: str
    latitude: float
    longitude: float
    zip_count: int
    population: int = 0
    """GeoNames' count; 0 for a place under 5,000 people or not in GeoNames."""

    @property
    def label(self) -> str:
        """'Coral Gables, FL'."""
        return f"{self.name}, {self.state}"


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    """The place a text names; `exact` is False when the name was a letter or two off."""

    place: Place
    exact: bool


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A name without a state that several states have (e.g. 'Springfield'); `example` is the largest."""

    example: Place
    states: tuple[str, ...]


def _max_edits(key: str) -> int:
    """How many letters a name may be off: none under 4 letters, one under 8, else two."""
    letters = len(key.replace(" ", ""))
    return 0 if letters < 4 else 1 if letters < 8 else 2


class Gazetteer:
    """Place names by state and state names, all in memory."""

    def __init__(self, zip_rows: list[dict], cities: list[dict[str, str]]) -> None:
        self.places = _postal_places(zip_rows)
        _take_city_centres(self.places, cities)
        self.names_by_state: dict[str, list[str]] = {}
        self.states_by_name: dict[str, list[str]] = {}
        for name, state in self.places:
            self.names_by_state.setdefault(state, []).append(name)
            self.states_by_name.setdefault(name, []).append(state)
        self.state_codes: dict[str, str] = {code.lower(): code for code in STATES}
        for code, name in STATES.items():
            self.state_codes[place_key(name)] = code
        for name, code in _OTHER_STATE_NAMES.items():
            self.state_codes[place_key(name)] = code

    def exact(self, city: str, state: str) -> Place | None:
        """The place with this name in this state (a code or a state's name), compared folded; no guessing."""
        code = self.state_codes.get(place_key(state))
        return self.places.get((place_key(city), code)) if code else None

    def find(self, text: str) -> PlaceMatch | Ambiguous | None:
        """The place a text names: 'miami fl', 'Miami, Florida', 'Miama, FL'; a name alone when one state has
        it. Exact names first, with any split into city and state, then names a letter or two off."""
        words = strip_country(place_key(text)).split()
        if not words:
            return None
        parses = self._parses(words)
        for city, state in parses:
            place = self.places.get((city, state))
            if place is not None:
                return PlaceMatch(place, exact=True)
        whole = " ".join(words)
        states = self.states_by_name.get(whole)
        if states and len(states) == 1:
            return PlaceMatch(self.places[(whole, states[0])], exact=True)
        if states:
            places = sorted((self.places[(whole, state)] for state in states), key=_size, reverse=True)
            if _dominant(places[0], places[1]):
                return PlaceMatch(places[0], exact=True)  # 'New York' is New York, NY
            return Ambiguous(places[0], tuple(sorted(states)))
        for city, state in parses + self._misspelt_state_parses(words):
            place = self._nearest_name(city, state)
            if place is not None:
                return PlaceMatch(place, exact=False)
        return None

    def find_tail(self, text: str) -> Place | None:
        """The place at the end of a street address ('12 Elm St, Springfield, IL' -> Springfield, IL), exactly."""
        words = strip_country(place_key(text)).split()
        for city, state in self._parses(words):
            city_words = city.split()
            for start in range(1, len(city_words)):
                place = self.places.get((" ".join(city_words[start:]), state))
                if place is not None:
                    return place
        return None

    def _parses(self, words: list[str]) -> list[tuple[str, str]]:
        """Every split of the words into a city and a trailing state, the longest state name first."""
        parses = []
        for size in range(min(_MAX_STATE_WORDS, len(words) - 1), 0, -1):
            code = self.state_codes.get(" ".join(words[-size:]))
            if code is not None:
                parses.append((" ".join(words[:-size]), code))
        return parses

    def _misspelt_state_parses(self, words: list[str]) -> list[tuple[str, str]]:
        """Splits whose state is a full state name a letter off ('Flordia')."""
        parses = []
        for size in range(min(_MAX_STATE_WORDS, len(words) - 1), 0, -1):
            state = " ".join(words[-size:])
            if len(state) < 6 or state in self.state_codes:
                continue
            found = process.extractOne(
                state, self.state_codes.keys(), scorer=DamerauLevenshtein.distance, score_cutoff=1
            )
            if found is not None:
                parses.append((" ".join(words[:-size]), self.state_codes[found[0]]))
        return parses

    def _nearest_name(self, city: str, state: str) -> Place | None:
        """The name in the state fewest letters away (same first letter), the larger place on a tie."""
        limit = _max_edits(city)
        if not limit:
            return None
        candidates = [name for name in self.names_by_state.get(state, ()) if name[0] == city[0]]
        found = process.extract(city, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=None)
        if not found:
            return None
        places = [(distance, self.places[(name, state)]) for name, distance, _ in found]
        return min(places, key=lambda pair: (pair[0], -pair[1].population, -pair[1].zip_count, pair[1].name))[1]


def _postal_places(zip_rows: list[dict]) -> dict[tuple[str, str], Place]:
    """Every name the ZIPs carry, by (key, state), centred on the mean of its ZIPs of the best kind."""
    best: dict[tuple[str, str], tuple[tuple[int, int], str, list[tuple[float, float]]]] = {}
    keys: dict[str, str] = {}  # the same name comes in many ZIPs: fold it once
    for row in zip_rows:
        if not row["lat"] or row["zip_code_type"] not in _ZIP_TYPE_ORDER:
            continue  # military ZIPs are not places
        point = (float(row["lat"]), float(row["long"]))
        names = [(0, row["city"])]
        names += [(1, name) for name in row.get("acceptable_cities") or ()]
        names += [(2, name) for name in row.get("unacceptable_cities") or ()]
        for tier, name in names:
            folded_name = keys.get(name)
            if folded_name is None:
                folded_name = keys[name] = place_key(name)
            place = (folded_name, row["state"])
            rank = (tier, _ZIP_TYPE_ORDER[row["zip_code_type"]])
            seen = best.get(place)
            if seen is None or rank < seen[0]:
                best[place] = (rank, name, [point])
            elif rank == seen[0]:
                seen[2].append(point)
    places: dict[tuple[str, str], Place] = {}
    for (key, state), (_, name, points) in best.items():
        latitude = sum(p[0] for p in points) / len(points)
        longitude = sum(p[1] for p in points) / len(points)
        places[(key, state)] = Place(name, state, latitude, longitude, len(points))
    return places


def _take_city_centres(places: dict[tuple[str, str], Place], cities: list[dict[str, str]]) -> None:
    """GeoNames' centre, spelling and population for each city it has (adding the few the ZIPs do not name)."""
    for city in cities:
        key = (place_key(city["name"]), city["state"])
        latitude, longitude = float(city["latitude"]), float(city["longitude"])
        base = places.get(key) or Place(city["name"], city["state"], latitude, longitude, zip_count=0)
        places[key] = replace(
            base, name=city["name"], latitude=latitude, longitude=longitude, population=int(city["population"])
        )


def _size(place: Place) -> tuple[int, int]:
    return place.population, place.zip_count


def _dominant(largest: Place, next_largest: Place) -> bool:
    """Whether a name alone means its largest place: ten times the people (a place not in GeoNames counted as
    5,000), or, for small places, ten times the ZIPs."""
    if largest.population:
        return largest.population >= _DOMINANT * max(next_largest.population, _SMALL_TOWN)
    return largest.zip_count >= _DOMINANT * next_largest.zip_count


def strip_country(key: str) -> str:
    """A place key without a trailing 'USA' / 'United States' / 'EE UU'."""
    for words in _COUNTRY_WORDS:
        if key.endswith(" " + words):
            return key[: -len(words) - 1]
    return key


@cache
def gazetteer() -> Gazetteer:
    """The one gazetteer of this process, built on first use (the app builds it at start-up)."""
    import zipcodes

    with _CITIES.open(encoding="utf-8", newline="") as cities:
        return Gazetteer(zipcodes.list_all(), list(csv.DictReader(cities)))
