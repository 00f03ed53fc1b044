"""Import an HSDS package: validate every row, geocode what lacks coordinates, write in one transaction.

Re-importing the same package updates rows in place (ids are kept, or derived stably), a failure
half way leaves the database as it was, and bad rows are reported with file, row and reason.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from directory.services.geocoding import Geocoder, address_centroid, address_text, zip_timezone
from directory.services.hsds_readers import Origin, Package
from directory.services.ids import stable_uuid
from directory.services.progress import Progress
from directory.services.rows import as_uuid, delete_where_in, select_where_in, upsert_rows
from directory.services.search_documents import RowSource, refresh_search_documents
from directory.services.taxonomy import (
    ATTRIBUTE_TAXONOMY_NAME,
    ATTRIBUTE_TERMS,
    MEDICATIONS,
    PAYMENT_METHODS,
    attribute_term_id,
)
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
from kernel.database import fetch_all, write_transaction

__all__ = ["ImportFailed", "ImportProblem", "ImportReport", "import_package", "paused_garbage_collection"]


@dataclass(frozen=True)
class ImportProblem:
    """A row that cannot be imported, and why."""

    origin: Origin
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: rows written per table, problems, geocoding precision, timings."""

    package: str
    hsds_version: str
    written: dict[str, int] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)
    geocoded: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class ImportFailed(Exception):
    """Raised when a package has bad rows (and skipping them was not asked for); nothing is written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{len(report.problems)} bad rows in {report.package}")


@contextmanager
def paused_garbage_collection() -> Iterator[None]:
    """Pause Python's cycle collector during bulk work.

    A 100k-service import keeps millions of small dicts alive; every full collection walks all
    of them, which made the import grow faster than linearly. The rows hold no cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class RowError(ValueError):
    """One field of one row is unusable."""


# --- field converters ---------------------------------------------------------------------------


def _text(row: dict, key: str, *, required: bool = False, max_length: int = 10_000) -> str | None:
    value = row.get(key)
    if value is None or str(value).strip() == "":
        if required:
            raise RowError(f"'{key}' is required")
        return None
    text = str(value).strip()
    if len(text) > max_length:
        raise RowError(f"'{key}' is longer than {max_length} characters")
    return text


def _number(row: dict, key: str, kind: Callable[[Any], Any], low: float | None = None, high: float | None = None):
    value = row.get(key)
    if value is None or str(value).strip() == "":
        return None
    try:
        number = kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError):
        raise RowError(f"'{key}' is not a number: {value!r}") from None
    if number != number or (low is not None and number < low) or (high is not None and number > high):
        raise RowError(f"'{key}' must be between {low} and {high}, got {value!r}")
    return number


def _date(row: dict, key: str) -> dt.date | None:
    value = _text(row, key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise RowError(f"'{key}' is not a date (YYYY-MM-DD): {value!r}") from None


def _time(row: dict, key: str) -> str | None:
    value = _text(row, key)
    if value is None:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2})?(?:[+-]\d{2}:?\d{2}|Z)?", value)
    if not match or int(match.group(1)) > 24 or int(match.group(2)) > 59:
        raise RowError(f"'{key}' is not a time (HH:MM): {value!r}")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _bool(value: Any) -> bool | None:
    text = str(value).strip().casefold()
    if text in ("true", "yes", "1", "y", "t"):
        return True
    if text in ("false", "no", "0", "n", "f"):
        return False
    return None


# --- the importer ---------------------------------------------------------------------------------


class _Importer:
    """Turns a Package's rows into table rows, collecting problems instead of stopping at the first."""

    def __init__(self, package: Package, report: ImportReport) -> None:
        self.package = package
        self.report = report
        self.rows: dict[type[Table], list[dict[str, Any]]] = {}
        self.known: dict[str, set[uuid.UUID]] = {}
        self.service_extras: dict[uuid.UUID, dict[str, Any]] = {}
        self.location_extras: dict[uuid.UUID, dict[str, Any]] = {}
        self.organization_extras: dict[uuid.UUID, dict[str, Any]] = {}

    def id_for(self, table: str, value: Any, row: dict | None = None) -> uuid.UUID:
        if value in (None, "") and row is not None:
            origin = self.package.origin(row)
            return stable_uuid(None, self.package.name, table, origin.file, str(origin.row))
        return stable_uuid(str(value), self.package.name, table)

    @overload
    def ref(self, row: dict, key: str, table: str, *, required: Literal[True]) -> uuid.UUID: ...

    @overload
    def ref(self, row: dict, key: str, table: str, *, required: bool = False) -> uuid.UUID | None: ...

    def ref(self, row: dict, key: str, table: str, *, required: bool = False) -> uuid.UUID | None:
        """The id of the `table` row that `row[key]` names; a RowError when `required` and it is blank."""
        value = row.get(key)
        if value in (None, ""):
            if required:
                raise RowError(f"'{key}' is required")
            return None
        return self.id_for(table, value)

    def convert(self, table_name: str, target: type[Table], convert_row: Callable[[dict], dict | None]) -> None:
        out = self.rows.setdefault(target, [])
        seen = self.known.setdefault(table_name, set())
        for row in self.package.tables[table_name]:
            try:
                converted = convert_row(row)
            except RowError as error:
                self.report.problems.append(ImportProblem(self.package.origin(row), f"{table_name}: {error}"))
                continue
            if converted is None or converted["id"] in seen:
                continue
            seen.add(converted["id"])
            converted["_origin"] = self.package.origin(row)
            out.append(converted)

    # One converter per HSDS table.

    def organization(self, row: dict) -> dict:
        return {
            "id": self.id_for("organizations", row.get("id"), row),
            "name": _text(row, "name", required=True, max_length=500),
            "alternate_name": _text(row, "alternate_name", max_length=500),
            "description": _text(row, "description") or "",
            "email": _text(row, "email", max_length=255),
            "website": _text(row, "website", max_length=500),
            "tax_status": _text(row, "tax_status", max_length=100),
            "tax_id": _text(row, "tax_id", max_length=100),
            "year_incorporated": _number(row, "year_incorporated", int, 1600, 2100),
            "legal_status": _text(row, "legal_status", max_length=100),
            "logo": _text(row, "logo", max_length=500),
            "uri": _text(row, "uri", max_length=500),
            "parent_organization_id": self.ref(row, "parent_organization_id", "organizations"),
            "data_source": self.package.name,
            "is_sample_data": False,
        }

    def taxonomy_term(self, row: dict) -> dict:
        return {
            "id": self.id_for("taxonomy_terms", row.get("id"), row),
            "code": _text(row, "code", max_length=100),
            "name": _text(row, "name", required=True, max_length=255),
            "description": _text(row, "description") or "",
            "parent_id": self.ref(row, "parent_id", "taxonomy_terms"),
            "taxonomy": _text(row, "taxonomy", max_length=255),
            "language": _text(row, "language", max_length=20),
            "term_uri": _text(row, "term_uri", max_length=500),
        }

    def service(self, row: dict) -> dict:
        status = (_text(row, "status") or "active").casefold()
        if status not in ("active", "inactive", "defunct", "temporarily closed"):
            raise RowError(f"'status' must be active, inactive, defunct or temporarily closed, got {status!r}")
        service_id = self.id_for("services", row.get("id"), row)
        payments = [self._payment(p) for p in row.get("_payments", [])]
        if payments:
            self.service_extras.setdefault(service_id, {})["payment_accepted"] = set(payments)
        return {
            "id": service_id,
            "organization": self.ref(row, "organization_id", "organizations", required=True),
            "name": _text(row, "name", required=True, max_length=500),
            "alternate_name": _text(row, "alternate_name", max_length=500),
            "description": _text(row, "description") or "",
            "url": _text(row, "url", max_length=500),
            "email": _text(row, "email", max_length=255),
            "status": status,
            "interpretation_services": _text(row, "interpretation_services"),
            "application_process": _text(row, "application_process"),
            "fees_description": _text(row, "fees_description") or _text(row, "fees"),
            "wait_time": _text(row, "wait_time", max_length=255),
            "accreditations": _text(row, "accreditations"),
            "eligibility_description": _text(row, "eligibility_description"),
            "minimum_age": _number(row, "minimum_age", int, 0, 130),
            "maximum_age": _number(row, "maximum_age", int, 0, 130),
            "assured_date": _date(row, "assured_date"),
            "assurer_email": _text(row, "assurer_email", max_length=255),
            "licenses": _text(row, "licenses"),
            "alert": _text(row, "alert"),
            "last_modified": dt.datetime.now(dt.UTC),
        }

    @staticmethod
    def _payment(value: str) -> str:
        key = re.sub(r"[^a-z]+", "_", value.casefold()).strip("_")
        aliases = {
            "private": "private_insurance",
            "insurance": "private_insurance",
            "cash": "self_pay",
            "sliding_fee": "sliding_scale",
            "sliding_fee_scale": "sliding_scale",
            "no_fee": "free",
        }
        return aliases.get(key, key)

    def location(self, row: dict) -> dict:
        location_type = (_text(row, "location_type") or "physical").casefold()
        if location_type not in ("physical", "postal", "virtual"):
            raise RowError(f"'location_type' must be physical, postal or virtual, got {location_type!r}")
        latitude = _number(row, "latitude", float, -90, 90)
        longitude = _number(row, "longitude", float, -180, 180)
        if (latitude is None) != (longitude is None):
            raise RowError("'latitude' and 'longitude' must be given together")
        return {
            "id": self.id_for("locations", row.get("id"), row),
            "organization": self.ref(row, "organization_id", "organizations"),
            "location_type": location_type,
            "url": _text(row, "url", max_length=500),
            "name": _text(row, "name", max_length=500),
            "alternate_name": _text(row, "alternate_name", max_length=500),
            "description": _text(row, "description"),
            "transportation": _text(row, "transportation"),
            "latitude": latitude,
            "longitude": longitude,
            "geocode_precision": "source" if latitude is not None else None,
            "external_identifier": _text(row, "external_identifier", max_length=255),
            "external_identifier_type": _text(row, "external_identifier_type", max_length=255),
            "timezone": None,
            "is_confidential": False,
        }

    def address(self, row: dict) -> dict:
        address_type = (_text(row, "address_type") or "physical").casefold()
        if address_type not in ("physical", "postal", "virtual"):
            raise RowError(f"'address_type' must be physical, postal or virtual, got {address_type!r}")
        return {
            "id": self.id_for("addresses", row.get("id"), row),
            "location": self.ref(row, "location_id", "locations", required=True),
            "attention": _text(row, "attention", max_length=255),
            "address_1": _text(row, "address_1", required=True, max_length=500),
            "address_2": _text(row, "address_2", max_length=500),
            "city": _text(row, "city", required=True, max_length=255),
            "region": _text(row, "region", max_length=255),
            "state_province": _text(row, "state_province", required=True, max_length=100),
            "postal_code": _text(row, "postal_code", required=True, max_length=20),
            "country": (_text(row, "country", max_length=2) or "US").upper(),
            "address_type": address_type,
        }

    def service_at_location(self, row: dict) -> dict:
        return {
            "id": self.id_for("service_at_location", row.get("id"), row),
            "service": self.ref(row, "service_id", "services", required=True),
            "location": self.ref(row, "location_id", "locations", required=True),
            "description": _text(row, "description"),
        }

    def phone(self, row: dict) -> dict:
        converted = {
            "id": self.id_for("phones", row.get("id"), row),
            "organization": self.ref(row, "organization_id", "organizations"),
            "service": self.ref(row, "service_id", "services"),
            "location": self.ref(row, "location_id", "locations"),
            "service_at_location": self.ref(row, "service_at_location_id", "service_at_location"),
            "number": _text(row, "number", required=True, max_length=50),
            "extension": _text(row, "extension", max_length=20),
            "type": _text(row, "type", max_length=20),
            "description": _text(row, "description"),
        }
        if not any(converted[k] for k in ("organization", "service", "location", "service_at_location")):
            raise RowError("a phone must belong to an organization, service, location or service at location")
        return converted

    def schedule(self, row: dict) -> dict:
        byday = _text(row, "byday", max_length=100)
        if byday:
            days = [d.strip().upper()[-2:] for d in byday.split(",") if d.strip()]
            if any(d not in ("MO", "TU", "WE", "TH", "FR", "SA", "SU") for d in days):
                raise RowError(f"'byday' must list MO,TU,WE,TH,FR,SA,SU, got {byday!r}")
            byday = ",".join(days)
        converted = {
            "id": self.id_for("schedules", row.get("id"), row),
            "service": self.ref(row, "service_id", "services"),
            "location": self.ref(row, "location_id", "locations"),
            "service_at_location": self.ref(row, "service_at_location_id", "service_at_location"),
            "valid_from": _date(row, "valid_from"),
            "valid_to": _date(row, "valid_to"),
            "dtstart": _date(row, "dtstart"),
            "until": _date(row, "until"),
            "wkst": _text(row, "wkst", max_length=2),
            "freq": (_text(row, "freq", max_length=10) or "").upper() or None,
            "interval": _number(row, "interval", int, 1, 1000),
            "byday": byday,
            "bymonthday": _text(row, "bymonthday", max_length=100),
            "opens_at": _time(row, "opens_at"),
            "closes_at": _time(row, "closes_at"),
            "description": _text(row, "description"),
            "attending_type": _text(row, "attending_type", max_length=2000),
            "notes": _text(row, "notes"),
        }
        if not any(converted[k] for k in ("service", "location", "service_at_location")):
            raise RowError("a schedule must belong to a service, location or service at location")
        return converted

    def language(self, row: dict) -> dict:
        converted = {
            "id": self.id_for("languages", row.get("id"), row),
            "service": self.ref(row, "service_id", "services"),
            "location": self.ref(row, "location_id", "locations"),
            "phone": self.ref(row, "phone_id", "phones"),
            "name": _text(row, "name", max_length=100),
            "code": _text(row, "code", max_length=20),
            "note": _text(row, "note"),
        }
        if not converted["name"] and not converted["code"]:
            raise RowError("a language needs a 'name' or a 'code'")
        return converted

    def cost_option(self, row: dict) -> dict:
        return {
            "id": self.id_for("cost_options", row.get("id"), row),
            "service": self.ref(row, "service_id", "services", required=True),
            "valid_from": _date(row, "valid_from"),
            "valid_to": _date(row, "valid_to"),
            "option": _text(row, "option"),
            "currency": _text(row, "currency", max_length=3),
            "amount": _number(row, "amount", float, 0, None),
            "amount_description": _text(row, "amount_description"),
        }

    def accessibility(self, row: dict) -> dict:
        return {
            "id": self.id_for("accessibility", row.get("id"), row),
            "location": self.ref(row, "location_id", "locations", required=True),
            "description": _text(row, "description"),
            "details": _text(row, "details"),
            "url": _text(row, "url", max_length=500),
        }

    def service_capacity(self, row: dict) -> dict:
        updated = _text(row, "updated")
        try:
            updated_at = dt.datetime.fromisoformat(updated) if updated else dt.datetime.now(dt.UTC)
        except ValueError:
            raise RowError(f"'updated' is not a date-time: {updated!r}") from None
        if updated_at.tzinfo is None:
            updated_at = updated_at.replace(tzinfo=dt.UTC)
        return {
            "id": self.id_for("service_capacity", row.get("id"), row),
            "service": self.ref(row, "service_id", "services", required=True),
            "unit": _text(row, "unit", max_length=100) or "places",
            "available": _number(row, "available", int, 0, None),
            "maximum": _number(row, "maximum", int, 0, None),
            "waitlist": _number(row, "waitlist", int, 0, None),
            "description": _text(row, "description"),
            "updated": updated_at,
        }

    def attribute(self, row: dict) -> dict | None:
        term_id = self.ref(row, "taxonomy_term_id", "taxonomy_terms", required=True)
        link_id = self.ref(row, "link_id", self._link_table(row), required=True)
        if self._apply_sud_attribute(term_id, link_id, row.get("value")):
            return None
        return {
            "id": self.id_for("attributes", row.get("id"), row),
            "link_id": link_id,
            "link_type": _text(row, "link_type", max_length=100),
            "link_entity": (_text(row, "link_entity", max_length=50) or "service").casefold(),
            "taxonomy_term": term_id,
            "value": _text(row, "value"),
        }

    @staticmethod
    def _link_table(row: dict) -> str:
        entity = (row.get("link_entity") or "service").casefold()
        return {
            "service": "services",
            "organization": "organizations",
            "location": "locations",
            "service_at_location": "service_at_location",
        }.get(entity, entity)

    def _apply_sud_attribute(self, term_id: uuid.UUID, link_id: uuid.UUID, value: Any) -> bool:
        """Typed SUD-care attributes become columns; returns True when the row was one of them."""
        code = _SUD_ATTRIBUTE_CODES.get(term_id)
        if code is None:
            return False
        text = str(value or "").strip()
        entity = ATTRIBUTE_TERMS[code][0]
        extras = {
            "service": self.service_extras,
            "location": self.location_extras,
            "organization": self.organization_extras,
        }[entity].setdefault(link_id, {})
        if code == "medication":
            if text.casefold() not in MEDICATIONS:
                raise RowError(f"medication must be one of {', '.join(MEDICATIONS)}, got {text!r}")
            extras.setdefault("medications", set()).add(text.casefold())
        elif code == "payment_accepted":
            payment = self._payment(text)
            if payment not in PAYMENT_METHODS:
                raise RowError(f"payment_accepted must be one of {', '.join(PAYMENT_METHODS)}, got {text!r}")
            extras.setdefault("payment_accepted", set()).add(payment)
        elif code == "data_source":
            extras["data_source"] = text[:200]
        else:
            flag = _bool(text) if text else True
            if flag is None:
                raise RowError(f"{code} must be true or false, got {text!r}")
            column = {"confidential_location": "is_confidential", "sample_data": "is_sample_data"}.get(code, code)
            extras[column] = flag
        return True

    def run(self) -> None:
        self.convert("organizations", Organization, self.organization)
        self.convert("taxonomy_terms", TaxonomyTerm, self.taxonomy_term)
        self.convert("services", Service, self.service)
        self.convert("locations", Location, self.location)
        self.convert("addresses", Address, self.address)
        self.convert("service_at_location", ServiceAtLocation, self.service_at_location)
        self.convert("phones", Phone, self.phone)
        self.convert("schedules", Schedule, self.schedule)
        self.convert("languages", Language, self.language)
        self.convert("cost_options", CostOption, self.cost_option)
        self.convert("accessibility", Accessibility, self.accessibility)
        self.convert("service_capacity", ServiceCapacity, self.service_capacity)
        self.convert("attributes", Attribute, self.attribute)
        self._merge_extras()

    def _merge_extras(self) -> None:
        for target, extras in (
            (Service, self.service_extras),
            (Location, self.location_extras),
            (Organization, self.organization_extras),
        ):
            for row in self.rows.get(target, []):
                for column, value in extras.get(row["id"], {}).items():
                    row[column] = sorted(value) if isinstance(value, set) else value
        for row in self.rows.get(Service, []):
            for column in ("medications", "payment_accepted"):
                row[column] = json.dumps(row.get(column, []))


_SUD_ATTRIBUTE_CODES = {attribute_term_id(code): code for code in ATTRIBUTE_TERMS}


# --- references, geocoding and writing -------------------------------------------------------------

# (table, column) -> referenced table, checked against the package and the database.
REFERENCES: tuple[tuple[type[Table], str, type[Table]], ...] = (
    (Service, "organization", Organization),
    (Location, "organization", Organization),
    (Address, "location", Location),
    (ServiceAtLocation, "service", Service),
    (ServiceAtLocation, "location", Location),
    (Phone, "organization", Organization),
    (Phone, "service", Service),
    (Phone, "location", Location),
    (Phone, "service_at_location", ServiceAtLocation),
    (Schedule, "service", Service),
    (Schedule, "location", Location),
    (Schedule, "service_at_location", ServiceAtLocation),
    (Language, "service", Service),
    (Language, "location", Location),
    (Language, "phone", Phone),
    (CostOption, "service", Service),
    (Accessibility, "location", Location),
    (ServiceCapacity, "service", Service),
    (Attribute, "taxonomy_term", TaxonomyTerm),
)


async def _existing_ids(table: type[Table], ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these primary keys are already in the table."""
    return {as_uuid(r["id"]) for r in await select_where_in(table, "id", sorted(ids), columns=["id"])}


async def _check_references(importer: _Importer) -> None:
    """Report rows pointing at records neither in the package nor in the database; drop them."""
    package_ids = {table: {r["id"] for r in rows} for table, rows in importer.rows.items()}
    wanted: dict[type[Table], set[uuid.UUID]] = {}
    for table, column, referenced in REFERENCES:
        for row in importer.rows.get(table, []):
            value = row.get(column)
            if value is not None and value not in package_ids.get(referenced, set()):
                wanted.setdefault(referenced, set()).add(value)
    in_database = {table: await _existing_ids(table, ids) for table, ids in wanted.items()}
    # A service_at_location the package drops from a service it re-imports will be deleted.
    in_database[ServiceAtLocation] = in_database.get(ServiceAtLocation, set()) - await _stale_service_at_locations(
        importer
    )
    for table, column, referenced in REFERENCES:
        kept = []
        for row in importer.rows.get(table, []):
            value = row.get(column)
            if (
                value is None
                or value in package_ids.get(referenced, set())
                or value in in_database.get(referenced, set())
            ):
                kept.append(row)
            else:
                importer.report.problems.append(
                    ImportProblem(
                        row["_origin"],
                        f"{table._meta.tablename}: '{column}' refers to a {referenced._meta.tablename} "
                        f"that is neither in the package nor in the directory",
                    )
                )
        importer.rows[table] = kept


def _fill_coordinates(importer: _Importer, progress: Progress) -> None:
    """Give every physical location coordinates: its own, else its address's ZIP or city centroid."""
    addresses: dict[uuid.UUID, dict] = {}
    for candidate in importer.rows.get(Address, []):
        if candidate["address_type"] == "physical" or candidate["location"] not in addresses:
            addresses[candidate["location"]] = candidate
    locations = importer.rows.get(Location, [])
    task = progress.task("Geocoding locations", total=len(locations))
    for location in locations:
        address = addresses.get(location["id"])
        if address is not None:
            location["timezone"] = zip_timezone(address["postal_code"])
        if location["latitude"] is None and address is not None:
            point = address_centroid(address)
            if point is not None:
                location["latitude"], location["longitude"] = point.latitude, point.longitude
                location["geocode_precision"] = point.precision
        precision = location["geocode_precision"] or "none"
        importer.report.geocoded[precision] = importer.report.geocoded.get(precision, 0) + 1
        task.advance()


async def _upgrade_with_geocoder(importer: _Importer, geocoder: Geocoder, progress: Progress) -> None:
    """Ask the configured geocoder for street-level coordinates of locations that only have centroids."""
    addresses = {a["location"]: a for a in importer.rows.get(Address, [])}
    pending = [
        loc
        for loc in importer.rows.get(Location, [])
        if loc["geocode_precision"] in (None, "zip", "city") and loc["id"] in addresses
    ]
    task = progress.task(f"Geocoding with {geocoder.name}", total=len(pending))
    for location in pending:
        address = addresses[location["id"]]
        point = await geocoder.geocode(address_text(address))
        if point is not None and point.precision == "address":
            before = location["geocode_precision"] or "none"
            importer.report.geocoded[before] -= 1
            importer.report.geocoded["address"] = importer.report.geocoded.get("address", 0) + 1
            location["latitude"], location["longitude"] = point.latitude, point.longitude
            location["geocode_precision"] = "address"
        task.advance()


async def _upsert(table: type[Table], rows: list[dict], progress: Progress) -> None:
    task = progress.task(f"Writing {table._meta.tablename}", total=len(rows))
    for start in range(0, len(rows), 5_000):
        await upsert_rows(table, rows[start : start + 5_000])
        task.advance(len(rows[start : start + 5_000]))


# Child tables replaced wholesale for the parents a package re-imports: (table, parent columns).
CHILDREN: tuple[tuple[type[Table], tuple[str, ...]], ...] = (
    (Language, ("service", "location")),
    (Phone, ("organization", "service", "location", "service_at_location")),
    (Schedule, ("service", "location", "service_at_location")),
    (CostOption, ("service",)),
    (Accessibility, ("location",)),
    (ServiceCapacity, ("service",)),
    (Address, ("location",)),
)


async def _stale_service_at_locations(importer: _Importer) -> set[uuid.UUID]:
    """Services re-imported without a location they had before lose that service_at_location."""
    kept = {r["id"] for r in importer.rows.get(ServiceAtLocation, [])}
    service_ids = [r["id"] for r in importer.rows.get(Service, [])]
    existing = await select_where_in(ServiceAtLocation, "service", service_ids, columns=["id"])
    return {as_uuid(r["id"]) for r in existing} - kept


async def _delete_phones(column: str, ids: list) -> None:
    """Delete phone lines (and the languages of each line) whose `column` is one of `ids`."""
    phones = [r["id"] for r in await select_where_in(Phone, column, ids, columns=["id"])]
    await delete_where_in(Language, "phone", phones)
    await delete_where_in(Phone, "id", phones)


async def _delete_replaced_children(importer: _Importer) -> dict[str, list[uuid.UUID]]:
    """Children of re-imported parents are replaced by the package's; new parents have none.

    Returns the re-imported (already existing) parents' ids by kind.
    """
    parents = {
        column: sorted(await _existing_ids(table, [r["id"] for r in importer.rows.get(table, [])]))
        for column, table in (
            ("organization", Organization),
            ("service", Service),
            ("location", Location),
            ("service_at_location", ServiceAtLocation),
        )
    }
    for table, columns in CHILDREN:
        for column in columns:
            if table is Phone:
                await _delete_phones(column, parents[column])
            else:
                await delete_where_in(table, column, parents[column])
    await delete_where_in(Attribute, "link_id", parents["organization"] + parents["service"] + parents["location"])
    stale = sorted(await _stale_service_at_locations(importer))
    await _delete_phones("service_at_location", stale)
    await delete_where_in(Schedule, "service_at_location", stale)
    await delete_where_in(ServiceAtLocation, "id", stale)
    return parents


WRITE_ORDER = (
    Organization,
    TaxonomyTerm,
    Service,
    Location,
    Address,
    ServiceAtLocation,
    Phone,
    Schedule,
    Language,
    CostOption,
    Accessibility,
    ServiceCapacity,
    Attribute,
)


async def import_package(
    package: Package,
    *,
    geocoder: Geocoder | None = None,
    skip_invalid: bool = False,
    sample_data: bool = False,
    data_source: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate, geocode and write a package in one transaction; raise ImportFailed on bad rows.

    `skip_invalid` writes the good rows and reports the bad ones; `sample_data` marks every
    organization as made-up demo data; `data_source` overrides the credited publisher.
    """
    started = time.perf_counter()
    progress = progress or Progress.silent()
    report = ImportReport(package=package.name, hsds_version=package.hsds_version)
    importer = _Importer(package, report)
    importer.run()
    await _check_references(importer)
    if report.problems and not skip_invalid:
        raise ImportFailed(report)
    for organization in importer.rows.get(Organization, []):
        organization["is_sample_data"] = organization.get("is_sample_data") or sample_data
        organization["data_source"] = data_source or organization.get("data_source") or package.name
    _fill_coordinates(importer, progress)
    if geocoder is not None and geocoder.name != "offline":
        await _upgrade_with_geocoder(importer, geocoder, progress)

    engine = Organization._meta.db
    async with write_transaction(engine):
        if isinstance(engine, SQLiteEngine):
            # A large import must not spill its uncommitted pages from SQLite's small default cache.
            await fetch_all(engine, "PRAGMA cache_size = -262144")
        existing = await _delete_replaced_children(importer)
        for table in WRITE_ORDER:
            await _upsert(table, importer.rows.get(table, []), progress)
            report.written[table._meta.tablename] = len(importer.rows.get(table, []))
        service_ids = [r["id"] for r in importer.rows.get(Service, [])]
        service_ids += await _services_sharing(existing["location"], existing["organization"])
        await refresh_search_documents(sorted(set(service_ids)), source=RowSource(importer.rows), progress=progress)
    report.seconds = time.perf_counter() - started
    return report


async def _services_sharing(location_ids: list[uuid.UUID], organization_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Services whose listing changes because a location or organization they use was re-imported.

    Only locations and organizations that existed before the import can have other services.
    """
    rows = await select_where_in(ServiceAtLocation, "location", location_ids, columns=["service"])
    touched = [as_uuid(r["service"]) for r in rows]
    rows = await select_where_in(Service, "organization", organization_ids, columns=["id"])
    return touched + [as_uuid(r["id"]) for r in rows]


def attribute_taxonomy_rows() -> list[dict[str, Any]]:
    """HSDS taxonomy_term rows describing the SUD-care attributes (for export)."""
    return [
        {
            "id": str(attribute_term_id(code)),
            "code": code,
            "name": code.replace("_", " "),
            "description": description,
            "taxonomy": ATTRIBUTE_TAXONOMY_NAME,
        }
        for code, (_entity, description) in ATTRIBUTE_TERMS.items()
    ]
