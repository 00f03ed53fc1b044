"""The refusals of the sign-in and password pages, in English and in Spanish: the person's words from the code in
an error summary, the focus on the field to fix, and the API's answer to the same refusal with its code."""

from __future__ import annotations

import asyncio
import re

import pytest
from litestar.testing import AsyncTestClient
from markupsafe import escape

from accounts.services.accounts import create_account, create_care_team
from tests.apps import app_for_test

PASSWORD = "correct horse battery"
LANGUAGES = pytest.mark.parametrize("language", ["en", "es"])
SIGN_IN_REFUSED = {
    "en": "The e-mail address or the password is not right. Check both and try again.",
    "es": "El correo electrónico o la contraseña no son correctos. Revise ambos e intente de nuevo.",
}
PASSWORD_TOO_SHORT = {
    "en": "Choose a new password of at least 12 characters.",
    "es": "Elija una contraseña nueva de al menos 12 caracteres.",
}


async def _care_manager() -> None:
    team = await create_care_team("Team A")
    await create_account("cm@example.org", "Care Manager", PASSWORD, "care_manager", care_team_id=team)


@pytest.fixture
def care_manager() -> str:
    """A care manager's account, made before the app starts."""
    asyncio.run(_care_manager())
    return "cm@example.org"


def _summary(page) -> str:
    found = re.search(r'<div class="error-summary" role="alert".*?</div>', page.text, re.S)
    assert found, page.text[-2000:]
    return found.group(0)


def _focused(page) -> str:
    fields = re.findall(r"<input\b[^>]*\bautofocus\b[^>]*>", page.text)
    assert len(fields) == 1, fields
    return fields[0]


@LANGUAGES
async def test_a_wrong_sign_in_says_so_and_focuses_the_e_mail(care_manager, client, language):
    await client.get("/app/sign-in")  # the form's page sets the CSRF token the form posts back
    page = await client.post(
        "/app/sign-in",
        data={"email": care_manager, "password": "not the password", "next": ""},
        headers={"Accept-Language": language},
        follow_redirects=False,
    )
    assert page.status_code == 401
    summary = _summary(page)
    assert 'data-error-code="sign_in_refused"' in summary
    assert f'<a href="#email">{escape(SIGN_IN_REFUSED[language])}</a>' in summary
    assert 'id="email"' in _focused(page) and f'value="{care_manager}"' in _focused(page)
    assert "wrong e-mail or password" not in page.text
    api = await client.post("/api/auth/login", json={"email": care_manager, "password": "not the password"})
    assert api.status_code == 401 and api.json()["code"] == "sign_in_refused"
    assert api.json()["detail"] == "wrong e-mail or password" and api.json()["title"] == "Unauthorized"


@LANGUAGES
async def test_a_short_new_password_says_how_long_it_must_be(care_manager, client, language):
    signed_in = await client.post("/api/auth/login", json={"email": care_manager, "password": PASSWORD})
    assert signed_in.status_code == 200
    form = {"current_password": PASSWORD, "new_password": "short", "repeat_password": "short"}
    page = await client.post("/app/password", data=form, headers={"Accept-Language": language}, follow_redirects=False)
    assert page.status_code == 400
    summary = _summary(page)
    assert 'data-error-code="password_too_short"' in summary
    assert f'<a href="#new_password">{escape(PASSWORD_TOO_SHORT[language])}</a>' in summary
    assert 'id="new_password"' in _focused(page)
    api = await client.post("/api/auth/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert api.status_code == 400 and api.json()["code"] == "password_too_short"
    assert api.json()["parameters"] == {"minimum": 12}
    assert api.json()["detail"] == "passwords must have at least 12 characters"


async def test_another_site_cannot_sign_a_visitor_in_with_the_sign_in_form(care_manager):
    """Login CSRF: a form on another site posting the sign-in form (with the attacker's account) is refused."""
    async with AsyncTestClient(app=await app_for_test()) as browser:
        forged = await browser.post(
            "/app/sign-in",
            data={"email": care_manager, "password": PASSWORD, "next": ""},
            headers={"Origin": "null"},
            follow_redirects=False,
        )
        assert forged.status_code == 403
        assert "session" not in forged.cookies
        form = await browser.get("/app/sign-in")
        token = form.cookies["csrftoken"]
        assert f'name="_csrf_token" value="{token}"' in form.text
        signed_in = await browser.post(
            "/app/sign-in",
            data={"email": care_manager, "password": PASSWORD, "next": "", "_csrf_token": token},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303 and "session" in signed_in.cookies
