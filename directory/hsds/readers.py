"""Read HSDS packages (3.0 CSV datapackage or JSON, and pre-3.0 tabular packages) into HSDS 3.0 rows.

Every reader returns a `Package`: HSDS 3.0 table name -> rows (dicts with HSDS 3.0 column names),
each row remembering the file and line it came from so problems can be reported precisely.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from directory.hsds.import_report import Finding, Kind, Origin, finding

__all__ = ["Origin", "Package", "PackageError", "flatten_service", "read_package"]

#: HSDS 3.0 tabular tables this directory stores, in the order they can be written.
TABLES = (
    "organizations",
    "taxonomy_terms",
    "services",
    "locations",
    "addresses",
    "service_at_location",
    "contacts",
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


@dataclass
class Package:
    """HSDS 3.0 rows by table, with their origins, how many rows each file held, and what reading found."""

    name: str
    hsds_version: str
    own_name: bool = True
    """The name is the package's own (its datapackage.json's name or title, an API's URL), not a folder's or
    file's: ids not UUIDs are derived within the name, so only an own name keeps them across a renamed folder."""
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    origins: dict[int, Origin] = field(default_factory=dict)
    read: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Whole-file remarks (an encoding guessed)."""
    unread: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(file, nested key) -> objects whose nested lists this directory does not keep (JSON packages)."""

    def note_unread_nested(self, kind: str, obj: dict[str, Any], handled: frozenset[str], origin: Origin) -> None:
        """Count the non-empty nested objects of a JSON object that no table here keeps."""
        for key, value in obj.items():
            if isinstance(value, (list, dict)) and value and key not in handled:
                self.unread[(origin.file, f"{kind}.{key}")] += 1

    def note(self, origin: Origin, kind: Kind, cause: str, example: object = None) -> None:
        """Record something reading did to a row (see import_report.Finding)."""
        self.findings.append(finding(origin, kind, cause, example, partial=self._depth > 0))

    secondary: set[int] = field(default_factory=set)
    """Rows that are part of their origin's row (a JSON service's phones, a 1.x phone's language): leaving
    one out leaves its origin imported with changes, not skipped."""
    _depth: int = 0

    @contextmanager
    def nested(self) -> Iterator[None]:
        """Rows added inside belong to the row their origin names (see `secondary`)."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def add(self, table: str, row: dict[str, Any], origin: Origin) -> dict[str, Any]:
        """Append a row, keeping only non-empty values."""
        clean = {k: v for k, v in row.items() if v not in (None, "")}
        self.tables[table].append(clean)
        self.origins[id(clean)] = origin
        if self._depth:
            self.secondary.add(id(clean))
        return clean

    def origin(self, row: dict[str, Any]) -> Origin:
        """The file and row a parsed row came from."""
        return self.origins[id(row)]

    @property
    def service_count(self) -> int:
        """How many services the package describes."""
        return len(self.tables["services"])


def read_package(path: Path) -> Package:
    """Read a CSV datapackage (a directory, its datapackage.json or a .zip of it; HSDS 3.0 or 1.x/2.x) or a JSON
    file of HSDS 3.0 objects."""
    path = Path(path)
    if path.is_dir():
        files = PackageFiles(_package_root(path))
        if any(files.find(name) for name in LEGACY_MARKERS):
            return _read_legacy_csv(files)
        return _read_csv(files)
    if path.is_file() and path.name == "datapackage.json":
        return read_package(path.parent)
    if path.is_file() and path.suffix.lower() == ".zip":
        return _read_zip(path)
    if path.suffix.lower() == ".json" and path.exists():
        return _read_json(path)
    raise PackageError(f"{path}: expected a CSV datapackage (a directory or a .zip) or a .json file")


def _package_root(directory: Path) -> Path:
    """The folder holding the package: `directory`, or its only subfolder when the package was unpacked into one
    (a zip of `export/datapackage.json` unpacked into `download/`)."""
    if (directory / "datapackage.json").is_file() or any(directory.glob("*.csv")):
        return directory
    inside = [p for p in directory.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))]
    if len(inside) == 1 and ((inside[0] / "datapackage.json").is_file() or any(inside[0].glob("*.csv"))):
        return inside[0]
    return directory


#: A zip whose files would unpack to more than this is refused (a package of 100,000 services is ~1 GB).
MAX_ZIP_BYTES = 4 * 1024**3


def _read_zip(path: Path) -> Package:
    """A zipped datapackage, unpacked to a temporary folder (members outside it are refused) and read there."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise PackageError(f"{path.name}: unpacks to more than {MAX_ZIP_BYTES // 1024**3} GB")
            with tempfile.TemporaryDirectory(prefix="hsds-zip-") as unpacked:
                root = Path(unpacked).resolve()
                for member in members:
                    target = (root / member.filename).resolve()
                    if not target.is_relative_to(root):
                        raise PackageError(f"{path.name}: {member.filename!r} would unpack outside the package")
                archive.extractall(root)
                package = read_package(root)
    except zipfile.BadZipFile as error:
        raise PackageError(f"{path.name}: not a zip file ({error})") from None
    if not package.own_name:
        package.name = path.stem
    return package


# Files only pre-3.0 packages have: their presence says which reader to use.
LEGACY_MARKERS = (
    "physical_addresses.csv",
    "services_at_location.csv",
    "services_taxonomy.csv",
    "regular_schedules.csv",
)

# Files of either version that this directory has no table for: counted and reported, not imported.
UNSTORED_FILES = {
    "funding.csv": "funding sources are not kept",
    "programs.csv": "programs are not kept",
    "required_documents.csv": "required documents are not kept",
    "service_areas.csv": "service areas are not kept",
    "holiday_schedules.csv": "holiday closures are not kept",
    "organization_identifiers.csv": "organization identifiers are not kept",
}


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


class PackageFiles:
    """The CSV files of a package directory, found where its datapackage.json says (resources may sit in a
    subfolder) or beside it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.name = directory.name
        self.own_name = False
        self.paths: dict[str, Path] = {}
        descriptor = directory / "datapackage.json"
        if descriptor.exists():
            try:
                document = json.loads(descriptor.read_text(encoding="utf-8-sig"))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise PackageError(f"{descriptor.name}: not valid JSON ({error})") from error
            if isinstance(document, dict):
                self._read_descriptor(document)

    def _read_descriptor(self, document: dict[str, Any]) -> None:
        """The package's own name, and where its resources are (a file known by its resource name too:
        resource `organizations` at `data/211_organizations.csv` is the organizations file)."""
        for key in ("name", "title"):
            if isinstance(document.get(key), str) and document[key].strip():
                self.name, self.own_name = document[key].strip(), True
                break
        for resource in document.get("resources") or []:
            if not isinstance(resource, dict):
                continue
            where = resource.get("path")
            if isinstance(where, list) and len(where) == 1:
                where = where[0]
            if not isinstance(where, str) or not where.lower().endswith(".csv"):
                continue
            resolved = (self.directory / where).resolve()
            # A descriptor names files inside its package, never elsewhere on the machine.
            if resolved.is_relative_to(self.directory.resolve()) and resolved.is_file():
                self.paths[Path(where).name] = resolved
                if isinstance(resource.get("name"), str) and resource["name"]:
                    self.paths.setdefault(f"{resource['name']}.csv", resolved)

    def find(self, file_name: str) -> Path | None:
        """The path of a package file, or None when the package has no such file."""
        if file_name in self.paths:
            return self.paths[file_name]
        candidate = (self.directory / file_name).resolve()
        # A link out of the package (services.csv -> /elsewhere) is not part of it.
        inside = candidate.is_relative_to(self.directory.resolve())
        return candidate if inside and candidate.is_file() else None

    def rows(self, package: Package, file_name: str) -> Iterator[tuple[Origin, dict[str, str]]]:
        """The rows of one file, each with its origin; counted as read."""
        file_path = self.find(file_name)
        if file_path is None:
            return
        raw = file_path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Spreadsheet exports are often Windows-1252; Latin-1 reads any byte at all.
            encoding = "Windows-1252" if _decodes(raw, "cp1252") else "Latin-1"
            text = raw.decode("cp1252" if encoding == "Windows-1252" else "latin-1")
            package.notes.append(f"{file_name}: not UTF-8, read as {encoding}")
        for line_number, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
            package.read[file_name] += 1
            if any((cell or "").strip() for cell in row.get(None) or []):
                package.unread[(file_name, "(cells beyond the header)")] += 1
            yield Origin(file_name, line_number), {k.strip(): (v or "").strip() for k, v in row.items() if k}

    def require_services(self) -> None:
        """Refuse a folder that is not an HSDS package (e.g. Ohana API CSVs) rather than import 0 services."""
        if self.find("services.csv") is None:
            present = sorted(p.name for p in self.directory.glob("*.csv"))[:8]
            found = f"it holds {', '.join(present)}" if present else "it holds no CSV files"
            raise PackageError(f"not an HSDS package: {self.directory} has no services.csv ({found})")

    def note_unstored(self, package: Package) -> None:
        for file_name, reason in UNSTORED_FILES.items():
            for origin, _row in self.rows(package, file_name):
                package.note(origin, "not_imported", reason)


# HSDS 3.0 CSV file for each table (as in the official datapackage.json).
CSV_FILES = {
    "organizations": "organizations.csv",
    "taxonomy_terms": "taxonomy_terms.csv",
    "services": "services.csv",
    "locations": "locations.csv",
    "addresses": "addresses.csv",
    "service_at_location": "service_at_location.csv",
    "contacts": "contacts.csv",
    "phones": "phones.csv",
    "schedules": "schedules.csv",
    "languages": "languages.csv",
    "cost_options": "cost_options.csv",
    "accessibility": "accessibility.csv",
    "service_capacity": "service_capacity.csv",
    "attributes": "attributes.csv",
}


def _read_csv(files: PackageFiles) -> Package:
    files.require_services()
    package = Package(name=files.name, hsds_version="3.0", own_name=files.own_name)
    taxonomies = {row.get("id"): row.get("name") for _origin, row in files.rows(package, "taxonomies.csv")}
    for table, file_name in CSV_FILES.items():
        for origin, row in files.rows(package, file_name):
            if table == "taxonomy_terms" and not row.get("taxonomy") and row.get("taxonomy_id"):
                row["taxonomy"] = taxonomies.get(row["taxonomy_id"]) or row["taxonomy_id"]
            if table == "schedules":
                _keep_original_text(row)
            package.add(table, row, origin)
    files.note_unstored(package)
    return package


def _keep_original_text(row: dict[str, str]) -> None:
    """A schedule's free text as the source wrote it (`original_text`, what 211 systems keep beside the
    weekly rules: "Intake Hours 6-7am Mon / Walk-In Hours") is its HSDS description."""
    text = row.pop("original_text", "")
    if text and text != row.get("description"):
        row["description"] = "\n".join(p for p in (row.get("description"), text) if p)


#: An AIRS / 211 LA taxonomy code, e.g. BD-1800.2000 or RX-8450.5000-150.
AIRS_CODE = re.compile(r"[A-Z]{1,2}(-\d{4}(\.\d{3,4})?(-\d{3})?(\.\d{2,3})?)?")


def _read_legacy_csv(files: PackageFiles) -> Package:
    """HSDS 1.x/2.x tables, renamed and reshaped to 3.0 (the shape 211 systems still export)."""
    files.require_services()
    package = Package(name=files.name, hsds_version="1.x", own_name=files.own_name)
    for reshape in (
        _legacy_organizations_and_services,
        _legacy_places,
        _legacy_contacts,
        _legacy_phones_and_hours,
        _legacy_languages_and_accessibility,
        _legacy_taxonomy,
        _legacy_eligibility_and_payments,
    ):
        reshape(files, package)
    files.note_unstored(package)
    return package


def _legacy_organizations_and_services(files: PackageFiles, package: Package) -> None:
    for origin, row in files.rows(package, "organizations.csv"):
        row["website"] = row.pop("url", "")
        package.add("organizations", row, origin)
    for origin, row in files.rows(package, "services.csv"):
        # 1.x services may list their terms in a column of their own; services_taxonomy.csv repeats them.
        terms = [t.strip() for t in row.pop("taxonomy_ids", "").split(",") if t.strip()]
        package.add("services", row, origin)
        with package.nested():
            for term in terms:
                package.add(
                    "attributes", {"link_id": row.get("id"), "link_entity": "service", "taxonomy_term_id": term}, origin
                )


def _legacy_places(files: PackageFiles, package: Package) -> None:
    """Locations, their physical and postal addresses (four address lines become two), and the services at them."""
    for origin, row in files.rows(package, "locations.csv"):
        row.setdefault("location_type", "physical")
        package.add("locations", row, origin)
    for file_name, address_type in (("physical_addresses.csv", "physical"), ("postal_addresses.csv", "postal")):
        for origin, row in files.rows(package, file_name):
            extra = [row.pop(k, "") for k in ("address_3", "address_4")]
            row["address_2"] = ", ".join(p for p in [row.get("address_2", ""), *extra] if p)
            row["address_type"] = address_type
            package.add("addresses", row, origin)
    for origin, row in files.rows(package, "services_at_location.csv"):
        package.add("service_at_location", row, origin)


def _legacy_contacts(files: PackageFiles, package: Package) -> None:
    for origin, row in files.rows(package, "contacts.csv"):
        package.add("contacts", row, origin)


def _legacy_phones_and_hours(files: PackageFiles, package: Package) -> None:
    """Phones (a phone's language becomes a language row of its own) and regular schedules (weekday numbers or
    names become RRULE days)."""
    for origin, row in files.rows(package, "phones.csv"):
        language = row.pop("language", "")
        phone = package.add("phones", row, origin)
        if language:
            with package.nested():
                package.add(
                    "languages",
                    {"id": f"phone-{phone.get('id')}", "phone_id": phone.get("id"), "name": language},
                    origin,
                )
    for origin, row in files.rows(package, "regular_schedules.csv"):
        _keep_original_text(row)
        weekday = row.pop("weekday", "")
        row["freq"] = "WEEKLY"
        if weekday.isdigit() and 1 <= int(weekday) <= 7:
            row["byday"] = WEEKDAYS[int(weekday) - 1]
        else:
            row["byday"] = weekday[:2].upper()
        package.add("schedules", row, origin)


def _legacy_languages_and_accessibility(files: PackageFiles, package: Package) -> None:
    for origin, row in files.rows(package, "languages.csv"):
        row["name"] = row.pop("language", "")
        package.add("languages", row, origin)
    for origin, row in files.rows(package, "accessibility_for_disabilities.csv"):
        row["description"] = row.pop("accessibility", "")
        package.add("accessibility", row, origin)


def _legacy_taxonomy(files: PackageFiles, package: Package) -> None:
    """Terms (an AIRS-looking id is its code too) and the services' terms, each link once: a link that
    services_taxonomy.csv lists wins over the same one from a service's own taxonomy_ids column."""
    for origin, row in files.rows(package, "taxonomy.csv"):
        term_id = row.get("id") or ""
        code = row.get("code") or (term_id if AIRS_CODE.fullmatch(term_id) else "")
        package.add(
            "taxonomy_terms",
            {
                "id": term_id,
                "code": code,
                "name": row.get("name"),
                "parent_id": row.get("parent_id"),
                "taxonomy": row.get("vocabulary") or row.get("taxonomy"),
                "description": row.get("description") or row.get("name"),
            },
            origin,
        )
    for origin, row in files.rows(package, "services_taxonomy.csv"):
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
    listed = {(a.get("link_id"), a.get("taxonomy_term_id")) for a in package.tables["attributes"] if "id" in a}
    package.tables["attributes"] = [
        a
        for a in package.tables["attributes"]
        if "id" in a or (a.get("link_id"), a.get("taxonomy_term_id")) not in listed
    ]


def _legacy_eligibility_and_payments(files: PackageFiles, package: Package) -> None:
    """Eligibility and payments were tables of their own before 3.0: they become text and facts of the service."""
    services_by_id = {s.get("id"): s for s in package.tables["services"] if s.get("id")}
    for file_name, column in (("eligibility.csv", "eligibility"), ("payments_accepted.csv", "payment")):
        for origin, row in files.rows(package, file_name):
            service = _parent_service(package, services_by_id, origin, row)
            value = row.get(column, "")
            if service is None:
                continue
            if not value:
                package.note(origin, "skipped", f"'{column}' is empty")
            elif column == "eligibility":
                service["eligibility_description"] = "; ".join(
                    p for p in [service.get("eligibility_description"), value] if p
                )
            else:
                service.setdefault("_payments", []).append(value)


def _parent_service(
    package: Package, services_by_id: dict[Any, dict[str, Any]], origin: Origin, row: dict[str, str]
) -> dict[str, Any] | None:
    """The service a 1.x eligibility or payment row belongs to; a finding (naming 'service_id') when none.

    A row whose service_id is empty still belongs to a service when that is unambiguous: the package has one
    service, or the row's own id is a service's id (some exports key these rows by their service)."""
    service_id = row.get("service_id", "")
    if not service_id:
        if len(services_by_id) == 1 or row.get("id", "") in services_by_id:
            only = services_by_id.get(row.get("id", "")) or next(iter(services_by_id.values()))
            package.note(
                origin,
                "changed",
                "'service_id' is empty: attached to the only service it can be",
                row.get("id") or None,
            )
            return only
        package.note(origin, "skipped", "'service_id' is empty and no one service can be told")
        return None
    found = services_by_id.get(service_id)
    if found is None:
        package.note(origin, "skipped", "'service_id' is not a service in the package", service_id)
    return found


def _read_json(path: Path) -> Package:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PackageError(f"{path.name}: not valid JSON ({error})") from error
    except RecursionError:
        raise PackageError(f"{path.name}: nested too deeply to be HSDS") from None
    package = Package(name=path.stem, hsds_version="3.0", own_name=False)
    if (
        isinstance(document, dict)
        and isinstance(document.get("name"), str)
        and isinstance(document.get("services"), list)
    ):
        package.name, package.own_name = document["name"], True
    if isinstance(document, dict) and "services" in document and isinstance(document["services"], list):
        for index, organization in enumerate(_objects(package, document, "organizations", Origin(path.name, "-"))):
            package.read[path.name] += 1
            _flatten_organization(package, organization, Origin(path.name, f"organizations[{index}]"))
        for index, term in enumerate(_objects(package, document, "taxonomy_terms", Origin(path.name, "-"))):
            package.read[path.name] += 1
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
    package.read[path.name] += len(services)
    for index, service in enumerate(services):
        where = f"{prefix}[{index}]"
        if not isinstance(service, dict):
            raise PackageError(f"{path.name}: {where} is not an object")
        flatten_service(package, service, Origin(path.name, where))
    return package


def _objects(package: Package, obj: dict[str, Any], key: str, origin: Origin) -> list[dict[str, Any]]:
    """The objects nested under `key` (a list of objects, or one object), noting anything else found there."""
    value = obj.get(key)
    if value in (None, "", [], {}):
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        package.note(origin, "skipped", f"'{key}' is not a list of objects", value)
        return []
    for item in value:
        if not isinstance(item, dict):
            package.note(origin, "skipped", f"'{key}' holds something that is not an object", item)
    return [item for item in value if isinstance(item, dict)]


def _scalars(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not isinstance(v, (dict, list))}


# Nested keys each flattener turns into rows; any other non-empty nested value is counted as not kept.
_NESTED = {
    "organization": frozenset({"phones", "attributes", "services", "locations", "contacts"}),
    "location": frozenset({"addresses", "phones", "schedules", "languages", "accessibility", "attributes", "contacts"}),
    "service": frozenset(
        {
            "organization",
            "contacts",
            "phones",
            "schedules",
            "languages",
            "cost_options",
            "capacities",
            "attributes",
            "service_at_locations",
        }
    ),
}


def _flatten_organization(package: Package, organization: dict[str, Any], origin: Origin) -> None:
    package.note_unread_nested("organization", organization, _NESTED["organization"], origin)
    package.add("organizations", _scalars(organization), origin)
    with package.nested():
        for phone in _objects(package, organization, "phones", origin):
            package.add("phones", {**_scalars(phone), "organization_id": organization.get("id")}, origin)
        for attribute in _objects(package, organization, "attributes", origin):
            _flatten_attribute(package, attribute, organization.get("id"), "organization", origin)
        _flatten_contacts(package, organization, "organization_id", origin)


def _flatten_contacts(package: Package, parent: dict[str, Any], parent_key: str, origin: Origin) -> None:
    """A parent's contacts and each contact's phones."""
    for contact in _objects(package, parent, "contacts", origin):
        package.add("contacts", {**_scalars(contact), parent_key: parent.get("id")}, origin)
        for phone in _objects(package, contact, "phones", origin):
            package.add("phones", {**_scalars(phone), "contact_id": contact.get("id")}, origin)


def _flatten_attribute(package: Package, attribute: dict[str, Any], link_id: Any, entity: str, origin: Origin) -> None:
    term = attribute.get("taxonomy_term")
    term_id = attribute.get("taxonomy_term_id")
    if isinstance(term, dict):
        # A nested term known by its code alone is still that term (e.g. code 'confidential_location').
        term = {**_scalars(term), "id": term.get("id") or term.get("code")}
        package.add("taxonomy_terms", term, origin)
        term_id = term_id or term["id"]
    package.add(
        "attributes",
        {**_scalars(attribute), "link_id": link_id, "link_entity": entity, "taxonomy_term_id": term_id},
        origin,
    )


def _flatten_location(package: Package, location: dict[str, Any], origin: Origin) -> None:
    location_id = location.get("id")
    package.note_unread_nested("location", location, _NESTED["location"], origin)
    package.add("locations", _scalars(location), origin)
    for address in _objects(package, location, "addresses", origin):
        package.add("addresses", {**_scalars(address), "location_id": location_id}, origin)
    for phone in _objects(package, location, "phones", origin):
        package.add("phones", {**_scalars(phone), "location_id": location_id}, origin)
    for schedule in _objects(package, location, "schedules", origin):
        package.add("schedules", {**_scalars(schedule), "location_id": location_id}, origin)
    for language in _objects(package, location, "languages", origin):
        package.add("languages", {**_scalars(language), "location_id": location_id}, origin)
    for accessibility in _objects(package, location, "accessibility", origin):
        package.add("accessibility", {**_scalars(accessibility), "location_id": location_id}, origin)
    for attribute in _objects(package, location, "attributes", origin):
        _flatten_attribute(package, attribute, location_id, "location", origin)
    _flatten_contacts(package, location, "location_id", origin)


def flatten_service(package: Package, service: dict[str, Any], origin: Origin) -> None:
    """Rows for an HSDS 3.0 service object and everything nested in it; the service is its origin's row."""
    service_id = service.get("id")
    package.note_unread_nested("service", service, _NESTED["service"], origin)
    organization = service.get("organization")
    row = _scalars(service)
    if isinstance(organization, dict) and not row.get("organization_id"):
        row["organization_id"] = organization.get("id")
    package.add("services", row, origin)
    with package.nested():
        if isinstance(organization, dict):
            _flatten_organization(package, organization, origin)
        _flatten_service_children(package, service, service_id, origin)


def _flatten_service_children(package: Package, service: dict[str, Any], service_id: Any, origin: Origin) -> None:
    for key, table in (
        ("phones", "phones"),
        ("schedules", "schedules"),
        ("languages", "languages"),
        ("cost_options", "cost_options"),
        ("capacities", "service_capacity"),
    ):
        for child in _objects(package, service, key, origin):
            package.add(table, {**_scalars(child), "service_id": service_id, **_unit(child)}, origin)
    for attribute in _objects(package, service, "attributes", origin):
        _flatten_attribute(package, attribute, service_id, "service", origin)
    _flatten_contacts(package, service, "service_id", origin)
    for service_at_location in _objects(package, service, "service_at_locations", origin):
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
            for child in _objects(package, service_at_location, key, origin):
                package.add(table, {**_scalars(child), "service_at_location_id": service_at_location.get("id")}, origin)
        _flatten_contacts(package, service_at_location, "service_at_location_id", origin)


def _unit(capacity: dict[str, Any]) -> dict[str, Any]:
    unit = capacity.get("unit")
    return {"unit": unit.get("name")} if isinstance(unit, dict) else {}
