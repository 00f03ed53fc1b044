"""HTTP API of the directory, in the shape of the HSDS 3.0 API (`/api/...`)."""

from __future__ import annotations

import uuid
from typing import Annotated, cast

from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, QueryParameter

from directory.schemas import (
    HsdsBase,
    OrganizationOut,
    ServiceAtLocationOut,
    ServiceOut,
    ServiceSearchResult,
    TaxonomyTermOut,
)
from directory.services.geocoding import Geocoder, offline_point, parse_city_state, zip_centroid
from directory.services.languages import language_code
from directory.services.records import (
    load_organizations,
    load_service_at_locations,
    load_services,
    taxonomy_term_out,
)
from directory.services.search_index import SearchIndex, SearchQuery
from directory.services.taxonomy import CATEGORIES, MEDICATIONS, PAYMENT_METHODS
from directory.tables import Organization, ServiceAtLocation, TaxonomyTerm
from kernel.guards import OPEN_DATA
from kernel.paging import Page, PageNumber, PerPage, make_page, offset_of
from kernel.problems import problems
from kernel.settings import get_settings

__all__ = ["DirectoryApiController"]

CATEGORY_CODES = {term.code for term in CATEGORIES}
HSDS_OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"


async def locate(
    near: str | None, lat: float | None, lng: float | None, geocoder: Geocoder
) -> tuple[float, float] | None:
    """The point a search is centred on, from lat/lng or a free-text place; 400 if not understood."""
    if (lat is None) != (lng is None):
        raise ValidationException(detail="lat and lng must be given together")
    if lat is not None and lng is not None:
        if not -90 <= lat <= 90:
            raise ValidationException(detail="lat must be between -90 and 90")
        if not -180 <= lng <= 180:
            raise ValidationException(detail="lng must be between -180 and 180")
        return lat, lng
    if near is None:
        return None
    text = near.strip()
    if not text:
        raise ValidationException(detail="near must not be empty")
    if len(text) > 300:
        raise ValidationException(detail="near must be at most 300 characters")
    # ZIP codes and 'City, ST' are answered offline; street addresses go to the geocoder.
    point = zip_centroid(text) if text.isdigit() or text[:5].isdigit() and len(text) <= 10 else None
    if point is None and parse_city_state(text):
        point = offline_point(text)
    if point is None:
        point = await geocoder.geocode(text)
    if point is None:
        raise ValidationException(detail=f"near: could not find a place called {text!r}; try a ZIP code or 'City, ST'")
    return point.latitude, point.longitude


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
        search: Annotated[
            str | None,
            QueryParameter(description="Words to look for; typos and everyday words are fine.", max_length=200),
        ] = None,
        lat: Annotated[float | None, QueryParameter(description="Latitude of the place to search around.")] = None,
        lng: Annotated[float | None, QueryParameter(description="Longitude of the place to search around.")] = None,
        near: Annotated[
            str | None, QueryParameter(description="A ZIP code, 'City, ST' or street address to search around.")
        ] = None,
        radius_km: Annotated[
            float | None, QueryParameter(description="Only results within this many km (default 40 with a location).")
        ] = None,
        category: Annotated[
            list[str] | None, QueryParameter(description="Category slug, e.g. food, housing, moud; repeat for several.")
        ] = None,
        taxonomy_term_id: Annotated[
            uuid.UUID | None, QueryParameter(description="Only services with this taxonomy term.")
        ] = None,
        open_now: Annotated[
            bool | None, QueryParameter(description="Only services open right now (by their posted hours).")
        ] = None,
        walk_in: Annotated[bool | None, QueryParameter(description="Only services that take walk-ins.")] = None,
        language: Annotated[
            str | None, QueryParameter(description="Language code or name, e.g. es or Spanish.")
        ] = None,
        payment: Annotated[str | None, QueryParameter(description=f"One of {', '.join(PAYMENT_METHODS)}.")] = None,
        medication: Annotated[str | None, QueryParameter(description=f"One of {', '.join(MEDICATIONS)}.")] = None,
        accepting_new_patients: Annotated[
            bool | None, QueryParameter(description="Only services accepting new patients.")
        ] = None,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[ServiceSearchResult]:
        """Services matching words, place, category and filters; nearest first among equals."""
        settings = get_settings()
        point = await locate(near, lat, lng, state.geocoder)
        if radius_km is not None and not 0 < radius_km <= settings.max_radius_km:
            raise ValidationException(detail=f"radius_km must be more than 0 and at most {settings.max_radius_km:g}")
        if radius_km is not None and point is None:
            raise ValidationException(detail="radius_km needs a location: give near, or lat and lng")
        unknown = [c for c in category or [] if c not in CATEGORY_CODES]
        if unknown:
            raise ValidationException(
                detail=f"category: unknown {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(sorted(c for c in CATEGORY_CODES if '.' not in c))}"
            )
        if payment is not None and payment not in PAYMENT_METHODS:
            raise ValidationException(detail=f"payment must be one of {', '.join(PAYMENT_METHODS)}")
        medication_key = medication.casefold() if medication else None
        if medication_key is not None and medication_key not in MEDICATIONS:
            raise ValidationException(detail=f"medication must be one of {', '.join(MEDICATIONS)}")
        language_key = language_code(language) if language else None
        if language and language_key is None:
            raise ValidationException(detail=f"language: {language!r} is not a language code or name")
        index: SearchIndex = state.search_index
        results = await index.search(
            SearchQuery(
                text=search or "",
                latitude=point[0] if point else None,
                longitude=point[1] if point else None,
                radius_km=(radius_km or 40.0) if point else None,
                categories=tuple(category or ()),
                taxonomy_term_id=str(taxonomy_term_id) if taxonomy_term_id else None,
                medication=medication_key,
                payment=payment,
                language=language_key,
                walk_in=walk_in,
                accepting_new_patients=accepting_new_patients,
                open_now=open_now,
                page=page,
                per_page=per_page,
            )
        )
        # Pre-encoded results (see SearchResults.encoded): the JSON is exactly a list of ServiceSearchResult.
        contents = cast(list[ServiceSearchResult], results.encoded())
        return make_page(contents, results.total, page, per_page)

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
            raise NotFoundException(detail=f"no service with id {service_id}")
        return services[0]

    @get("/organizations", operation_id="listOrganizations", responses=problems(400, 429), summary="List organizations")
    async def list_organizations(
        self,
        search: Annotated[
            str | None, QueryParameter(description="Part of the organization's name.", max_length=200)
        ] = None,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[OrganizationOut]:
        """Organizations in name order."""
        query = Organization.select(Organization.id)
        count = Organization.count()
        if search:
            query = query.where(_name_contains(search))
            count = count.where(_name_contains(search))
        rows = (
            await query.order_by(Organization.name)
            .order_by(Organization.id)
            .limit(per_page)
            .offset(offset_of(page, per_page))
        )
        ids = [uuid.UUID(str(r["id"])) for r in rows]
        found = await load_organizations(ids)
        return make_page([found[i] for i in ids if i in found], await count, page, per_page)

    @get(
        "/organizations/{organization_id:uuid}",
        operation_id="getOrganization",
        responses=problems(400, 404, 429),
        summary="One organization",
    )
    async def get_organization(self, organization_id: FromPath[uuid.UUID]) -> OrganizationOut:
        """An organization with its phones and attributes."""
        found = await load_organizations([organization_id])
        if organization_id not in found:
            raise NotFoundException(detail=f"no organization with id {organization_id}")
        return found[organization_id]

    @get(
        "/taxonomy_terms", operation_id="listTaxonomyTerms", responses=problems(400, 429), summary="List taxonomy terms"
    )
    async def list_taxonomy_terms(
        self,
        parent_id: Annotated[uuid.UUID | None, QueryParameter(description="Only children of this term.")] = None,
        taxonomy: Annotated[str | None, QueryParameter(description="Only terms of this taxonomy.")] = None,
        top_only: Annotated[bool, QueryParameter(description="Only terms without a parent.")] = False,
        page: PageNumber = 1,
        per_page: PerPage = 50,
    ) -> Page[TaxonomyTermOut]:
        """Taxonomy terms (categories and sub-categories) in code order."""
        conditions = []
        if parent_id is not None:
            conditions.append(TaxonomyTerm.parent_id == parent_id)
        if taxonomy is not None:
            conditions.append(TaxonomyTerm.taxonomy == taxonomy)
        if top_only:
            conditions.append(TaxonomyTerm.parent_id.is_null())
        query = TaxonomyTerm.select()
        count = TaxonomyTerm.count()
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        rows = (
            await query.order_by(TaxonomyTerm.taxonomy)
            .order_by(TaxonomyTerm.code)
            .order_by(TaxonomyTerm.name)
            .limit(per_page)
            .offset(offset_of(page, per_page))
        )
        return make_page([taxonomy_term_out(r) for r in rows], await count, page, per_page)

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
            raise NotFoundException(detail=f"no taxonomy term with id {term_id}")
        return taxonomy_term_out(row)

    @get(
        "/service_at_locations",
        operation_id="listServiceAtLocations",
        responses=problems(400, 429),
        summary="List services at locations",
    )
    async def list_service_at_locations(
        self, page: PageNumber = 1, per_page: PerPage = 20
    ) -> Page[ServiceAtLocationOut]:
        """Every service at every location, with the location nested."""
        rows = (
            await ServiceAtLocation.select()
            .order_by(ServiceAtLocation.id)
            .limit(per_page)
            .offset(offset_of(page, per_page))
        )
        return make_page(await load_service_at_locations(rows), await ServiceAtLocation.count(), page, per_page)

    @get(
        "/service_at_locations/{sal_id:uuid}",
        operation_id="getServiceAtLocation",
        responses=problems(400, 404, 429),
        summary="One service at a location",
    )
    async def get_service_at_location(self, sal_id: FromPath[uuid.UUID]) -> ServiceAtLocationOut:
        """A service at a location, with the location nested."""
        rows = await ServiceAtLocation.select().where(ServiceAtLocation.id == sal_id)
        if not rows:
            raise NotFoundException(detail=f"no service_at_location with id {sal_id}")
        return (await load_service_at_locations(rows))[0]


def _name_contains(text: str):
    """Case-insensitive 'name contains text' (SQLite's LIKE already ignores ASCII case)."""
    pattern = "%" + text.replace("%", "").replace("_", "") + "%"
    if Organization._meta.db.engine_type == "sqlite":
        return Organization.name.like(pattern)
    return Organization.name.ilike(pattern)
