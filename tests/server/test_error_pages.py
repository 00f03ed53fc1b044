"""No dead ends: a browser that reaches an unknown address, a method a page does not answer, or a server failure
gets a page in the site's layout and its language, with a way forward; an API client gets problem details as
before; a person refused a page gets a link to their own start page, never back to the page that refused them."""

from __future__ import annotations

import asyncio
import re

import pytest

from accounts.services.accounts import create_account, create_care_team
from directory.tables import Organization

PASSWORD = "correct horse battery"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NOT_FOUND = {
    "en": ("Not found", "There is no page at this address. Check the link, or start again from the start page."),
    "es": (
        "No encontrado",
        "No hay ninguna página en esta dirección. Revise el enlace o vuelva a empezar desde la página de inicio.",
    ),
}
START_LINK = re.compile(r'<main id="main".*?<a href="([^"]+)">', re.S)


async def _people() -> None:
    team = await create_care_team("Team A")
    await create_account("cm@example.org", "Care Manager", PASSWORD, "care_manager", care_team_id=team)
    organization = (await Organization.insert(Organization(name="Harbor")).returning(Organization.id))[0]["id"]
    await create_account("x@example.org", "Staff X", PASSWORD, "partner_staff", organization_id=organization)
    await create_account("admin@example.org", "Admin", PASSWORD, "admin")


@pytest.fixture
def people() -> None:
    """A care manager, a partner's staff member and an admin, made before the app starts."""
    asyncio.run(_people())


def _browser(language: str = "en") -> dict[str, str]:
    return {"Accept": BROWSER, "Accept-Language": language}


@pytest.mark.parametrize("language", ["en", "es"])
async def test_a_browser_at_an_unknown_address_gets_a_page_in_its_language(client, language):
    page = await client.get("/no-such-page", headers=_browser(language))
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    title, words = NOT_FOUND[language]
    assert f"<h1>{title}</h1>" in page.text and words in page.text
    assert f'<html lang="{language}">' in page.text
    assert START_LINK.search(page.text).group(1) == "/"  # a way forward: the directory
    assert page.headers["x-content-type-options"] == "nosniff"


async def test_api_clients_and_api_addresses_keep_problem_details(client):
    for path, headers in (("/no-such-page", {"Accept": "application/json"}), ("/api/no-such", _browser())):
        answer = await client.get(path, headers=headers)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "not_found"


async def test_a_method_a_page_does_not_answer_is_a_page_too(client):
    page = await client.put("/app/sign-in", headers=_browser("es"))
    assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")
    assert "Esta página no puede hacer eso." in page.text
    assert "GET" in page.headers["allow"]
    api = await client.put("/app/sign-in")
    assert api.status_code == 405 and api.json()["code"] == "method_not_allowed"


async def test_a_server_failure_is_a_page_for_browsers_and_problem_details_for_the_api(client, monkeypatch):
    async def broken(self, query):
        raise RuntimeError("the index broke")

    monkeypatch.setattr("directory.search.index.SearchIndex.search", broken)
    page = await client.get("/", params={"near": "21201"}, headers=_browser("es"))
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Algo falló de nuestro lado." in page.text and "the index broke" not in page.text
    api = await client.get("/api/services", params={"near": "21201"}, headers=_browser())
    assert api.status_code == 500 and api.headers["content-type"] == "application/problem+json"
    assert api.json()["code"] == "server_error" and "the index broke" not in api.text


@pytest.mark.parametrize(
    ("email", "refused", "start"),
    [
        ("admin@example.org", "/app/", "/app/reports"),
        ("admin@example.org", "/partner/", "/app/reports"),
        ("cm@example.org", "/partner/", "/app/"),
        ("x@example.org", "/app/", "/partner/"),
    ],
)
async def test_a_refused_person_is_sent_on_to_their_own_start_page(people, client, email, refused, start):
    signed_in = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200
    page = await client.get(refused, headers=_browser())
    assert page.status_code == 403
    assert START_LINK.search(page.text).group(1) == start
    assert (await client.get(start, headers=_browser())).status_code == 200
