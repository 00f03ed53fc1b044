"""A form sent as multipart/form-data (curl -F, a script's FormData) is refused at once with 415, on every form
route, signed in or not: the pages read URL-encoded forms only, and the API reads JSON only. Before, the CSRF
check read the multipart body and the next reader waited for a body that never came: no answer at all."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from accounts.services.accounts import create_account, create_care_team

PASSWORD = "correct horse battery"
# Before the fix the request never got an answer: fail then, rather than wait for the suite's own timeout.
ANSWERS_AT_ONCE = pytest.mark.timeout(60)


async def _accounts() -> None:
    team = await create_care_team("Team A")
    await create_account("cm@example.org", "Care Manager", PASSWORD, "care_manager", care_team_id=team)


@pytest.fixture
def care_manager() -> str:
    """A care manager's account, made before the app starts."""
    asyncio.run(_accounts())
    return "cm@example.org"


def _multipart(fields: dict[str, str]) -> dict[str, tuple[None, str]]:
    """Form fields as curl -F sends them (httpx makes it multipart/form-data when given `files`)."""
    return {name: (None, value) for name, value in fields.items()}


async def _post_multipart(client, path: str, fields: dict[str, str]):
    form = {"_csrf_token": client.cookies.get("csrftoken") or "", **fields}
    # Without the CSRF header the check reads the form's own _csrf_token field, as it does for a browser's form.
    return await client.post(path, files=_multipart(form), headers={"x-csrftoken": ""}, follow_redirects=False)


@ANSWERS_AT_ONCE
@pytest.mark.parametrize(
    ("path", "fields", "url_encoded_status"),
    [
        ("/app/clients", {"preferred_name": "x"}, 303),
        ("/app/password", {"current_password": PASSWORD, "new_password": "x" * 14, "repeat_password": "x" * 14}, 303),
        ("/partner/tokens/", {"name": "Intake EHR"}, 403),  # a care manager's role may not: refused, but answered
        ("/app/sign-out", {}, 303),
    ],
)
async def test_a_signed_in_multipart_form_is_refused_at_once(care_manager, client, path, fields, url_encoded_status):
    signed_in = await client.post("/api/auth/login", json={"email": care_manager, "password": PASSWORD})
    assert signed_in.status_code == 200
    refused = await _post_multipart(client, path, fields)
    assert refused.status_code == 415, refused.text
    assert refused.headers["content-type"].startswith("text/html")
    assert "This form could not be read" in refused.text
    # The same form, URL-encoded as browsers send it, is read as before.
    form = {"_csrf_token": client.cookies.get("csrftoken") or "", **fields}
    accepted = await client.post(path, data=form, headers={"x-csrftoken": ""}, follow_redirects=False)
    assert accepted.status_code == url_encoded_status, accepted.text


@ANSWERS_AT_ONCE
async def test_an_anonymous_multipart_form_and_an_api_call_are_refused_at_once(client):
    sign_in = await _post_multipart(client, "/app/sign-in", {"email": "nobody@example.org", "password": "x"})
    assert sign_in.status_code == 415
    report = await _post_multipart(client, f"/listings/{uuid.uuid4()}/report", {"reason": "closed"})
    assert report.status_code == 415
    api = await _post_multipart(client, "/api/auth/login", {"email": "nobody@example.org", "password": "x"})
    assert api.status_code == 415
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["code"] == "unsupported_media_type"
