"""msgspec Structs for the directory API: HSDS 3.0 objects, search listings and pages.

Optional fields default to None and are left out of the JSON, as HSDS schemas do not allow nulls.
"""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

import msgspec

from kernel.paging import Page

__all__ = [
    "AccessibilityOut",
    "AddressOut",
    "AttributeOut",
    "CategoryRef",
    "ContactOut",
    "CostOptionOut",
    "HsdsBase",
    "LanguageOut",
    "ListingLocation",
    "LocationOut",
    "MatchExplanation",
    "OrganizationOut",
    "OrganizationRef",
    "PhoneOut",
    "ScheduleOut",
    "SearchCentreOut",
    "ServiceAtLocationOut",
    "ServiceCapacityOut",
    "ServiceListing",
    "ServiceMinimalOut",
    "ServiceOut",
    "ServiceSearchPage",
    "ServiceSearchResult",
    "TaxonomyOut",
    "TaxonomyTermOut",
]

T = TypeVar("T")


class Out(msgspec.Struct, omit_defaults=True, kw_only=True):
    """Base for response objects: unset optional fields are omitted."""


class HsdsBase(Out, kw_only=True):
    """HSDS API root: which HSDS version and profile this API serves."""

    version: str
    profile: str
    openapi_url: str


# --- search listings (public) ---------------------------------------------------------------------


class CategoryRef(Out, kw_only=True):
    """A category or sub-category a listing belongs to."""

    code: str
    name: str


class OrganizationRef(Out, kw_only=True, omit_defaults=False):
    """The organization behind a listing (id, name and description: what HSDS requires of an organization)."""

    id: str
    name: str
    description: str = ""


class ListingLocation(Out, kw_only=True):
    """Where a listing is; street address and coordinates are left out for confidential locations."""

    id: str
    name: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    state_province: str | None = None
    postal_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geocode_precision: str | None = None
    """How the coordinates were found; for a confidential location, that of the ZIP or city centre it is measured
    from (zip or city, as the listing's location_precision), never that of its hidden point."""
    confidential: bool = False


class CapacityOut(Out, kw_only=True):
    """How many places are free now."""

    unit: str
    available: int | None = None
    maximum: int | None = None
    waitlist: int | None = None
    updated: str | None = None


class ServiceListing(Out, kw_only=True, omit_defaults=False):
    """A service at one location as shown in search results: public information only."""

    id: str
    service_at_location_id: str | None = None
    name: str
    display_name: str = ""
    """The name to show: the service's own, or "Organization — Service" when that alone would not say whose
    ("CENTRAL", "Main Office", "Food Pantry")."""
    organization: OrganizationRef
    description: str = ""
    status: str = "active"
    categories: list[CategoryRef] = []
    medications: list[str] = []
    populations: list[str] = []
    """Who the service is for, in its taxonomy's words (AIRS target populations: "Veterans", "Older Adults")."""
    payment_accepted: list[str] = []
    accepting_new_patients: bool | None = None
    same_day_induction: bool = False
    telehealth: bool = False
    walk_in: bool = False
    accepts_moud_residents: bool | None = None
    no_sobriety_requirement: bool | None = None
    capacity: list[CapacityOut] = []
    location: ListingLocation | None = None
    location_precision: str | None = None
    """Where distances are measured from: address, source (the publisher's coordinates), zip or city (a
    centroid: the listing's distance is approximate); a confidential location always says zip or city."""
    phones: list[str] = []
    hours: list[str] = []
    languages: list[str] = []
    # HSDS service fields allow no nulls: unknown ones are left out (UNSET), whatever omit_defaults says.
    url: str | msgspec.UnsetType = msgspec.UNSET
    assured_date: str | msgspec.UnsetType = msgspec.UNSET
    """When the listing was last verified."""
    is_sample_data: bool = False
    data_source: str = ""
    needs_reverification: bool = False
    """A referral found this listing wrong (no capacity, unreachable, no longer offered): call before going."""


class MatchExplanation(Out, kw_only=True):
    """Why a listing matched: which query word matched which listing word, where, how well."""

    query_term: str
    matched: str
    field: str
    similarity: int
    score: float
    fuzzy: bool
    """The listing word only resembles the query word (a typo or an unfinished word): it scores below an exact one."""


class ServiceSearchResult(ServiceListing, kw_only=True, omit_defaults=False):
    """A listing with its distance from the searched place and the reasons for its rank."""

    distance_km: float | None = None
    distance_approximate: bool | None = None
    """The listing is placed at a ZIP or city centre (or is confidential): its distance is rounded to whole
    kilometres, at least 1."""
    relevance: float | None = None
    match: list[MatchExplanation] = []


class SearchCentreOut(Out, kw_only=True):
    """The point a search measured its distances from."""

    latitude: float
    longitude: float


class ServiceSearchPage(Page[T], Generic[T], kw_only=True, omit_defaults=True):
    """The HSDS Page of a search, with the point it was centred on and how that point was found."""

    located_as: str | None = None
    """How `near` (or lat/lng) was understood: 'ZIP 33136 centre', 'Coral Gables, FL', 'Miami, FL (the nearest
    name to “Miama, FL”)', 'street address via the configured geocoder'; left out without a place."""
    search_centre: SearchCentreOut | None = None
    """The point distances are measured from; left out without a place."""


# --- HSDS 3.0 objects ------------------------------------------------------------------------------


class TaxonomyOut(Out, kw_only=True):
    """HSDS taxonomy: the vocabulary a taxonomy term belongs to (named on each term, id derived from the name)."""

    id: str
    name: str
    description: str
    uri: str | None = None
    version: str | None = None


class TaxonomyTermOut(Out, kw_only=True):
    """HSDS taxonomy_term, with its taxonomy's id and details."""

    id: str
    name: str
    description: str
    code: str | None = None
    parent_id: str | None = None
    taxonomy: str | None = None
    taxonomy_id: str | None = None
    taxonomy_detail: TaxonomyOut | None = None
    language: str | None = None
    term_uri: str | None = None


class AttributeOut(Out, kw_only=True):
    """HSDS attribute: a taxonomy term attached to an object, with an optional value."""

    id: str
    taxonomy_term_id: str
    link_id: str | None = None
    link_type: str | None = None
    link_entity: str | None = None
    value: str | None = None
    taxonomy_term: TaxonomyTermOut | None = None


class PhoneOut(Out, kw_only=True):
    """HSDS phone."""

    id: str
    number: str
    extension: float | None = None
    type: str | None = None
    description: str | None = None


class ContactOut(Out, kw_only=True):
    """HSDS contact: a person or role to ask for, with their phones."""

    id: str
    name: str | None = None
    title: str | None = None
    department: str | None = None
    email: str | None = None
    phones: list[PhoneOut] = []


class ScheduleOut(Out, kw_only=True):
    """HSDS schedule."""

    id: str
    freq: str | None = None
    interval: float | None = None
    byday: str | None = None
    bymonthday: str | None = None
    wkst: str | None = None
    opens_at: str | None = None
    closes_at: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    dtstart: dt.date | None = None
    until: dt.date | None = None
    description: str | None = None
    attending_type: str | None = None
    notes: str | None = None


class LanguageOut(Out, kw_only=True):
    """HSDS language."""

    id: str
    name: str | None = None
    code: str | None = None
    note: str | None = None


class AddressOut(Out, kw_only=True):
    """HSDS address."""

    id: str
    address_1: str
    city: str
    state_province: str
    postal_code: str
    country: str
    address_type: str
    attention: str | None = None
    address_2: str | None = None
    region: str | None = None


class AccessibilityOut(Out, kw_only=True):
    """HSDS accessibility."""

    id: str
    description: str | None = None
    details: str | None = None
    url: str | None = None


class CostOptionOut(Out, kw_only=True):
    """HSDS cost_option."""

    id: str
    option: str | None = None
    currency: str | None = None
    amount: float | None = None
    amount_description: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


class ServiceCapacityOut(Out, kw_only=True):
    """HSDS 3.1 service_capacity (unit flattened to its name) with a waitlist count."""

    id: str
    unit: str
    available: float | None = None
    maximum: float | None = None
    waitlist: int | None = None
    description: str | None = None
    updated: str | None = None


class LocationOut(Out, kw_only=True):
    """HSDS location; a confidential location shows no address or coordinates publicly."""

    id: str
    location_type: str
    name: str | None = None
    alternate_name: str | None = None
    description: str | None = None
    transportation: str | None = None
    url: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    external_identifier: str | None = None
    external_identifier_type: str | None = None
    addresses: list[AddressOut] = []
    phones: list[PhoneOut] = []
    contacts: list[ContactOut] = []
    schedules: list[ScheduleOut] = []
    languages: list[LanguageOut] = []
    accessibility: list[AccessibilityOut] = []
    attributes: list[AttributeOut] = []


class ServiceAtLocationOut(Out, kw_only=True):
    """HSDS service_at_location with its location and, in lists and on its own, its service.

    `name` and `status` repeat the service's: HSDS 3.0's openapi.json describes /service_at_locations/{id}
    with the service schema, which requires them.
    """

    id: str
    service_id: str | None = None
    location_id: str | None = None
    name: str | None = None
    status: str | None = None
    description: str | None = None
    phones: list[PhoneOut] = []
    contacts: list[ContactOut] = []
    schedules: list[ScheduleOut] = []
    location: LocationOut | None = None
    service: ServiceOut | None = None


class OrganizationOut(Out, kw_only=True):
    """HSDS organization."""

    id: str
    name: str
    description: str
    alternate_name: str | None = None
    email: str | None = None
    website: str | None = None
    tax_status: str | None = None
    tax_id: str | None = None
    year_incorporated: float | None = None
    legal_status: str | None = None
    logo: str | None = None
    uri: str | None = None
    parent_organization_id: str | None = None
    phones: list[PhoneOut] = []
    contacts: list[ContactOut] = []
    attributes: list[AttributeOut] = []
    locations: list[LocationOut] = []
    services: list[ServiceOut] = []


class ServiceOut(Out, kw_only=True):
    """HSDS service with everything nested, plus its capacity."""

    id: str
    name: str
    status: str
    organization_id: str | None = None
    alternate_name: str | None = None
    description: str | None = None
    url: str | None = None
    email: str | None = None
    interpretation_services: str | None = None
    application_process: str | None = None
    fees_description: str | None = None
    wait_time: str | None = None
    accreditations: str | None = None
    eligibility_description: str | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    assured_date: dt.date | None = None
    assurer_email: str | None = None
    licenses: str | None = None
    alert: str | None = None
    last_modified: dt.datetime | None = None
    phones: list[PhoneOut] = []
    contacts: list[ContactOut] = []
    schedules: list[ScheduleOut] = []
    service_at_locations: list[ServiceAtLocationOut] = []
    languages: list[LanguageOut] = []
    organization: OrganizationOut | None = None
    cost_options: list[CostOptionOut] = []
    attributes: list[AttributeOut] = []
    capacities: list[ServiceCapacityOut] = []


class ServiceMinimalOut(Out, kw_only=True):
    """A service as `minimal=true` lists it: its id and last change, with the name and status HSDS requires."""

    id: str
    name: str
    status: str
    last_modified: dt.datetime | None = None
