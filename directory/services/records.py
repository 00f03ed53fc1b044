"""Read HSDS 3.0 objects (services, organizations, locations, taxonomy terms) from the tables.

Confidential locations lose their addresses and coordinates unless the caller may see them.
"""

from __future__ import annotations

import uuid
from typing import Any

from directory.schemas import (
    AccessibilityOut,
    AddressOut,
    AttributeOut,
    CostOptionOut,
    LanguageOut,
    LocationOut,
    OrganizationOut,
    PhoneOut,
    ScheduleOut,
    ServiceAtLocationOut,
    ServiceCapacityOut,
    ServiceOut,
    TaxonomyTermOut,
)
from directory.services.rows import as_uuid, query_rows_by, query_where_in
from directory.services.sud_attributes import typed_attribute_id, typed_attribute_values
from directory.services.taxonomy import attribute_term_id
from directory.tables import (
    Accessibility,
    Address,
    Attribute,
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

__all__ = [
    "load_locations",
    "load_organizations",
    "load_service_at_locations",
    "load_services",
    "taxonomy_term_out",
]


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _extension(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def taxonomy_term_out(row: dict) -> TaxonomyTermOut:
    """An HSDS taxonomy_term from its table row."""
    return TaxonomyTermOut(
        id=str(row["id"]),
        name=row["name"],
        description=row["description"] or row["name"],
        code=row["code"],
        parent_id=_str(row["parent_id"]),
        taxonomy=row["taxonomy"],
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


async def load_organizations(ids: list[uuid.UUID], terms: dict | None = None) -> dict[uuid.UUID, OrganizationOut]:
    """HSDS organizations by id, with phones and attributes."""
    terms = terms if terms is not None else await _terms()
    rows = await query_where_in(Organization, "id", ids)
    phones = await query_rows_by(Phone, "organization", ids)
    attributes = await query_rows_by(Attribute, "link_id", ids)
    out = {}
    for row in rows:
        organization_id = as_uuid(row["id"])
        out[organization_id] = OrganizationOut(
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
            phones=[
                _phone(p) for p in phones.get(organization_id, []) if p["service"] is None and p["location"] is None
            ],
            attributes=[_attribute(a, terms) for a in attributes.get(organization_id, [])]
            + _typed_attributes(row, "organization", terms),
        )
    return out


async def load_locations(
    ids: list[uuid.UUID], *, show_confidential: bool, terms: dict | None = None
) -> dict[uuid.UUID, LocationOut]:
    """HSDS locations by id; confidential ones without address or coordinates unless allowed."""
    terms = terms if terms is not None else await _terms()
    rows = await query_where_in(Location, "id", ids)
    addresses = await query_rows_by(Address, "location", ids)
    phones = await query_rows_by(Phone, "location", ids)
    schedules = await query_rows_by(Schedule, "location", ids)
    languages = await query_rows_by(Language, "location", ids)
    accessibility = await query_rows_by(Accessibility, "location", ids)
    attributes = await query_rows_by(Attribute, "link_id", ids)
    out = {}
    for row in rows:
        location_id = as_uuid(row["id"])
        hidden = row["is_confidential"] and not show_confidential
        out[location_id] = LocationOut(
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
            addresses=[]
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
            ],
            phones=[_phone(p) for p in phones.get(location_id, []) if p["service"] is None],
            schedules=[_schedule(s) for s in schedules.get(location_id, []) if s["service"] is None],
            languages=[_language(lang) for lang in languages.get(location_id, []) if lang["service"] is None],
            accessibility=[
                AccessibilityOut(id=str(a["id"]), description=a["description"], details=a["details"], url=a["url"])
                for a in accessibility.get(location_id, [])
            ],
            attributes=[_attribute(a, terms) for a in attributes.get(location_id, [])]
            + _typed_attributes(row, "location", terms),
        )
    return out


async def load_services(ids: list[uuid.UUID], *, show_confidential: bool = False) -> list[ServiceOut]:
    """Full HSDS services by id (in the order given), with organization and locations nested."""
    terms = await _terms()
    rows = {as_uuid(row["id"]): row for row in await query_where_in(Service, "id", ids)}
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
        out.append(
            ServiceOut(
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
                phones=[_phone(p) for p in phones.get(service_id, []) if p["service_at_location"] is None],
                schedules=[_schedule(s) for s in schedules.get(service_id, []) if s["service_at_location"] is None],
                service_at_locations=[
                    ServiceAtLocationOut(
                        id=str(s["id"]),
                        service_id=str(service_id),
                        location_id=str(s["location"]),
                        description=s["description"],
                        phones=[_phone(p) for p in sal_phones.get(as_uuid(s["id"]), [])],
                        schedules=[_schedule(x) for x in sal_schedules.get(as_uuid(s["id"]), [])],
                        location=locations.get(as_uuid(s["location"])),
                    )
                    for s in sals.get(service_id, [])
                ],
                languages=[_language(lang) for lang in languages.get(service_id, [])],
                organization=organizations.get(as_uuid(row["organization"])),
                cost_options=[
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
                ],
                attributes=[_attribute(a, terms) for a in attributes.get(service_id, [])]
                + _typed_attributes(row, "service", terms),
                capacities=[
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
                ],
            )
        )
    return out


async def load_service_at_locations(rows: list[dict]) -> list[ServiceAtLocationOut]:
    """HSDS service_at_location objects of these rows, with their (public) locations nested."""
    locations = await load_locations(list({uuid.UUID(str(r["location"])) for r in rows}), show_confidential=False)
    return [
        ServiceAtLocationOut(
            id=str(r["id"]),
            service_id=str(r["service"]),
            location_id=str(r["location"]),
            description=r["description"],
            location=locations.get(uuid.UUID(str(r["location"]))),
        )
        for r in rows
    ]
