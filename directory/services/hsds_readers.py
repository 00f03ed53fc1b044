"""Read HSDS packages (3.0 CSV datapackage or JSON, and pre-3.0 tabular packages) into HSDS 3.0 rows.

Every reader returns a `Package`: HSDS 3.0 table name -> rows (dicts with HSDS 3.0 column names),
each row remembering the file and line it came from so problems can be reported precisely.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Origin", "Package", "PackageError", "read_package"]

#: HSDS 3.0 tabular tables this directory stores, in the order they can be written.
TABLES = (
    "organizations",
    "taxonomy_terms",
    "services",
    "locations",
    "addresses",
    "service_at_location",
    "phones",
    "schedules",
    "languages",
    "cost_options",
    "accessibility",
    "service_capacity",
    "attributes",
)

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class PackageError(Exception):
    """The package as a whole cannot be read (missing files, not HSDS, unreadable JSON)."""


@dataclass(frozen=True)
class Origin:
    """Where a row came from: file name and 1-based line (CSV) or item path (JSON)."""

    file: str
    row: int | str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}"


@dataclass
class Package:
    """HSDS 3.0 rows by table, with their origins."""

    name: str
    hsds_version: str
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    origins: dict[int, Origin] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any], origin: Origin) -> dict[str, Any]:
        """Append a row, keeping only non-empty values."""
        clean = {k: v for k, v in row.items() if v not in (None, "")}
        self.tables[table].append(clean)
        self.origins[id(clean)] = origin
        return clean

    def origin(self, row: dict[str, Any]) -> Origin:
        """The file and row a parsed row came from."""
        return self.origins[id(row)]

    @property
    def service_count(self) -> int:
        """How many services the package describes."""
        return len(self.tables["services"])


def read_package(path: Path) -> Package:
    """Read a CSV datapackage directory (HSDS 3.0 or 1.x/2.x) or a JSON file of HSDS 3.0 objects."""
    path = Path(path)
    if path.is_dir():
        legacy_files = (
            "physical_addresses.csv",
            "services_at_location.csv",
            "services_taxonomy.csv",
            "regular_schedules.csv",
        )
        if any((path / name).exists() for name in legacy_files):
            return _read_legacy_csv(path)
        return _read_csv(path)
    if path.suffix.lower() == ".json" and path.exists():
        return _read_json(path)
    if path.is_file() and path.name == "datapackage.json":
        return read_package(path.parent)
    raise PackageError(f"{path}: expected a CSV datapackage directory or a .json file")


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line_number, row in enumerate(csv.DictReader(handle), start=2):
            yield line_number, {k.strip(): (v or "").strip() for k, v in row.items() if k}


def _package_name(directory: Path) -> str:
    descriptor = directory / "datapackage.json"
    if descriptor.exists():
        try:
            return json.loads(descriptor.read_text()).get("name") or directory.name
        except (json.JSONDecodeError, AttributeError):
            pass  # the CSV files are what matter; an unreadable descriptor only loses the name
    return directory.name


# HSDS 3.0 CSV file for each table (as in the official datapackage.json).
CSV_FILES = {
    "organizations": "organizations.csv",
    "taxonomy_terms": "taxonomy_terms.csv",
    "services": "services.csv",
    "locations": "locations.csv",
    "addresses": "addresses.csv",
    "service_at_location": "service_at_location.csv",
    "phones": "phones.csv",
    "schedules": "schedules.csv",
    "languages": "languages.csv",
    "cost_options": "cost_options.csv",
    "accessibility": "accessibility.csv",
    "service_capacity": "service_capacity.csv",
    "attributes": "attributes.csv",
}


def _read_csv(directory: Path) -> Package:
    if not (directory / "services.csv").exists():
        raise PackageError(f"{directory}: no services.csv, so this is not an HSDS package")
    package = Package(name=_package_name(directory), hsds_version="3.0")
    for table, file_name in CSV_FILES.items():
        file_path = directory / file_name
        if file_path.exists():
            for line, row in _csv_rows(file_path):
                package.add(table, row, Origin(file_name, line))
    return package


def _read_legacy_csv(directory: Path) -> Package:
    """HSDS 1.x/2.x tables, renamed and reshaped to 3.0 (the shape 211 systems still export)."""
    package = Package(name=_package_name(directory), hsds_version="1.x")

    def rows(file_name: str) -> Iterable[tuple[Origin, dict[str, str]]]:
        file_path = directory / file_name
        if file_path.exists():
            for line, row in _csv_rows(file_path):
                yield Origin(file_name, line), row

    for origin, row in rows("organizations.csv"):
        row["website"] = row.pop("url", "")
        package.add("organizations", row, origin)
    for origin, row in rows("services.csv"):
        row.pop("taxonomy_ids", None)
        package.add("services", row, origin)
    for origin, row in rows("locations.csv"):
        row.setdefault("location_type", "physical")
        package.add("locations", row, origin)
    for file_name, address_type in (("physical_addresses.csv", "physical"), ("postal_addresses.csv", "postal")):
        for origin, row in rows(file_name):
            extra = [row.pop(k, "") for k in ("address_3", "address_4")]
            row["address_2"] = ", ".join(p for p in [row.get("address_2", ""), *extra] if p)
            row["address_type"] = address_type
            package.add("addresses", row, origin)
    for origin, row in rows("services_at_location.csv"):
        package.add("service_at_location", row, origin)
    for origin, row in rows("phones.csv"):
        language = row.pop("language", "")
        row.pop("department", None)
        phone = package.add("phones", row, origin)
        if language:
            package.add(
                "languages", {"id": f"phone-{phone.get('id')}", "phone_id": phone.get("id"), "name": language}, origin
            )
    for origin, row in rows("regular_schedules.csv"):
        weekday = row.pop("weekday", "")
        row["freq"] = "WEEKLY"
        if weekday.isdigit() and 1 <= int(weekday) <= 7:
            row["byday"] = WEEKDAYS[int(weekday) - 1]
        else:
            row["byday"] = weekday[:2].upper()
        package.add("schedules", row, origin)
    for origin, row in rows("languages.csv"):
        row["name"] = row.pop("language", "")
        package.add("languages", row, origin)
    for origin, row in rows("accessibility_for_disabilities.csv"):
        row["description"] = row.pop("accessibility", "")
        package.add("accessibility", row, origin)
    for origin, row in rows("taxonomy.csv"):
        package.add(
            "taxonomy_terms",
            {
                "id": row.get("id"),
                "name": row.get("name"),
                "parent_id": row.get("parent_id"),
                "taxonomy": row.get("vocabulary"),
                "description": row.get("name"),
            },
            origin,
        )
    for origin, row in rows("services_taxonomy.csv"):
        package.add(
            "attributes",
            {
                "id": row.get("id"),
                "link_id": row.get("service_id"),
                "link_entity": "service",
                "taxonomy_term_id": row.get("taxonomy_id"),
                "value": row.get("taxonomy_detail"),
            },
            origin,
        )
    # Eligibility and payments were tables of their own before 3.0.
    services_by_id = {s.get("id"): s for s in package.tables["services"]}
    for origin, row in rows("eligibility.csv"):
        service = services_by_id.get(row.get("service_id"))
        if service is None:
            package.add("services", {"id": row.get("service_id")}, origin)  # reported as missing name
            continue
        service["eligibility_description"] = "; ".join(
            p for p in [service.get("eligibility_description"), row.get("eligibility")] if p
        )
    for origin, row in rows("payments_accepted.csv"):
        service = services_by_id.get(row.get("service_id"))
        if service is not None and row.get("payment"):
            service.setdefault("_payments", []).append(row["payment"])
        elif service is None:
            package.add("services", {"id": row.get("service_id")}, origin)
    return package


def _read_json(path: Path) -> Package:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PackageError(f"{path.name}: not valid JSON ({error})") from error
    package = Package(name=path.stem, hsds_version="3.0")
    if isinstance(document, dict) and "services" in document and isinstance(document["services"], list):
        for index, organization in enumerate(document.get("organizations") or []):
            _flatten_organization(package, organization, Origin(path.name, f"organizations[{index}]"))
        for index, term in enumerate(document.get("taxonomy_terms") or []):
            package.add("taxonomy_terms", _scalars(term), Origin(path.name, f"taxonomy_terms[{index}]"))
        services, prefix = document["services"], "services"
    elif isinstance(document, dict) and isinstance(document.get("contents"), list):
        services, prefix = document["contents"], "contents"
    elif isinstance(document, list):
        services, prefix = document, ""
    elif isinstance(document, dict) and "name" in document:
        services, prefix = [document], ""
    else:
        raise PackageError(f"{path.name}: expected HSDS service objects (a list, a page or a bundle)")
    for index, service in enumerate(services):
        where = f"{prefix}[{index}]"
        if not isinstance(service, dict):
            raise PackageError(f"{path.name}: {where} is not an object")
        _flatten_service(package, service, Origin(path.name, where))
    return package


def _scalars(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not isinstance(v, (dict, list))}


def _flatten_organization(package: Package, organization: dict[str, Any], origin: Origin) -> None:
    package.add("organizations", _scalars(organization), origin)
    for phone in organization.get("phones") or []:
        package.add("phones", {**_scalars(phone), "organization_id": organization.get("id")}, origin)
    for attribute in organization.get("attributes") or []:
        _flatten_attribute(package, attribute, organization.get("id"), "organization", origin)


def _flatten_attribute(package: Package, attribute: dict[str, Any], link_id: Any, entity: str, origin: Origin) -> None:
    term = attribute.get("taxonomy_term")
    if isinstance(term, dict):
        package.add("taxonomy_terms", _scalars(term), origin)
    package.add(
        "attributes",
        {
            **_scalars(attribute),
            "link_id": link_id,
            "link_entity": entity,
            "taxonomy_term_id": attribute.get("taxonomy_term_id") or (term or {}).get("id"),
        },
        origin,
    )


def _flatten_location(package: Package, location: dict[str, Any], origin: Origin) -> None:
    location_id = location.get("id")
    package.add("locations", _scalars(location), origin)
    for address in location.get("addresses") or []:
        package.add("addresses", {**_scalars(address), "location_id": location_id}, origin)
    for phone in location.get("phones") or []:
        package.add("phones", {**_scalars(phone), "location_id": location_id}, origin)
    for schedule in location.get("schedules") or []:
        package.add("schedules", {**_scalars(schedule), "location_id": location_id}, origin)
    for language in location.get("languages") or []:
        package.add("languages", {**_scalars(language), "location_id": location_id}, origin)
    for accessibility in location.get("accessibility") or []:
        package.add("accessibility", {**_scalars(accessibility), "location_id": location_id}, origin)
    for attribute in location.get("attributes") or []:
        _flatten_attribute(package, attribute, location_id, "location", origin)


def _flatten_service(package: Package, service: dict[str, Any], origin: Origin) -> None:
    service_id = service.get("id")
    organization = service.get("organization")
    if isinstance(organization, dict):
        _flatten_organization(package, organization, origin)
    row = _scalars(service)
    if isinstance(organization, dict) and not row.get("organization_id"):
        row["organization_id"] = organization.get("id")
    package.add("services", row, origin)
    for key, table in (
        ("phones", "phones"),
        ("schedules", "schedules"),
        ("languages", "languages"),
        ("cost_options", "cost_options"),
        ("capacities", "service_capacity"),
    ):
        for child in service.get(key) or []:
            package.add(table, {**_scalars(child), "service_id": service_id, **_unit(child)}, origin)
    for attribute in service.get("attributes") or []:
        _flatten_attribute(package, attribute, service_id, "service", origin)
    for service_at_location in service.get("service_at_locations") or []:
        location = service_at_location.get("location")
        location_id = service_at_location.get("location_id")
        if isinstance(location, dict):
            _flatten_location(package, location, origin)
            location_id = location_id or location.get("id")
        package.add(
            "service_at_location",
            {**_scalars(service_at_location), "service_id": service_id, "location_id": location_id},
            origin,
        )
        for key, table in (("phones", "phones"), ("schedules", "schedules")):
            for child in service_at_location.get(key) or []:
                package.add(table, {**_scalars(child), "service_at_location_id": service_at_location.get("id")}, origin)


def _unit(capacity: dict[str, Any]) -> dict[str, Any]:
    unit = capacity.get("unit")
    return {"unit": unit.get("name")} if isinstance(unit, dict) else {}
