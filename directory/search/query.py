"""What a search asks the index for: words, a place and radius, the filters, and a page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from directory.geo.places import SearchCentre

__all__ = ["ListingFilters", "SearchQuery"]


@dataclass(frozen=True, kw_only=True)
class ListingFilters:
    """The filters a listing search narrows by, one definition for the request as asked (`ListingSearch`) and
    for the index's query (`SearchQuery`, where they are checked and normalised: medication folded, language
    as its ISO 639-1 code)."""

    categories: tuple[str, ...] = ()
    """Category codes (top-level or sub-category); a listing in any of them passes."""
    taxonomy_term_ids: tuple[str, ...] = ()
    """Taxonomy term ids (a term asked for and the terms under it); a listing with any of them passes."""
    medication: str | None = None
    payment: str | None = None
    language: str | None = None
    walk_in: bool | None = None
    accepting_new_patients: bool | None = None
    open_now: bool | None = None
    service_ids: frozenset[str] | None = None
    """Only listings of these services (the HSDS filters, answered by the database); None: no restriction."""


@dataclass(frozen=True, kw_only=True)
class SearchQuery:
    """Everything the index searches by, already checked (`listing_search.search_query` checks a request)."""

    text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float | None = None
    filters: ListingFilters = field(default_factory=ListingFilters)
    now: dt.datetime | None = None
    """The time `open_now` is judged at (tests fix it); None: now."""
    page: int = 1
    per_page: int = 20
    located: SearchCentre | None = None
    """How the searched place was found (`located_as`, for the response and the pages); the index reads only
    latitude and longitude."""
