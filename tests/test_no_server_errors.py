"""Schemathesis fuzzes every operation of the app's own OpenAPI schema as three callers: no input gets a 5xx.

Anonymous, a signed-in care manager (session cookie and CSRF header) and a partner organization's API token
each send schema-valid and schema-violating requests to every operation, some with the ids of real rows (a
client, consent, referral, follow-up, token, listing), and every path gets the methods it does not declare.
Any status below 500 is an answer (a 4xx is the right one for bad input); a 5xx, or a request the app could
not answer at all, is a bug. Hypothesis is derandomized, so every run sends the same requests.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import pytest
import schemathesis
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from directory.tables import ServiceAtLocation
from server.app import create_app
from server.cli import directory_group
from tests.conftest import seeded_database

EXAMPLES_PER_OPERATION = 12
"""Hypothesis examples per operation and caller; operations with few possible inputs run out sooner."""
EXAMPLES_PER_UNDECLARED_METHOD = 2
"""Requests per path, caller and method the path does not declare (OPTIONS, TRACE, ...)."""
MINIMUM_CASES_PER_CALLER = 650
"""Fewer would mean the schema or the generation shrank without anyone deciding so."""
UNDECLARED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY")
"""What a client may send to any path: schemathesis' own list of unexpected methods, plus HEAD."""
SESSION_ENDING_OPERATIONS = frozenset({"POST /api/auth/logout", "POST /api/auth/password"})
"""Skipped for the care manager only: a success would end (or re-key) the session the later cases use."""
PASSWORD = "correct horse battery"
CLIENT = {
    "preferred_name": "Jordan Quill",
    "contact_methods": [{"method": "text", "value": "555-0142", "may_use": True}],
    "preferred_language": "en",
    "home_postal_code": "21201",
    "goals": "Stay on buprenorphine and get my own place",
}
REFUSALS_THE_SCHEMA_CANNOT_STATE = {
    "place_not_found": "`near` is any text; whether a place of that name exists is known only by looking",
    "minimal_and_full": "OpenAPI cannot say two query parameters exclude each other: their descriptions do",
    "need_answered_twice": "uniqueItems compares whole answers, not their `need`",
    "consent_recipient_ambiguous": "an organization or a class, not both: one rule across two optional fields",
    "consent_expiry_missing": "expires_at, expiry_event or both: one rule across two optional fields",
    "time_out_of_range": "JSON Schema's date-time format has no bounds (times lie between 2000 and 2100)",
    "body_has_nul": "no text may hold NUL (README); declaring it on every string would not change what is sent",
    "client_filter_for_care_managers": "one schema for every caller: client_id filters only a care manager's list",
    "radius_needs_location": "OpenAPI cannot say one query parameter needs another: radius_km needs near or lat/lng",
    "lat_lng_together": "OpenAPI cannot say two query parameters come together: lat and lng",
    "proximity_needs_postcode": "OpenAPI cannot say one query parameter needs another: proximity needs postcode",
    "postcode_unknown": "any postcode is well formed; whether its centre is known is known only by looking",
}
"""The codes of refusals of input valid by the schema that depend on more than one field, on the caller or on the
world; positive_data_acceptance lets these through and fails on any other 400, 415 or 422."""
HYPOTHESIS_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    # Generating deep JSON bodies is slow and sometimes filtered; that is not what this test is about.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


@dataclass
class World:
    """The real rows fuzzed path ids sometimes point at, and the credentials of the three callers."""

    care_manager_email: str
    partner_admin_email: str
    organization_id: str
    service_id: str
    service_at_location_id: str
    path_ids: dict[str, str] = field(default_factory=dict)
    """Real ids by path parameter name, filled in through the API once the app runs."""
    token: str = ""


def _directory_admin(*arguments: str) -> str:
    """Run `directory-admin accounts ...` as an operator would; returns the last id it printed."""
    result = CliRunner().invoke(directory_group, ["accounts", *arguments])
    assert result.exit_code == 0, result.output
    return re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", result.output)[-1]


async def _first_listing() -> dict:
    """The first seeded service at a location, with its service and organization (ids are stable)."""
    return (
        await ServiceAtLocation.select(
            ServiceAtLocation.id,
            ServiceAtLocation.service.id.as_alias("service_id"),
            ServiceAtLocation.service.organization.id.as_alias("organization_id"),
        )
        .order_by(ServiceAtLocation.id)
        .first()
    )


@pytest.fixture
def fuzz_world() -> World:
    """The demo directory, a care team with its care manager, and a partner admin of a listed organization.

    Made through the CLI before the app starts (PostgreSQL pools live in the app's event loop)."""
    seeded_database()
    listing = asyncio.run(_first_listing())
    team_id = _directory_admin("create-care-team", "Fuzz Team")
    care_manager = "fuzz.manager@example.org"
    partner_admin = "fuzz.partner@example.org"
    _directory_admin(
        "create-user", "--email", care_manager, "--name", "Fuzz Manager", "--role", "care_manager",
        "--care-team", team_id, "--password", PASSWORD,
    )  # fmt: skip
    _directory_admin(
        "create-user", "--email", partner_admin, "--name", "Fuzz Partner", "--role", "partner_staff",
        "--organization", str(listing["organization_id"]), "--partner-admin", "--password", PASSWORD,
    )  # fmt: skip
    return World(
        care_manager_email=care_manager,
        partner_admin_email=partner_admin,
        organization_id=str(listing["organization_id"]),
        service_id=str(listing["service_id"]),
        service_at_location_id=str(listing["id"]),
    )


@pytest.fixture
def schema(fuzz_world):
    """The app's own OpenAPI schema, loaded in process; the app keeps running until the test ends."""
    try:
        yield schemathesis.openapi.from_asgi("/schema/openapi.json", create_app())
    finally:
        # Loading started the app's lifespan (and a PostgreSQL pool) in schemathesis' event loop thread: end
        # it here, before the next test's set-up uses the database from its own loop.
        asgi.shutdown_lifespans()


class Caller:
    """Who sends the fuzzed requests: an in-process HTTP session and what identifies it."""

    def __init__(self, name: str, session: asgi.ASGIClient, *, token: str | None = None, signed_in: bool = False):
        self.name = name
        self.session = session
        self.token = token
        self.signed_in = signed_in

    def headers(self) -> dict[str, str]:
        """A bearer token, or the CSRF header a signed-in browser echoes from its csrftoken cookie."""
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.signed_in:
            return {"X-CSRFToken": self.session.cookies.get("csrftoken", "")}
        return {}

    def send(self, case):
        """Send one case; callers without a session keep no cookie from one call to the next."""
        try:
            return case.call(session=self.session, headers=self.headers())
        finally:
            if not self.signed_in:
                self.session.cookies.clear()


def _expect(response, status: int) -> dict:
    """The JSON body of a response that must have this status."""
    assert response.status_code == status, response.text
    return response.json()


def _sign_in(session: asgi.ASGIClient, email: str) -> None:
    """Sign in through the API; the session keeps the session and csrftoken cookies."""
    _expect(session.post("/api/auth/login", json={"email": email, "password": PASSWORD}), 200)


def _post(session: asgi.ASGIClient, url: str, body: dict) -> dict:
    """A set-up change as a signed-in browser makes it (echoing the csrftoken cookie); expects 201."""
    return _expect(session.post(url, json=body, headers={"X-CSRFToken": session.cookies.get("csrftoken", "")}), 201)


def _make_referral(world: World, care_manager: asgi.ASGIClient, partner_admin: asgi.ASGIClient) -> None:
    """A token, a client, a consent and a sent referral, made through the API; their ids go in world.path_ids."""
    tokens = f"/api/partner_organizations/{world.organization_id}/tokens"
    world.token = _post(partner_admin, tokens, {"name": "Fuzz EHR"})["token"]
    spare_token_id = _post(partner_admin, tokens, {"name": "Fuzz spare"})["id"]

    client_id = _post(care_manager, "/api/clients", CLIENT)["id"]
    screening = {"answers": [{"need": "food", "answer": "yes"}, {"need": "moud", "answer": "yes"}]}
    _post(care_manager, f"/api/clients/{client_id}/screenings", screening)
    consent = {
        "recipient_organization_id": world.organization_id,
        "purpose": "Referral and care coordination",
        "information_scope": "contact_and_need",
        "expiry_event": "End of the care coordination episode",
        "signed_name": "Jordan Quill",
    }
    consent_id = _post(care_manager, f"/api/clients/{client_id}/consents", consent)["id"]
    referral = {
        "client_id": client_id,
        "service_at_location_id": world.service_at_location_id,
        "need": "food",
        "handoff_type": "warm_handoff",
        "goal": "Groceries while I start buprenorphine",
        "consent_id": consent_id,
    }
    referral = _post(care_manager, "/api/referrals", referral)
    term = _expect(care_manager.get("/api/taxonomy_terms", params={"per_page": 1}), 200)["contents"][0]
    world.path_ids = {
        "organization_id": world.organization_id,
        "service_id": world.service_id,
        "sal_id": world.service_at_location_id,
        "term_id": term["id"],
        "token_id": spare_token_id,
        "client_id": client_id,
        "consent_id": consent_id,
        "referral_id": referral["id"],
    }
    if referral["follow_ups"]:
        world.path_ids["follow_up_id"] = referral["follow_ups"][0]["id"]


def _has_inputs(operation, *, besides_path: bool = False) -> bool:
    """Whether a negative case can break anything (a path parameter, a query parameter, a header, a body)."""
    containers = [operation.headers, operation.cookies, operation.query, operation.body]
    if not besides_path:
        containers.append(operation.path_parameters)
    return any(len(container) for container in containers)


def _cases(operation, path_ids: dict[str, str]):
    """Valid and invalid cases for one operation; where it has path ids, some aim at the real rows."""
    real_ids = {p.name: path_ids[p.name] for p in operation.path_parameters if p.name in path_ids}
    strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
    if _has_inputs(operation):
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    if real_ids:
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=real_ids))
        if _has_inputs(operation, besides_path=True):
            strategies.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, path_parameters=real_ids))
    return st.one_of(strategies)


class RefusedValidInput(NamedTuple):
    """A request the schema calls valid that the app refused with 400, 415 or 422: the schema says less than
    the server enforces (a bound, an enum, a format left undeclared)."""

    caller: str
    method: str
    path: str
    query: dict
    body: object
    status: int
    text: str
    template: str


class ServerError(NamedTuple):
    """One request answered with a 5xx (status None: the app raised instead of answering)."""

    caller: str
    method: str
    path: str
    query: dict
    body: object
    """As sent: bytes or text (None without a body)."""
    status: int | None
    text: str
    template: str
    """The schema's path template, to group failures by."""


@dataclass
class Outcome:
    """How many cases each caller sent to each operation, the status classes, and every server error."""

    cases: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[ServerError] = field(default_factory=list)
    refused_valid_input: list[RefusedValidInput] = field(default_factory=list)

    def send(self, caller: Caller, case, label: str, declared_method: bool = True) -> None:
        """Send the case as the caller and remember what came back; a case valid by the schema (sent with the
        method the schema declares) must not be refused as bad input (schemathesis' positive_data_acceptance)."""
        self.cases[caller.name, label] += 1
        try:
            response = caller.send(case)
        except Exception as error:  # no answer at all (the app raised): reported with the 5xx, never swallowed
            body, status, text = case.body, None, repr(error)
        else:
            self.statuses[caller.name, f"{response.status_code // 100}xx"] += 1
            if declared_method:
                self._check_acceptance(caller, case, response)
            if response.status_code < 500:
                return
            body, status, text = response.request.body, response.status_code, response.text
        self.server_errors.append(
            ServerError(caller.name, case.method, case.formatted_path, case.query, body, status, text[:300], case.path)
        )

    def _check_acceptance(self, caller: Caller, case, response) -> None:
        try:
            case.validate_response(response, checks=[positive_data_acceptance])
        except FailureGroup:
            if response.json().get("code") in REFUSALS_THE_SCHEMA_CANNOT_STATE:
                return
            self.refused_valid_input.append(
                RefusedValidInput(
                    caller.name,
                    case.method,
                    case.formatted_path,
                    case.query,
                    response.request.body,
                    response.status_code,
                    response.text[:300],
                    case.path,
                )
            )

    def acceptance_report(self) -> str:
        """Each operation that refused valid input once: how often, for whom, one example with the app's words."""
        distinct: dict[tuple, list[RefusedValidInput]] = {}
        for refusal in self.refused_valid_input:
            distinct.setdefault((refusal.method, refusal.template), []).append(refusal)
        lines = [
            f"{len(self.refused_valid_input)} requests valid by the schema were refused; {len(distinct)} distinct:"
        ]
        for (method, template), refusals in distinct.items():
            callers = sorted({refusal.caller for refusal in refusals})
            lines.append(f"{method} {template}: {len(refusals)} times, as {', '.join(callers)}; for instance")
            examples = {refusal.text: refusal for refusal in refusals}  # one per answer the app gave
            for refusal in list(examples.values())[:4]:
                body = refusal.body if refusal.body is None else refusal.body[:200]
                lines.append(f"    {refusal.status} {refusal.text[:200]} <- query {refusal.query}, body {body!r}")
        return "\n".join(lines)

    def report(self) -> str:
        """Each distinct failure (method, path template, status) once: how often, for whom, one full example."""
        distinct: dict[tuple, list[ServerError]] = {}
        for error in self.server_errors:
            distinct.setdefault((error.method, error.template, error.status), []).append(error)
        lines = [f"{len(self.server_errors)} requests got a server error; {len(distinct)} distinct:"]
        for (method, template, status), errors in distinct.items():
            callers = sorted({error.caller for error in errors})
            lines.append(f"{method} {template} -> {status}: {len(errors)} times, as {', '.join(callers)}; e.g.")
            lines.append(f"    {errors[0]._replace(template='')!r}")
        return "\n".join(lines)


def _fuzz(outcome: Outcome, caller: Caller, label: str, strategy, examples: int) -> None:
    """Send `examples` cases drawn from `strategy` (a method to send instead of the declared one, or None)."""

    @settings(HYPOTHESIS_SETTINGS, max_examples=examples)
    @given(drawn=strategy)
    def send(drawn) -> None:
        method, case = drawn
        if method is not None:
            case.method = method
        outcome.send(caller, case, label, declared_method=method is None)

    send()


@pytest.mark.parametrize("caller_name", ["anonymous", "care_manager", "partner_token"])
def test_no_input_gets_a_server_error(fuzz_world, schema, caller_name) -> None:
    """Every operation, as anonymous, a care manager and a partner's API token: no 5xx, whatever the input.
    One test per caller, so the three run side by side on the test workers."""
    started = time.monotonic()
    world = fuzz_world
    anonymous, care_manager, partner_admin, partner_system = (asgi.get_client(schema.app) for _ in range(4))
    _sign_in(care_manager, world.care_manager_email)
    _sign_in(partner_admin, world.partner_admin_email)
    _make_referral(world, care_manager, partner_admin)
    callers = [
        Caller("anonymous", anonymous),
        Caller("care_manager", care_manager, signed_in=True),
        Caller("partner_token", partner_system, token=world.token),
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    paths: dict[str, list] = {}
    for operation in operations:
        paths.setdefault(operation.path, []).append(operation)

    outcome = Outcome()
    for caller in (caller for caller in callers if caller.name == caller_name):
        for operation in operations:
            if caller.name == "care_manager" and operation.label in SESSION_ENDING_OPERATIONS:
                continue
            cases = st.tuples(st.none(), _cases(operation, world.path_ids))
            _fuzz(outcome, caller, operation.label, cases, EXAMPLES_PER_OPERATION)
        for path, declared in paths.items():
            for method in sorted(set(UNDECLARED_METHODS) - {operation.method.upper() for operation in declared}):
                cases = st.tuples(st.just(method), _cases(declared[0], world.path_ids))
                _fuzz(outcome, caller, f"{method} {path}", cases, EXAMPLES_PER_UNDECLARED_METHOD)

    total = sum(outcome.cases.values())
    print(f"{total} cases in {time.monotonic() - started:.1f} s")
    for caller in (caller for caller in callers if caller.name == caller_name):
        sent = sum(n for (name, _), n in outcome.cases.items() if name == caller.name)
        statuses = {group: n for (name, group), n in sorted(outcome.statuses.items()) if name == caller.name}
        print(f"  {caller.name}: {sent} cases, {statuses}")
    # The signed-in callers were still signed in at the end, so their cases were not anonymous ones.
    assert _expect(care_manager.get("/api/auth/me"), 200)["role"] == "care_manager"
    assert partner_system.get("/api/auth/me", headers=callers[2].headers()).status_code == 200
    if outcome.server_errors:
        pytest.fail(outcome.report(), pytrace=False)
    if outcome.refused_valid_input:
        pytest.fail(outcome.acceptance_report(), pytrace=False)
    assert total >= MINIMUM_CASES_PER_CALLER
