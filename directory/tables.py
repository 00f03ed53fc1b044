"""HSDS 3.0 tables, plus the fields care managers need for SUD care (medications, payment, capacity).

Names follow Open Referral HSDS 3.0; additions are typed columns and are exported as HSDS attributes.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

__all__ = [
    "Accessibility",
    "Address",
    "Attribute",
    "Contact",
    "CostOption",
    "DirectoryRevision",
    "GeocodeCache",
    "Language",
    "ListingReport",
    "Location",
    "Organization",
    "Phone",
    "Schedule",
    "SearchDocument",
    "Service",
    "ServiceAtLocation",
    "ServiceCapacity",
    "SyncSource",
    "SyncedService",
    "TaxonomyTerm",
]


class Organization(Table):
    """An organization that provides services (HSDS organization)."""

    id = UUID(primary_key=True)
    name = Varchar(length=500)
    alternate_name = Varchar(length=500, null=True, default=None)
    description = Text(default="")
    email = Varchar(length=255, null=True, default=None)
    website = Varchar(length=500, null=True, default=None)
    tax_status = Varchar(length=100, null=True, default=None)
    tax_id = Varchar(length=100, null=True, default=None)
    year_incorporated = Integer(null=True, default=None)
    legal_status = Varchar(length=100, null=True, default=None)
    logo = Varchar(length=500, null=True, default=None)
    uri = Varchar(length=500, null=True, default=None)
    parent_organization_id = UUID(null=True, default=None)
    data_source = Varchar(length=200, default="")
    """Who published this record (credited on public pages)."""
    is_sample_data = Boolean(default=False)
    """True for made-up demo records, which public pages must label as such."""


class Service(Table):
    """A service offered by an organization (HSDS service) with SUD-care fields."""

    id = UUID(primary_key=True)
    organization = ForeignKey(references=Organization, index=True)
    name = Varchar(length=500)
    alternate_name = Varchar(length=500, null=True, default=None)
    description = Text(default="")
    url = Varchar(length=500, null=True, default=None)
    email = Varchar(length=255, null=True, default=None)
    status = Varchar(length=20, default="active")
    """HSDS status: active, inactive, defunct or temporarily closed."""
    interpretation_services = Text(null=True, default=None)
    application_process = Text(null=True, default=None)
    fees_description = Text(null=True, default=None)
    wait_time = Varchar(length=255, null=True, default=None)
    accreditations = Text(null=True, default=None)
    eligibility_description = Text(null=True, default=None)
    minimum_age = Integer(null=True, default=None)
    maximum_age = Integer(null=True, default=None)
    assured_date = Date(null=True, default=None)
    """When the record was last verified."""
    assurer_email = Varchar(length=255, null=True, default=None)
    licenses = Text(null=True, default=None)
    alert = Text(null=True, default=None)
    last_modified = Timestamptz(default=TimestamptzNow())
    # Additions for SUD care; exported as HSDS attributes.
    medications = JSON(default="[]")
    """MOUD offered: any of methadone, buprenorphine, naltrexone."""
    payment_accepted = JSON(default="[]")
    """Any of medicaid, medicare, private_insurance, sliding_scale, free, self_pay."""
    accepting_new_patients = Boolean(null=True, default=None)
    same_day_induction = Boolean(default=False)
    """Same-day or low-threshold start of MOUD."""
    telehealth = Boolean(default=False)
    walk_in = Boolean(default=False)
    """Walk-ins welcome; walk-in hours are schedules with attending_type 'walk_in'."""
    accepts_moud_residents = Boolean(null=True, default=None)
    """Housing: residents taking methadone or buprenorphine are accepted."""
    no_sobriety_requirement = Boolean(null=True, default=None)
    """Housing: no sobriety requirement (housing first)."""
    source = Varchar(length=200, default="", index=True)
    """The package or API that supplies it (its ids are derived within it): a re-import of that source marks
    what it no longer lists inactive."""
    content_hash = Varchar(length=64, default="")
    """A hash of what its source said when last written: `last_modified` moves only when this changes."""


class Location(Table):
    """A place where services are delivered (HSDS location)."""

    id = UUID(primary_key=True)
    organization = ForeignKey(references=Organization, null=True, index=True)
    location_type = Varchar(length=20, default="physical")
    url = Varchar(length=500, null=True, default=None)
    name = Varchar(length=500, null=True, default=None)
    alternate_name = Varchar(length=500, null=True, default=None)
    description = Text(null=True, default=None)
    transportation = Text(null=True, default=None)
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)
    external_identifier = Varchar(length=255, null=True, default=None)
    external_identifier_type = Varchar(length=255, null=True, default=None)
    geocode_precision = Varchar(length=20, null=True, default=None)
    """How the coordinates were found: source, address, zip, city (or null if unknown)."""
    timezone = Varchar(length=64, null=True, default=None)
    """IANA time zone, used to tell whether a schedule is open now."""
    is_confidential = Boolean(default=False)
    """Address never shown publicly (e.g. a domestic-violence shelter)."""


class Address(Table):
    """A postal or physical address of a location (HSDS address)."""

    id = UUID(primary_key=True)
    location = ForeignKey(references=Location, index=True)
    attention = Varchar(length=255, null=True, default=None)
    address_1 = Varchar(length=500)
    address_2 = Varchar(length=500, null=True, default=None)
    city = Varchar(length=255)
    region = Varchar(length=255, null=True, default=None)
    state_province = Varchar(length=100)
    postal_code = Varchar(length=20)
    country = Varchar(length=2, default="US")
    address_type = Varchar(length=20, default="physical")


class ServiceAtLocation(Table):
    """A service delivered at a location (HSDS service_at_location)."""

    id = UUID(primary_key=True)
    service = ForeignKey(references=Service, index=True)
    location = ForeignKey(references=Location, index=True)
    description = Text(null=True, default=None)
    needs_reverification_since = Timestamptz(null=True, default=None)
    """Set when a referral found the listing wrong (no capacity, unreachable, no longer offered)."""
    reverification_reason = Varchar(length=40, null=True, default=None)


class ListingReport(Table):
    """Evidence that a listing is wrong (no capacity, unreachable, service not offered), from a referral.

    One care team's report alone does not demote a listing; the partner's own report, or reports from
    two different organizations or care teams, do (see directory.search.reverification).
    """

    id = UUID(primary_key=True)
    service_at_location = ForeignKey(references=ServiceAtLocation, index=True)
    reason = Varchar(length=40)
    reporter = Varchar(length=100)
    """care_team:<id> or organization:<id>: whose evidence this is."""
    reporter_runs_listing = Boolean(default=False)
    """The organization that runs the listing said so itself."""
    referral = UUID(null=True, default=None)
    """The referral whose outcome this was (an id only: the directory knows nothing else of referrals)."""
    note = Varchar(length=500, default="")
    """What the reporter added in their own words (the public report form's optional note)."""
    at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)
    """When the listing was re-verified; resolved reports no longer count."""


class Contact(Table):
    """A person or role to ask for at an organization, service or location (HSDS contact)."""

    id = UUID(primary_key=True)
    organization = ForeignKey(references=Organization, null=True, index=True)
    service = ForeignKey(references=Service, null=True, index=True)
    location = ForeignKey(references=Location, null=True, index=True)
    service_at_location = ForeignKey(references=ServiceAtLocation, null=True, index=True)
    name = Varchar(length=255, null=True, default=None)
    title = Varchar(length=255, null=True, default=None)
    department = Varchar(length=255, null=True, default=None)
    email = Varchar(length=255, null=True, default=None)


class Phone(Table):
    """A phone number of an organization, service, location, service at a location or contact."""

    id = UUID(primary_key=True)
    organization = ForeignKey(references=Organization, null=True, index=True)
    service = ForeignKey(references=Service, null=True, index=True)
    location = ForeignKey(references=Location, null=True, index=True)
    service_at_location = ForeignKey(references=ServiceAtLocation, null=True, index=True)
    contact = ForeignKey(references=Contact, null=True, index=True)
    number = Varchar(length=50)
    extension = Varchar(length=20, null=True, default=None)
    type = Varchar(length=20, null=True, default=None)
    description = Text(null=True, default=None)


class Schedule(Table):
    """Opening hours in iCalendar RRULE terms (HSDS schedule), weekly rules only are interpreted."""

    id = UUID(primary_key=True)
    service = ForeignKey(references=Service, null=True, index=True)
    location = ForeignKey(references=Location, null=True, index=True)
    service_at_location = ForeignKey(references=ServiceAtLocation, null=True, index=True)
    valid_from = Date(null=True, default=None)
    valid_to = Date(null=True, default=None)
    dtstart = Date(null=True, default=None)
    until = Date(null=True, default=None)
    wkst = Varchar(length=2, null=True, default=None)
    freq = Varchar(length=10, null=True, default=None)
    interval = Integer(null=True, default=None)
    byday = Varchar(length=100, null=True, default=None)
    bymonthday = Varchar(length=100, null=True, default=None)
    opens_at = Varchar(length=8, null=True, default=None)
    """Local time HH:MM."""
    closes_at = Varchar(length=8, null=True, default=None)
    description = Text(null=True, default=None)
    attending_type = Text(null=True, default=None)
    """HSDS attending type; 'walk_in' marks walk-in hours."""
    notes = Text(null=True, default=None)


class TaxonomyTerm(Table):
    """A category term (HSDS taxonomy_term); top-level terms are the directory's categories."""

    id = UUID(primary_key=True)
    code = Varchar(length=100, null=True, default=None, index=True)
    """Stable slug, e.g. 'food' or 'food.pantry'."""
    name = Varchar(length=255)
    description = Text(default="")
    parent_id = UUID(null=True, default=None, index=True)
    taxonomy = Varchar(length=255, null=True, default=None)
    language = Varchar(length=20, null=True, default=None)
    term_uri = Varchar(length=500, null=True, default=None)
    category = Varchar(length=100, null=True, default=None)
    """The directory category an outside taxonomy's term maps to (see services/taxonomy_mapping.py)."""


class TaxonomyMapping(Table):
    """A mapping added from the CLI: terms whose code starts with `match`, or whose name is `match`,
    belong to `category`. It wins over the mapping shipped with the code."""

    id = UUID(primary_key=True)
    match = Varchar(length=255)
    taxonomy = Varchar(length=255, null=True, default=None)
    """Only terms of this taxonomy (None: any)."""
    category = Varchar(length=100)
    created_at = Timestamptz()


class Attribute(Table):
    """A taxonomy term attached to any HSDS object (HSDS attribute); categorises services."""

    id = UUID(primary_key=True)
    link_id = UUID(index=True)
    link_type = Varchar(length=100, null=True, default=None)
    link_entity = Varchar(length=50, default="service")
    taxonomy_term = ForeignKey(references=TaxonomyTerm, index=True)
    value = Text(null=True, default=None)


class Language(Table):
    """A language a service, location or phone line is offered in (HSDS language)."""

    id = UUID(primary_key=True)
    service = ForeignKey(references=Service, null=True, index=True)
    location = ForeignKey(references=Location, null=True, index=True)
    phone = ForeignKey(references=Phone, null=True, index=True)
    name = Varchar(length=100, null=True, default=None)
    code = Varchar(length=20, null=True, default=None)
    """ISO 639 code, e.g. 'en', 'es'."""
    note = Text(null=True, default=None)


class CostOption(Table):
    """A price or fee of a service (HSDS cost_option)."""

    id = UUID(primary_key=True)
    service = ForeignKey(references=Service, index=True)
    valid_from = Date(null=True, default=None)
    valid_to = Date(null=True, default=None)
    option = Text(null=True, default=None)
    currency = Varchar(length=3, null=True, default=None)
    amount = Float(null=True, default=None)
    amount_description = Text(null=True, default=None)


class Accessibility(Table):
    """Accessibility of a location (HSDS accessibility)."""

    id = UUID(primary_key=True)
    location = ForeignKey(references=Location, index=True)
    description = Text(null=True, default=None)
    details = Text(null=True, default=None)
    url = Varchar(length=500, null=True, default=None)


class ServiceCapacity(Table):
    """Available and maximum units of a service (HSDS 3.1 service_capacity) plus a waitlist."""

    id = UUID(primary_key=True)
    service = ForeignKey(references=Service, index=True)
    unit = Varchar(length=100, default="places")
    """What is counted: beds, slots, places."""
    available = Integer(null=True, default=None)
    maximum = Integer(null=True, default=None)
    waitlist = Integer(null=True, default=None)
    description = Text(null=True, default=None)
    updated = Timestamptz(default=TimestamptzNow())


class GeocodeCache(Table):
    """Every geocoding answer, keyed by the normalised query, so no address is geocoded twice."""

    id = UUID(primary_key=True)
    query_key = Varchar(length=600, unique=True)
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)
    precision = Varchar(length=20, null=True, default=None)
    geocoder = Varchar(length=50)
    created_at = Timestamptz(default=TimestamptzNow())


class SearchDocument(Table):
    """One searchable listing per service at a location, derived from the tables above.

    The search index in each app server is loaded from here; `revision` lets every server
    see which listings changed since it last loaded.
    """

    id = UUID(primary_key=True)
    """The service_at_location id (or the service id for a service without a location)."""
    service_id = UUID(index=True)
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)
    categories = JSON(default="[]")
    facets = JSON(default="{}")
    text_fields = JSON(default="{}")
    listing = JSON(default="{}")
    """The public search-result entry: no private or confidential data."""
    is_active = Boolean(default=True)
    revision = Integer(default=0, index=True, index_method=IndexMethod.btree)


class DirectoryRevision(Table):
    """A single counter bumped whenever search documents change, so servers know to reload."""

    id = Integer(primary_key=True)
    revision = Integer(default=0)
    updated_at = Timestamptz(default=TimestamptzNow())


class SyncSource(Table):
    """A remote HSDS API this directory mirrors (`directory-admin sync URL`) and how far its sync got.

    Kept in the database, not in a process, so any process can resume an interrupted pass.
    """

    id = UUID(primary_key=True)
    url = Varchar(length=500, unique=True)
    """The API's base URL, e.g. https://example.org/api (its services are at /services)."""
    last_synced_at = Timestamptz(null=True, default=None)
    """When the last finished pass started (upstream clock): the next pass asks for services modified after it."""
    last_full_pass_at = Timestamptz(null=True, default=None)
    """When the last finished pass that read every service started (disappeared services are found by these)."""
    pass_started_at = Timestamptz(null=True, default=None)
    """When the unfinished pass started; None when the last pass finished."""
    pass_modified_after = Timestamptz(null=True, default=None)
    """The modified_after the unfinished pass asks with; None when it reads every service."""
    pass_is_full = Boolean(default=False)
    """The unfinished pass reads every service (asked so, or upstream ignored modified_after)."""
    pages_done = Integer(default=0)
    """Pages of the unfinished pass already written: a resumed pass starts at the next one."""
    pass_number = Integer(default=0)
    """Counts the passes begun (a resumed pass keeps its number): what a pass did not see is what carries an
    older number. Not a time: two passes may start within one tick of upstream's whole-second Date header."""


class SyncedService(Table):
    """A service a sync source supplied: when a pass last saw it upstream and a hash of what it said."""

    id = UUID(primary_key=True)
    """Derived from the source and the upstream id, so a pass upserts one row per service."""
    source = ForeignKey(references=SyncSource, index=True)
    upstream_id = Varchar(length=500)
    """The service's id upstream (asked for by id to confirm it is gone)."""
    service_id = UUID(index=True)
    """The service's id here (the upstream id when it is a UUID)."""
    seen_at = Timestamptz(null=True, default=None)
    """pass_started_at of the last pass that listed it."""
    seen_in_pass = Integer(null=True, default=None)
    """pass_number of the last pass that listed it (a full pass inactivates what it did not see)."""
    content_hash = Varchar(length=64, default="")
    """SHA-256 of its upstream JSON when last written; empty to write it again next time."""
