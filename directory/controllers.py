"""HTTP API of the directory, in the shape of the HSDS 3.0 API (`/api/...`)."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Annotated, Any, TypeVar, cast

import msgspec
from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream
from piccolo.custom_types import Combinable

from directory.errors import (
    FORMAT_UNKNOWN,
    LISTING_NOT_FOUND,
    MINIMAL_AND_FULL,
    MODIFIED_AFTER_UNREADABLE,
    MODIFIED_AFTER_WITHOUT_OFFSET,
    ORGANIZATION_NOT_FOUND,
    POSTCODE_INVALID,
    POSTCODE_UNKNOWN,
    PROXIMITY_NEEDS_POSTCODE,
    PROXIMITY_OUT_OF_RANGE,
    SERVICE_NOT_FOUND,
    TAXONOMY_NOT_FOUND,
    TAXONOMY_TERM_NOT_FOUND,
)
from directory.geo.geocoding import zip_centroid
from directory.hsds.objects import (
    ServiceFilter,
    contains,
    load_minimal_services,
    load_organizations,
    load_service_at_locations,
    load_services,
    load_taxonomies,
    service_at_location_page,
    taxonomy_term_out,
    term_and_descendants,
)
from directory.schemas import (
    HsdsBase,
    OrganizationOut,
    ServiceAtLocationOut,
    ServiceMinimalOut,
    ServiceOut,
    ServiceSearchPage,
    ServiceSearchResult,
    TaxonomyOut,
    TaxonomyTermOut,
)
from directory.search.index import SearchIndex
from directory.search.listing_search import ListingSearch, located_page, search_query
from directory.search.query import ListingFilters
from directory.tables import Organization, ServiceAtLocation, TaxonomyTerm
from directory.taxonomy.categories import MEDICATIONS, PAYMENT_METHODS
from kernel.guards import OPEN_DATA
from kernel.paging import Page, PageNumber, PerPage, make_page, offset_of
from kernel.problems import Invalid, NotFound, problems
from kernel.settings import AppSettings, Settings

__all__ = ["DirectoryApiController"]

HSDS_OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
FORMATS = ("json", "ndjson")
"""HSDS `format` values: a page of JSON (the default), or the results as one JSON object per line."""
NDJSON_MAX_OBJECTS = 1000
"""The most objects one `format=ndjson` response streams (HSDS says all: one request, counted once by the rate
limit, must not pull the whole directory fully nested). `page` picks which thousand; a `Link: rel="next"` header
names the next page while more remain, and `X-Total-Count` says how many there are in all."""
NDJSON_CHUNK = 100
"""Objects loaded from the database at a time while streaming ndjson."""
POSTCODE = re.compile(r"(?=[^0-9]*[0-9])[A-Za-z0-9][A-Za-z0-9 -]{1,11}")
"""A postcode: 2 to 12 letters, digits, spaces and hyphens, with a digit (21201, 21201-1234, SW1A 1AA, K1A 0B6)."""
T = TypeVar("T")

# `schema_extra` declares in OpenAPI what the handler checks itself (with its own error code and words).
Format = Annotated[
    str,
    QueryParameter(
        description=f"json (default): a page of per_page results; ndjson: one JSON object per line, at most "
        f"{NDJSON_MAX_OBJECTS} per response (page picks which {NDJSON_MAX_OBJECTS}; per_page is not used), with a "
        'Link rel="next" header while more remain and X-Total-Count.',
        schema_extra={"enum": list(FORMATS)},
    ),
]
SearchText = Annotated[str | None, QueryParameter(description="Words the name should contain.", max_length=200)]
Full = Annotated[bool, QueryParameter(description="Fully nested objects instead of their one-to-one fields.")]
TaxonomyId = Annotated[
    uuid.UUID | None, QueryParameter(description="Only those with a term of this taxonomy (see /api/taxonomies).")
]
TaxonomyTermId = Annotated[
    uuid.UUID | None,
    QueryParameter(description="Only those with this taxonomy term, or a term under it (its children, theirs, ...)."),
]
OrganizationId = Annotated[uuid.UUID | None, QueryParameter(description="Only services of this organization.")]
ModifiedAfter = Annotated[
    str | None,
    QueryParameter(
        description="Only services changed at or after this moment: a date-time with its UTC offset "
        "(2024-05-01T00:00:00Z, 2024-05-01T08:00:00-04:00) or a date (2024-05-01: the start of that day in UTC). "
        "A date-time without an offset is ambiguous and refused; a moment in the future finds nothing."
    ),
]

# The search's query parameters (GET /api/services), as the OpenAPI schema describes them.
SearchWords = Annotated[
    str | None, QueryParameter(description="Words to look for; typos and everyday words are fine.", max_length=200)
]
Latitude = Annotated[float | None, QueryParameter(description="Latitude of the place to search around.")]
Longitude = Annotated[float | None, QueryParameter(description="Longitude of the place to search around.")]
Near = Annotated[str | None, QueryParameter(description="A ZIP code, 'City, ST' or street address to search around.")]
RadiusKm = Annotated[
    float | None,
    QueryParameter(
        description="Only results within this many km (default 40 with a location; at most MAX_RADIUS_KM, by "
        "default 500, as declared here).",
        schema_extra={"exclusiveMinimum": 0, "maximum": Settings.max_radius_km},
    ),
]
Category = Annotated[
    list[str] | None, QueryParameter(description="Category slug, e.g. food, housing, moud; repeat for several.")
]
OpenNow = Annotated[bool | None, QueryParameter(description="Only services open right now (by their posted hours).")]
WalkIn = Annotated[bool | None, QueryParameter(description="Only services that take walk-ins.")]
LanguageFilter = Annotated[str | None, QueryParameter(description="Language code or name, e.g. es or Spanish.")]
Payment = Annotated[
    str | None,
    QueryParameter(description=f"One of {', '.join(PAYMENT_METHODS)}.", schema_extra={"enum": list(PAYMENT_METHODS)}),
]
Medication = Annotated[
    str | None,
    QueryParameter(description=f"One of {', '.join(MEDICATIONS)}.", schema_extra={"enum": list(MEDICATIONS)}),
]
AcceptingNewPatients = Annotated[bool | None, QueryParameter(description="Only services accepting new patients.")]
Minimal = Annotated[
    bool,
    QueryParameter(
        description="Each result as just its id and last change (with name and status). Not with full=true: "
        "the two exclude each other (400)."
    ),
]
SearchFull = Annotated[
    bool,
    QueryParameter(
        description="Fully nested objects instead of their one-to-one fields. Not with minimal=true: the two "
        "exclude each other (400)."
    ),
]


def check_format(value: str) -> bool:
    """True for ndjson, False for json; 400 for anything else."""
    if value not in FORMATS:
        raise Invalid(FORMAT_UNKNOWN, allowed=FORMATS, format=value)
    return value == "ndjson"


def parse_modified_after(text: str | None) -> dt.datetime | None:
    """The moment `modified_after` names, in UTC: a date-time with its offset, or a date (its start in UTC);
    400 naming the parameter for a bare local time (ambiguous). HSDS bounds it neither way: any moment the
    calendar holds is compared as it is (one in 2100 finds nothing, one in 1900 everything)."""
    if text is None:
        return None
    text = text.strip()
    try:
        if any(c in text for c in "T :"):
            value = dt.datetime.fromisoformat(text)
        else:
            value = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=dt.UTC)
        moment = value.astimezone(dt.UTC) if value.tzinfo else None
    except (ValueError, OverflowError):
        raise Invalid(MODIFIED_AFTER_UNREADABLE, modified_after=text) from None
    if moment is None:
        raise Invalid(MODIFIED_AFTER_WITHOUT_OFFSET, modified_after=text)
    return moment


async def service_filter(
    organization_id: uuid.UUID | None,
    taxonomy_term_id: uuid.UUID | None,
    taxonomy_id: uuid.UUID | None,
    modified_after: str | None,
) -> ServiceFilter:
    """The HSDS service filters of a request; a taxonomy id no term has matches nothing, a term stands for
    itself and every term under it."""
    taxonomy = None
    if taxonomy_id is not None:
        names = {uuid.UUID(t.id): t.name for t in await load_taxonomies()}
        # An unknown id stands for a taxonomy named by that id, which (having no terms) matches nothing.
        taxonomy = names.get(taxonomy_id, str(taxonomy_id))
    return ServiceFilter(
        organization_id=organization_id,
        taxonomy_term_ids=None if taxonomy_term_id is None else await term_and_descendants(taxonomy_term_id),
        taxonomy=taxonomy,
        modified_after=parse_modified_after(modified_after),
    )


def page_size(streamed: bool, per_page: int) -> int:
    """Results in one response: `per_page` for a JSON page, NDJSON_MAX_OBJECTS for an ndjson stream."""
    return NDJSON_MAX_OBJECTS if streamed else per_page


def ndjson(chunks: AsyncIterator[Sequence[Any]], request: Request, total: int, page: int) -> Stream:
    """One page (of NDJSON_MAX_OBJECTS) of results, one JSON object per line (HSDS `format=ndjson`), streamed as
    the chunks are loaded; the headers say how many there are and where the next page is."""
    encoder = msgspec.json.Encoder()

    async def lines() -> AsyncIterator[bytes]:
        async for chunk in chunks:
            if chunk:
                yield b"".join(encoder.encode(item) + b"\n" for item in chunk)

    # The header, not media_type: the handler's own media type (JSON, for its pages) would win over the latter.
    headers = {"content-type": "application/x-ndjson", "x-total-count": str(total)}
    if page * NDJSON_MAX_OBJECTS < total:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "page"] + [("page", str(page + 1))]
        headers["link"] = f'<{request.url.path}?{urllib.parse.urlencode(query)}>; rel="next"'
    return Stream(lines(), headers=headers)


async def in_chunks(
    ids: Sequence[T], load: Callable[[list[T]], Awaitable[Sequence[Any]]]
) -> AsyncIterator[Sequence[Any]]:
    """`load` applied to `ids` a chunk at a time, so a long stream never holds every object at once."""
    for start in range(0, len(ids), NDJSON_CHUNK):
        yield await load(list(ids[start : start + NDJSON_CHUNK]))


async def listed(items: Sequence[Any]) -> AsyncIterator[Sequence[Any]]:
    """Objects already in hand, as the one chunk of a stream."""
    yield items


def page_of(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    """One page of a list held in memory."""
    start = offset_of(page, per_page)
    return make_page(list(items[start : start + per_page]), len(items), page, per_page)


class DirectoryApiController(Controller):
    """Public, read-only directory API following HSDS 3.0."""

    path = "/api"
    tags = ["directory"]
    opt = OPEN_DATA

    @get("/", operation_id="getHsdsBase", responses=problems(429), summary="HSDS API root")
    async def root(self) -> HsdsBase:
        """Which HSDS version and profile this API serves."""
        return HsdsBase(
            version="3.0", profile="https://openreferral.org/specification/3.0", openapi_url=HSDS_OPENAPI_URL
        )

    @get("/services", operation_id="listServices", responses=problems(400, 429), summary="Search services")
    async def list_services(
        self,
        state: State,
        request: Request,
        search: SearchWords = None,
        lat: Latitude = None,
        lng: Longitude = None,
        near: Near = None,
        radius_km: RadiusKm = None,
        category: Category = None,
        taxonomy_term_id: TaxonomyTermId = None,
        taxonomy_id: TaxonomyId = None,
        organization_id: OrganizationId = None,
        modified_after: ModifiedAfter = None,
        open_now: OpenNow = None,
        walk_in: WalkIn = None,
        language: LanguageFilter = None,
        payment: Payment = None,
        medication: Medication = None,
        accepting_new_patients: AcceptingNewPatients = None,
        minimal: Minimal = False,
        full: SearchFull = False,
        format: Format = "json",
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> ServiceSearchPage[ServiceSearchResult | ServiceOut | ServiceMinimalOut]:
        """Listings (a service at a location) matching words, place, category and filters; nearest first among
        equals. `full` nests each listing's whole service, `minimal` gives only its id and last change.
        `located_as` says how `near` was understood."""
        streamed = check_format(format)
        if minimal and full:
            raise Invalid(MINIMAL_AND_FULL)
        # The HSDS filters other than the term are answered by the database, then applied in the index; the
        # term (and the terms under it) by the index's own facets.
        services = await service_filter(organization_id, None, taxonomy_id, modified_after)
        terms = await term_and_descendants(taxonomy_term_id) if taxonomy_term_id else frozenset()
        service_ids = frozenset(str(r["id"]) for r in await services.service_ids()) if services.active else None
        query = await search_query(
            ListingSearch(
                search=search,
                near=near,
                lat=lat,
                lng=lng,
                radius_km=radius_km,
                filters=ListingFilters(
                    categories=tuple(category or ()),
                    medication=medication,
                    payment=payment,
                    language=language,
                    walk_in=walk_in,
                    accepting_new_patients=accepting_new_patients,
                    open_now=open_now,
                    taxonomy_term_ids=tuple(sorted(map(str, terms))),
                    service_ids=service_ids,
                ),
                page=page,
                per_page=page_size(streamed, per_page),
            ),
            state.geocoder,
            state.settings.max_radius_km,
        )
        index: SearchIndex = state.search_index
        results = await index.search(query)
        if not minimal and not full:
            # Pre-encoded results (see SearchResults.encoded): the JSON is exactly a list of ServiceSearchResult.
            contents = cast(list[ServiceSearchResult | ServiceOut | ServiceMinimalOut], results.encoded())
            if streamed:
                return cast(ServiceSearchPage, ndjson(listed(contents), request, results.total, page))
            return located_page(make_page(contents, results.total, page, per_page), query.located)
        ids = [uuid.UUID(result.id) for result in results.results]
        load = load_minimal_services if minimal else load_services
        if streamed:
            return cast(ServiceSearchPage, ndjson(in_chunks(ids, load), request, results.total, page))
        return located_page(make_page(list(await load(ids)), results.total, page, per_page), query.located)

    @get(
        "/services/{service_id:uuid}",
        operation_id="getService",
        responses=problems(400, 404, 429),
        summary="One service",
    )
    async def get_service(self, service_id: FromPath[uuid.UUID]) -> ServiceOut:
        """A service with its organization, locations, hours, phones and attributes."""
        services = await load_services([service_id], show_confidential=False)
        if not services:
            raise NotFound(SERVICE_NOT_FOUND, service_id=service_id)
        return services[0]

    @get("/organizations", operation_id="listOrganizations", responses=problems(400, 429), summary="List organizations")
    async def list_organizations(
        self,
        request: Request,
        search: SearchText = None,
        full_service: Annotated[
            bool, QueryParameter(description="Fully nested organizations, each with its services fully nested.")
        ] = False,
        full: Annotated[
            bool, QueryParameter(description="Fully nested organizations (phones, locations, services, ...).")
        ] = False,
        format: Format = "json",
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[OrganizationOut]:
        """Organizations in name order: their own fields, or (`full`, `full_service`) fully nested."""
        streamed = check_format(format)
        query = Organization.select(Organization.id)
        count = Organization.count()
        if search:
            query = query.where(contains(Organization.name, search))
            count = count.where(contains(Organization.name, search))
        size = page_size(streamed, per_page)
        query = query.order_by(Organization.name).order_by(Organization.id).limit(size).offset(offset_of(page, size))
        ids = [uuid.UUID(str(r["id"])) for r in await query]

        async def load(chunk: list[uuid.UUID]) -> list[OrganizationOut]:
            nested = full or full_service
            found = await load_organizations(
                chunk,
                nested=nested,
                locations=nested,
                services="full" if full_service else "summary" if full else None,
            )
            return [found[i] for i in chunk if i in found]

        if streamed:
            return cast(Page, ndjson(in_chunks(ids, load), request, await count, page))
        return make_page(await load(ids), await count, page, per_page)

    @get(
        "/organizations/{organization_id:uuid}",
        operation_id="getOrganization",
        responses=problems(400, 404, 429),
        summary="One organization",
    )
    async def get_organization(
        self,
        organization_id: FromPath[uuid.UUID],
        full_service: Annotated[bool, QueryParameter(description="Its services fully nested, not just named.")] = False,
    ) -> OrganizationOut:
        """An organization with its phones, attributes, locations and services."""
        found = await load_organizations(
            [organization_id], locations=True, services="full" if full_service else "summary"
        )
        if organization_id not in found:
            raise NotFound(ORGANIZATION_NOT_FOUND, organization_id=organization_id)
        return found[organization_id]

    @get("/taxonomies", operation_id="listTaxonomies", responses=problems(400, 429), summary="List taxonomies")
    async def list_taxonomies(
        self,
        request: Request,
        search: SearchText = None,
        format: Format = "json",
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[TaxonomyOut]:
        """The taxonomies the directory's terms belong to, by name."""
        streamed = check_format(format)
        taxonomies = await load_taxonomies()
        if search:
            taxonomies = [t for t in taxonomies if search.casefold() in t.name.casefold()]
        if streamed:
            chosen = page_of(taxonomies, page, NDJSON_MAX_OBJECTS).contents
            return cast(Page, ndjson(listed(chosen), request, len(taxonomies), page))
        return page_of(taxonomies, page, per_page)

    @get(
        "/taxonomies/{taxonomy_id:uuid}",
        operation_id="getTaxonomy",
        responses=problems(400, 404, 429),
        summary="One taxonomy",
    )
    async def get_taxonomy(self, taxonomy_id: FromPath[uuid.UUID]) -> TaxonomyOut:
        """A taxonomy."""
        for taxonomy in await load_taxonomies():
            if taxonomy.id == str(taxonomy_id):
                return taxonomy
        raise NotFound(TAXONOMY_NOT_FOUND, taxonomy_id=taxonomy_id)

    @get(
        "/taxonomy_terms", operation_id="listTaxonomyTerms", responses=problems(400, 429), summary="List taxonomy terms"
    )
    async def list_taxonomy_terms(
        self,
        request: Request,
        search: Annotated[
            str | None, QueryParameter(description="Words the term's name or code should contain.", max_length=200)
        ] = None,
        parent_id: Annotated[uuid.UUID | None, QueryParameter(description="Only children of this term.")] = None,
        taxonomy_id: Annotated[uuid.UUID | None, QueryParameter(description="Only terms of this taxonomy.")] = None,
        taxonomy: Annotated[str | None, QueryParameter(description="Only terms of the taxonomy of this name.")] = None,
        top_only: Annotated[bool, QueryParameter(description="Only terms without a parent.")] = False,
        format: Format = "json",
        page: PageNumber = 1,
        per_page: PerPage = 50,
    ) -> Page[TaxonomyTermOut]:
        """Taxonomy terms (categories and sub-categories) in code order."""
        streamed = check_format(format)
        conditions: list[Combinable] = []
        if search:
            conditions.append(contains(TaxonomyTerm.name, search) | contains(TaxonomyTerm.code, search))
        if parent_id is not None:
            conditions.append(TaxonomyTerm.parent_id == parent_id)
        if taxonomy_id is not None:
            names = [t.name for t in await load_taxonomies() if t.id == str(taxonomy_id)]
            conditions.append(TaxonomyTerm.taxonomy == (names[0] if names else str(taxonomy_id)))
        if taxonomy is not None:
            conditions.append(TaxonomyTerm.taxonomy == taxonomy)
        if top_only:
            conditions.append(TaxonomyTerm.parent_id.is_null())
        query = TaxonomyTerm.select()
        count = TaxonomyTerm.count()
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        query = query.order_by(TaxonomyTerm.taxonomy).order_by(TaxonomyTerm.code).order_by(TaxonomyTerm.name)
        size = page_size(streamed, per_page)
        terms = [taxonomy_term_out(r) for r in await query.limit(size).offset(offset_of(page, size))]
        if streamed:
            return cast(Page, ndjson(listed(terms), request, await count, page))
        return make_page(terms, await count, page, per_page)

    @get(
        "/taxonomy_terms/{term_id:uuid}",
        operation_id="getTaxonomyTerm",
        responses=problems(400, 404, 429),
        summary="One taxonomy term",
    )
    async def get_taxonomy_term(self, term_id: FromPath[uuid.UUID]) -> TaxonomyTermOut:
        """A taxonomy term."""
        row = await TaxonomyTerm.select().where(TaxonomyTerm.id == term_id).first()
        if row is None:
            raise NotFound(TAXONOMY_TERM_NOT_FOUND, term_id=term_id)
        return taxonomy_term_out(row)

    @get(
        "/service_at_locations",
        operation_id="listServiceAtLocations",
        responses=problems(400, 429),
        summary="List services at locations",
    )
    async def list_service_at_locations(
        self,
        request: Request,
        settings: AppSettings,
        search: Annotated[
            str | None,
            QueryParameter(description="Words the service, location or organization name contains.", max_length=200),
        ] = None,
        organization_id: OrganizationId = None,
        taxonomy_term_id: TaxonomyTermId = None,
        taxonomy_id: TaxonomyId = None,
        modified_after: ModifiedAfter = None,
        postcode: Annotated[
            str | None,
            QueryParameter(
                description="Only at public addresses with this postcode (2-12 letters, digits, spaces and hyphens, "
                "with a digit; 21201 also matches 21201-1234); with proximity, the US ZIP code to measure from."
            ),
        ] = None,
        proximity: Annotated[
            str | None,
            QueryParameter(
                description="Only within this many metres of the postcode's centre (above 0, at most "
                "MAX_RADIUS_KM in metres: by default 500000, as declared here).",
                # Read as text, to answer anything else with proximity's own error; declared as the number it is.
                schema_extra={
                    "oneOf": [
                        Schema(type=OpenAPIType.NUMBER, exclusive_minimum=0, maximum=Settings.max_radius_km * 1000),
                        Schema(type=OpenAPIType.NULL),
                    ]
                },
            ),
        ] = None,
        full: Full = False,
        format: Format = "json",
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[ServiceAtLocationOut]:
        """Every service at every location, with its location and service; nearest first with proximity."""
        streamed = check_format(format)
        services = await service_filter(organization_id, taxonomy_term_id, taxonomy_id, modified_after)
        code = postcode.strip() if postcode is not None else None
        if code is not None and not POSTCODE.fullmatch(code):
            raise Invalid(POSTCODE_INVALID, postcode=postcode)
        centre = None
        metres = None
        if proximity is not None:
            metres = _proximity_metres(proximity, settings.max_radius_km)
            if code is None:
                raise Invalid(PROXIMITY_NEEDS_POSTCODE)
            point = zip_centroid(code)
            if point is None:
                raise Invalid(POSTCODE_UNKNOWN, postcode=code)
            centre = (point.latitude, point.longitude)
        rows, total = await service_at_location_page(
            services,
            search=search,
            postcode=code,
            centre=centre,
            proximity_m=metres,
            page=page,
            per_page=page_size(streamed, per_page),
        )

        async def load(chunk: list[dict]) -> list[ServiceAtLocationOut]:
            return await load_service_at_locations(chunk, full=full)

        if streamed:
            return cast(Page, ndjson(in_chunks(rows, load), request, total, page))
        return make_page(await load(rows), total, page, per_page)

    @get(
        "/service_at_locations/{sal_id:uuid}",
        operation_id="getServiceAtLocation",
        responses=problems(400, 404, 429),
        summary="One service at a location",
    )
    async def get_service_at_location(self, sal_id: FromPath[uuid.UUID]) -> ServiceAtLocationOut:
        """A service at a location, with its location and service fully nested (and the service's name and status,
        which HSDS 3.0's openapi.json asks of this response)."""
        rows = await ServiceAtLocation.select().where(ServiceAtLocation.id == sal_id)
        if not rows:
            raise NotFound(LISTING_NOT_FOUND, service_at_location_id=sal_id)
        found = (await load_service_at_locations(rows, full=True))[0]
        if found.service is not None:
            found.name, found.status = found.service.name, found.service.status
        return found


def _proximity_metres(text: str, max_radius_km: float) -> float:
    """`proximity` in metres; 400 unless a number above 0 and within the largest search radius (MAX_RADIUS_KM)."""
    limit = max_radius_km * 1000
    try:
        metres = float(text)
    except ValueError:
        metres = float("nan")
    if not 0 < metres <= limit:
        raise Invalid(PROXIMITY_OUT_OF_RANGE, maximum=limit)
    return metres
