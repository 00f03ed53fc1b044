"""The searches the benchmark sends: a category within a radius of many real ZIP centroids, some with words.

One rotation of `RadiusSearch`es feeds the app (as `near=ZIP` or `lat`/`lng`), the PostGIS yardstick
(always `lat`/`lng`; it has no word search) and the in-process timing, so all three do the same work.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import urlencode

__all__ = ["CATEGORIES", "RadiusSearch", "percentile", "radius_searches", "standard_zip_codes"]

# The service categories the synthetic services are generated with (see bench.search_benchmark).
CATEGORIES = (
    "housing.shelter",
    "food.pantry",
    "transportation.transit_passes",
    "moud.buprenorphine",
    "moud.methadone",
    "mental_health.counseling",
    "harm_reduction.naloxone",
    "legal.legal_aid",
)
# Words a caseworker types next to a category, typos included; by top-level category.
WORDS_BY_CATEGORY = {
    "housing": ("shleter", "emergency housing", "family shelter"),
    "food": ("food pantry", "groceries", "pantry"),
    "transportation": ("bus pass", "transit"),
    "moud": ("suboxone", "methadon", "bupenorphine", "vivitrol"),
    "mental_health": ("counseling", "therapy"),
    "harm_reduction": ("naloxone", "narcan"),
    "legal": ("legal aid", "lawyer"),
}
RADII_KM = (10.0, 25.0, 25.0, 40.0)


@dataclass(frozen=True)
class RadiusSearch:
    """A category search within `radius_km` of a ZIP centroid, optionally with words."""

    zip_code: str
    latitude: float
    longitude: float
    category: str
    radius_km: float
    words: str

    def app_path(self, by_zip: bool) -> str:
        """The app's `GET /api/services` URL path, located by `near=ZIP` or by `lat`/`lng`."""
        where = {"near": self.zip_code} if by_zip else {"lat": self.latitude, "lng": self.longitude}
        words = {"search": self.words} if self.words else {}
        return "/api/services?" + urlencode(
            {"category": self.category, **where, "radius_km": f"{self.radius_km:g}", **words}
        )

    def page_path(self, by_zip: bool) -> str:
        """The same search as the public results page's URL (`/?near=...`), as a person's browser asks it."""
        where = {"near": self.zip_code} if by_zip else {"lat": self.latitude, "lng": self.longitude}
        words = {"search": self.words} if self.words else {}
        return "/?" + urlencode({**where, "category": self.category, "radius_km": f"{self.radius_km:g}", **words})

    def yardstick_path(self) -> str:
        """The yardstick's URL path for the same place, radius and category (it ignores words)."""
        return "/search?" + urlencode(
            {"lat": self.latitude, "lng": self.longitude, "radius_km": f"{self.radius_km:g}", "category": self.category}
        )


def standard_zip_codes() -> list[dict]:
    """Real ZIP codes with a centroid (the `zipcodes` package), delivery areas only."""
    import zipcodes

    return [z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["lat"]]


def radius_searches(count: int, seed: int = 11, words_every: int = 4) -> list[RadiusSearch]:
    """`count` searches around random real ZIP centroids; one in `words_every` also has words."""
    rng = random.Random(seed)
    zips = standard_zip_codes()
    searches = []
    for i in range(count):
        place = rng.choice(zips)
        code = rng.choice(CATEGORIES)
        top_level = code.split(".")[0]
        # Mostly the top-level category a caseworker picks; sometimes the specific kind.
        category = code if rng.random() < 0.3 else top_level
        words = rng.choice(WORDS_BY_CATEGORY[top_level]) if i % words_every == 0 else ""
        searches.append(
            RadiusSearch(
                zip_code=place["zip_code"],
                latitude=float(place["lat"]),
                longitude=float(place["long"]),
                category=category,
                radius_km=rng.choice(RADII_KM),
                words=words,
            )
        )
    return searches


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
