"""The CSRF token cookie: readable by the pages' script, sent on same-site requests only, Secure in production;
and only a live session cookie makes a request one that must carry the token."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from litestar.testing import AsyncTestClient

from accounts.services.accounts import create_account, create_care_team
from kernel.settings import Settings
from server.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def care_manager() -> str:
    """A care manager's e-mail (made before the app starts: PostgreSQL pools live in the app's loop)."""

    async def make() -> str:
        team = await create_care_team("Team A")
        await create_account("cm@example.org", "Care Manager", PASSWORD, "care_manager", care_team_id=team)
        return "cm@example.org"

    return asyncio.run(make())


def _csrf_cookie(response) -> list[str]:
    """The attributes of the csrftoken Set-Cookie header, its value left out (in lower case: browsers read them so)."""
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith("csrftoken="))
    return sorted(part.strip().lower() for part in header.split(";")[1:])


async def test_signing_in_sets_a_script_readable_same_site_token_cookie(care_manager):
    async with AsyncTestClient(app=create_app()) as browser:
        signed_in = await browser.post("/api/auth/login", json={"email": care_manager, "password": PASSWORD})
        assert signed_in.status_code == 200
        assert _csrf_cookie(signed_in) == ["path=/", "samesite=strict"]  # no HttpOnly: the pages' script reads it


async def test_in_production_the_token_cookie_is_secure(care_manager):
    production = dataclasses.replace(
        Settings.from_environment(),
        app_env="production",
        secret_key="s3cret-shared-by-all-servers",
        ledger_key="ledger-key-kept-elsewhere",
        password_hashing="argon2id",
    )
    async with AsyncTestClient(app=create_app(production), base_url="https://testserver.local") as browser:
        signed_in = await browser.post("/api/auth/login", json={"email": care_manager, "password": PASSWORD})
    assert signed_in.status_code == 200
    assert _csrf_cookie(signed_in) == ["path=/", "samesite=strict", "secure"]


async def test_a_signed_out_session_cookie_is_no_session(care_manager):
    """After sign-out the browser may still send `session=null`: that visitor is anonymous, and an anonymous
    request carries no ambient authority, so it is not asked for a token (the API answers 401, not 403)."""
    async with AsyncTestClient(app=create_app()) as browser:
        browser.cookies.set("session", "null")
        response = await browser.post("/api/clients", json={"preferred_name": "Someone"})
        assert response.status_code == 401, response.text
        assert "csrftoken" not in response.headers.get("set-cookie", "")


async def test_open_data_never_sets_a_cookie_even_for_a_signed_in_browser(care_manager):
    """Open data is cacheable by anyone: a token cookie on it could be kept by a shared cache and handed to others.
    The CSRF middleware does not run there; on the browser's own routes it hands out a missing token."""
    async with AsyncTestClient(app=create_app()) as browser:
        await browser.post("/api/auth/login", json={"email": care_manager, "password": PASSWORD})
        browser.cookies.delete("csrftoken")
        for path in ("/api/services", "/healthz"):
            response = await browser.get(path)
            assert response.status_code == 200 and "set-cookie" not in response.headers, path
        own = await browser.get("/api/auth/me")
        assert own.status_code == 200
        assert any(cookie.startswith("csrftoken=") for cookie in own.headers.get_list("set-cookie"))
