"""Signing in, sessions shared by app servers, API tokens, the audit log, and route protection."""

import asyncio
import dataclasses
import uuid

import httpx
import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from accounts.services.accounts import create_account, create_care_team
from accounts.services.principal import principal_for_account
from accounts.services.sign_in import MAX_FAILED_LOGINS
from accounts.services.tokens import issue_token
from accounts.tables import Account, AuditEvent, SessionRecord
from directory.tables import Organization
from kernel.settings import Settings, SettingsError
from server.app import create_app
from server.cli import directory_group
from tests.conftest import in_app_loop

PASSWORD = "correct horse battery"


async def _organization(name: str) -> uuid.UUID:
    organization_id = uuid.uuid4()
    await Organization.insert(Organization(id=organization_id, name=name, description=name))
    return organization_id


async def _people():
    team = await create_care_team("Team A")
    shelter = await _organization("Shelter X")
    pantry = await _organization("Pantry Y")
    await create_account("cm@example.org", "Care Manager", PASSWORD, "care_manager", care_team_id=team)
    await create_account(
        "x@example.org", "Shelter admin", PASSWORD, "partner_staff", organization_id=shelter, is_partner_admin=True
    )
    await create_account("x2@example.org", "Shelter staff", PASSWORD, "partner_staff", organization_id=shelter)
    await create_account(
        "y@example.org", "Pantry admin", PASSWORD, "partner_staff", organization_id=pantry, is_partner_admin=True
    )
    await create_account("admin@example.org", "Admin", PASSWORD, "admin")
    await create_account("demo@example.org", "Demo", PASSWORD, "admin", is_demo=True)
    return {"team": team, "shelter": shelter, "pantry": pantry}


@pytest.fixture
def people():
    """A care team with a care manager, two partner organizations with staff, an admin and a demo admin.

    Made before the app starts: on PostgreSQL the app's pool lives in the test client's own loop.
    """
    return asyncio.run(_people())


async def login(client, email, password=PASSWORD):
    return await client.post("/api/auth/login", json={"email": email, "password": password})


def test_every_route_is_guarded_or_explicitly_public():
    app = create_app()
    unprotected = []
    for route in app.routes:
        for handler in route.route_handlers:
            if route.path.startswith("/schema") or handler.http_methods == {"OPTIONS"}:
                continue  # OpenAPI documents and CORS preflight answers carry no data
            if not handler.resolve_guards() and not handler.opt.get("public"):
                unprotected.append(route.path)
    assert unprotected == []


async def test_sign_in_session_and_sign_out(people, client):
    response = await login(client, "CM@example.org")
    assert response.status_code == 200 and response.json()["role"] == "care_manager"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    me = await client.get("/api/auth/me")
    assert me.json()["care_team_id"] == str(people["team"])
    assert (await client.post("/api/auth/logout")).status_code == 200
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_signing_in_gets_a_new_session_id_and_the_old_one_dies(people, client):
    await login(client, "cm@example.org")
    first = client.cookies.get("session")
    await login(client, "cm@example.org")
    second = client.cookies.get("session")
    assert first and second and first != second
    client.cookies.set("session", first)
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_a_session_started_on_one_app_server_works_on_another(people):
    async with AsyncTestClient(app=create_app()) as first:
        assert (await login(first, "cm@example.org")).status_code == 200
        cookies = first.cookies
    # A second app instance (another server process in production) knows nothing but the database.
    async with AsyncTestClient(app=create_app()) as second:
        second.cookies = cookies
        assert (await second.get("/api/auth/me")).json()["display_name"] == "Care Manager"


async def test_wrong_passwords_lock_the_account_and_a_locked_account_answers_like_a_wrong_password(people, client):
    for _ in range(4):
        response = await login(client, "cm@example.org", "wrong password!!")
        assert response.status_code == 401 and "wrong e-mail or password" in response.text
    assert (await login(client, "cm@example.org", "wrong password!!")).status_code == 401
    locked = await login(client, "cm@example.org")  # the right password, but the account is locked
    unknown = await login(client, "nobody@example.org")
    assert locked.status_code == unknown.status_code == 401
    assert locked.json() == unknown.json()  # nothing tells a locked account from one that does not exist
    failures = await in_app_loop(client, AuditEvent.select().where(AuditEvent.action == "login_failed").run)
    reasons = [e["detail"] for e in failures]
    assert "locked" in reasons and "unknown account" in reasons  # the reason is kept for the admins


async def test_sign_in_attempts_are_rate_limited(people, client):
    statuses = [(await login(client, "nobody@example.org")).status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


def production(**changes) -> Settings:
    """The test environment's settings as production would have them (keys, argon2id), changed as given."""
    keys = {
        "secret_key": "s3cret-shared-by-all-servers",
        "ledger_key": "ledger-key-kept-elsewhere",
        "password_hashing": "argon2id",
    }
    return dataclasses.replace(Settings.from_environment(), app_env="production", **(keys | changes))


async def test_demo_accounts_are_refused_in_production(people):
    async with AsyncTestClient(app=create_app()) as development:
        assert (await login(development, "demo@example.org")).status_code == 200
    async with AsyncTestClient(app=create_app(production())) as production_app:
        refused = await login(production_app, "demo@example.org")
    assert refused.status_code == 401 and refused.json()["detail"] == "wrong e-mail or password"


def test_production_refuses_to_start_without_a_secret_key_or_a_ledger_key():
    with pytest.raises(SettingsError) as refusal:
        create_app(production(secret_key="", ledger_key=""))
    assert list(refusal.value.problems) == ["SECRET_KEY", "LEDGER_KEY"]  # both at once
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app(production(secret_key=""))
    assert create_app(production()) is not None


async def test_session_requests_that_change_things_need_the_csrf_token(people):
    async with AsyncTestClient(app=create_app()) as browser:
        signed_in = await login(browser, "cm@example.org")
        token = browser.cookies.get("csrftoken")
        assert token and "csrftoken=" in signed_in.headers.get("set-cookie", "")
        forged = await browser.post("/api/clients", json={"preferred_name": "Someone"})
        assert forged.status_code == 403 and "CSRF" in forged.text
        wrong = await browser.post("/api/clients", json={"preferred_name": "Someone"}, headers={"x-csrftoken": "x"})
        assert wrong.status_code == 403
        made = await browser.post("/api/clients", json={"preferred_name": "Someone"}, headers={"x-csrftoken": token})
        assert made.status_code == 201
        # Reading needs no token, and an anonymous visitor gets no CSRF cookie at all.
        assert (await browser.get("/api/clients")).status_code == 200
    async with AsyncTestClient(app=create_app()) as visitor:
        response = await visitor.get("/api/services")
        assert "set-cookie" not in response.headers


async def test_password_change_ends_every_other_session(people, client):
    await login(client, "cm@example.org")
    laptop = httpx.Cookies(client.cookies)
    client.cookies = httpx.Cookies()
    await login(client, "cm@example.org")  # the same person on a second device
    short = await client.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 400 and "12 characters" in short.text
    wrong = await client.post("/api/auth/password", json={"current_password": "nope", "new_password": "a" * 12})
    assert wrong.status_code == 403
    changed = await client.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "b" * 14})
    assert changed.status_code == 200
    assert (await client.get("/api/auth/me")).status_code == 200  # the session that changed it goes on
    phone = httpx.Cookies(client.cookies)
    client.cookies = laptop
    assert (await client.get("/api/auth/me")).status_code == 401  # the other one is over
    # A stale session cookie does not stand in the way of signing in again.
    assert (await login(client, "cm@example.org", "b" * 14)).status_code == 200
    client.cookies = phone
    assert (await login(client, "cm@example.org", PASSWORD)).status_code == 401


async def test_guessing_the_current_password_from_a_session_counts_towards_the_lockout(people, client):
    """A stolen session must not be a way to guess the password: wrong current passwords lock the account."""
    await login(client, "cm@example.org")
    guesses = [
        (await client.post("/api/auth/password", json={"current_password": f"guess-{i}", "new_password": "c" * 14}))
        for i in range(MAX_FAILED_LOGINS)
    ]
    assert [g.status_code for g in guesses] == [403] * MAX_FAILED_LOGINS
    # Locked now: even the right password is refused, here and at sign-in, with the same answers as before.
    right = await client.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "c" * 14})
    assert right.status_code == 403 and right.json()["detail"] == guesses[0].json()["detail"]
    client.cookies = httpx.Cookies()
    assert (await login(client, "cm@example.org")).status_code == 401
    await login(client, "admin@example.org")
    reasons = [
        e["detail"]
        for e in (await client.get("/api/audit")).json()["contents"]
        if e["action"] == "password_change_failed"
    ]
    assert "wrong password, now locked" in reasons and "account locked" in reasons


async def test_session_ids_are_stored_only_as_hashes(people, client):
    await login(client, "cm@example.org")
    session_id = client.cookies.get("session")
    keys = [row["key"] for row in await in_app_loop(client, SessionRecord.select(SessionRecord.key).run)]
    assert session_id and keys and not any(session_id in key for key in keys)


async def test_sign_in_takes_json_only(people, client):
    body = '{"email": "cm@example.org", "password": "' + PASSWORD + '"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = await client.post("/api/auth/login", content=body, headers={"content-type": content_type})
        assert response.status_code == 415, content_type
        assert "session" not in client.cookies
    assert (await client.post("/api/auth/login", content=body, headers={"content-type": "application/json"})).is_success


async def test_hsts_only_in_production():
    async with AsyncTestClient(app=create_app()) as development:
        assert "strict-transport-security" not in (await development.get("/healthz")).headers
    async with AsyncTestClient(app=create_app(production())) as production_app:
        headers = (await production_app.get("/healthz")).headers
    assert headers["strict-transport-security"].startswith("max-age=31536000")


async def test_partner_admin_manages_only_its_own_tokens(people, client):
    await login(client, "x@example.org")
    issued = await client.post(f"/api/partner_organizations/{people['shelter']}/tokens", json={"name": "case system"})
    assert issued.status_code == 201
    token = issued.json()["token"]
    other = await client.post(f"/api/partner_organizations/{people['pantry']}/tokens", json={"name": "sneaky"})
    assert other.status_code == 404 and "sneaky" not in other.text
    listed = (await client.get(f"/api/partner_organizations/{people['shelter']}/tokens")).json()
    assert [t["name"] for t in listed] == ["case system"] and "token" not in listed[0]

    # The partner's system sends only the token (a Bearer token outranks any session cookie).
    headers = {"Authorization": f"Bearer {token}"}
    me = (await client.get("/api/auth/me", headers=headers)).json()
    assert me["role"] == "partner_staff" and me["organization_id"] == str(people["shelter"])
    assert me["account_id"] is None
    assert (await client.delete(f"/api/tokens/{issued.json()['id']}")).status_code == 204
    revoked = await client.get("/api/auth/me", headers=headers)
    assert revoked.status_code == 401 and "revoked" in revoked.text
    listed = (await client.get(f"/api/partner_organizations/{people['shelter']}/tokens")).json()
    assert listed[0]["last_used_at"] is not None and listed[0]["revoked_at"] is not None


async def test_a_token_has_no_session_to_sign_out_and_nothing_is_audited(people, client):
    await login(client, "x@example.org")
    issued = await client.post(f"/api/partner_organizations/{people['shelter']}/tokens", json={"name": "case system"})
    await client.post("/api/auth/logout")
    logouts = AuditEvent.count().where(AuditEvent.action == "logout").run
    before = await in_app_loop(client, logouts)
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    refused = await client.post("/api/auth/logout", headers=headers)
    assert refused.status_code == 403 and refused.json()["code"] == "token_has_no_session"
    assert await in_app_loop(client, logouts) == before
    assert (await client.get("/api/auth/me", headers=headers)).status_code == 200


async def test_staff_who_are_not_partner_admins_cannot_issue_tokens(people, client):
    await login(client, "x2@example.org")
    response = await client.post(f"/api/partner_organizations/{people['shelter']}/tokens", json={"name": "n"})
    assert response.status_code == 404
    await login(client, "cm@example.org")
    response = await client.post(f"/api/partner_organizations/{people['shelter']}/tokens", json={"name": "n"})
    assert response.status_code == 403


async def test_admins_cannot_issue_partner_credentials_but_can_revoke_them(people, client):
    await login(client, "admin@example.org")
    response = await client.post(f"/api/partner_organizations/{people['shelter']}/tokens", json={"name": "n"})
    assert response.status_code == 403 and "partner organization's own admin" in response.json()["detail"]
    assert "token" not in response.json()
    await login(client, "x@example.org")
    issued = (await client.post(f"/api/partner_organizations/{people['shelter']}/tokens", json={"name": "ehr"})).json()
    await login(client, "admin@example.org")
    listed = (await client.get(f"/api/partner_organizations/{people['shelter']}/tokens")).json()
    assert listed[0]["created_by"] == "Shelter admin"  # every credential says who made it
    assert (await client.delete(f"/api/tokens/{issued['id']}")).status_code == 204


async def test_audit_log_is_for_admins_and_records_sign_ins(people, client):
    assert (await client.get("/api/audit")).status_code == 401
    await login(client, "cm@example.org")
    assert (await client.get("/api/audit")).status_code == 403
    await login(client, "nobody@example.org")
    await login(client, "admin@example.org")
    events = (await client.get("/api/audit")).json()["contents"]
    actions = [e["action"] for e in events]
    assert "login" in actions and "login_failed" in actions
    assert all(PASSWORD not in str(e) for e in events)


async def test_security_headers_on_pages_api_and_errors(client):
    responses = [await client.get(path) for path in ("/", "/api/services", "/healthz", "/api/nowhere")]
    responses.append(await client.delete("/api/services"))  # 405, answered before any middleware
    assert [r.status_code for r in responses[-2:]] == [404, 405]
    for response in responses:
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"


def test_cli_creates_accounts_and_tokens():
    runner = CliRunner()
    admin = runner.invoke(
        directory_group,
        ["accounts", "create-admin", "--email", "boss@example.org", "--name", "Boss", "--password", PASSWORD],
    )
    assert admin.exit_code == 0, admin.output
    team = runner.invoke(directory_group, ["accounts", "create-care-team", "Team Z"])
    assert team.exit_code == 0
    user = runner.invoke(
        directory_group,
        [
            "accounts",
            "create-user",
            "--email",
            "z@example.org",
            "--name",
            "Z",
            "--role",
            "care_manager",
            "--care-team",
            team.output.strip(),
            "--password",
            PASSWORD,
        ],
    )
    assert user.exit_code == 0, user.output
    weak = runner.invoke(
        directory_group, ["accounts", "create-admin", "--email", "w@example.org", "--name", "W", "--password", "short"]
    )
    assert weak.exit_code == 2 and "12 characters" in weak.output
    created = runner.invoke(directory_group, ["accounts", "create-organization", "Clinic Q"])
    assert created.exit_code == 0, created.output
    organization = created.output.strip()
    again = runner.invoke(directory_group, ["accounts", "create-organization", "Clinic Q"])
    assert again.output.strip() == organization
    staff = runner.invoke(
        directory_group,
        ["accounts", "create-user", "--email", "q@example.org", "--name", "Q", "--role", "partner_staff"]
        + ["--organization", organization, "--partner-admin", "--password", PASSWORD],
    )
    assert staff.exit_code == 0, staff.output
    issue = ["accounts", "issue-token", "--organization", str(organization), "--name", "ehr", "--issued-by"]
    refused = runner.invoke(directory_group, [*issue, "boss@example.org"])
    assert refused.exit_code == 2 and "partner organization's own admin" in refused.output
    token = runner.invoke(directory_group, [*issue, "q@example.org"])
    assert token.exit_code == 0 and "rdt_" in token.output
    token_id = token.output.split()[1]
    assert runner.invoke(directory_group, ["accounts", "revoke-token", token_id]).exit_code == 0
    assert runner.invoke(directory_group, ["accounts", "revoke-token", token_id]).exit_code == 2


def test_issue_token_service_stores_only_a_hash(people):
    from accounts.tables import ApiToken

    admin_row = asyncio.run(Account.select().where(Account.email == "x@example.org").first().run())
    _, token = asyncio.run(issue_token(principal_for_account(admin_row), people["shelter"], "n"))
    rows = asyncio.run(ApiToken.select().run())
    assert all(token not in str(row) for row in rows)


def test_anonymous_visitors_get_no_session():
    from litestar.testing import TestClient

    with TestClient(app=create_app()) as client:
        for path in ("/api/services", "/api/auth/me", "/"):
            response = client.get(path)
            assert "set-cookie" not in response.headers, path
    assert asyncio.run(SessionRecord.count().run()) == 0


async def test_simultaneous_wrong_passwords_all_count_towards_the_lockout(people, client):
    """The review's finding: on PostgreSQL, concurrent failures overwrote each other's count."""
    wrong = [login(client, "x2@example.org", f"wrong password {i:02d}") for i in range(MAX_FAILED_LOGINS + 3)]
    assert {r.status_code for r in await asyncio.gather(*wrong)} == {401}
    row = await in_app_loop(
        client, Account.select(Account.locked_until).where(Account.email == "x2@example.org").first().run
    )
    assert row["locked_until"] is not None
    assert (await login(client, "x2@example.org")).status_code == 401  # the right password, while locked


async def test_a_token_stops_when_its_issuer_is_no_longer_an_active_partner_admin(people, client):
    await login(client, "x@example.org")
    token = (await client.post(f"/api/partner_organizations/{people['shelter']}/tokens", json={"name": "ehr"})).json()[
        "token"
    ]
    await client.post("/api/auth/logout")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/auth/me", headers=headers)).status_code == 200
    changes = [
        ({Account.is_partner_admin: False}, {Account.is_partner_admin: True}),
        ({Account.is_active: False}, {Account.is_active: True}),
        ({Account.role: "care_manager"}, {Account.role: "partner_staff"}),
    ]
    for change, restore in changes:
        await in_app_loop(client, Account.update(change).where(Account.email == "x@example.org").run)
        assert (await client.get("/api/auth/me", headers=headers)).status_code == 401
        await in_app_loop(client, Account.update(restore).where(Account.email == "x@example.org").run)
        assert (await client.get("/api/auth/me", headers=headers)).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"a":' * 1000 + "1" + "}" * 1000, "nested too deeply"),
        ('{"email": "a\\u0000@example.org", "password": "x"}', "NUL"),
    ],
)
async def test_hostile_bodies_get_400_not_500(client, body, message):
    response = await client.post("/api/auth/login", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and message in response.json()["detail"]


async def test_a_nul_in_the_query_gets_400(client):
    response = await client.get("/api/organizations", params={"search": "a\x00b"})
    assert response.status_code == 400 and "NUL" in response.json()["detail"]
