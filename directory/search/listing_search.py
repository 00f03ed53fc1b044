"""One search of the public listings, as the API and the public pages ask it: parameters checked, place found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import msgspec

from directory.errors import (
    CATEGORY_UNKNOWN,
    LANGUAGE_UNKNOWN,
    LAT_LNG_TOGETHER,
    LAT_OUT_OF_RANGE,
    LNG_OUT_OF_RANGE,
    MEDICATION_UNKNOWN,
    NEAR_EMPTY,
    NEAR_TOO_LONG,
    PAYMENT_UNKNOWN,
    RADIUS_NEEDS_LOCATION,
    RADIUS_OUT_OF_RANGE,
)
from directory.geo.geocoding import Geocoder
from directory.geo.places import SearchCentre, centre_of_coordinates, find_place
from directory.hsds.objects import load_services
from directory.schemas import SearchCentreOut, ServiceListing, ServiceOut, ServiceSearchPage
from directory.search.languages import language_code
from directory.search.query import ListingFilters, SearchQuery
from directory.tables import SearchDocument
from directory.taxonomy.categories import CATEGORY_CODES, MEDICATIONS, PAYMENT_METHODS
from kernel.database import one_connection
from kernel.paging import Page
from kernel.problems import Invalid

__all__ = [
    "DEFAULT_RADIUS_KM",
    "ListingSearch",
    "PublicListing",
    "checked_filters",
    "locate",
    "located_page",
    "public_listings",
    "search_query",
]

T = TypeVar("T")

DEFAULT_RADIUS_KM = 40.0
"""How far a search around a place looks when no radius is asked for."""
NEAR_MAX_LENGTH = 300


async def locate(near: str | None, lat: float | None, lng: float | None, geocoder: Geocoder) -> SearchCentre | None:
    """The point a search is centred on, from lat/lng or a free-text place (`find_place`), with how it was
    found; 400 if not understood."""
    if (lat is None) != (lng is None):
        raise Invalid(LAT_LNG_TOGETHER)
    if lat is not None and lng is not None:
        if not -90 <= lat <= 90:
            raise Invalid(LAT_OUT_OF_RANGE)
        if not -180 <= lng <= 180:
            raise Invalid(LNG_OUT_OF_RANGE)
        return centre_of_coordinates(lat, lng)
    if near is None:
        return None
    text = near.strip()
    if not text:
        raise Invalid(NEAR_EMPTY)
    if len(text) > NEAR_MAX_LENGTH:
        raise Invalid(NEAR_TOO_LONG, maximum=NEAR_MAX_LENGTH)
    return await find_place(text, geocoder)


@dataclass(frozen=True, kw_only=True)
class ListingSearch:
    """What someone asked for, as received (the API's query parameters, the search page's form)."""

    search: str | None = None
    near: str | None = None
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    filters: ListingFilters = field(default_factory=ListingFilters)
    page: int = 1
    per_page: int = 20


async def search_query(asked: ListingSearch, geocoder: Geocoder, max_radius_km: float) -> SearchQuery:
    """The index query for a search; 400 naming the parameter that is not understood (a radius_km above
    MAX_RADIUS_KM, `max_radius_km`, too)."""
    point = await locate(asked.near, asked.lat, asked.lng, geocoder)
    radius_km = asked.radius_km
    if radius_km is not None and not 0 < radius_km <= max_radius_km:
        raise Invalid(RADIUS_OUT_OF_RANGE, maximum=max_radius_km)
    if radius_km is not None and point is None:
        raise Invalid(RADIUS_NEEDS_LOCATION)
    return SearchQuery(
        text=asked.search or "",
        latitude=point.latitude if point else None,
        longitude=point.longitude if point else None,
        radius_km=(radius_km or DEFAULT_RADIUS_KM) if point else None,
        filters=checked_filters(asked.filters),
        page=asked.page,
        per_page=asked.per_page,
        located=point,
    )


def located_page(page: Page[T], located: SearchCentre | None) -> ServiceSearchPage[T]:
    """A page of search results that says which point it measured from and how that point was found."""
    fields = {name: getattr(page, name) for name in page.__struct_fields__}
    if located is None:
        return ServiceSearchPage(**fields)
    centre = SearchCentreOut(latitude=located.latitude, longitude=located.longitude)
    return ServiceSearchPage(**fields, located_as=located.located_as, search_centre=centre)


def checked_filters(asked: ListingFilters) -> ListingFilters:
    """The filters as the index compares them (medication folded, language as its code); 400 naming the one
    that is not understood."""
    unknown = [c for c in asked.categories if c not in CATEGORY_CODES]
    if unknown:
        raise Invalid(CATEGORY_UNKNOWN, unknown=unknown, known=sorted(c for c in CATEGORY_CODES if "." not in c))
    if asked.payment is not None and asked.payment not in PAYMENT_METHODS:
        raise Invalid(PAYMENT_UNKNOWN, allowed=PAYMENT_METHODS)
    medication = asked.medication.casefold() if asked.medication else None
    if medication is not None and medication not in MEDICATIONS:
        raise Invalid(MEDICATION_UNKNOWN, allowed=MEDICATIONS)
    language = language_code(asked.language) if asked.language else None
    if asked.language and language is None:
        raise Invalid(LANGUAGE_UNKNOWN, language=asked.language)
    return replace(asked, medication=medication, language=language)


@dataclass(frozen=True)
class PublicListing:
    """Everything public about one listing: its search entry (names, place, hours, phones, source, last
    verified; no confidential address) and its service (description, eligibility, fees, ...)."""

    listing: ServiceListing
    service: ServiceOut


_LISTING = msgspec.json.Decoder(ServiceListing)


async def public_listings(service_at_location_ids: Sequence[uuid.UUID]) -> list[PublicListing]:
    """The public listings of these service_at_location ids that are in the directory, in the order asked."""
    if not service_at_location_ids:
        return []
    async with one_connection(SearchDocument._meta.db):
        asked = SearchDocument.id.is_in(list(service_at_location_ids))
        active = SearchDocument.is_active == True  # noqa: E712 (Piccolo builds SQL from the comparison)
        rows = await SearchDocument.select(SearchDocument.id, SearchDocument.service_id, SearchDocument.listing).where(
            asked & active
        )
        service_ids = list({uuid.UUID(str(r["service_id"])) for r in rows})
        services = {s.id: s for s in await load_services(service_ids, show_confidential=False)}
    found = {}
    for row in rows:
        stored = row["listing"]
        listing = _LISTING.decode(stored if isinstance(stored, (str, bytes)) else msgspec.json.encode(stored))
        service = services.get(str(row["service_id"]))
        if service is not None:
            found[uuid.UUID(str(row["id"]))] = PublicListing(listing=listing, service=service)
    return [found[i] for i in service_at_location_ids if i in found]
