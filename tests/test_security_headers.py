"""The Content-Security-Policy, whole: a directive dropped or loosened anywhere fails here."""

from __future__ import annotations

import dataclasses

import pytest
from litestar.testing import AsyncTestClient

from kernel.settings import Settings
from server.app import create_app

POLICY = (
    "default-src 'self'; "
    "img-src 'self' data: https://tiles.example.org:8443; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)
"""Everything from this server; map tiles from MAP_TILE_URL's origin; forms post here only; no framing."""

REDOC_POLICY = (
    "default-src 'self'; "
    "img-src 'self' data:; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; "
    "style-src 'self' 'unsafe-inline'; "
    "worker-src 'self' blob:"
)
"""Redoc's page alone may style itself inline and search in a blob: worker (it shows the public schema only)."""


@pytest.fixture
def tile_server() -> Settings:
    """Settings with a map tile server of our choosing, so the policy names a known origin."""
    return dataclasses.replace(
        Settings.from_environment(), map_tile_url="https://tiles.example.org:8443/osm/{z}/{x}/{y}.png"
    )


async def test_every_page_and_answer_carries_the_whole_policy(tile_server):
    async with AsyncTestClient(app=create_app(tile_server)) as client:
        for path in ("/", "/app/sign-in", "/api/services", "/healthz", "/api/nowhere"):
            response = await client.get(path)
            assert response.headers["content-security-policy"] == POLICY, path
        redoc = await client.get("/schema/redoc")
        assert redoc.status_code == 200
        assert redoc.headers["content-security-policy"] == REDOC_POLICY
