"""Import an HSDS package: validate every row, geocode what lacks coordinates, write in one transaction.

Re-importing the same package updates rows in place (ids are kept, or derived stably), a failure
half way leaves the database as it was, and bad rows are reported with file, row and reason.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, Literal, overload

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from directory.geo.earth import km_between
from directory.geo.geocoding import Geocoder, address_centroid, address_text, zip_centroid, zip_timezone
from directory.hsds.ids import stable_uuid
from directory.hsds.import_report import ImportReport, Origin
from directory.hsds.readers import Package
from directory.hsds.row_fields import (
    RowError,
    read_bool,
    read_date,
    read_datetime,
    read_number,
    read_text,
    read_time,
)
from directory.search.documents import RowSource, refresh_search_documents
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
from directory.taxonomy.categories import (
    ATTRIBUTE_TAXONOMY_NAME,
    ATTRIBUTE_TERMS,
    MEDICATIONS,
    PAYMENT_METHODS,
    attribute_term_id,
)
from directory.taxonomy.mapping import OWN_TAXONOMIES, assign_categories, load_rules
from kernel.bulk_rows import as_uuid, delete_where_in, select_where_in, upsert_rows
from kernel.database import fetch_all, write_transaction
from kernel.progress import Progress

__all__ = ["ImportFailed", "ImportReport", "import_package", "paused_garbage_collection"]


# Package columns read under another name than the table's column, or folded into another.
_READ_AS = {"fees", "_payments", "link_id", "taxonomy_term_id", "phone_id"}


@cache
def _known_columns(table: type[Table]) -> frozenset[str]:
    """The package columns a converter reads for `table`: its columns, and `<name>_id` for references."""
    names = {c._meta.name for c in table._meta.columns}
    return frozenset(names | {f"{n}_id" for n in names} | _READ_AS)


def _content(converted: dict[str, Any]) -> tuple:
    """A converted row's values, without its id and bookkeeping: two rows with equal content say the same."""
    return tuple(sorted((k, str(v)) for k, v in converted.items() if k != "id" and not k.startswith("_")))


class ImportFailed(Exception):
    """Raised when a package has rows that would be left out (and that was not asked for); nothing is written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(f"{len(report.problems)} rows of {report.package} cannot be imported")


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


# --- the importer ---------------------------------------------------------------------------------


#: Tables whose rows other rows point at: an id used twice is a fault. In the others (children of a
#: service, location or phone) 211 exports reuse ids across rows, so each such row is kept as its own.
PARENT_TABLES = frozenset({"organizations", "taxonomy_terms", "services", "locations", "service_at_location"})


class _Importer:
    """Turns a Package's rows into table rows, collecting findings instead of stopping at the first."""

    def __init__(self, package: Package, report: ImportReport) -> None:
        self.package = package
        self.report = report
        self.rows: dict[type[Table], list[dict[str, Any]]] = {}
        self.started = dt.datetime.now(dt.UTC)
        self.service_extras: dict[uuid.UUID, dict[str, Any]] = {}
        self.location_extras: dict[uuid.UUID, dict[str, Any]] = {}
        self.organization_extras: dict[uuid.UUID, dict[str, Any]] = {}
        self._attribute_codes: dict[uuid.UUID, str] | None = None
        # Rows that could not be converted, by table and id: rows that depend on them go too.
        self.failed: dict[type[Table], dict[uuid.UUID, Origin]] = {}
        # What converting the current row found: the source text of its references, values read forgivingly.
        self._raw_refs: dict[str, Any] = {}
        self._changes: list[tuple[str, Any]] = []

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
                raise RowError(f"'{key}' is required (empty)")
            return None
        self._raw_refs[key] = value
        return self.id_for(table, value)

    def time(self, row: dict, key: str) -> str | None:
        """A time of day as HH:MM, noting when the source wrote it otherwise (8:00am, 0800, noon)."""
        value, written_as = read_time(row, key)
        cause = f"times written {written_as} read as HH:MM"
        if written_as and all(c != cause for c, _example in self._changes):
            self._changes.append((cause, f"{row[key]} → {value}"))
        return value

    def convert(self, table_name: str, target: type[Table], convert_row: Callable[[dict], dict | None]) -> None:
        out = self.rows.setdefault(target, [])
        first: dict[uuid.UUID, dict[str, Any]] = {}
        known = _known_columns(target)
        for row in self.package.tables[table_name]:
            origin = self.package.origin(row)
            for column in row.keys() - known:
                self.report.unread_columns[(origin.file, column)] += 1
            self._raw_refs, self._changes = {}, []
            try:
                converted = convert_row(row)
            except RowError as error:
                self.report.add(origin, "skipped", error.cause, error.value, partial=id(row) in self.package.secondary)
                self.failed.setdefault(target, {})[self.id_for(table_name, row.get("id"), row)] = origin
                continue
            if converted is None:
                continue
            converted["_origin"], converted["_raw"] = origin, self._raw_refs
            converted["_partial"] = id(row) in self.package.secondary
            if converted["id"] in first and not self._distinct_repeat(table_name, row, converted, first):
                continue
            for cause, example in self._changes:
                self.report.add(origin, "changed", cause, example)
            first[converted["id"]] = converted
            out.append(converted)

    def _distinct_repeat(self, table: str, row: dict, converted: dict, first: dict[uuid.UUID, dict]) -> bool:
        """A row whose id an earlier row already used: True when it is kept, with an id of its own."""
        origin = converted["_origin"]
        earlier = first[converted["id"]]
        # Nested JSON repeats an organization or term under every service: that says nothing new.
        quiet = origin.file.endswith(".json")
        if _content(converted) != _content(earlier):
            if table in PARENT_TABLES:
                before = earlier["_origin"]
                cause = "'id' is used by an earlier row too"
                self.report.add(origin, "skipped", cause, f"{row.get('id')} (as {before.file} row {before.row})")
                return False
            # Child rows sharing an id are told apart by what they say.
            converted["id"] = stable_uuid(None, self.package.name, table, str(row.get("id")), repr(_content(converted)))
            if converted["id"] not in first:
                self.report.add(
                    origin, "changed", "'id' is shared with other rows: kept as a row of its own", row.get("id")
                )
                return True
            earlier, quiet = first[converted["id"]], False  # the same as another row that shared the id
        before = earlier["_origin"]
        if not quiet:
            self.report.add(
                origin, "changed", "repeats an earlier row exactly: kept once", Origin(before.file, before.row)
            )
        return False

    # One converter per HSDS table.

    def organization(self, row: dict) -> dict:
        return {
            "id": self.id_for("organizations", row.get("id"), row),
            "name": read_text(row, "name", required=True, max_length=500),
            "alternate_name": read_text(row, "alternate_name", max_length=500),
            "description": read_text(row, "description") or "",
            "email": read_text(row, "email", max_length=255),
            "website": read_text(row, "website", max_length=500),
            "tax_status": read_text(row, "tax_status", max_length=100),
            "tax_id": read_text(row, "tax_id", max_length=100),
            "year_incorporated": read_number(row, "year_incorporated", int, 1600, 2100),
            "legal_status": read_text(row, "legal_status", max_length=100),
            "logo": read_text(row, "logo", max_length=500),
            "uri": read_text(row, "uri", max_length=500),
            "parent_organization_id": self.ref(row, "parent_organization_id", "organizations"),
            "data_source": self.package.name,
            "is_sample_data": False,
        }

    def taxonomy_term(self, row: dict) -> dict:
        return {
            "id": self.id_for("taxonomy_terms", row.get("id"), row),
            "code": read_text(row, "code", max_length=100),
            # A term known by its code alone (nested in JSON) is named by it.
            "name": read_text(row, "name", max_length=255) or read_text(row, "code", required=True),
            "description": read_text(row, "description") or "",
            "parent_id": self.ref(row, "parent_id", "taxonomy_terms"),
            "taxonomy": read_text(row, "taxonomy", max_length=255),
            "language": read_text(row, "language", max_length=20),
            "term_uri": read_text(row, "term_uri", max_length=500),
        }

    def service(self, row: dict) -> dict:
        status = (read_text(row, "status") or "active").casefold()
        if status not in ("active", "inactive", "defunct", "temporarily closed"):
            raise RowError("'status' must be active, inactive, defunct or temporarily closed", status)
        service_id = self.id_for("services", row.get("id"), row)
        payments = [self._payment(p) for p in row.get("_payments", [])]
        if payments:
            self.service_extras.setdefault(service_id, {})["payment_accepted"] = set(payments)
        return {
            "id": service_id,
            "organization": self.ref(row, "organization_id", "organizations", required=True),
            "name": read_text(row, "name", required=True, max_length=500),
            "alternate_name": read_text(row, "alternate_name", max_length=500),
            "description": read_text(row, "description") or "",
            "url": read_text(row, "url", max_length=500),
            "email": read_text(row, "email", max_length=255),
            "status": status,
            "interpretation_services": read_text(row, "interpretation_services"),
            "application_process": read_text(row, "application_process"),
            "fees_description": read_text(row, "fees_description") or read_text(row, "fees"),
            "wait_time": read_text(row, "wait_time", max_length=255),
            "accreditations": read_text(row, "accreditations"),
            "eligibility_description": read_text(row, "eligibility_description"),
            "minimum_age": read_number(row, "minimum_age", int, 0, 130),
            "maximum_age": read_number(row, "maximum_age", int, 0, 130),
            "assured_date": read_date(row, "assured_date"),
            "assurer_email": read_text(row, "assurer_email", max_length=255),
            "licenses": read_text(row, "licenses"),
            "alert": read_text(row, "alert"),
            # The package's own time of change when it gives one (a mirror keeps upstream's), else this import's.
            "last_modified": read_datetime(row, "last_modified") or self.started,
            "_source_last_modified": bool(read_text(row, "last_modified")),
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
        location_type = (read_text(row, "location_type") or "physical").casefold()
        if location_type not in ("physical", "postal", "virtual"):
            raise RowError("'location_type' must be physical, postal or virtual", location_type)
        latitude = read_number(row, "latitude", float, -90, 90)
        longitude = read_number(row, "longitude", float, -180, 180)
        if (latitude is None) != (longitude is None):
            raise RowError("'latitude' and 'longitude' must be given together")
        return {
            "id": self.id_for("locations", row.get("id"), row),
            "organization": self.ref(row, "organization_id", "organizations"),
            "location_type": location_type,
            "url": read_text(row, "url", max_length=500),
            "name": read_text(row, "name", max_length=500),
            "alternate_name": read_text(row, "alternate_name", max_length=500),
            "description": read_text(row, "description"),
            "transportation": read_text(row, "transportation"),
            "latitude": latitude,
            "longitude": longitude,
            "geocode_precision": "source" if latitude is not None else None,
            "external_identifier": read_text(row, "external_identifier", max_length=255),
            "external_identifier_type": read_text(row, "external_identifier_type", max_length=255),
            "timezone": None,
            "is_confidential": False,
        }

    def address(self, row: dict) -> dict:
        address_type = (read_text(row, "address_type") or "physical").casefold()
        if address_type not in ("physical", "postal", "virtual"):
            raise RowError("'address_type' must be physical, postal or virtual", address_type)
        return {
            "id": self.id_for("addresses", row.get("id"), row),
            "location": self.ref(row, "location_id", "locations", required=True),
            "attention": read_text(row, "attention", max_length=255),
            "address_1": read_text(row, "address_1", required=True, max_length=500),
            "address_2": read_text(row, "address_2", max_length=500),
            "city": read_text(row, "city", required=True, max_length=255),
            "region": read_text(row, "region", max_length=255),
            "state_province": read_text(row, "state_province", required=True, max_length=100),
            "postal_code": self._postal_code(row),
            "country": (read_text(row, "country", max_length=2) or "US").upper(),
            "address_type": address_type,
        }

    def _postal_code(self, row: dict) -> str:
        """A ZIP code; real exports leave some out, and city, state and coordinates still place the address."""
        postal_code = read_text(row, "postal_code", max_length=20)
        if postal_code is None:
            self._changes.append(("'postal_code' is empty: imported without one", None))
        return postal_code or ""

    def service_at_location(self, row: dict) -> dict:
        return {
            "id": self.id_for("service_at_location", row.get("id"), row),
            "service": self.ref(row, "service_id", "services", required=True),
            "location": self.ref(row, "location_id", "locations", required=True),
            "description": read_text(row, "description"),
        }

    def contact(self, row: dict) -> dict:
        converted = {
            "id": self.id_for("contacts", row.get("id"), row),
            "organization": self.ref(row, "organization_id", "organizations"),
            "service": self.ref(row, "service_id", "services"),
            "location": self.ref(row, "location_id", "locations"),
            "service_at_location": self.ref(row, "service_at_location_id", "service_at_location"),
            "name": read_text(row, "name", max_length=255),
            "title": read_text(row, "title", max_length=255),
            "department": read_text(row, "department", max_length=255),
            "email": read_text(row, "email", max_length=255),
        }
        if not any(converted[k] for k in ("organization", "service", "location", "service_at_location")):
            raise RowError("a contact must belong to an organization, service, location or service at location")
        if not any(converted[k] for k in ("name", "title", "department", "email")):
            raise RowError("a contact needs a 'name', 'title', 'department' or 'email'")
        return converted

    def phone(self, row: dict) -> dict:
        converted = {
            "id": self.id_for("phones", row.get("id"), row),
            "organization": self.ref(row, "organization_id", "organizations"),
            "service": self.ref(row, "service_id", "services"),
            "location": self.ref(row, "location_id", "locations"),
            "service_at_location": self.ref(row, "service_at_location_id", "service_at_location"),
            "contact": self.ref(row, "contact_id", "contacts"),
            "number": read_text(row, "number", required=True, max_length=50),
            "extension": read_text(row, "extension", max_length=20),
            "type": read_text(row, "type", max_length=20),
            "description": read_text(row, "description"),
        }
        if not any(converted[k] for k in PHONE_PARENTS):
            raise RowError("a phone must belong to an organization, service, location, service at location or contact")
        return converted

    def schedule(self, row: dict) -> dict:
        byday = read_text(row, "byday", max_length=100)
        if byday:
            days = [d.strip().upper()[-2:] for d in byday.split(",") if d.strip()]
            if any(d not in ("MO", "TU", "WE", "TH", "FR", "SA", "SU") for d in days):
                raise RowError("'byday' must list days as MO,TU,WE,TH,FR,SA,SU", byday)
            byday = ",".join(days)
        converted = {
            "id": self.id_for("schedules", row.get("id"), row),
            "service": self.ref(row, "service_id", "services"),
            "location": self.ref(row, "location_id", "locations"),
            "service_at_location": self.ref(row, "service_at_location_id", "service_at_location"),
            "valid_from": read_date(row, "valid_from"),
            "valid_to": read_date(row, "valid_to"),
            "dtstart": read_date(row, "dtstart"),
            "until": read_date(row, "until"),
            "wkst": read_text(row, "wkst", max_length=2),
            "freq": (read_text(row, "freq", max_length=10) or "").upper() or None,
            "interval": read_number(row, "interval", int, 1, 1000),
            "byday": byday,
            "bymonthday": read_text(row, "bymonthday", max_length=100),
            "opens_at": self.time(row, "opens_at"),
            "closes_at": self.time(row, "closes_at"),
            "description": read_text(row, "description"),
            "attending_type": read_text(row, "attending_type", max_length=2000),
            "notes": read_text(row, "notes"),
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
            "name": read_text(row, "name", max_length=100),
            "code": read_text(row, "code", max_length=20),
            "note": read_text(row, "note"),
        }
        if not converted["name"] and not converted["code"]:
            raise RowError("a language needs a 'name' or a 'code'")
        return converted

    def cost_option(self, row: dict) -> dict:
        return {
            "id": self.id_for("cost_options", row.get("id"), row),
            "service": self.ref(row, "service_id", "services", required=True),
            "valid_from": read_date(row, "valid_from"),
            "valid_to": read_date(row, "valid_to"),
            "option": read_text(row, "option"),
            "currency": read_text(row, "currency", max_length=3),
            "amount": read_number(row, "amount", float, 0, None),
            "amount_description": read_text(row, "amount_description"),
        }

    def accessibility(self, row: dict) -> dict:
        return {
            "id": self.id_for("accessibility", row.get("id"), row),
            "location": self.ref(row, "location_id", "locations", required=True),
            "description": read_text(row, "description"),
            "details": read_text(row, "details"),
            "url": read_text(row, "url", max_length=500),
        }

    def service_capacity(self, row: dict) -> dict:
        return {
            "id": self.id_for("service_capacity", row.get("id"), row),
            "service": self.ref(row, "service_id", "services", required=True),
            "unit": read_text(row, "unit", max_length=100) or "places",
            "available": read_number(row, "available", int, 0, None),
            "maximum": read_number(row, "maximum", int, 0, None),
            "waitlist": read_number(row, "waitlist", int, 0, None),
            "description": read_text(row, "description"),
            "updated": read_datetime(row, "updated") or self.started,
        }

    def attribute(self, row: dict) -> dict | None:
        term_id = self.ref(row, "taxonomy_term_id", "taxonomy_terms", required=True)
        link_id = self.ref(row, "link_id", self._link_table(row), required=True)
        if self._apply_sud_attribute(term_id, link_id, row.get("value")):
            return None
        return {
            "id": self.id_for("attributes", row.get("id"), row),
            "link_id": link_id,
            "link_type": read_text(row, "link_type", max_length=100),
            "link_entity": (read_text(row, "link_entity", max_length=50) or "service").casefold(),
            "taxonomy_term": term_id,
            "value": read_text(row, "value"),
        }

    def _package_attribute_codes(self) -> dict[uuid.UUID, str]:
        """The package's own terms for the SUD-care attributes (same code, this directory's taxonomy or none),
        so a package that names `confidential_location` by its code is understood as well as by our id."""
        if self._attribute_codes is None:
            self._attribute_codes = {
                term["id"]: term["code"]
                for term in self.rows.get(TaxonomyTerm, [])
                if term.get("code") in ATTRIBUTE_TERMS and term.get("taxonomy") in (None, ATTRIBUTE_TAXONOMY_NAME)
            }
        return self._attribute_codes

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
        code = _SUD_ATTRIBUTE_CODES.get(term_id) or self._package_attribute_codes().get(term_id)
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
                raise RowError(f"medication must be one of {', '.join(MEDICATIONS)}", text)
            extras.setdefault("medications", set()).add(text.casefold())
        elif code == "payment_accepted":
            payment = self._payment(text)
            if payment not in PAYMENT_METHODS:
                raise RowError(f"payment_accepted must be one of {', '.join(PAYMENT_METHODS)}", text)
            extras.setdefault("payment_accepted", set()).add(payment)
        elif code == "data_source":
            extras["data_source"] = text[:200]
        else:
            flag = read_bool(text) if text else True
            if flag is None:
                raise RowError(f"{code} must be true or false", text)
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
        self.convert("contacts", Contact, self.contact)
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
    (Phone, "contact", Contact),
    (Contact, "organization", Organization),
    (Contact, "service", Service),
    (Contact, "location", Location),
    (Contact, "service_at_location", ServiceAtLocation),
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


# Reference columns a row can lose and still stand: a location needs no organization, and a phone,
# schedule or language keeps its other parent.
PHONE_PARENTS = ("organization", "service", "location", "service_at_location", "contact")
OPTIONAL_PARENTS: dict[type[Table], tuple[str, ...]] = {
    Location: ("organization",),
    Phone: PHONE_PARENTS,
    Contact: ("organization", "service", "location", "service_at_location"),
    Schedule: ("service", "location", "service_at_location"),
    Language: ("service", "location", "phone"),
}
LINK_TABLES: dict[str, type[Table]] = {"service": Service, "organization": Organization, "location": Location}


def _references(table: type[Table], row: dict[str, Any]) -> Iterator[tuple[str, type[Table]]]:
    """(column, referenced table) for each reference a row of `table` makes."""
    for referring, column, referenced in REFERENCES:
        if referring is table:
            yield column, referenced
    if table is Attribute and row.get("link_entity") in LINK_TABLES:
        yield "link_id", LINK_TABLES[row["link_entity"]]


async def _check_references(importer: _Importer) -> None:
    """Drop rows pointing at records that are neither in the package nor in the database, and with them
    every row that depends on a dropped row (an address of a skipped location, a phone of a skipped
    service), so a partial import never ends in a foreign-key error. Tables are visited parents first."""
    in_database = await _referenced_in_database(importer)
    kept_ids: dict[type[Table], set[uuid.UUID]] = {}
    left_out = {table: dict(origins) for table, origins in importer.failed.items()}
    for table in WRITE_ORDER:
        kept = []
        for row in importer.rows.get(table, []):
            if _keep_row(importer.report, table, row, kept_ids, left_out, in_database):
                kept.append(row)
            else:
                left_out.setdefault(table, {})[row["id"]] = row["_origin"]
        importer.rows[table] = kept
        kept_ids[table] = {r["id"] for r in kept}


def _keep_row(
    report: ImportReport,
    table: type[Table],
    row: dict[str, Any],
    kept_ids: dict[type[Table], set[uuid.UUID]],
    left_out: dict[type[Table], dict[uuid.UUID, Origin]],
    in_database: dict[type[Table], set[uuid.UUID]],
) -> bool:
    """Whether a row's references all hold; a missing optional parent is let go, any other skips the row."""
    for column, referenced in _references(table, row):
        value = row.get(column)
        if value is None or value in kept_ids.get(referenced, ()) or value in in_database.get(referenced, ()):
            continue
        example = left_out.get(referenced, {}).get(value)  # the left-out parent's row, if it was in the package
        key = column if column.endswith("_id") else f"{column}_id"
        if example is not None:
            cause = f"belongs to a {referenced._meta.tablename} that was left out"
        else:
            # The cause is the same for every row (so 3,000 rows with one missing parent are one line); the
            # missing id is the row's example.
            cause = f"'{key}' is not in the package or the directory"
            example = row["_raw"].get(key, value)
        others = [c for c in OPTIONAL_PARENTS.get(table, ()) if c != column and row.get(c) is not None]
        if column in OPTIONAL_PARENTS.get(table, ()) and (others or table is Location):
            row[column] = None
            report.add(row["_origin"], "changed", f"{cause}: imported without it", example, partial=row["_partial"])
            continue
        report.add(row["_origin"], "skipped", cause, example, partial=row["_partial"])
        return False
    return True


async def _referenced_in_database(importer: _Importer) -> dict[type[Table], set[uuid.UUID]]:
    """Ids rows refer to that the package lacks but the directory already holds (a partial package)."""
    package_ids = {table: {r["id"] for r in rows} for table, rows in importer.rows.items()}
    wanted: dict[type[Table], set[uuid.UUID]] = {}
    for table, rows in importer.rows.items():
        for row in rows:
            for column, referenced in _references(table, row):
                value = row.get(column)
                if value is not None and value not in package_ids.get(referenced, set()):
                    wanted.setdefault(referenced, set()).add(value)
    in_database = {table: await _existing_ids(table, ids) for table, ids in wanted.items()}
    # A service_at_location the package drops from a service it re-imports will be deleted.
    in_database[ServiceAtLocation] = in_database.get(ServiceAtLocation, set()) - await _stale_service_at_locations(
        importer
    )
    return in_database


async def _keep_confidential(importer: _Importer) -> None:
    """A location this directory keeps confidential stays so unless the package says otherwise: a 211 feed
    or a sync never carries our flag, and must not publish a recovery residence's address by omission.
    When the package has neither address nor coordinates for it (our own exports leave them out), the
    stored ones are kept too."""
    locations = importer.rows.get(Location, [])
    columns = ["id", "is_confidential", "latitude", "longitude", "geocode_precision", "timezone"]
    stored = {
        as_uuid(r["id"]): r
        for r in await select_where_in(Location, "id", [loc["id"] for loc in locations], columns=columns)
        if r["is_confidential"]
    }
    with_address = {address["location"] for address in importer.rows.get(Address, [])}
    keep_address = []
    for location in locations:
        before = stored.get(location["id"])
        if before is None:
            continue
        if "is_confidential" not in importer.location_extras.get(location["id"], {}):
            location["is_confidential"] = True
            importer.report.add(location["_origin"], "changed", "kept confidential, as this directory has it")
        elif not location["is_confidential"]:
            importer.report.add(location["_origin"], "changed", "made public: the package says it is not confidential")
            continue
        if location["id"] not in with_address and location["latitude"] is None:
            for column in ("latitude", "longitude", "geocode_precision", "timezone"):
                location[column] = before[column]
            keep_address.append(location["id"])
    for address in await select_where_in(Address, "location", keep_address):
        importer.rows.setdefault(Address, []).append(
            {**address, "id": as_uuid(address["id"]), "location": as_uuid(address["location"]), "_raw": {}}
        )


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
            _distrust_far_coordinates(importer.report, location, address)
        if location["latitude"] is None and address is not None:
            point = address_centroid(address)
            if point is not None:
                location["latitude"], location["longitude"] = point.latitude, point.longitude
                location["geocode_precision"] = point.precision
        precision = location["geocode_precision"] or "none"
        importer.report.geocoded[precision] = importer.report.geocoded.get(precision, 0) + 1
        task.advance()


#: Source coordinates farther than this from the centre of their own address's ZIP are not believed.
MAX_KM_FROM_OWN_ZIP = 15.0


def _distrust_far_coordinates(report: ImportReport, location: dict[str, Any], address: dict[str, Any]) -> None:
    """Coordinates the source gives that lie far from the location's own ZIP (a swapped sign, another
    site's point) would put it in the wrong town for every distance: it is placed by its address instead."""
    if location["geocode_precision"] != "source" or location["latitude"] is None:
        return
    centre = zip_centroid(address["postal_code"])
    if centre is None:
        return
    km = km_between((location["latitude"], location["longitude"]), (centre.latitude, centre.longitude))
    if km <= MAX_KM_FROM_OWN_ZIP:
        return
    cause = (
        f"coordinates more than {MAX_KM_FROM_OWN_ZIP:g} km from the centre of the location's own ZIP: "
        "not used for distance, placed by its address (ZIP centre, or the geocoder) instead"
    )
    example = f"{location['latitude']:.4f},{location['longitude']:.4f} is {km:.0f} km from ZIP {address['postal_code']}"
    report.add(location["_origin"], "changed", cause, example)
    location["latitude"] = location["longitude"] = location["geocode_precision"] = None


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
    (Contact, ("organization", "service", "location", "service_at_location")),
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


async def _delete_contacts(column: str, ids: list) -> None:
    """Delete the contacts (and each contact's phones) whose `column` is one of `ids`."""
    contacts = [r["id"] for r in await select_where_in(Contact, column, ids, columns=["id"])]
    await _delete_phones("contact", contacts)
    await delete_where_in(Contact, "id", contacts)


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
            elif table is Contact:
                await _delete_contacts(column, parents[column])
            else:
                await delete_where_in(table, column, parents[column])
    await delete_where_in(Attribute, "link_id", parents["organization"] + parents["service"] + parents["location"])
    stale = sorted(await _stale_service_at_locations(importer))
    await _delete_phones("service_at_location", stale)
    await _delete_contacts("service_at_location", stale)
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
    Contact,
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
    complete: bool = True,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate, geocode and write a package in one transaction; raise ImportFailed on bad rows.

    `skip_invalid` writes the good rows and reports the bad ones; `sample_data` marks every
    organization as made-up demo data; `data_source` overrides the credited publisher (and names the source
    of a package that names none). A `complete` package is all its source has: that source's services it no
    longer lists become inactive.
    """
    started = time.perf_counter()
    progress = progress or Progress()
    await _name_the_source(package, data_source)
    report = ImportReport(
        package=package.name,
        hsds_version=package.hsds_version,
        read=package.read,
        findings=list(package.findings),
        notes=list(package.notes),
        unread_columns=Counter(package.unread),
    )
    importer = _Importer(package, report)
    importer.run()
    await _check_references(importer)
    if report.problems and not skip_invalid:
        raise ImportFailed(report)
    await _map_terms(importer)
    await _date_changes(importer)
    for organization in importer.rows.get(Organization, []):
        organization["is_sample_data"] = organization.get("is_sample_data") or sample_data
        organization["data_source"] = data_source or organization.get("data_source") or package.name
    await _keep_confidential(importer)
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
        if complete:
            service_ids += await _inactivate_gone(importer)
        await refresh_search_documents(sorted(set(service_ids)), source=RowSource(importer.rows), progress=progress)
    report.seconds = time.perf_counter() - started
    return report


async def _name_the_source(package: Package, data_source: str | None) -> None:
    """Settle the name a package's ids are derived within: its own (datapackage name or title), else the one
    given (--source), else the source already in the directory whose services its ids name, else its folder's.
    A renamed folder must not turn every organization and service into a new one."""
    if package.own_name:
        return
    if data_source:
        package.name, package.own_name = data_source, True
        package.notes.append(f"the package names no source: its ids are kept as those of {data_source!r} (--source)")
        return
    folder_name = package.name
    upstream_ids = [str(s["id"]) for s in package.tables["services"] if s.get("id")][:500]
    candidates = await Service.select(Service.source).distinct().where(Service.source != "")
    best, best_hits = None, 0
    for candidate in (str(r["source"]) for r in candidates):
        ids = [stable_uuid(i, candidate, "services") for i in upstream_ids]
        hits = await Service.count().where(Service.id.is_in(ids or [uuid.UUID(int=0)]) & (Service.source == candidate))
        if hits > best_hits:
            best, best_hits = candidate, hits
    if best is not None and best_hits * 2 > len(upstream_ids):
        package.name, package.own_name = best, True
        package.notes.append(
            f"the package names no source: it is {best!r}, whose services {best_hits:,} of its first "
            f"{len(upstream_ids):,} service ids name (pass --source to say so)"
        )
    else:
        package.notes.append(
            f"the package names no source (no name or title in a datapackage.json): its ids are derived from "
            f"{folder_name!r}; pass --source NAME to keep them stable if the folder is renamed"
        )


def _digest(value: object) -> int:
    """A 128-bit digest of a value's repr: digests of a parent's rows add up, in any order, to one number."""
    return int.from_bytes(hashlib.blake2b(repr(value).encode(), digest_size=16).digest())


_DIGEST_MODULUS = 1 << 128


def _service_contents(importer: _Importer) -> dict[uuid.UUID, str]:
    """A hash per service of what the package says of it: its own fields, its organization, its children and
    the places it is delivered at (with their addresses, phones and hours). Each parent's rows are summed as
    digests, so a 100,000-service import holds one number per parent, not a copy of its rows."""
    rows = importer.rows
    by_parent: dict[tuple[str, Any], int] = {}

    def add(key: tuple[str, Any], digest: int) -> None:
        by_parent[key] = (by_parent.get(key, 0) + digest) % _DIGEST_MODULUS

    for table in (Phone, Schedule, Language, CostOption, ServiceCapacity, Contact, Address, Accessibility):
        for row in rows.get(table, []):
            digest = _digest((table._meta.tablename, _content(row)))
            for column in ("service", "location", "service_at_location"):
                if row.get(column) is not None:
                    add((column, row[column]), digest)
    for row in rows.get(Attribute, []):
        add(("service", row["link_id"]), _digest(("attribute", _content(row))))
    locations = {row["id"]: _digest(_content(row)) for row in rows.get(Location, [])}
    for sal in rows.get(ServiceAtLocation, []):
        place = (
            _content(sal),
            locations.get(sal["location"]),
            by_parent.get(("location", sal["location"])),
            by_parent.get(("service_at_location", sal["id"])),
        )
        add(("place", sal["service"]), _digest(place))
    organizations = {row["id"]: _digest(_content(row)) for row in rows.get(Organization, [])}
    hashes = {}
    for service in rows.get(Service, []):
        own = tuple(item for item in _content(service) if item[0] not in ("last_modified", "content_hash", "source"))
        said = (
            own,
            organizations.get(service["organization"]),
            by_parent.get(("service", service["id"])),
            by_parent.get(("place", service["id"])),
        )
        hashes[service["id"]] = hashlib.sha256(repr(said).encode()).hexdigest()
    return hashes


async def _date_changes(importer: _Importer) -> None:
    """Each service remembers its source and what the source said: last_modified moves only when that changes
    (unless the package dates its services itself), and the report counts new, changed and unchanged ones."""
    hashes = _service_contents(importer)
    services = importer.rows.get(Service, [])
    columns = ["id", "source", "status", "content_hash", "last_modified"]
    stored = {
        as_uuid(r["id"]): r for r in await select_where_in(Service, "id", [s["id"] for s in services], columns=columns)
    }
    counts = importer.report.services
    for service in services:
        before = stored.get(service["id"])
        # A service keeps the source that first supplied it: a package of UUIDs from several sources (an
        # export of this directory) must not make one source answer for another's services.
        service["source"] = (before and before["source"]) or importer.package.name
        service["content_hash"] = hashes[service["id"]]
        if before is None:
            counts["new"] += 1
        elif before["content_hash"] == service["content_hash"] and before["status"] == service["status"]:
            counts["unchanged"] += 1
            if not service["_source_last_modified"]:
                service["last_modified"] = before["last_modified"]
        else:
            counts["changed"] += 1


async def _inactivate_gone(importer: _Importer) -> list[uuid.UUID]:
    """The source's active services that its package no longer lists become inactive (never deleted, as a
    full sync does); a service the package lists but could not import is still the source's."""
    listed = {importer.id_for("services", s.get("id"), s) for s in importer.package.tables["services"]}
    active = await Service.select(Service.id).where(
        (Service.source == importer.package.name) & (Service.status == "active")
    )
    gone = [as_uuid(r["id"]) for r in active if as_uuid(r["id"]) not in listed]
    if gone:
        for start in range(0, len(gone), 500):
            await Service.update({Service.status: "inactive", Service.last_modified: importer.started}).where(
                Service.id.is_in(gone[start : start + 500])
            )
    importer.report.services["made inactive"] = len(gone)
    return gone


async def _map_terms(importer: _Importer) -> None:
    """Give the package's taxonomy terms their directory category, and count those services use in vain."""
    terms = importer.rows.get(TaxonomyTerm, [])
    rules, overrides = await load_rules()
    outside = sorted({t["parent_id"] for t in terms if t.get("parent_id")} - {t["id"] for t in terms})
    parents = {
        as_uuid(r["id"]): r["category"]
        for r in await select_where_in(TaxonomyTerm, "id", outside, columns=["id", "category"])
    }
    assign_categories(terms, rules, overrides, parents)
    used = {a["taxonomy_term"] for a in importer.rows.get(Attribute, [])}
    importer.report.unmapped_terms = sum(
        1 for t in terms if t["category"] is None and t["id"] in used and t.get("taxonomy") not in OWN_TAXONOMIES
    )


async def _services_sharing(location_ids: list[uuid.UUID], organization_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Services whose listing changes because a location or organization they use was re-imported.

    Only locations and organizations that existed before the import can have other services.
    """
    rows = await select_where_in(ServiceAtLocation, "location", location_ids, columns=["service"])
    touched = [as_uuid(r["service"]) for r in rows]
    rows = await select_where_in(Service, "organization", organization_ids, columns=["id"])
    return touched + [as_uuid(r["id"]) for r in rows]
