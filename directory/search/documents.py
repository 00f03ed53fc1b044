"""Search documents: one public, denormalised listing per service at a location, kept in the database.

They are rebuilt for the services an import or edit touched, in the same transaction, and the
directory revision is bumped so every app server reloads its search index.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from piccolo.table import Table

from directory.geo.geocoding import address_centroid
from directory.hsds.source_text import readable_text
from directory.schemas import (
    CapacityOut,
    CategoryRef,
    ListingLocation,
    OrganizationRef,
    ServiceListing,
)
from directory.search.languages import language_codes
from directory.search.words import tokenize
from directory.tables import (
    Address,
    Attribute,
    DirectoryRevision,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    SearchDocument,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from directory.taxonomy.categories import CATEGORIES, MEDICATIONS, term_category
from directory.taxonomy.mapping import population_label
from kernel.bulk_rows import as_uuid, json_list, rows_by, select_where_in, upsert_rows
from kernel.progress import Progress

__all__ = ["RowSource", "bump_revision", "display_name", "refresh_search_documents", "weekly_minutes"]

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CATEGORY_NAMES = {term.code: term.name for term in CATEGORIES}
CHUNK = 2_000
Row = dict[str, Any]
"""A table row as the bulk readers return it."""
Grouped = dict[uuid.UUID, list[Row]]
"""Rows grouped by the parent they hang on."""
#: Geocode precisions that put a listing at a centroid rather than at its building: its distance is approximate.
CENTROID_PRECISIONS = ("zip", "city")


def _minutes(hhmm: str | None) -> int | None:
    if not hhmm:
        return None
    hours, minutes = hhmm.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def weekly_minutes(schedule: dict[str, Any], today: dt.date) -> list[tuple[int, int]]:
    """Minute-of-week ranges [start, end) a weekly schedule is open (Monday 00:00 = 0)."""
    if schedule.get("valid_to") and _as_date(schedule["valid_to"]) < today:
        return []
    if schedule.get("valid_from") and _as_date(schedule["valid_from"]) > today:
        return []
    if (schedule.get("freq") or "WEEKLY").upper() != "WEEKLY" or not schedule.get("byday"):
        return []
    opens, closes = _minutes(schedule.get("opens_at")), _minutes(schedule.get("closes_at"))
    if opens is None or closes is None:
        return []
    if closes <= opens:
        closes += 24 * 60  # open past midnight
    ranges = []
    for code in schedule["byday"].split(","):
        if code in DAY_CODES:
            start = DAY_CODES.index(code) * 1440
            ranges.append((start + opens, start + closes))
    return ranges


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _hours_text(schedules: list[dict[str, Any]]) -> list[str]:
    lines = []
    for schedule in schedules:
        days = [DAY_NAMES[DAY_CODES.index(d)] for d in (schedule.get("byday") or "").split(",") if d in DAY_CODES]
        if not days or not schedule.get("opens_at") or not schedule.get("closes_at"):
            if schedule.get("description"):
                lines.append(readable_text(schedule["description"]))
            continue
        prefix = "Walk-in " if schedule.get("attending_type") == "walk_in" else ""
        lines.append(f"{prefix}{', '.join(days)} {schedule['opens_at']}–{schedule['closes_at']}")
    return lines


async def bump_revision() -> int:
    """Increase the directory revision by one and return the new value."""
    rows = (
        await DirectoryRevision.update(
            {
                DirectoryRevision.revision: DirectoryRevision.revision + 1,
                DirectoryRevision.updated_at: dt.datetime.now(dt.UTC),
            }
        )
        .where(DirectoryRevision.id == 1)
        .returning(DirectoryRevision.revision)
    )
    if not rows:
        await DirectoryRevision.insert(DirectoryRevision(id=1, revision=1)).on_conflict(action="DO NOTHING")
        return await bump_revision()
    return int(rows[0]["revision"])


class RowSource:
    """Where listing rows are read from: the database, overlaid with rows an import just wrote.

    An import replaces all children of every parent it writes, so for those parents the rows it
    holds in memory are what the database now says; reading them back would only cost time.
    """

    def __init__(self, written: dict[type[Table], list[dict[str, Any]]] | None = None) -> None:
        self._written = written or {}
        self._groups: dict[tuple[type[Table], str], dict[uuid.UUID, list[dict[str, Any]]]] = {}
        self._owned: dict[str, set[uuid.UUID]] = {}

    def _owned_ids(self, table: type[Table], column: str) -> set[uuid.UUID]:
        key = table._meta.tablename if column == "id" else column
        if key not in self._owned:
            parent_tables: dict[str, tuple[type[Table], ...]] = {
                "id": (table,),
                "service": (Service,),
                "location": (Location,),
                "organization": (Organization,),
                "service_at_location": (ServiceAtLocation,),
                "link_id": (Service, Organization, Location),
            }
            parents = parent_tables[column]
            self._owned[key] = {row["id"] for parent in parents for row in self._written.get(parent, [])}
        return self._owned[key]

    def _group(self, table: type[Table], column: str) -> dict[uuid.UUID, list[dict[str, Any]]]:
        if (table, column) not in self._groups:
            defaults = {c._meta.name: c.get_default_value() for c in table._meta.columns}
            grouped: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
            for row in self._written.get(table, []):
                if row.get(column) is not None:
                    grouped[row[column]].append({**defaults, **row})
            self._groups[(table, column)] = grouped
        return self._groups[(table, column)]

    async def rows_by(self, table: type[Table], column: str, ids: list[uuid.UUID]) -> Grouped:
        """Rows of `table` whose `column` is one of `ids`, grouped by it."""
        owned = self._owned_ids(table, column)
        grouped = await rows_by(table, column, [i for i in ids if i not in owned])
        local = self._group(table, column) if owned else {}
        for parent_id in ids:
            if parent_id in owned and parent_id in local:
                grouped[parent_id] = local[parent_id]
        return grouped

    async def by_id(self, table: type[Table], ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
        """Rows of `table` by primary key."""
        return {key: rows[0] for key, rows in (await self.rows_by(table, "id", ids)).items()}


async def refresh_search_documents(
    service_ids: Iterable[uuid.UUID], *, source: RowSource | None = None, progress: Progress | None = None
) -> int:
    """Rebuild the search documents of these services; returns the new directory revision."""
    ids = list(service_ids)
    source = source or RowSource()
    progress = progress or Progress()
    revision = await bump_revision()
    terms = _with_ancestor_names({as_uuid(t["id"]): t for t in await TaxonomyTerm.select()})
    task = progress.task("Indexing listings", total=len(ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        documents = await _build_documents(chunk, terms, revision, source)
        kept = {d["id"] for d in documents}
        existing = await select_where_in(SearchDocument, "service_id", chunk, columns=["id"])
        stale = [r["id"] for r in existing if as_uuid(r["id"]) not in kept]
        if stale:
            # Tombstones, so servers that load changes incrementally also drop these listings.
            await SearchDocument.update({SearchDocument.is_active: False, SearchDocument.revision: revision}).where(
                SearchDocument.id.is_in(stale)
            )
        await upsert_rows(SearchDocument, documents)
        task.advance(len(chunk))
    return revision


@dataclass
class _Related:
    """Everything the listings of some services are made from, read in bulk (one query per table)."""

    services: list[Row]
    organizations: dict[uuid.UUID, Row]
    service_at_locations: Grouped
    locations: dict[uuid.UUID, Row]
    addresses: Grouped
    phones: dict[str, Grouped]
    """By the column the phone hangs on: service, service_at_location, location, organization."""
    schedules: dict[str, Grouped]
    languages: dict[str, Grouped]
    attributes: Grouped
    capacities: Grouped
    flagged: set[uuid.UUID]
    """Service at locations awaiting re-verification."""


async def _read_related(service_ids: list[uuid.UUID], source: RowSource) -> _Related:
    services = list((await source.by_id(Service, service_ids)).values())
    organization_ids = list({as_uuid(s["organization"]) for s in services})
    sals = await source.rows_by(ServiceAtLocation, "service", service_ids)
    location_ids = list({as_uuid(sal["location"]) for rows in sals.values() for sal in rows})
    sal_ids = [as_uuid(sal["id"]) for rows in sals.values() for sal in rows]
    parents = {
        "service": service_ids,
        "service_at_location": sal_ids,
        "location": location_ids,
        "organization": organization_ids,
    }
    # Read from the database even during an import: an import never writes this flag.
    flagged = {
        as_uuid(r["id"])
        for r in await select_where_in(ServiceAtLocation, "id", sal_ids, columns=["id", "needs_reverification_since"])
        if r["needs_reverification_since"] is not None
    }
    return _Related(
        services=services,
        organizations=await source.by_id(Organization, organization_ids),
        service_at_locations=sals,
        locations=await source.by_id(Location, location_ids),
        addresses=await source.rows_by(Address, "location", location_ids),
        phones={column: await source.rows_by(Phone, column, ids) for column, ids in parents.items()},
        schedules={
            column: await source.rows_by(Schedule, column, parents[column])
            for column in ("service", "service_at_location", "location")
        },
        languages={
            column: await source.rows_by(Language, column, parents[column]) for column in ("service", "location")
        },
        attributes=await source.rows_by(Attribute, "link_id", service_ids),
        capacities=await source.rows_by(ServiceCapacity, "service", service_ids),
        flagged=flagged,
    )


@dataclass
class _ServiceFacts:
    """What every listing of one service shares."""

    service: Row
    organization: Row
    categories: list[str]
    term_ids: list[str]
    term_names: list[str]
    medications: list[str]
    capacities: list[Row]
    populations: list[str]


@dataclass
class _Place:
    """One service at one location (or a service at no location), with what hangs on either."""

    doc_id: uuid.UUID
    location: Row | None
    address: Row | None
    phones: list[Row]
    schedules: list[Row]
    languages: list[Row]
    needs_reverification: bool


async def _build_documents(
    service_ids: list[uuid.UUID], terms: dict[uuid.UUID, Row], revision: int, source: RowSource
) -> list[Row]:
    related = await _read_related(service_ids, source)
    today = dt.date.today()
    documents = []
    for service in related.services:
        facts = _service_facts(service, related, terms)
        documents += [_document(facts, place, today, revision) for place in _places(facts, related)]
    return documents


def _service_facts(service: Row, related: _Related, terms: dict[uuid.UUID, Row]) -> _ServiceFacts:
    service_id = as_uuid(service["id"])
    categories, term_ids, term_names = _categories(related.attributes.get(service_id, []), terms)
    medications = [m for m in json_list(service["medications"]) if m in MEDICATIONS]
    for medication in medications:
        for code in ("moud", f"moud.{medication}"):
            if code not in categories:
                categories.append(code)
    return _ServiceFacts(
        service=service,
        organization=related.organizations[as_uuid(service["organization"])],
        categories=categories,
        term_ids=term_ids,
        term_names=term_names,
        medications=medications,
        capacities=related.capacities.get(service_id, []),
        populations=_populations(related.attributes.get(service_id, []), terms),
    )


def _places(facts: _ServiceFacts, related: _Related) -> list[_Place]:
    """Each place the service is offered at; a service at no location still gets one listing."""
    service_id = as_uuid(facts.service["id"])
    organization_id = as_uuid(facts.organization["id"])
    phones, schedules, languages = related.phones, related.schedules, related.languages
    service_sals: Sequence[Row | None] = related.service_at_locations.get(service_id) or (None,)
    places = []
    for sal in service_sals:
        location = related.locations.get(as_uuid(sal["location"])) if sal else None
        location_id = as_uuid(location["id"]) if location else None
        sal_id = as_uuid(sal["id"]) if sal else None
        places.append(
            _Place(
                doc_id=sal_id or service_id,
                location=location,
                address=_main_address(_rows_under(related.addresses, location_id)),
                phones=(
                    _rows_under(phones["service_at_location"], sal_id)
                    + phones["service"].get(service_id, [])
                    + _rows_under(phones["location"], location_id)
                    + phones["organization"].get(organization_id, [])
                ),
                schedules=(
                    _rows_under(schedules["service_at_location"], sal_id)
                    or schedules["service"].get(service_id, [])
                    or _rows_under(schedules["location"], location_id)
                ),
                languages=languages["service"].get(service_id, []) + _rows_under(languages["location"], location_id),
                needs_reverification=sal_id in related.flagged,
            )
        )
    return places


def _categories(attributes: list[Row], terms: dict[uuid.UUID, Row]) -> tuple[list[str], list[str], list[str]]:
    codes: list[str] = []
    term_ids: list[str] = []
    names: list[str] = []
    for attribute in attributes:
        term = terms.get(as_uuid(attribute["taxonomy_term"]))
        if term is None:
            continue
        term_ids.append(str(term["id"]))
        names.extend(name for name in term[SEARCH_NAMES] if name not in names)
        code = term_category(term)
        if code is not None:
            for part in (code.split(".")[0], code):
                if part not in codes:
                    codes.append(part)
    return codes, term_ids, names


def _populations(attributes: list[Row], terms: dict[uuid.UUID, Row]) -> list[str]:
    """Who the service is for, from its target-population terms (AIRS Y codes), each once."""
    found = (terms.get(as_uuid(attribute["taxonomy_term"])) for attribute in attributes)
    labels = (population_label(term) for term in found if term is not None)
    return list(dict.fromkeys(label for label in labels if label))


#: The key under which a taxonomy term row carries its own name and its ancestors' (what a search matches).
SEARCH_NAMES = "search_names"
#: Levels of an AIRS-style code: "BD-1800.2000-250" sits under "BD-1800.2000", "BD-1800", "BD" and "B".
_CODE_LEVEL = re.compile(r"^(.*)[.-][^.-]*$")


def _with_ancestor_names(terms: dict[uuid.UUID, Row]) -> dict[uuid.UUID, Row]:
    """Each term with the names of itself and its ancestors, by `parent_id` or else, for the coded terms of
    211 exports (which seldom fill parent_id), by the levels of its code within the same taxonomy: a listing
    tagged "Inpatient Drug Detoxification" is found by "detoxification" and by "Substance Use Disorder Services"."""
    by_code = {(t["taxonomy"], t["code"]): t for t in terms.values() if t.get("code")}
    for term in terms.values():
        names: list[str] = []
        seen: set[uuid.UUID] = set()
        current: Row | None = term
        while current is not None and as_uuid(current["id"]) not in seen:
            seen.add(as_uuid(current["id"]))
            names.append(current["name"])
            current = _parent_term(current, terms, by_code)
        term[SEARCH_NAMES] = names
    return terms


def _parent_term(term: Row, terms: dict[uuid.UUID, Row], by_code: dict[tuple[str | None, str], Row]) -> Row | None:
    """A term's parent: by parent_id, else the nearest coded term a level up its code."""
    if term.get("parent_id"):
        return terms.get(as_uuid(term["parent_id"]))
    code = term.get("code") or ""
    while code:
        level = _CODE_LEVEL.match(code)
        code = level.group(1) if level else (code[:-1] if len(code) == 2 and code.isalpha() else "")
        parent = by_code.get((term["taxonomy"], code))
        if parent is not None:
            return parent
    return None


def _rows_under(grouped: Grouped, parent_id: uuid.UUID | None) -> list[Row]:
    """The rows grouped under `parent_id`; none when there is no parent (a service at no location)."""
    return grouped.get(parent_id, []) if parent_id is not None else []


def _main_address(addresses: list[Row]) -> Row | None:
    physical = [a for a in addresses if a["address_type"] == "physical"]
    chosen = physical or addresses
    return chosen[0] if chosen else None


@dataclass
class _SearchPoint:
    """Where distances to a listing are measured from: its own point, or for a confidential one its ZIP or
    city centre (never the building); None without one."""

    latitude: float | None
    longitude: float | None
    precision: str | None
    confidential: bool

    @property
    def approximate(self) -> bool:
        """Distances from a centre are shown rounded ("about 3 km")."""
        return self.latitude is not None and (self.confidential or self.precision in CENTROID_PRECISIONS)


def _search_point(place: _Place) -> _SearchPoint:
    location = place.location
    if location is None:
        return _SearchPoint(None, None, None, False)
    if not location["is_confidential"]:
        latitude = location["latitude"]
        precision = location["geocode_precision"] if latitude is not None else None
        return _SearchPoint(latitude, location["longitude"], precision, False)
    point = address_centroid(place.address) if place.address is not None else None
    if point is None:
        return _SearchPoint(None, None, None, True)
    return _SearchPoint(point.latitude, point.longitude, point.precision, True)


def _document(facts: _ServiceFacts, place: _Place, today: dt.date, revision: int) -> Row:
    """The search_document row of one listing: its public JSON, facets, weighted text and place."""
    service = facts.service
    point = _search_point(place)
    # A language row may name several languages, by code or by name ('es', 'Español', 'Spanish; English').
    languages = sorted(
        {c for lang in place.languages for c in (*language_codes(lang["code"]), *language_codes(lang["name"]))}
    )
    listing = _listing(facts, place, point, languages)
    facets = {
        "terms": facts.term_ids,
        "medications": facts.medications,
        "payment": listing.payment_accepted,
        "languages": languages,
        "walk_in": listing.walk_in,
        "accepting_new_patients": service["accepting_new_patients"],
        "open": [r for s in place.schedules for r in weekly_minutes(s, today)],
        "timezone": place.location["timezone"] if place.location else None,
        "needs_reverification": place.needs_reverification,
        "distance_approximate": point.approximate,
    }
    return {
        "id": place.doc_id,
        "service_id": as_uuid(service["id"]),
        "latitude": point.latitude,
        "longitude": point.longitude,
        "categories": msgspec.json.encode(facts.categories).decode(),
        "facets": msgspec.json.encode(facets).decode(),
        "text_fields": msgspec.json.encode(_text_fields(facts, place)).decode(),
        "listing": msgspec.json.encode(listing).decode(),
        "is_active": service["status"] == "active",
        "revision": revision,
    }


def _listing(facts: _ServiceFacts, place: _Place, point: _SearchPoint, languages: list[str]) -> ServiceListing:
    """What the public sees of a listing (no confidential address)."""
    service, organization = facts.service, facts.organization
    walk_in_schedules = [s for s in place.schedules if s.get("attending_type") == "walk_in"]
    return ServiceListing(
        id=str(service["id"]),
        service_at_location_id=str(place.doc_id) if place.location else None,
        name=service["name"],
        display_name=display_name(service["name"], organization["name"]),
        organization=OrganizationRef(
            id=str(organization["id"]),
            name=organization["name"],
            description=(organization["description"] or organization["name"])[:400],
        ),
        description=(service["description"] or "")[:400],
        status=service["status"],
        categories=[CategoryRef(code=c, name=CATEGORY_NAMES[c]) for c in facts.categories],
        medications=facts.medications,
        populations=facts.populations,
        payment_accepted=json_list(service["payment_accepted"]),
        accepting_new_patients=service["accepting_new_patients"],
        same_day_induction=service["same_day_induction"],
        telehealth=service["telehealth"],
        walk_in=service["walk_in"] or bool(walk_in_schedules),
        accepts_moud_residents=service["accepts_moud_residents"],
        no_sobriety_requirement=service["no_sobriety_requirement"],
        capacity=[
            CapacityOut(
                unit=c["unit"],
                available=c["available"],
                maximum=c["maximum"],
                waitlist=c["waitlist"],
                updated=c["updated"].isoformat() if c["updated"] else None,
            )
            for c in facts.capacities
        ],
        location=_listing_location(place.location, place.address, point.confidential, point.precision),
        location_precision=point.precision,
        phones=list(
            dict.fromkeys(p["number"] + (f" x{p['extension']}" if p["extension"] else "") for p in place.phones)
        ),
        hours=_hours_text(place.schedules),
        languages=languages,
        url=service["url"] or msgspec.UNSET,
        assured_date=service["assured_date"].isoformat() if service["assured_date"] else msgspec.UNSET,
        is_sample_data=organization["is_sample_data"],
        data_source=organization["data_source"],
        needs_reverification=place.needs_reverification,
    )


def _text_fields(facts: _ServiceFacts, place: _Place) -> dict[str, str]:
    """The words a search matches, by field (each field weighs differently: words.FIELD_WEIGHTS)."""
    service, organization, location = facts.service, facts.organization, place.location
    location_name = location["name"] if location else None
    # A category's name only when no sub-category of it says more ("Benefits and insurance" would make every SNAP
    # office an insurance office), also when it comes back as the name of a term's ancestor.
    broader = {CATEGORY_NAMES[c] for c in facts.categories if any(d.startswith(c + ".") for d in facts.categories)}
    return {
        "name": " ".join(filter(None, [service["name"], service["alternate_name"], location_name])),
        "organization": " ".join(filter(None, [organization["name"], organization["alternate_name"]])),
        "category": " ".join(
            [CATEGORY_NAMES[c] for c in facts.categories if CATEGORY_NAMES[c] not in broader]
            + [c.replace(".", " ").replace("_", " ") for c in facts.categories]
            + [name for name in facts.term_names if name not in broader]
        ),
        "medication": " ".join(facts.medications),
        "description": " ".join(filter(None, [service["description"], service["eligibility_description"]]))[:2000],
    }


def display_name(service_name: str, organization_name: str) -> str:
    """The service's name when it already names its organization; the organization's when the service's
    name adds nothing to it; else "Organization — Service", so "CENTRAL" or "Food Pantry" says whose."""
    service_words, organization_words = set(tokenize(service_name or "")), set(tokenize(organization_name or ""))
    if not organization_words or organization_words <= service_words:
        return service_name
    if service_words <= organization_words:
        return organization_name
    return f"{organization_name} — {service_name}"


def _listing_location(
    location: Row | None, address: Row | None, confidential: bool, precision: str | None
) -> ListingLocation | None:
    """The listing's place; a confidential one without its street, coordinates or their precision (it gives the
    precision of the ZIP or city centre its distances are measured from, as `location_precision` does)."""
    if location is None:
        return None
    out = ListingLocation(
        id=str(location["id"]),
        name=location["name"],
        city=address["city"] if address else None,
        state_province=address["state_province"] if address else None,
        geocode_precision=precision if confidential else location["geocode_precision"],
        confidential=confidential,
    )
    if not confidential:
        out.address_1 = address["address_1"] if address else None
        out.address_2 = address["address_2"] if address else None
        out.postal_code = address["postal_code"] if address else None
        out.latitude = location["latitude"]
        out.longitude = location["longitude"]
    return out
