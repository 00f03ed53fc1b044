"""A partner admin's token pages: a new token's secret is shown once, on the page a redirect leads to, so reloading it
shows no secret and issues no second token; revoking asks first, on a page of its own (no JavaScript needed)."""

from __future__ import annotations

import asyncio
import re

import pytest

from accounts.services.accounts import create_account
from accounts.tables import ApiToken
from directory.tables import Organization
from tests.conftest import in_app_loop

PASSWORD = "correct horse battery"
SECRET = re.compile(r"rdt_[A-Za-z0-9_-]{20,}")


async def _partner_admin() -> None:
    organization = (await Organization.insert(Organization(name="Harbor")).returning(Organization.id))[0]["id"]
    await create_account(
        "x@example.org", "Staff X", PASSWORD, "partner_staff", organization_id=organization, is_partner_admin=True
    )


@pytest.fixture(autouse=True)
def partner_admin() -> None:
    """A partner organization's admin, made before the app starts."""
    asyncio.run(_partner_admin())


async def _sign_in(client) -> None:
    answer = await client.post("/api/auth/login", json={"email": "x@example.org", "password": PASSWORD})
    assert answer.status_code == 200


def _form(client, **fields: str) -> dict[str, str]:
    return {"_csrf_token": client.cookies.get("csrftoken") or "", **fields}


async def _token_count(client) -> int:
    return await in_app_loop(client, ApiToken.count().run)


async def test_the_secret_is_shown_once_after_a_redirect_and_a_reload_issues_nothing(client):
    await _sign_in(client)
    posted = await client.post("/partner/tokens/", data=_form(client, name="Intake EHR"), follow_redirects=False)
    assert posted.status_code == 303
    assert not SECRET.search(posted.text) and not SECRET.search(posted.headers["location"])
    shown = await client.get(posted.headers["location"])
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    secret = SECRET.search(shown.text).group(0)
    assert (await client.get("/api/referrals", headers={"Authorization": f"Bearer {secret}"})).status_code == 200
    reloaded = await client.get(posted.headers["location"])
    assert reloaded.status_code == 200 and not SECRET.search(reloaded.text)
    assert "its secret was shown once: it cannot be shown again" in reloaded.text
    assert await _token_count(client) == 1
    # Nothing of the secret is kept in the session or the database.
    rows = await in_app_loop(client, ApiToken.select().run)
    assert secret not in str(rows)


async def test_revoke_asks_first_on_a_page_and_revokes_only_when_confirmed(client):
    await _sign_in(client)
    posted = await client.post("/partner/tokens/", data=_form(client, name="Intake EHR"))
    secret = SECRET.search(posted.text).group(0)
    listed = await client.get("/partner/tokens")
    confirm_path = re.search(r'href="(/partner/tokens/[0-9a-f-]{36}/revoke)"', listed.text).group(1)
    assert f'action="{confirm_path}"' not in listed.text  # the list itself revokes nothing
    confirm = await client.get(confirm_path)
    assert confirm.status_code == 200
    assert "Revoke the token “Intake EHR”?" in confirm.text
    assert f'<form method="post" action="{confirm_path}"' in confirm.text and 'href="/partner/tokens"' in confirm.text
    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/referrals", headers=bearer)).status_code == 200  # asking changed nothing
    revoked = await client.post(confirm_path, data=_form(client), follow_redirects=False)
    assert revoked.status_code == 303 and revoked.headers["location"] == "/partner/tokens"
    assert (await client.get(confirm_path)).status_code == 404  # a revoked token has nothing left to confirm
    client.cookies.clear()
    assert (await client.get("/api/referrals", headers=bearer)).status_code == 401
