"""The official HSDS 3.0 openapi.json drives our API: every path, every declared parameter, every response
validated against the schema the official file names for it (resolved to the compiled schemas)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory.taxonomy.categories import TAXONOMY_NAME, term_id
from tests.conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("seeded")

SCHEMAS = FIXTURES / "hsds-3.0" / "schema"
#: Where the official openapi.json says its schemas live; we serve them from the copies in tests/fixtures.
BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
OPENAPI = json.loads((SCHEMAS / "openapi.json").read_text())
PAGE_FIELDS = ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents")


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value)  # raises on anything that is not ISO 8601
    return parsed.tzinfo is not None and "T" in value


def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in value


#: jsonschema checks uuid, date and email itself; date-time and uri need optional packages, so are checked here.
FORMATS = FormatChecker()
FORMATS.checks("date-time", raises=ValueError)(_date_time)
FORMATS.checks("uri", raises=ValueError)(_uri)


@cache
def registry() -> Registry:
    """The official schemas (and openapi.json itself) under the URLs the official files use."""
    resources = []
    for path in [*SCHEMAS.glob("*.json"), *SCHEMAS.glob("compiled/*.json")]:
        url = BASE + path.relative_to(SCHEMAS).as_posix()
        resources.append((url, Resource.from_contents(json.loads(path.read_text()), DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def validator_for(reference: str) -> Draft202012Validator:
    """A validator for the schema at `reference` (a URL, with a JSON pointer fragment if inside a file)."""
    return Draft202012Validator({"$ref": reference}, registry=registry(), format_checker=FORMATS)


def response_schema_ref(path: str) -> str:
    """The schema the official openapi.json gives for a 200 of GET `path`, as a reference into that file."""
    pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/get/responses/200/content/application~1json"
    return BASE + "openapi.json#" + pointer + "/schema"


def assert_valid(body: Any, reference: str) -> None:
    """Fail with the first few schema errors, each with where in the body it is."""
    errors = sorted(validator_for(reference).iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:5]]


def assert_page(body: dict) -> None:
    """The HSDS paging fields are all there, and agree with each other."""
    assert set(PAGE_FIELDS) <= set(body), set(PAGE_FIELDS) - set(body)
    assert body["size"] == len(body["contents"])
    assert body["empty"] == (body["total_items"] == 0)
    assert body["first_page"] == (body["page_number"] == 1)


def operations() -> list[tuple[str, dict]]:
    """Every GET of the official file, by path (its 3.0 operationIds of the taxonomy term paths are swapped)."""
    return [(path, item["get"]) for path, item in OPENAPI["paths"].items() if "get" in item]


def declared_parameters(path: str, operation: dict) -> list[dict]:
    """The operation's parameters and its path's, with component references resolved."""
    resolved = []
    for parameter in [*OPENAPI["paths"][path].get("parameters", []), *operation.get("parameters", [])]:
        if "$ref" in parameter:
            parameter = OPENAPI["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
        resolved.append(parameter)
    return resolved


@pytest.fixture(scope="module")
def real_ids(seeded) -> dict[str, str]:
    """Ids of seeded rows, found through the API as a client would."""
    from litestar.testing import TestClient

    from server.app import create_app

    with TestClient(app=create_app()) as client:
        food = client.get("/api/services", params={"category": "food", "per_page": 1}).json()["contents"][0]
        taxonomies = client.get("/api/taxonomies").json()["contents"]
    return {
        "service": food["id"],
        "organization": food["organization"]["id"],
        "service_at_location": food["service_at_location_id"],
        "taxonomy": next(t["id"] for t in taxonomies if t["name"] == TAXONOMY_NAME),
        "taxonomy_term": str(term_id("food")),
        "postcode": food["location"]["postal_code"],
    }


def path_id(path: str, ids: dict[str, str]) -> str:
    """The path with `{id}` replaced by a real id of the kind the path lists."""
    kind = path.strip("/").split("/")[0].removesuffix("s").replace("taxonomie", "taxonomy")
    return path.replace("{id}", ids[kind])


def query_values(ids: dict[str, str]) -> dict[str, str]:
    """A realistic value for each query parameter the official file declares."""
    return {
        "search": "food",
        "page": "1",
        "per_page": "5",
        "format": "json",
        "taxonomy_term_id": ids["taxonomy_term"],
        "taxonomy_id": ids["taxonomy"],
        "organization_id": ids["organization"],
        "modified_after": "2000-01-01T00:00:00Z",
        "postcode": ids["postcode"],
        "proximity": "30000",
        "parent_id": ids["taxonomy_term"],
    }


@pytest.mark.parametrize(("path", "operation"), operations(), ids=[path for path, _ in operations()])
async def test_every_official_operation_answers_with_the_official_schema(client, real_ids, path, operation):
    url = "/api" + path_id(path, real_ids).rstrip("/") if path != "/" else "/api/"
    reference = response_schema_ref(path)
    paged = "contents" in json.dumps(operation["responses"]["200"])
    # Without parameters: something real comes back.
    bare = await client.get(url)
    assert bare.status_code == 200, bare.text
    assert_valid(bare.json(), reference)
    if paged:
        assert_page(bare.json())
        assert bare.json()["total_items"] > 0
    if path == "/service_at_locations/{id}":
        # 3.0's openapi.json names the service schema here; the object is a service_at_location as well.
        assert_valid(bare.json(), BASE + "compiled/service_at_location.json")
    # With every declared query parameter: each boolean true in turn (minimal and full exclude each other).
    query = [p for p in declared_parameters(path, operation) if p["in"] == "query"]
    values = query_values(real_ids)
    booleans = [p["name"] for p in query if p["schema"].get("type") == "boolean"]
    for chosen in booleans or [None]:
        params = {p["name"]: values[p["name"]] for p in query if p["name"] not in booleans}
        params |= {name: "true" if name == chosen else "false" for name in booleans}
        response = await client.get(url, params=params)
        assert response.status_code == 200, (params, response.text)
        assert_valid(response.json(), reference)
        if paged:
            assert_page(response.json())


def test_the_validation_would_catch_a_wrong_body():
    """The checks above can fail: a missing required field, a null, a bad uuid or date-time are each caught."""
    good = {"id": "8673a6df-75b4-5b86-ac44-43ef03c6cfa2", "name": "Pantry", "status": "active"}
    validator = validator_for(BASE + "compiled/service_list.json")
    assert not list(validator.iter_errors(good))
    for bad in (
        {k: v for k, v in good.items() if k != "status"},
        good | {"url": None},
        good | {"id": "42"},
        good | {"last_modified": "yesterday"},
        good | {"organization": {"id": good["id"], "name": "No description"}},
    ):
        assert list(validator.iter_errors(bad)), bad
