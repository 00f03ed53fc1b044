"""Role x endpoint matrix: for every route of the app, what each kind of caller gets, and that nobody's
response carries data of a party they may not see.

Care manager A's team has a client referred (with consent) to partner X's food pantry. Each caller
then calls every route; the table says the status they must get. A route added to the app without a
row here fails `test_the_matrix_covers_every_route`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from server.app import create_app
from tests.referrals.conftest import START, consent, new_client, refer, sign_in

CALLERS = ("anonymous", "care_manager_a", "care_manager_b", "partner_x", "partner_y", "revoked_token", "admin")
SIGN_INS = {
    "care_manager_a": "a@example.org",
    "care_manager_b": "b@example.org",
    "partner_x": "x@example.org",
    "partner_y": "y@example.org",
    "admin": "admin@example.org",
}
CM_NOTE = "Client was anxious on the call"
# What only care team A may see, and what the consent lets partner X see on top of the public directory.
TEAM_ONLY = ("555-0199", "Aunt Rose", "Loves cooking", "Stay on buprenorphine", "while I start buprenorphine", CM_NOTE)
CONSENTED = ("Jordan Quill", "555-0142")


def everyone(status: int) -> dict[str, int]:
    return {caller: status for caller in CALLERS} | {"revoked_token": 401}


def public() -> dict[str, int]:
    # The open directory never reads credentials: even a revoked token just gets the public data.
    return {caller: 200 for caller in CALLERS}


def anyone(status: int) -> dict[str, int]:
    # An open route that never reads credentials: the same answer for every caller, a revoked token too.
    return {caller: status for caller in CALLERS}


def signed_in(status: int) -> dict[str, int]:
    return everyone(status) | {"anonymous": 401}


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    return signed_in(others) | allowed


def page(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    # A page sends whoever is not signed in (a revoked token too) to the sign-in page (303), not a 401.
    return only(allowed, others) | {"anonymous": 303, "revoked_token": 303}


@dataclass
class Call:
    """One route, how to call it in the scenario, and the status each caller gets."""

    method: str
    route: str
    url: str
    expected: dict[str, int]
    body: dict | None = field(default=None)
    form: dict | None = field(default=None)
    """A page's form fields (sent URL-encoded, as a browser posts them)."""


@dataclass
class Scenario:
    """Ids made by care manager A before the caller's turn."""

    client_id: str
    consent_id: str
    referral_id: str
    version: int
    service_id: str
    follow_up_id: str
    term_id: str
    taxonomy_id: str
    spare_consent_id: str = ""
    """A second consent of the client, for the page that revokes one."""


def calls(world, s: Scenario) -> list[Call]:
    """Every route, in an order where the destructive calls come last."""
    client = f"/api/clients/{s.client_id}"
    referral = f"/api/referrals/{s.referral_id}"
    x_tokens = f"/api/partner_organizations/{world.partner_x}/tokens"
    team_a = {"care_manager_a": 200}
    team_a_other_team_404 = only(team_a | {"care_manager_b": 404})
    return [
        Call("GET", "/", "/", public()),
        Call("GET", "/", "/?near=21201&category=food", public()),
        # The world's listings have no search documents (it is built straight into the tables), so the public
        # pages, which show only what the search index publishes, do not know them: the same 404 for everyone.
        Call("GET", "/listings/{service_at_location_id:uuid}", f"/listings/{world.food_x}", anyone(404)),
        Call("GET", "/print", f"/print?ids={world.food_x}", public()),
        Call(
            "POST",
            "/listings/{service_at_location_id:uuid}/report",
            f"/listings/{world.food_x}/report",
            anyone(404),
            {"reason": "closed"},
        ),
        Call("GET", "/healthz", "/healthz", public()),
        Call("GET", "/language/{code:str}", "/language/es?next=/app/", {caller: 303 for caller in CALLERS}),
        # The sign-in page sends whoever is signed in on to their start page.
        Call("GET", "/app/sign-in", "/app/sign-in", page({}, others=303) | {"anonymous": 200}),
        Call(
            "POST",
            "/app/sign-in",
            "/app/sign-in",
            # A bad API token is refused before the form is read, and a page answers that with the sign-in page.
            everyone(401) | {"revoked_token": 303},
            form={"email": "nobody@example.org", "password": "wrong password 123"},
        ),
        Call("GET", "/app/password", "/app/password", page({c: 200 for c in SIGN_INS})),
        Call(
            "POST",
            "/app/password",
            "/app/password",
            page({c: 400 for c in SIGN_INS}),
            form={
                "current_password": "not my password",
                "new_password": "a new password 2026",
                "repeat_password": "a new password 2026",
            },
        ),
        Call("GET", "/static/{file_path:path}", "/static/style.css", public()),
        Call("GET", "/api", "/api", public()),
        Call("GET", "/api/services", "/api/services?search=pantry", public()),
        Call("GET", "/api/services/{service_id:uuid}", f"/api/services/{s.service_id}", public()),
        Call("GET", "/api/organizations", "/api/organizations", public()),
        Call("GET", "/api/organizations/{organization_id:uuid}", f"/api/organizations/{world.partner_x}", public()),
        Call("GET", "/api/taxonomy_terms", "/api/taxonomy_terms", public()),
        Call("GET", "/api/taxonomy_terms/{term_id:uuid}", f"/api/taxonomy_terms/{s.term_id}", public()),
        Call("GET", "/api/taxonomies", "/api/taxonomies", public()),
        Call("GET", "/api/taxonomies/{taxonomy_id:uuid}", f"/api/taxonomies/{s.taxonomy_id}", public()),
        Call("GET", "/api/service_at_locations", "/api/service_at_locations", public()),
        Call("GET", "/api/service_at_locations/{sal_id:uuid}", f"/api/service_at_locations/{world.food_x}", public()),
        Call(
            "POST",
            "/api/auth/login",
            "/api/auth/login",
            everyone(401),
            {"email": "nobody@example.org", "password": "wrong password 123"},
        ),
        Call("GET", "/api/auth/me", "/api/auth/me", signed_in(200)),
        Call(
            "POST",
            "/api/auth/password",
            "/api/auth/password",
            signed_in(403),
            {"current_password": "not my password", "new_password": "a new password 2026"},
        ),
        Call("GET", "/api/audit", "/api/audit", only({"admin": 200})),
        Call("GET", "/api/clients", "/api/clients", only({"care_manager_a": 200, "care_manager_b": 200})),
        Call(
            "POST",
            "/api/clients",
            "/api/clients",
            only({"care_manager_a": 201, "care_manager_b": 201}),
            {"preferred_name": "Another Person"},
        ),
        Call("GET", "/api/clients/{client_id:uuid}", client, team_a_other_team_404),
        Call("PATCH", "/api/clients/{client_id:uuid}", client, team_a_other_team_404, {"strengths": "Loves cooking"}),
        Call(
            "POST",
            "/api/clients/{client_id:uuid}/screenings",
            f"{client}/screenings",
            only({"care_manager_a": 201, "care_manager_b": 404}),
            {"answers": [{"need": "food", "answer": "yes"}]},
        ),
        Call("GET", "/api/clients/{client_id:uuid}/needs", f"{client}/needs", team_a_other_team_404),
        Call("GET", "/api/clients/{client_id:uuid}/resources", f"{client}/resources", team_a_other_team_404),
        Call(
            "POST",
            "/api/clients/{client_id:uuid}/consents",
            f"{client}/consents",
            only({"care_manager_a": 201, "care_manager_b": 404}),
            {
                "recipient_organization_id": world.partner_y,
                "purpose": "Shelter referral",
                "information_scope": "contact_and_need",
                "expiry_event": "End of episode",
                "signed_name": "Jordan Quill",
            },
        ),
        Call("GET", "/api/clients/{client_id:uuid}/consents", f"{client}/consents", team_a_other_team_404),
        Call("GET", "/api/referrals", "/api/referrals", only({c: 200 for c in SIGN_INS if c != "admin"})),
        Call(
            "POST",
            "/api/referrals",
            "/api/referrals",
            only({"care_manager_a": 201, "care_manager_b": 404}),
            {
                "client_id": s.client_id,
                "service_at_location_id": world.food_x,
                "need": "food",
                "handoff_type": "client_self",
            },
        ),
        Call(
            "GET",
            "/api/referrals/{referral_id:uuid}",
            referral,
            only({"care_manager_a": 200, "care_manager_b": 404, "partner_x": 200, "partner_y": 404}),
        ),
        Call(
            "POST",
            "/api/referrals/{referral_id:uuid}/events",
            f"{referral}/events",
            only({"care_manager_a": 201, "care_manager_b": 404, "partner_x": 201, "partner_y": 404}),
            {"version": -1, "note": "Left a message"},  # the version is filled in at call time
        ),
        Call(
            "GET",
            "/api/referrals/{referral_id:uuid}/fhir",
            f"{referral}/fhir",
            only({"care_manager_a": 200, "care_manager_b": 404, "partner_x": 200, "partner_y": 404}),
        ),
        Call(
            "GET",
            "/fhir/ServiceRequest/{referral_id:uuid}",
            f"/fhir/ServiceRequest/{s.referral_id}",
            only({"care_manager_a": 200, "care_manager_b": 404, "partner_x": 200, "partner_y": 404}),
        ),
        Call(
            "GET",
            "/fhir/Task/{referral_id:uuid}",
            f"/fhir/Task/{s.referral_id}",
            only({"care_manager_a": 200, "care_manager_b": 404, "partner_x": 200, "partner_y": 404}),
        ),
        Call("GET", "/api/clients/{client_id:uuid}/disclosures", f"{client}/disclosures", team_a_other_team_404),
        Call("GET", "/api/worklist", "/api/worklist", only({"care_manager_a": 200, "care_manager_b": 200})),
        Call(
            "POST",
            "/api/follow_ups/{follow_up_id:uuid}/attempts",
            f"/api/follow_ups/{s.follow_up_id}/attempts",
            only({"care_manager_a": 201, "care_manager_b": 404}),
            {"method": "phone", "result": "no_answer"},
        ),
        Call(
            "POST",
            "/api/service_at_locations/{sal_id:uuid}/verify",
            f"/api/service_at_locations/{world.food_x}/verify",
            only({"admin": 200, "partner_x": 200, "partner_y": 404}),
        ),
        Call(
            "POST",
            "/api/partner_organizations/{organization_id:uuid}/tokens",
            x_tokens,
            # Least privilege: only the partner's own admin issues its credentials, never an admin.
            only({"admin": 403, "partner_x": 201, "partner_y": 404}),
            {"name": "Another system"},
        ),
        Call(
            "GET",
            "/api/partner_organizations/{organization_id:uuid}/tokens",
            x_tokens,
            only({"admin": 200, "partner_x": 200, "partner_y": 404}),
        ),
        # --- the care manager workspace pages ---
        Call("GET", "/app", "/app/", page({"care_manager_a": 200, "care_manager_b": 200})),
        Call(
            "POST",
            "/app/clients",
            "/app/clients",
            page({"care_manager_a": 303, "care_manager_b": 303}),
            form={"preferred_name": "Page Person"},
        ),
        Call("GET", "/app/clients/{client_id:uuid}", f"/app{client[4:]}", page(team_a | {"care_manager_b": 404})),
        Call(
            "POST",
            "/app/clients/{client_id:uuid}/profile",
            f"/app{client[4:]}/profile",
            page({"care_manager_a": 303, "care_manager_b": 404}),
            form={"goals": "Stay on buprenorphine and get my own place", "strengths": "Loves cooking"},
        ),
        Call(
            "POST",
            "/app/clients/{client_id:uuid}/screenings",
            f"/app{client[4:]}/screenings",
            page({"care_manager_a": 303, "care_manager_b": 404}),
            form={"food": "yes"},
        ),
        Call(
            "POST",
            "/app/clients/{client_id:uuid}/consents",
            f"/app{client[4:]}/consents",
            page({"care_manager_a": 303, "care_manager_b": 404}),
            form={
                "recipient": world.partner_y,
                "purpose": "Shelter referral",
                "information_scope": "contact_and_need",
                "expiry_event": "End of episode",
                "signed_name": "Jordan Quill",
            },
        ),
        Call(
            "GET",
            "/app/clients/{client_id:uuid}/consents/{consent_id:uuid}/revoke",
            f"/app{client[4:]}/consents/{s.spare_consent_id}/revoke",
            page({"care_manager_a": 200, "care_manager_b": 404}),
        ),
        Call(
            "POST",
            "/app/clients/{client_id:uuid}/consents/{consent_id:uuid}/revoke",
            f"/app{client[4:]}/consents/{s.spare_consent_id}/revoke",
            page({"care_manager_a": 303, "care_manager_b": 404}),
            form={"confirmed": "yes"},
        ),
        Call(
            "GET",
            "/app/clients/{client_id:uuid}/resources",
            f"/app{client[4:]}/resources",
            page(team_a | {"care_manager_b": 404}),
        ),
        Call(
            "GET",
            "/app/clients/{client_id:uuid}/refer",
            f"/app{client[4:]}/refer?service_at_location_id={world.food_x}&need=food",
            page(team_a | {"care_manager_b": 404}),
        ),
        Call(
            "POST",
            "/app/clients/{client_id:uuid}/refer",
            f"/app{client[4:]}/refer",
            page({"care_manager_a": 303, "care_manager_b": 404}),
            form={"service_at_location_id": world.food_x, "need": "food", "handoff_type": "client_self"},
        ),
        Call(
            "GET",
            "/app/referrals/{referral_id:uuid}",
            f"/app{referral[4:]}",
            page(team_a | {"care_manager_b": 404}),
        ),
        Call(
            "POST",
            "/app/referrals/{referral_id:uuid}/events",
            f"/app{referral[4:]}/events",
            page({"care_manager_a": 303, "care_manager_b": 404}),
            form={"version": -1, "note": "Left a message"},
        ),
        Call("GET", "/app/follow-ups", "/app/follow-ups", page({"care_manager_a": 200, "care_manager_b": 200})),
        Call(
            "POST",
            "/app/follow-ups/{follow_up_id:uuid}/attempts",
            f"/app/follow-ups/{s.follow_up_id}/attempts",
            page({"care_manager_a": 303, "care_manager_b": 404}),
            form={"method": "phone", "result": "no_answer"},
        ),
        *partner_page_calls(world, s),
        Call(
            "POST",
            "/api/clients/{client_id:uuid}/consents/{consent_id:uuid}/revoke",
            f"{client}/consents/{s.consent_id}/revoke",
            only({"care_manager_a": 200, "care_manager_b": 404}),
        ),
        Call(
            "DELETE",
            "/api/tokens/{token_id:uuid}",
            f"/api/tokens/{world.spare_token_id}",
            only({"admin": 204, "partner_x": 204, "partner_y": 404}),
        ),
        Call("POST", "/app/sign-out", "/app/sign-out", page({c: 303 for c in SIGN_INS})),
        Call("POST", "/api/auth/logout", "/api/auth/logout", signed_in(401)),
    ]


def partner_page_calls(world, s: Scenario) -> list[Call]:
    """The partner inbox, our listings, API tokens and the admins' listing-report queue (pages)."""
    referral = f"/partner/referrals/{s.referral_id}"
    x_listing = f"/partner/listings/{world.food_x}"
    partners = {"partner_x": 200, "partner_y": 200}
    return [
        Call("GET", "/partner", "/partner/", page(partners)),
        Call("GET", "/partner/referrals/{referral_id:uuid}", referral, page({"partner_x": 200, "partner_y": 404})),
        Call(
            "POST",
            "/partner/referrals/{referral_id:uuid}/events",
            f"{referral}/events",
            page({"partner_x": 303, "partner_y": 404}),
            form={"version": -1, "status": "accepted"},
        ),
        Call("GET", "/partner/listings", "/partner/listings", page(partners)),
        Call("GET", "/partner/listings/{sal_id:uuid}", x_listing, page({"partner_x": 200, "partner_y": 404})),
        Call(
            "POST",
            "/partner/listings/{sal_id:uuid}",
            x_listing,
            page({"partner_x": 303, "partner_y": 404}),
            form={"available": "3", "maximum": "10"},
        ),
        Call(
            "POST",
            "/partner/listings/{sal_id:uuid}/verify",
            f"{x_listing}/verify",
            page({"partner_x": 303, "partner_y": 404}),
            form={},
        ),
        # Staff Y is not a partner admin: the tokens service does not show them their organization's tokens.
        Call("GET", "/partner/tokens", "/partner/tokens", page({"partner_x": 200, "partner_y": 404})),
        Call(
            "POST",
            "/partner/tokens",
            "/partner/tokens",
            page({"partner_x": 303, "partner_y": 404}),
            form={"name": "Page system"},
        ),
        # The new secret's page (without the cookie half of the secret, it says the secret was shown already).
        Call(
            "GET",
            "/partner/tokens/{token_id:uuid}/issued",
            f"/partner/tokens/{world.page_spare_token_id}/issued",
            page({"partner_x": 200, "partner_y": 404}),
        ),
        Call(
            "GET",
            "/partner/tokens/{token_id:uuid}/revoke",
            f"/partner/tokens/{world.page_spare_token_id}/revoke",
            page({"partner_x": 200, "partner_y": 404}),
        ),
        Call(
            "POST",
            "/partner/tokens/{token_id:uuid}/revoke",
            f"/partner/tokens/{world.page_spare_token_id}/revoke",
            page({"partner_x": 303, "partner_y": 404}),
            form={},
        ),
        Call("GET", "/app/reports", "/app/reports", page({"admin": 200})),
        Call(
            "POST",
            "/app/reports/{sal_id:uuid}/verify",
            f"/app/reports/{world.food_x}/verify",
            page({"admin": 303}),
            form={},
        ),
    ]


async def _scenario(client, world) -> Scenario:
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    appointment = (START + dt.timedelta(hours=2)).isoformat()
    made = await refer(client, client_id, world.food_x, consent_id, appointment_at=appointment, note=CM_NOTE)
    spare_consent_id = await consent(client, client_id, world.partner_y)
    term = (await client.get("/api/taxonomy_terms")).json()["contents"][0]["id"]
    taxonomy = (await client.get("/api/taxonomies")).json()["contents"][0]["id"]
    await client.post("/api/auth/logout")
    return Scenario(
        client_id=client_id,
        consent_id=consent_id,
        referral_id=made["id"],
        version=made["version"],
        service_id=made["service_id"],
        follow_up_id=made["follow_ups"][0]["id"],
        term_id=term,
        taxonomy_id=taxonomy,
        spare_consent_id=spare_consent_id,
    )


def _leaks(caller: str, text: str) -> list[str]:
    if caller == "care_manager_a":
        return []
    private = TEAM_ONLY if caller == "partner_x" else TEAM_ONLY + CONSENTED
    return [secret for secret in private if secret in text]


@pytest.mark.parametrize("caller", CALLERS)
async def test_each_caller_gets_exactly_what_the_matrix_says(world, client, caller):
    scenario = await _scenario(client, world)
    headers = {}
    if caller == "revoked_token":
        headers = {"Authorization": f"Bearer {world.revoked_token}"}
    elif caller in SIGN_INS:
        await sign_in(client, SIGN_INS[caller])
    mismatches, leaks = [], []
    for call in calls(world, scenario):
        body, form = call.body, call.form
        if body is not None and body.get("version") == -1:
            body = {**body, "version": scenario.version}
        if call.form is None:
            # Pages answer the anonymous with a redirect to sign in: the redirect is what is checked.
            response = await client.request(call.method, call.url, json=body, headers=headers, follow_redirects=False)
        else:
            form = {k: (scenario.version if v == -1 else v) for k, v in call.form.items()}
            form["_csrf_token"] = client.cookies.get("csrftoken") or ""
            response = await client.request(call.method, call.url, data=form, headers=headers, follow_redirects=False)
        expected = call.expected[caller]
        if response.status_code != expected:
            mismatches.append(
                f"{call.method} {call.url}: {response.status_code} (expected {expected}) {response.text[:200]}"
            )
        leaks += [f"{call.method} {call.url} shows {secret!r}" for secret in _leaks(caller, response.text)]
        if response.status_code < 300 and call.route.startswith("/api/referrals/{") and "version" in response.text:
            # Later calls build on the version the last change left.
            scenario.version = response.json().get("version", scenario.version)
    assert mismatches == []
    assert leaks == []


def test_the_matrix_covers_every_route(world):
    scenario = Scenario(*(["00000000-0000-0000-0000-000000000000"] * 3), 1, *(["0"] * 4))
    covered = {(call.method, call.route) for call in calls(world, scenario)}
    app = create_app()
    routes = {
        (method, route.path)
        for route in app.routes
        for handler in route.route_handlers
        for method in handler.http_methods
        if method not in ("OPTIONS", "HEAD") and not route.path.startswith("/schema")
    }
    assert routes - covered == set(), "routes without a row in the access matrix"
