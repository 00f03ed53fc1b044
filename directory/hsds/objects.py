"""Read HSDS 3.0 objects (services, organizations, locations, taxonomies and their terms) from the tables.

Confidential locations lose their addresses and coordinates unless the caller may see them.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.columns.operators.comparison import ComparisonOperator
from piccolo.custom_types import Combinable
from piccolo.query.methods.select import Select

from directory.geo.earth import km_between
from directory.geo.geocoding import address_centroid
from directory.hsds.ids import stable_uuid
from directory.schemas import (
    AccessibilityOut,
    AddressOut,
    AttributeOut,
    ContactOut,
    CostOptionOut,
    LanguageOut,
    LocationOut,
    OrganizationOut,
    PhoneOut,
    ScheduleOut,
    ServiceAtLocationOut,
    ServiceCapacityOut,
    ServiceMinimalOut,
    ServiceOut,
    TaxonomyOut,
    TaxonomyTermOut,
)
from directory.tables import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from directory.taxonomy.categories import ATTRIBUTE_TAXONOMY_NAME, TAXONOMY_NAME, attribute_term_id
from directory.taxonomy.sud_attributes import typed_attribute_id, typed_attribute_values
from kernel.bulk_rows import as_uuid, query_rows_by, query_where_in

__all__ = [
    "ServiceFilter",
    "contains",
    "like_literal",
    "load_locations",
    "load_minimal_services",
    "load_organizations",
    "load_service_at_locations",
    "load_services",
    "load_taxonomies",
    "matches_like",
    "service_at_location_page",
    "service_summary",
    "taxonomy_id",
    "taxonomy_out",
    "taxonomy_term_out",
    "term_and_descendants",
]

#: What the directory says of the taxonomies it defines itself; imported taxonomies are described by name.
TAXONOMY_DESCRIPTIONS = {
    TAXONOMY_NAME: "The directory's categories of community resources for people with substance use disorders "
    "(treatment, MOUD, harm reduction, housing, food, ...), with sub-categories.",
    ATTRIBUTE_TAXONOMY_NAME: "The directory's SUD-care fields (medications, payment accepted, walk-in, ...) "
    "as HSDS attributes.",
}


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _extension(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


LIKE_ESCAPE = "\\"
"""The escape character of the LIKE patterns built here: SQLite has none by default, so each says ESCAPE."""


class _EscapedLike(ComparisonOperator):
    template = "{name} LIKE {value} ESCAPE '\\'"


class _EscapedILike(ComparisonOperator):
    template = "{name} ILIKE {value} ESCAPE '\\'"


def like_literal(text: str) -> str:
    """`text` for a LIKE pattern that matches it literally: its %, _ and escape characters escaped."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def matches_like(column: Column, pattern: str, *, ignore_case: bool = False) -> Where:
    """`column LIKE pattern ESCAPE '\\'` (ILIKE on PostgreSQL when `ignore_case`; SQLite's LIKE already ignores
    ASCII case). Piccolo's like() and ilike() take no ESCAPE clause, so user text needs this."""
    operator = _EscapedILike if ignore_case and column._meta.engine_type in ("postgres", "cockroach") else _EscapedLike
    return Where(column=column, value=pattern, operator=operator)


def contains(column: Column, text: str) -> Where:
    """Case-insensitive 'column contains text', every character of text taken literally (% and _ too)."""
    return matches_like(column, "%" + like_literal(text) + "%", ignore_case=True)


def taxonomy_id(name: str) -> uuid.UUID:
    """The id of a taxonomy: terms name their taxonomy, so its id is derived from that name (or is it, if a UUID)."""
    return stable_uuid(name, "taxonomies")


def taxonomy_out(name: str) -> TaxonomyOut:
    """The HSDS taxonomy a term's `taxonomy` names."""
    return TaxonomyOut(
        id=str(taxonomy_id(name)),
        name=name,
        description=TAXONOMY_DESCRIPTIONS.get(name, f"Terms of the {name} taxonomy."),
    )


async def load_taxonomies() -> list[TaxonomyOut]:
    """Every taxonomy some term belongs to, by name."""
    rows = await TaxonomyTerm.select(TaxonomyTerm.taxonomy).distinct().where(TaxonomyTerm.taxonomy.is_not_null())
    return [taxonomy_out(name) for name in sorted({r["taxonomy"] for r in rows if r["taxonomy"]})]


def taxonomy_term_out(row: dict) -> TaxonomyTermOut:
    """An HSDS taxonomy_term from its table row."""
    taxonomy = row["taxonomy"]
    return TaxonomyTermOut(
        id=str(row["id"]),
        name=row["name"],
        description=row["description"] or row["name"],
        code=row["code"],
        parent_id=_str(row["parent_id"]),
        taxonomy=taxonomy,
        taxonomy_id=str(taxonomy_id(taxonomy)) if taxonomy else None,
        taxonomy_detail=taxonomy_out(taxonomy) if taxonomy else None,
        language=row["language"],
        term_uri=row["term_uri"],
    )


def _phone(row: dict) -> PhoneOut:
    return PhoneOut(
        id=str(row["id"]),
        number=row["number"],
        extension=_extension(row["extension"]),
        type=row["type"],
        description=row["description"],
    )


async def _contacts_by(column: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ContactOut]]:
    """HSDS contacts (with their phones) whose `column` is one of `ids`, by that id."""
    rows = await query_rows_by(Contact, column, ids)
    phones = await query_rows_by(Phone, "contact", [as_uuid(c["id"]) for group in rows.values() for c in group])
    return {
        parent: [
            ContactOut(
                id=str(c["id"]),
                name=c["name"],
                title=c["title"],
                department=c["department"],
                email=c["email"],
                phones=[_phone(p) for p in phones.get(as_uuid(c["id"]), [])],
            )
            for c in group
            if column != "service" or c["service_at_location"] is None
        ]
        for parent, group in rows.items()
    }


def _schedule(row: dict) -> ScheduleOut:
    return ScheduleOut(
        id=str(row["id"]),
        freq=row["freq"],
        interval=row["interval"],
        byday=row["byday"],
        bymonthday=row["bymonthday"],
        wkst=row["wkst"],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        dtstart=row["dtstart"],
        until=row["until"],
        description=row["description"],
        attending_type=row["attending_type"],
        notes=row["notes"],
    )


def _language(row: dict) -> LanguageOut:
    return LanguageOut(id=str(row["id"]), name=row["name"], code=row["code"], note=row["note"])


def _attribute(row: dict, terms: dict[uuid.UUID, dict]) -> AttributeOut:
    term = terms.get(as_uuid(row["taxonomy_term"]))
    return AttributeOut(
        id=str(row["id"]),
        taxonomy_term_id=str(row["taxonomy_term"]),
        link_id=str(row["link_id"]),
        link_type=row["link_type"],
        link_entity=row["link_entity"],
        value=row["value"],
        taxonomy_term=taxonomy_term_out(term) if term else None,
    )


def _typed_attributes(row: dict, entity: str, terms: dict[uuid.UUID, dict]) -> list[AttributeOut]:
    """HSDS attributes carrying this directory's typed SUD-care columns of a row."""
    out = []
    for code, value in typed_attribute_values(row, entity):
        term_uuid = attribute_term_id(code)
        term = terms.get(term_uuid)
        out.append(
            AttributeOut(
                id=str(typed_attribute_id(row["id"], code, value)),
                taxonomy_term_id=str(term_uuid),
                link_id=str(row["id"]),
                link_entity=entity,
                value=value,
                taxonomy_term=taxonomy_term_out(term) if term else None,
            )
        )
    return out


async def _terms() -> dict[uuid.UUID, dict]:
    return {as_uuid(t["id"]): t for t in await TaxonomyTerm.select()}


async def load_organizations(
    ids: list[uuid.UUID],
    terms: dict | None = None,
    *,
    nested: bool = True,
    locations: bool = False,
    services: Literal["summary", "full"] | None = None,
) -> dict[uuid.UUID, OrganizationOut]:
    """HSDS organizations by id: their own fields, with phones and attributes when `nested`, their (public)
    locations when `locations`, and their services, one-to-one fields only or fully nested."""
    terms = terms if terms is not None else await _terms()
    rows = await query_where_in(Organization, "id", ids)
    phones = await query_rows_by(Phone, "organization", ids) if nested else {}
    contacts = await _contacts_by("organization", ids) if nested else {}
    attributes = await query_rows_by(Attribute, "link_id", ids) if nested else {}
    # An organization's locations: those it owns, and those its services are delivered at.
    location_ids: dict[uuid.UUID, dict[uuid.UUID, None]] = {}
    if locations and ids:
        for row in await Location.select(Location.id, Location.organization).where(Location.organization.is_in(ids)):
            location_ids.setdefault(as_uuid(row["organization"]), {})[as_uuid(row["id"])] = None
        used = await ServiceAtLocation.select(
            ServiceAtLocation.location, ServiceAtLocation.service._.organization.as_alias("organization")
        ).where(ServiceAtLocation.service._.organization.is_in(ids))
        for row in used:
            location_ids.setdefault(as_uuid(row["organization"]), {})[as_uuid(row["location"])] = None
    location_out = await load_locations(
        list({i for group in location_ids.values() for i in group}), show_confidential=False, terms=terms
    )
    service_out: dict[uuid.UUID, list[ServiceOut]] = {}
    if services is not None and ids:
        service_rows = await Service.select().where(Service.organization.is_in(ids)).order_by(Service.name)
        if services == "full":
            full = await load_services([as_uuid(r["id"]) for r in service_rows])
            for service in full:
                service_out.setdefault(as_uuid(service.organization_id), []).append(service)
        else:
            for row in service_rows:
                service_out.setdefault(as_uuid(row["organization"]), []).append(service_summary(row))
    out = {}
    for row in rows:
        organization_id = as_uuid(row["id"])
        organization = OrganizationOut(
            id=str(row["id"]),
            name=row["name"],
            description=row["description"] or row["name"],
            alternate_name=row["alternate_name"],
            email=row["email"],
            website=row["website"],
            tax_status=row["tax_status"],
            tax_id=row["tax_id"],
            year_incorporated=row["year_incorporated"],
            legal_status=row["legal_status"],
            logo=row["logo"],
            uri=row["uri"],
            parent_organization_id=_str(row["parent_organization_id"]),
            services=service_out.get(organization_id, []),
        )
        if nested:
            organization.phones = [
                _phone(p) for p in phones.get(organization_id, []) if p["service"] is None and p["location"] is None
            ]
            organization.contacts = contacts.get(organization_id, [])
            organization.attributes = [_attribute(a, terms) for a in attributes.get(organization_id, [])]
            organization.attributes += _typed_attributes(row, "organization", terms)
        organization.locations = [location_out[i] for i in location_ids.get(organization_id, {}) if i in location_out]
        out[organization_id] = organization
    return out


async def load_locations(
    ids: list[uuid.UUID], *, show_confidential: bool, terms: dict | None = None, nested: bool = True
) -> dict[uuid.UUID, LocationOut]:
    """HSDS locations by id, with addresses, phones, hours, languages, accessibility and attributes when
    `nested`; confidential ones without address or coordinates unless allowed."""
    rows = await query_where_in(Location, "id", ids)
    out = {}
    for row in rows:
        hidden = row["is_confidential"] and not show_confidential
        out[as_uuid(row["id"])] = LocationOut(
            id=str(row["id"]),
            location_type=row["location_type"],
            name=row["name"],
            alternate_name=row["alternate_name"],
            description=row["description"],
            transportation=None if hidden else row["transportation"],
            url=row["url"],
            latitude=None if hidden else row["latitude"],
            longitude=None if hidden else row["longitude"],
            external_identifier=row["external_identifier"],
            external_identifier_type=row["external_identifier_type"],
        )
    if not nested or not rows:
        return out
    terms = terms if terms is not None else await _terms()
    addresses = await query_rows_by(Address, "location", ids)
    phones = await query_rows_by(Phone, "location", ids)
    contacts = await _contacts_by("location", ids)
    schedules = await query_rows_by(Schedule, "location", ids)
    languages = await query_rows_by(Language, "location", ids)
    accessibility = await query_rows_by(Accessibility, "location", ids)
    attributes = await query_rows_by(Attribute, "link_id", ids)
    for row in rows:
        location_id = as_uuid(row["id"])
        hidden = row["is_confidential"] and not show_confidential
        location = out[location_id]
        location.addresses = (
            []
            if hidden
            else [
                AddressOut(
                    id=str(a["id"]),
                    address_1=a["address_1"],
                    city=a["city"],
                    state_province=a["state_province"],
                    postal_code=a["postal_code"],
                    country=a["country"],
                    address_type=a["address_type"],
                    attention=a["attention"],
                    address_2=a["address_2"],
                    region=a["region"],
                )
                for a in addresses.get(location_id, [])
            ]
        )
        location.phones = [_phone(p) for p in phones.get(location_id, []) if p["service"] is None]
        location.contacts = contacts.get(location_id, [])
        location.schedules = [_schedule(s) for s in schedules.get(location_id, []) if s["service"] is None]
        location.languages = [_language(x) for x in languages.get(location_id, []) if x["service"] is None]
        location.accessibility = [
            AccessibilityOut(id=str(a["id"]), description=a["description"], details=a["details"], url=a["url"])
            for a in accessibility.get(location_id, [])
        ]
        location.attributes = [_attribute(a, terms) for a in attributes.get(location_id, [])]
        location.attributes += _typed_attributes(row, "location", terms)
    return out


def service_summary(row: dict) -> ServiceOut:
    """An HSDS service with its one-to-one fields only (what HSDS lists of services carry)."""
    return ServiceOut(
        id=str(row["id"]),
        name=row["name"],
        status=row["status"],
        organization_id=str(row["organization"]),
        alternate_name=row["alternate_name"],
        description=row["description"],
        url=row["url"],
        email=row["email"],
        interpretation_services=row["interpretation_services"],
        application_process=row["application_process"],
        fees_description=row["fees_description"],
        wait_time=row["wait_time"],
        accreditations=row["accreditations"],
        eligibility_description=row["eligibility_description"],
        minimum_age=row["minimum_age"],
        maximum_age=row["maximum_age"],
        assured_date=row["assured_date"],
        assurer_email=row["assurer_email"],
        licenses=row["licenses"],
        alert=row["alert"],
        last_modified=row["last_modified"],
    )


async def load_minimal_services(ids: list[uuid.UUID]) -> list[ServiceMinimalOut]:
    """Services by id (in the order given, repeats kept) as `minimal=true` lists them."""
    rows = await Service.select(Service.id, Service.name, Service.status, Service.last_modified).where(
        Service.id.is_in(list(set(ids)) or [uuid.UUID(int=0)])
    )
    by_id = {as_uuid(r["id"]): r for r in rows}
    return [
        ServiceMinimalOut(id=str(i), name=r["name"], status=r["status"], last_modified=r["last_modified"])
        for i in ids
        if (r := by_id.get(i)) is not None
    ]


async def load_services(ids: list[uuid.UUID], *, show_confidential: bool = False) -> list[ServiceOut]:
    """Full HSDS services by id (in the order given), with organization and locations nested."""
    terms = await _terms()
    rows = {as_uuid(row["id"]): row for row in await query_where_in(Service, "id", list(dict.fromkeys(ids)))}
    service_ids = list(rows)
    organizations = await load_organizations(list({as_uuid(r["organization"]) for r in rows.values()}), terms)
    sals = await query_rows_by(ServiceAtLocation, "service", service_ids)
    sal_ids = [as_uuid(s["id"]) for group in sals.values() for s in group]
    locations = await load_locations(
        list({as_uuid(s["location"]) for group in sals.values() for s in group}),
        show_confidential=show_confidential,
        terms=terms,
    )
    phones = await query_rows_by(Phone, "service", service_ids)
    sal_phones = await query_rows_by(Phone, "service_at_location", sal_ids)
    contacts = await _contacts_by("service", service_ids)
    sal_contacts = await _contacts_by("service_at_location", sal_ids)
    schedules = await query_rows_by(Schedule, "service", service_ids)
    sal_schedules = await query_rows_by(Schedule, "service_at_location", sal_ids)
    languages = await query_rows_by(Language, "service", service_ids)
    cost_options = await query_rows_by(CostOption, "service", service_ids)
    capacities = await query_rows_by(ServiceCapacity, "service", service_ids)
    attributes = await query_rows_by(Attribute, "link_id", service_ids)
    out = []
    for service_id in ids:
        row = rows.get(service_id)
        if row is None:
            continue
        service = service_summary(row)
        service.phones = [_phone(p) for p in phones.get(service_id, []) if p["service_at_location"] is None]
        service.schedules = [_schedule(s) for s in schedules.get(service_id, []) if s["service_at_location"] is None]
        service.contacts = contacts.get(service_id, [])
        service.service_at_locations = [
            ServiceAtLocationOut(
                id=str(s["id"]),
                service_id=str(service_id),
                location_id=str(s["location"]),
                description=s["description"],
                phones=[_phone(p) for p in sal_phones.get(as_uuid(s["id"]), [])],
                contacts=sal_contacts.get(as_uuid(s["id"]), []),
                schedules=[_schedule(x) for x in sal_schedules.get(as_uuid(s["id"]), [])],
                location=locations.get(as_uuid(s["location"])),
            )
            for s in sals.get(service_id, [])
        ]
        service.languages = [_language(lang) for lang in languages.get(service_id, [])]
        service.organization = organizations.get(as_uuid(row["organization"]))
        service.cost_options = [
            CostOptionOut(
                id=str(c["id"]),
                option=c["option"],
                currency=c["currency"],
                amount=c["amount"],
                amount_description=c["amount_description"],
                valid_from=c["valid_from"],
                valid_to=c["valid_to"],
            )
            for c in cost_options.get(service_id, [])
        ]
        service.attributes = [_attribute(a, terms) for a in attributes.get(service_id, [])]
        service.attributes += _typed_attributes(row, "service", terms)
        service.capacities = [
            ServiceCapacityOut(
                id=str(c["id"]),
                unit=c["unit"],
                available=c["available"],
                maximum=c["maximum"],
                waitlist=c["waitlist"],
                description=c["description"],
                updated=c["updated"].isoformat() if c["updated"] else None,
            )
            for c in capacities.get(service_id, [])
        ]
        out.append(service)
    return out


async def load_service_at_locations(rows: list[dict], *, full: bool = False) -> list[ServiceAtLocationOut]:
    """HSDS service_at_location objects of these rows with their (public) location and their service: one-to-one
    fields of both, or (`full`) both fully nested with the phones and hours of the service at that location."""
    location_ids = list({as_uuid(r["location"]) for r in rows})
    service_ids = list({as_uuid(r["service"]) for r in rows})
    locations = await load_locations(location_ids, show_confidential=False, nested=full)
    if full:
        services = {as_uuid(s.id): s for s in await load_services(service_ids)}
    else:
        services = {as_uuid(r["id"]): service_summary(r) for r in await query_where_in(Service, "id", service_ids)}
    sal_ids = [as_uuid(r["id"]) for r in rows]
    phones = await query_rows_by(Phone, "service_at_location", sal_ids) if full else {}
    schedules = await query_rows_by(Schedule, "service_at_location", sal_ids) if full else {}
    return [
        ServiceAtLocationOut(
            id=str(r["id"]),
            service_id=str(r["service"]),
            location_id=str(r["location"]),
            description=r["description"],
            phones=[_phone(p) for p in phones.get(as_uuid(r["id"]), [])],
            schedules=[_schedule(s) for s in schedules.get(as_uuid(r["id"]), [])],
            location=locations.get(as_uuid(r["location"])),
            service=services.get(as_uuid(r["service"])),
        )
        for r in rows
    ]


# --- the HSDS list filters ------------------------------------------------------------------------


async def term_and_descendants(term_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """A taxonomy term and every term under it (its children, theirs, ...): HSDS's `taxonomy_term_id` asks
    for services under a term, and a service is usually categorised by the narrowest term that fits."""
    found, level = {term_id}, [term_id]
    while level:
        children = [as_uuid(row["id"]) for row in await query_where_in(TaxonomyTerm, "parent_id", level)]
        level = [child for child in children if child not in found]  # a cycle in imported data ends here
        found.update(level)
    return frozenset(found)


@dataclass(frozen=True)
class ServiceFilter:
    """The HSDS filters on services: who runs them, how they are categorised, what changed since when."""

    organization_id: uuid.UUID | None = None
    taxonomy_term_ids: frozenset[uuid.UUID] | None = None
    """The term asked for and every term under it (`term_and_descendants`): a service with any of them passes."""
    taxonomy: str | None = None
    """The taxonomy name `taxonomy_id` stands for ("" for an id no taxonomy has: nothing matches)."""
    modified_after: dt.datetime | None = None

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        filters = (self.organization_id, self.taxonomy_term_ids, self.taxonomy, self.modified_after)
        return any(value is not None for value in filters)

    def service_ids(self) -> Select:
        """A query for the ids of the services that pass."""
        query = Service.select(Service.id)
        if self.organization_id is not None:
            query = query.where(Service.organization == self.organization_id)
        if self.modified_after is not None:
            query = query.where(Service.last_modified >= self.modified_after)
        if self.taxonomy_term_ids is not None:
            query = query.where(
                Service.id.is_in(
                    Attribute.select(Attribute.link_id).where(
                        Attribute.taxonomy_term.is_in(list(self.taxonomy_term_ids))
                    )
                )
            )
        if self.taxonomy is not None:
            terms = TaxonomyTerm.select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy == self.taxonomy)
            query = query.where(
                Service.id.is_in(Attribute.select(Attribute.link_id).where(Attribute.taxonomy_term.is_in(terms)))
            )
        return query


async def service_at_location_page(
    services: ServiceFilter,
    *,
    search: str | None,
    postcode: str | None,
    centre: tuple[float, float] | None,
    proximity_m: float | None,
    page: int,
    per_page: int,
) -> tuple[list[dict], int]:
    """One page of service_at_location rows passing the filters, and how many pass in all.

    In id order; within `proximity_m` of `centre` (a confidential location counts from its ZIP or city
    centre, never its building), nearest first. A bare `postcode` matches the public addresses in it.
    """
    conditions: list[Combinable] = []
    if services.active:
        conditions.append(ServiceAtLocation.service.is_in(services.service_ids()))
    if search:
        conditions.append(
            contains(ServiceAtLocation.service._.name, search)
            | contains(ServiceAtLocation.location._.name, search)
            | contains(ServiceAtLocation.service._.organization._.name, search)
        )
    if postcode and centre is None:
        in_postcode = Address.select(Address.location).where(
            (Address.postal_code == postcode) | matches_like(Address.postal_code, like_literal(postcode) + "-%")
        )
        conditions.append(ServiceAtLocation.location.is_in(in_postcode))
        conditions.append(ServiceAtLocation.location._.is_confidential.eq(False))
    if centre is None or proximity_m is None:
        query = ServiceAtLocation.select()
        count = ServiceAtLocation.count()
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        rows = await query.order_by(ServiceAtLocation.id).limit(per_page).offset((page - 1) * per_page)
        return rows, await count
    # Near a point: a bounding box in SQL, then the exact distance here.
    lat_span = proximity_m / 110_500
    lng_span = min(
        proximity_m / (111_320 * max(math.cos(math.radians(min(abs(centre[0]) + lat_span, 89.9))), 1e-6)), 180
    )
    location = ServiceAtLocation.location._
    conditions.append(
        location.is_confidential.eq(True)
        | (
            (location.latitude >= centre[0] - lat_span)
            & (location.latitude <= centre[0] + lat_span)
            & (location.longitude >= centre[1] - lng_span)
            & (location.longitude <= centre[1] + lng_span)
        )
    )
    query = ServiceAtLocation.select(
        ServiceAtLocation.id,
        ServiceAtLocation.location,
        location.latitude.as_alias("latitude"),
        location.longitude.as_alias("longitude"),
        location.is_confidential.as_alias("is_confidential"),
    )
    for condition in conditions:
        query = query.where(condition)
    candidates = await query
    confidential = [as_uuid(c["location"]) for c in candidates if c["is_confidential"]]
    addresses = await query_rows_by(Address, "location", confidential)
    distances = []
    for candidate in candidates:
        point: tuple[float, float] | None = None
        if candidate["is_confidential"]:
            centroids = [address_centroid(a) for a in addresses.get(as_uuid(candidate["location"]), [])]
            point = next(((p.latitude, p.longitude) for p in centroids if p is not None), None)
        elif candidate["latitude"] is not None and candidate["longitude"] is not None:
            point = (candidate["latitude"], candidate["longitude"])
        if point is not None and (metres := 1000 * km_between(centre, point)) <= proximity_m:
            distances.append((metres, str(candidate["id"])))
    distances.sort()
    chosen = [as_uuid(i) for _, i in distances[(page - 1) * per_page : page * per_page]]
    by_id = {as_uuid(r["id"]): r for r in await query_where_in(ServiceAtLocation, "id", chosen)}
    return [by_id[i] for i in chosen if i in by_id], len(distances)
