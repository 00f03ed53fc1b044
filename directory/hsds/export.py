"""Export the directory as HSDS 3.0: a CSV datapackage directory, or a JSON list of services.

Typed SUD-care fields go out as HSDS attributes (taxonomy `sud-care-attributes`), so an export
re-imports to the same directory. Confidential addresses stay out unless asked for.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import msgspec

from directory.hsds.objects import load_services
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
from directory.taxonomy.categories import attribute_term_id
from directory.taxonomy.sud_attributes import attribute_taxonomy_rows, typed_attribute_id, typed_attribute_values
from kernel.progress import Progress

__all__ = ["CSV_COLUMNS", "export_csv_package", "export_json"]

#: HSDS 3.0 CSV columns per file (service_capacity from 3.1, with `unit` flattened to a name).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations.csv": (
        "id",
        "name",
        "alternate_name",
        "description",
        "email",
        "website",
        "tax_status",
        "tax_id",
        "year_incorporated",
        "legal_status",
        "logo",
        "uri",
        "parent_organization_id",
    ),
    "services.csv": (
        "id",
        "organization_id",
        "program_id",
        "name",
        "alternate_name",
        "description",
        "url",
        "email",
        "status",
        "interpretation_services",
        "application_process",
        "fees_description",
        "wait_time",
        "fees",
        "accreditations",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "assurer_email",
        "licenses",
        "alert",
        "last_modified",
    ),
    "locations.csv": (
        "id",
        "location_type",
        "url",
        "organization_id",
        "name",
        "alternate_name",
        "description",
        "transportation",
        "latitude",
        "longitude",
        "external_identifier",
        "external_identifier_type",
    ),
    "addresses.csv": (
        "id",
        "location_id",
        "attention",
        "address_1",
        "address_2",
        "city",
        "region",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "service_at_location.csv": ("id", "service_id", "location_id", "description"),
    "contacts.csv": (
        "id",
        "organization_id",
        "service_id",
        "service_at_location_id",
        "location_id",
        "name",
        "title",
        "department",
        "email",
    ),
    "phones.csv": (
        "id",
        "location_id",
        "service_id",
        "organization_id",
        "contact_id",
        "service_at_location_id",
        "number",
        "extension",
        "type",
        "description",
    ),
    "schedules.csv": (
        "id",
        "service_id",
        "location_id",
        "service_at_location_id",
        "valid_from",
        "valid_to",
        "dtstart",
        "timezone",
        "until",
        "count",
        "wkst",
        "freq",
        "interval",
        "byday",
        "byweekno",
        "bymonthday",
        "byyearday",
        "description",
        "opens_at",
        "closes_at",
        "schedule_link",
        "attending_type",
        "notes",
    ),
    "languages.csv": ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
    "cost_options.csv": (
        "id",
        "service_id",
        "valid_from",
        "valid_to",
        "option",
        "currency",
        "amount",
        "amount_description",
    ),
    "accessibility.csv": ("id", "location_id", "description", "details", "url"),
    "taxonomy_terms.csv": (
        "id",
        "code",
        "name",
        "description",
        "parent_id",
        "taxonomy",
        "language",
        "taxonomy_id",
        "term_uri",
    ),
    "attributes.csv": ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
    "service_capacity.csv": ("id", "service_id", "unit", "available", "maximum", "waitlist", "description", "updated"),
}

RENAMES = {
    "organization": "organization_id",
    "service": "service_id",
    "location": "location_id",
    "service_at_location": "service_at_location_id",
    "phone": "phone_id",
    "contact": "contact_id",
    "taxonomy_term": "taxonomy_term_id",
}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, uuid.UUID)):
        return str(value)
    return str(value)


def _renamed(row: dict) -> dict:
    return {RENAMES.get(k, k): v for k, v in row.items()}


async def export_csv_package(
    target: Path, *, include_confidential: bool = False, progress: Progress | None = None
) -> int:
    """Write an HSDS 3.0 CSV datapackage into `target`; returns the number of services."""
    progress = progress or Progress()
    target.mkdir(parents=True, exist_ok=True)
    services = await Service.select()
    organizations = await Organization.select()
    locations = await Location.select()
    hidden = set() if include_confidential else {str(r["id"]) for r in locations if r["is_confidential"]}
    tables: dict[str, list[dict]] = {
        "organizations.csv": [_renamed(r) for r in organizations],
        "services.csv": [_renamed(r) for r in services],
        "locations.csv": [
            {
                **_renamed(r),
                **({"latitude": None, "longitude": None, "transportation": None} if str(r["id"]) in hidden else {}),
            }
            for r in locations
        ],
        "addresses.csv": [_renamed(r) for r in await Address.select() if str(r["location"]) not in hidden],
        "service_at_location.csv": [_renamed(r) for r in await ServiceAtLocation.select()],
        "contacts.csv": [_renamed(r) for r in await Contact.select()],
        "phones.csv": [_renamed(r) for r in await Phone.select()],
        "schedules.csv": [_renamed(r) for r in await Schedule.select()],
        "languages.csv": [_renamed(r) for r in await Language.select()],
        "cost_options.csv": [_renamed(r) for r in await CostOption.select()],
        "accessibility.csv": [_renamed(r) for r in await Accessibility.select()],
        "taxonomy_terms.csv": [_renamed(r) for r in await TaxonomyTerm.select()],
        "attributes.csv": [_renamed(r) for r in await Attribute.select()],
        "service_capacity.csv": [_renamed(r) for r in await ServiceCapacity.select()],
    }
    tables["attributes.csv"] += _typed_attributes(services, organizations, locations)
    known_terms = {str(t["id"]) for t in tables["taxonomy_terms.csv"]}
    tables["taxonomy_terms.csv"] += [t for t in attribute_taxonomy_rows() if t["id"] not in known_terms]
    task = progress.task("Writing CSV files", total=len(tables))
    for file_name, rows in tables.items():
        columns = CSV_COLUMNS[file_name]
        with (target / file_name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
        task.advance()
    (target / "datapackage.json").write_text(json.dumps(_descriptor(), indent=2))
    return len(services)


def _typed_attributes(services: list[dict], organizations: list[dict], locations: list[dict]) -> list[dict]:
    """attributes.csv rows for the typed SUD-care columns (not stored as attribute rows)."""
    return [
        {
            "id": str(typed_attribute_id(row["id"], code, value)),
            "link_id": str(row["id"]),
            "link_entity": entity,
            "taxonomy_term_id": str(attribute_term_id(code)),
            "value": value,
        }
        for entity, rows in (("service", services), ("organization", organizations), ("location", locations))
        for row in rows
        for code, value in typed_attribute_values(row, entity)
    ]


def _descriptor() -> dict:
    return {
        "name": "community-resource-directory",
        "title": "Community resource directory (HSDS 3.0)",
        "profile": "tabular-data-package",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "resources": [
            {
                "name": file_name.removesuffix(".csv"),
                "path": file_name,
                "format": "csv",
                "mediatype": "text/csv",
                "profile": "tabular-data-resource",
                "schema": {"fields": [{"name": c, "type": "string"} for c in columns], "primaryKey": "id"},
            }
            for file_name, columns in CSV_COLUMNS.items()
        ],
    }


async def export_json(target: Path, *, include_confidential: bool = False, progress: Progress | None = None) -> int:
    """Write every service as nested HSDS 3.0 JSON (a list of service objects) to `target`."""
    progress = progress or Progress()
    ids = [uuid.UUID(str(r["id"])) for r in await Service.select(Service.id).order_by(Service.id)]
    task = progress.task("Exporting services", total=len(ids))
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        handle.write(b"[")
        for start in range(0, len(ids), 500):
            services = await load_services(ids[start : start + 500], show_confidential=include_confidential)
            for position, service in enumerate(services):
                if start or position:
                    handle.write(b",\n")
                handle.write(msgspec.json.encode(service))
            task.advance(len(services))
        handle.write(b"]\n")
    return len(ids)
