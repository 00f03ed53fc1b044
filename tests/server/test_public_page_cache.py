"""The public results page is made once per search, language and index revision for anonymous visitors, and
served again for half a minute; a signed-in person always gets a page made for them."""

from __future__ import annotations

import gzip

import pytest

import directory.pages
from server.page_cache import KeptPages

pytestmark = pytest.mark.usefixtures("seeded")

RESULTS = "/?near=21201&search=food"
DEMO_CARE_MANAGER = "care.manager@demo.example"
DEMO_PASSWORD = "demo-password-2026"


@pytest.fixture
def searches_fail_from_now(monkeypatch):
    """Any search the page makes from here on fails: a page that still comes back was kept, not made again."""

    def refuse(*_args, **_kwargs):
        raise RuntimeError("the page was made again")

    return lambda: monkeypatch.setattr(directory.pages, "search_query", refuse)


async def test_the_same_search_is_served_again_without_searching(client, searches_fail_from_now):
    first = await client.get(RESULTS)
    assert first.status_code == 200 and "places found" in first.text
    searches_fail_from_now()
    again = await client.get(RESULTS)
    assert again.status_code == 200 and again.text == first.text


async def test_each_language_and_each_search_is_a_page_of_its_own(client, searches_fail_from_now):
    english = await client.get(RESULTS)
    spanish = await client.get(RESULTS, headers={"Accept-Language": "es"})
    assert "places found" in english.text and "Se encontraron" in spanish.text
    searches_fail_from_now()
    assert (await client.get(RESULTS, headers={"Accept-Language": "es"})).text == spanish.text
    assert (await client.get("/?near=21201&search=shelter")).status_code == 500  # made again: it failed


async def test_a_signed_in_person_never_gets_the_kept_page(client, searches_fail_from_now):
    assert (await client.get(RESULTS)).status_code == 200  # kept for anonymous visitors
    signed_in = await client.post("/api/auth/login", json={"email": DEMO_CARE_MANAGER, "password": DEMO_PASSWORD})
    assert signed_in.status_code == 200
    searches_fail_from_now()
    assert (await client.get(RESULTS)).status_code == 500  # made again for them: it failed


async def test_a_kept_page_goes_out_gzipped_only_to_those_who_take_gzip(client):
    async def sent(encoding: str):
        async with client.stream("GET", RESULTS, headers={"Accept-Encoding": encoding}) as response:
            return response.headers.get("content-encoding"), b"".join([c async for c in response.aiter_raw()])

    made_zipped, zipped = await sent("gzip")
    kept_zipped, zipped_again = await sent("gzip")
    made_plain, plain = await sent("identity")
    kept_plain, plain_again = await sent("identity")
    assert made_zipped == kept_zipped == "gzip" and made_plain is None and kept_plain is None
    assert gzip.decompress(zipped) == gzip.decompress(zipped_again) == plain == plain_again


async def test_a_kept_page_varies_by_each_header_once(client):
    await client.get(RESULTS)
    kept = await client.get(RESULTS)
    varies = [v.strip().lower() for v in kept.headers["vary"].split(",")]
    assert sorted(varies) == sorted(set(varies)) and {"accept-language", "cookie"} <= set(varies)


async def test_the_kept_pages_are_bounded_the_oldest_going_first():
    """Every new query string is a new key (found by the second outside review: expired pages stayed forever)."""
    store = KeptPages(limit=3)
    for number in range(5):
        await store.set(f"page {number}", b"<html>", expires_in=30)
    assert [await store.get(f"page {number}") for number in range(5)] == [None, None, b"<html>", b"<html>", b"<html>"]
