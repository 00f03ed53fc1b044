"""Search documents: one public, denormalised listing per service at a location, kept in the database.

They are rebuilt for the services an import or edit touched, in the same transaction, and the
directory revision is bumped so every app server reloads its search index.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from piccolo.table import Table

from directory.geo.geocoding import address_centroid
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
from kernel.bulk_rows import as_uuid, json_list, rows_by, select_where_in, upsert_rows
from kernel.progress import Progress

__all__ = ["RowSource", "bump_revision", "display_name", "refresh_search_documents", "weekly_minutes"]

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CATEGORY_NAMES = {term.code: term.name for term in CATEGORIES}
CHUNK = 2_000
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
                lines.append(schedule["description"])
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
    return rows[0]["revision"]


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

    async def rows_by(self, table: type[Table], column: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict]]:
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
    terms = {as_uuid(t["id"]): t for t in await TaxonomyTerm.select()}
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


async def _build_documents(
    service_ids: list[uuid.UUID], terms: dict, revision: int, source: RowSource
) -> list[dict[str, Any]]:
    services = list((await source.by_id(Service, service_ids)).values())
    organization_ids = list({as_uuid(s["organization"]) for s in services})
    organizations = await source.by_id(Organization, organization_ids)
    sals = await source.rows_by(ServiceAtLocation, "service", service_ids)
    location_ids = list({as_uuid(sal["location"]) for rows in sals.values() for sal in rows})
    locations = await source.by_id(Location, location_ids)
    addresses = await source.rows_by(Address, "location", location_ids)
    sal_ids = [as_uuid(sal["id"]) for rows in sals.values() for sal in rows]
    phones_by_service = await source.rows_by(Phone, "service", service_ids)
    phones_by_sal = await source.rows_by(Phone, "service_at_location", sal_ids)
    phones_by_location = await source.rows_by(Phone, "location", location_ids)
    phones_by_org = await source.rows_by(Phone, "organization", organization_ids)
    schedules_by_service = await source.rows_by(Schedule, "service", service_ids)
    schedules_by_sal = await source.rows_by(Schedule, "service_at_location", sal_ids)
    schedules_by_location = await source.rows_by(Schedule, "location", location_ids)
    languages_by_service = await source.rows_by(Language, "service", service_ids)
    languages_by_location = await source.rows_by(Language, "location", location_ids)
    attributes = await source.rows_by(Attribute, "link_id", service_ids)
    capacities = await source.rows_by(ServiceCapacity, "service", service_ids)
    # Read from the database even during an import: an import never writes this flag.
    flagged = {
        as_uuid(r["id"])
        for r in await select_where_in(ServiceAtLocation, "id", sal_ids, columns=["id", "needs_reverification_since"])
        if r["needs_reverification_since"] is not None
    }
    today = dt.date.today()

    documents = []
    for service in services:
        service_id = as_uuid(service["id"])
        organization = organizations[as_uuid(service["organization"])]
        categories, term_ids, term_names = _categories(attributes.get(service_id, []), terms)
        medications = [m for m in json_list(service["medications"]) if m in MEDICATIONS]
        for medication in medications:
            for code in ("moud", f"moud.{medication}"):
                if code not in categories:
                    categories.append(code)
        common = {
            "service": service,
            "organization": organization,
            "categories": categories,
            "term_ids": term_ids,
            "term_names": term_names,
            "medications": medications,
            "capacities": capacities.get(service_id, []),
        }
        # A service at no location still gets one listing.
        service_sals: Sequence[dict[str, Any] | None] = sals.get(service_id) or (None,)
        for sal in service_sals:
            location = locations.get(as_uuid(sal["location"])) if sal else None
            location_id = as_uuid(location["id"]) if location else None
            sal_id = as_uuid(sal["id"]) if sal else None
            phones = (
                _rows_under(phones_by_sal, sal_id)
                + phones_by_service.get(service_id, [])
                + _rows_under(phones_by_location, location_id)
                + phones_by_org.get(as_uuid(organization["id"]), [])
            )
            schedules = (
                _rows_under(schedules_by_sal, sal_id)
                or schedules_by_service.get(service_id, [])
                or _rows_under(schedules_by_location, location_id)
            )
            languages = languages_by_service.get(service_id, []) + _rows_under(languages_by_location, location_id)
            address = _main_address(_rows_under(addresses, location_id))
            documents.append(
                _document(
                    sal_id or service_id,
                    location,
                    address,
                    phones,
                    schedules,
                    languages,
                    today,
                    revision,
                    needs_reverification=sal_id in flagged,
                    **common,
                )
            )
    return documents


def _categories(attributes: list[dict], terms: dict) -> tuple[list[str], list[str], list[str]]:
    codes: list[str] = []
    term_ids: list[str] = []
    names: list[str] = []
    for attribute in attributes:
        term = terms.get(as_uuid(attribute["taxonomy_term"]))
        if term is None:
            continue
        term_ids.append(str(term["id"]))
        names.append(term["name"])
        code = term_category(term)
        if code is not None:
            for part in (code.split(".")[0], code):
                if part not in codes:
                    codes.append(part)
    return codes, term_ids, names


def _rows_under(grouped: dict[uuid.UUID, list[dict]], parent_id: uuid.UUID | None) -> list[dict]:
    """The rows grouped under `parent_id`; none when there is no parent (a service at no location)."""
    return grouped.get(parent_id, []) if parent_id is not None else []


def _main_address(addresses: list[dict]) -> dict | None:
    physical = [a for a in addresses if a["address_type"] == "physical"]
    chosen = physical or addresses
    return chosen[0] if chosen else None


def _document(
    doc_id,
    location,
    address,
    phones,
    schedules,
    languages,
    today,
    revision,
    *,
    service,
    organization,
    categories,
    term_ids,
    term_names,
    medications,
    capacities,
    needs_reverification,
) -> dict[str, Any]:
    confidential = bool(location and location["is_confidential"])
    latitude = location["latitude"] if location else None
    longitude = location["longitude"] if location else None
    precision = location["geocode_precision"] if location and latitude is not None else None
    if confidential and address is not None:
        # Distances to a confidential place use its ZIP or city centre, never the building.
        point = address_centroid(address)
        latitude, longitude = (point.latitude, point.longitude) if point else (None, None)
        precision = point.precision if point else None
    elif confidential:
        latitude = longitude = precision = None
    walk_in_schedules = [s for s in schedules if s.get("attending_type") == "walk_in"]
    # A language row may name several languages, by code or by name ('es', 'Español', 'Spanish; English').
    codes = sorted({c for lang in languages for c in (*language_codes(lang["code"]), *language_codes(lang["name"]))})
    listing = ServiceListing(
        id=str(service["id"]),
        service_at_location_id=str(doc_id) if location else None,
        name=service["name"],
        display_name=display_name(service["name"], organization["name"]),
        organization=OrganizationRef(
            id=str(organization["id"]),
            name=organization["name"],
            description=(organization["description"] or organization["name"])[:400],
        ),
        description=(service["description"] or "")[:400],
        status=service["status"],
        categories=[CategoryRef(code=c, name=CATEGORY_NAMES[c]) for c in categories],
        medications=medications,
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
            for c in capacities
        ],
        location=_listing_location(location, address, confidential, precision),
        location_precision=precision,
        phones=list(dict.fromkeys(p["number"] + (f" x{p['extension']}" if p["extension"] else "") for p in phones)),
        hours=_hours_text(schedules),
        languages=codes,
        url=service["url"] or msgspec.UNSET,
        assured_date=service["assured_date"].isoformat() if service["assured_date"] else msgspec.UNSET,
        is_sample_data=organization["is_sample_data"],
        data_source=organization["data_source"],
        needs_reverification=needs_reverification,
    )
    facets = {
        "terms": term_ids,
        "medications": medications,
        "payment": listing.payment_accepted,
        "languages": codes,
        "walk_in": listing.walk_in,
        "accepting_new_patients": service["accepting_new_patients"],
        "open": [r for s in schedules for r in weekly_minutes(s, today)],
        "timezone": location["timezone"] if location else None,
        "needs_reverification": needs_reverification,
        "distance_approximate": latitude is not None and (confidential or precision in CENTROID_PRECISIONS),
    }
    text_fields = {
        "name": " ".join(filter(None, [service["name"], service["alternate_name"], location and location["name"]])),
        "organization": " ".join(filter(None, [organization["name"], organization["alternate_name"]])),
        "category": " ".join(
            [CATEGORY_NAMES[c] for c in categories]
            + [c.replace(".", " ").replace("_", " ") for c in categories]
            + term_names
        ),
        "medication": " ".join(medications),
        "description": " ".join(filter(None, [service["description"], service["eligibility_description"]]))[:2000],
    }
    return {
        "id": doc_id,
        "service_id": as_uuid(service["id"]),
        "latitude": latitude,
        "longitude": longitude,
        "categories": msgspec.json.encode(categories).decode(),
        "facets": msgspec.json.encode(facets).decode(),
        "text_fields": msgspec.json.encode(text_fields).decode(),
        "listing": msgspec.json.encode(listing).decode(),
        "is_active": service["status"] == "active",
        "revision": revision,
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


def _listing_location(location, address, confidential: bool, precision: str | None) -> ListingLocation | None:
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
