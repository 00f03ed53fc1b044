"""The public directory pages at `/`: search, a listing's page, reporting a problem with it, a printable list.

Open data like the API's public routes: no session is read, no sign-in, and nothing private is shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from directory.errors import COORDINATES_NOT_NUMBERS, LISTING_NOT_FOUND, PRINT_LIST_TOO_LONG, PRINT_LIST_UNKNOWN
from directory.geo.places import SearchCentre
from directory.listing_words import hours_lines, language_names, organization_line
from directory.schemas import ServiceSearchResult
from directory.search.index import SearchIndex
from directory.search.listing_search import (
    DEFAULT_RADIUS_KM,
    ListingSearch,
    PublicListing,
    public_listings,
    search_query,
)
from directory.search.query import ListingFilters
from directory.search.reverification import PUBLIC_REPORT_REASONS, report_from_public
from directory.taxonomy.categories import MEDICATIONS, PAYMENT_METHODS
from kernel.clock import Now
from kernel.guards import OPEN_DATA
from kernel.i18n import N_, gettext
from kernel.page_format import KM_PER_MILE
from kernel.pages import PAGE_ERROR_HANDLERS, PageError, page_error, render, see_other
from kernel.paging import PageNumber
from kernel.problems import Invalid

__all__ = ["PUBLIC_REPORTS", "KEPT_PAGE_SECONDS", "PublicDirectoryPages"]

KEPT_PAGE_SECONDS = 30
"""How long a results page made for a visitor without a session is served again to the same search
(server.page_cache): short enough for "open now" and relative dates to stay true. (A listing page is not kept:
it reads the database, and must show a partner's change at once, before the search index reloads.)"""
PER_PAGE = 20
"""Results on one page: enough to choose from, small enough for a phone on a slow connection."""
PRINT_MAX = 30
"""The most listings one printed list holds (more is refused, not cut short: a list must not lose places
silently, and each id costs a lookup)."""
RADIUS_CHOICES_KM = {
    "mi": (1.6, 8.0, 16.0, DEFAULT_RADIUS_KM, 80.0),
    "km": (2.0, 5.0, 10.0, 25.0, DEFAULT_RADIUS_KM, 80.0),
}
"""The distances a visitor may choose, in km, by DISTANCE_UNIT: round numbers of miles (1, 5, 10, 25, 50) or km;
the default is today's radius."""
PUBLIC_REPORTS = RateLimitConfig(rate_limit=("hour", 5), store="public_reports")
"""Five problem reports an hour per address (the app's "public_reports" store: memory or Redis)."""
CATEGORY_LABELS = {
    "housing": N_("Housing"),
    "food": N_("Food"),
    "transportation": N_("Transportation"),
    "moud": N_("Treatment / MOUD"),
    "health_care": N_("Health care"),
    "mental_health": N_("Mental health"),
    "harm_reduction": N_("Harm reduction"),
    "benefits": N_("Benefits and insurance"),
    "employment": N_("Employment"),
    "legal": N_("Legal"),
    "case_management": N_("Case management"),
    "information_referral": N_("Information and referral"),
    "support_groups": N_("Support groups and mutual aid"),
    "family": N_("Children and family"),
    "goods": N_("Clothing and household goods"),
    "education": N_("Education"),
}
"""The category buttons, in the order shown (the index's top-level categories)."""
MEDICATION_LABELS = {"methadone": N_("Methadone"), "buprenorphine": N_("Buprenorphine"), "naltrexone": N_("Naltrexone")}
PAYMENT_LABELS = {
    "medicaid": N_("Medicaid"),
    "medicare": N_("Medicare"),
    "private_insurance": N_("Private insurance"),
    "sliding_scale": N_("Sliding scale"),
    "free": N_("Free"),
    "self_pay": N_("Self pay"),
}
LANGUAGE_LABELS = {
    "es": N_("Spanish"),
    "en": N_("English"),
    "zh": N_("Chinese"),
    "vi": N_("Vietnamese"),
    "ar": N_("Arabic"),
    "ru": N_("Russian"),
    "fr": N_("French"),
    "ko": N_("Korean"),
}
REPORT_REASON_LABELS = {
    "closed": N_("It has closed"),
    "wrong_phone": N_("The phone number is wrong"),
    "wrong_address": N_("The address is wrong"),
    "wrong_hours": N_("The hours are wrong"),
    "service_not_offered": N_("They no longer offer this service"),
    "other": N_("Something else"),
}
FILTER_LABELS = {
    "open_now": N_("open now"),
    "walk_in": N_("walk-ins"),
    "payment": N_("payment"),
    "language": N_("language"),
    "medication": N_("medication"),
}
"""How the empty result names a filter it offers to drop."""
LISTING_WORDS: dict[str, Any] = {
    "hours_lines": hours_lines,
    "language_names": language_names,
    "organization_line": organization_line,
}
"""The wording helpers every directory page's template calls (in the visitor's language)."""
CAPACITY_UNITS = {"places": N_("places"), "beds": N_("beds"), "rooms": N_("rooms"), "spots": N_("spots")}
"""Capacity units partners commonly enter, in the visitor's language (another unit is shown as entered)."""
assert set(MEDICATION_LABELS) == set(MEDICATIONS) and set(PAYMENT_LABELS) == set(PAYMENT_METHODS)
assert set(REPORT_REASON_LABELS) == set(PUBLIC_REPORT_REASONS)

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


class ReportForm(msgspec.Struct):
    """The "report a problem" form."""

    reason: str = ""
    note: str = ""


@dataclass(frozen=True)
class SearchForm:
    """The search page's form as received: its GET query is the whole state, so a link shares the search."""

    search: str = ""
    near: str = ""
    lat: str = ""
    lng: str = ""
    radius_km: float | None = None
    category: tuple[str, ...] = ()
    open_now: bool = False
    walk_in: bool = False
    payment: str = ""
    language: str = ""
    medication: str = ""
    page: int = 1
    chosen: tuple[str, ...] = ()
    """The listings ticked for "my list" on the pages seen so far (kept across pages, never in share links)."""

    @property
    def asked(self) -> bool:
        """Whether anything was asked (the bare page shows only the form)."""
        return bool(
            self.search or self.near or self.lat or self.category or self.open_now or self.walk_in or self.filters
        )

    @property
    def filters(self) -> list[str]:
        """The names of the narrowing filters in use (each has a "remove" link when nothing is found)."""
        names = ("open_now", "walk_in", "payment", "language", "medication")
        return [name for name in names if getattr(self, name)]

    def fields(self, **changes: object) -> list[tuple[str, str]]:
        """This search's fields as (name, value) pairs, with some fields changed (page 1 unless given)."""
        changed = replace(self, **{"page": 1, **changes})  # type: ignore[arg-type]
        pairs: list[tuple[str, str]] = []
        for name in ("search", "near", "lat", "lng"):
            if getattr(changed, name):
                pairs.append((name, getattr(changed, name)))
        if changed.radius_km:
            pairs.append(("radius_km", f"{changed.radius_km:g}"))
        pairs += [("category", code) for code in changed.category]
        for name in ("open_now", "walk_in"):
            if getattr(changed, name):
                pairs.append((name, "true"))
        for name in ("payment", "language", "medication"):
            if getattr(changed, name):
                pairs.append((name, getattr(changed, name)))
        if changed.page > 1:
            pairs.append(("page", str(changed.page)))
        return pairs

    def query(self, **changes: object) -> str:
        """This search's URL query, with some fields changed (page 1 unless given); never the chosen listings."""
        return urlencode(self.fields(**changes))

    def listing_search(self) -> ListingSearch:
        """The search the service runs for this form; 400 for coordinates that are not numbers."""
        try:
            lat = float(self.lat) if self.lat else None
            lng = float(self.lng) if self.lng else None
        except ValueError:
            raise Invalid(COORDINATES_NOT_NUMBERS) from None
        return ListingSearch(
            search=self.search or None,
            near=None if lat is not None else self.near or None,
            lat=lat,
            lng=lng,
            radius_km=self.radius_km,
            filters=ListingFilters(
                categories=self.category,
                medication=self.medication or None,
                payment=self.payment or None,
                language=self.language or None,
                walk_in=self.walk_in or None,
                open_now=self.open_now or None,
            ),
            page=self.page,
            per_page=PER_PAGE,
        )


def radius_choices(chosen_km: float | None, unit: str, max_km: float) -> list[tuple[float, str, bool]]:
    """The distance select's options as (km, label, selected): the usual distances, and the one asked for when
    it is none of them (a "look farther away" link doubles it)."""
    asked = chosen_km or DEFAULT_RADIUS_KM
    values = [km for km in RADIUS_CHOICES_KM.get(unit, RADIUS_CHOICES_KM["km"]) if km <= max_km]
    if not any(abs(km - asked) < 0.01 for km in values):
        values = sorted([*values, asked])
    per_unit = KM_PER_MILE if unit == "mi" else 1.0
    return [(km, _radius_label(km / per_unit, unit), abs(km - asked) < 0.01) for km in values]


def _radius_label(value: float, unit: str) -> str:
    return f"{value:.0f} {unit}" if value >= 0.95 else f"{value:.1f} {unit}"


def chosen_ids(ids: list[str] | None) -> tuple[str, ...]:
    """The well-formed listing ids carried from earlier pages, each once, at most PRINT_MAX (others are dropped:
    a stale or mangled link still shows the results)."""
    kept: dict[str, None] = {}
    for text in ids or ():
        try:
            kept[str(uuid.UUID(text))] = None
        except ValueError:
            continue
    return tuple(kept)[:PRINT_MAX]


def _text(value: str | None, limit: int = 200) -> str:
    return (value or "").strip()[:limit]


def data_sources(listings: list[ServiceSearchResult] | list[PublicListing]) -> list[tuple[str, bool]]:
    """The credits the listings shown carry: each publisher once, with whether it is made-up sample data."""
    seen: dict[tuple[str, bool], None] = {}
    for item in listings:
        listing = item.listing if isinstance(item, PublicListing) else item
        seen[(listing.data_source or listing.organization.name, listing.is_sample_data)] = None
    return list(seen)


class PublicDirectoryPages(Controller):
    """The public directory: search, listing, report a problem, printable list."""

    path = "/"
    include_in_schema = False
    opt = OPEN_DATA
    exception_handlers = PAGE_ERROR_HANDLERS  # type: ignore[assignment]

    @get("/", name="public_search", cache=KEPT_PAGE_SECONDS)
    async def search_page(
        self,
        state: State,
        search: FromQuery[str | None] = None,
        near: FromQuery[str | None] = None,
        lat: FromQuery[str | None] = None,
        lng: FromQuery[str | None] = None,
        radius_km: FromQuery[float | None] = None,
        category: FromQuery[list[str] | None] = None,
        open_now: FromQuery[bool] = False,
        walk_in: FromQuery[bool] = False,
        payment: FromQuery[str | None] = None,
        language: FromQuery[str | None] = None,
        medication: FromQuery[str | None] = None,
        page: PageNumber = 1,
        ids: FromQuery[list[str] | None] = None,
    ) -> Template:
        """The search form and, once something is asked, a page of results (the API's search) with a map."""
        form = SearchForm(
            search=_text(search),
            near=_text(near, 300),
            lat=_text(lat, 30),
            lng=_text(lng, 30),
            radius_km=radius_km,
            category=tuple(c for c in category or () if c),
            open_now=open_now,
            walk_in=walk_in,
            payment=_text(payment, 40),
            language=_text(language, 40),
            medication=_text(medication, 40),
            page=page,
            chosen=chosen_ids(ids),
        )
        results: list[ServiceSearchResult] = []
        total = 0
        error: PageError | None = None
        located: SearchCentre | None = None
        if form.asked:
            try:
                query = await search_query(form.listing_search(), state.geocoder, state.settings.max_radius_km)
            except Invalid as refusal:
                error = page_error(refusal)
            else:
                index: SearchIndex = state.search_index
                found = await index.search(query)
                results, total, located = found.results, found.total, query.located
        radius = form.radius_km or DEFAULT_RADIUS_KM
        wider = min(radius * 2, state.settings.max_radius_km) if (form.near or form.lat) else None
        return render(
            "directory/search.html",
            status_code=400 if error else 200,
            form=form,
            error=error,
            results=results,
            total=total,
            located=located,
            per_page=PER_PAGE,
            wider_radius=wider if wider and wider > radius else None,
            sources=data_sources(results),
            categories=CATEGORY_LABELS,
            medications=MEDICATION_LABELS,
            payments=PAYMENT_LABELS,
            language_choices=LANGUAGE_LABELS,
            filter_names=FILTER_LABELS,
            radius_choices=radius_choices(form.radius_km, state.settings.distance_unit, state.settings.max_radius_km),
            capacity_units=CAPACITY_UNITS,
            **LISTING_WORDS,
        )

    @get("/listings/{service_at_location_id:uuid}", name="public_listing")
    async def listing_page(
        self, service_at_location_id: FromPath[uuid.UUID], reported: FromQuery[bool] = False
    ) -> Template:
        """Everything public about one listing, and the form to report a problem with it."""
        return await _listing_page(service_at_location_id, reported=reported)

    @post(
        "/listings/{service_at_location_id:uuid}/report",
        middleware=[PUBLIC_REPORTS.middleware],
        status_code=303,
    )
    async def report_problem(
        self, service_at_location_id: FromPath[uuid.UUID], data: Annotated[ReportForm, FORM], now: Now
    ) -> Template | Redirect:
        """Store a problem report for the admins' queue (it never flags the listing on its own), then confirm."""
        try:
            await report_from_public(service_at_location_id, data.reason, data.note, now)
        except Invalid as refusal:
            return await _listing_page(
                service_at_location_id, status_code=400, error=page_error(refusal), note=data.note
            )
        return see_other(f"/listings/{service_at_location_id}?reported=true#report")

    @get("/print", name="public_print")
    async def print_list(self, ids: FromQuery[list[str] | None] = None) -> Template:
        """The chosen listings as a clean list for paper; its URL shares the same list."""
        if len(ids or ()) > PRINT_MAX:
            raise Invalid(PRINT_LIST_TOO_LONG, maximum=PRINT_MAX, count=len(ids or ()))
        chosen: list[uuid.UUID] = []
        for text in ids or ():
            try:
                value = uuid.UUID(text)
            except ValueError:
                raise Invalid(PRINT_LIST_UNKNOWN, id=text) from None
            if value not in chosen:
                chosen.append(value)
        listings = await public_listings(chosen)
        return render(
            "directory/print.html",
            listings=listings,
            sources=data_sources(listings),
            share_url="/print?" + urlencode([("ids", str(listing_id)) for listing_id in chosen[:PRINT_MAX]]),
            capacity_units=CAPACITY_UNITS,
            **LISTING_WORDS,
        )


async def _listing_page(
    service_at_location_id: uuid.UUID,
    *,
    status_code: int = 200,
    reported: bool = False,
    error: PageError | None = None,
    note: str = "",
) -> Template:
    found = await public_listings([service_at_location_id])
    if not found:
        return render(
            "layout/error.html",
            status_code=404,
            title=gettext("Not found"),
            message=LISTING_NOT_FOUND.message_for({}),
        )
    return render(
        "directory/listing.html",
        status_code=status_code,
        item=found[0],
        sources=data_sources(found),
        reasons=REPORT_REASON_LABELS,
        payments=PAYMENT_LABELS,
        medications=MEDICATION_LABELS,
        reported=reported,
        capacity_units=CAPACITY_UNITS,
        **LISTING_WORDS,
        error=error,
        note=note,
    )
