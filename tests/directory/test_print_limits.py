"""The public pages' bounds: a printed list names at most 30 listings (more is refused, saying so), and every public
HTML page (search, a listing, the printed list) counts against PUBLIC_RATE_LIMIT as the open API does."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from server.app import create_app

LANGUAGES = pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "A printed list holds at most 30 places. Choose fewer places and try again."),
        ("es", "Una lista impresa tiene como máximo 30 lugares. Elija menos lugares e intente de nuevo."),
    ],
)


def _print_path(count: int) -> str:
    return "/print?" + "&".join(f"ids={uuid.uuid4()}" for _ in range(count))


@LANGUAGES
async def test_a_printed_list_of_more_than_30_listings_is_refused_saying_why(client, language, words):
    refused = await client.get(_print_path(50), headers={"Accept-Language": language})
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/html")
    assert words in refused.text
    assert (await client.get(_print_path(31))).status_code == 400
    assert (await client.get(_print_path(30))).status_code == 200


async def test_every_public_page_counts_against_the_public_limit():
    """A listing's page reads the same index as a search: opening listing after listing must not get around it."""
    settings = dataclasses.replace(Settings.from_environment(), public_rate_limit=5)
    async with AsyncTestClient(app=create_app(settings)) as client:
        for _ in range(5):
            assert (await client.get(f"/listings/{uuid.uuid4()}")).status_code == 404
        assert (await client.get(f"/listings/{uuid.uuid4()}")).status_code == 429
        assert (await client.get(_print_path(1))).status_code == 429
        assert (await client.get("/")).status_code == 429
        assert (await client.get("/api/organizations")).status_code == 429
        assert (await client.get("/healthz")).status_code == 200
