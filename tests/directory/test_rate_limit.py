"""The public directory API is rate limited per address, with counters every app server shares."""

from __future__ import annotations

import os
import socket

import pytest
from litestar.testing import AsyncTestClient

from kernel.settings import get_settings
from server.app import create_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def limit_of_five(monkeypatch):
    monkeypatch.setenv("PUBLIC_RATE_LIMIT", "5")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


async def _searches(count: int) -> list[int]:
    async with AsyncTestClient(app=create_app()) as client:
        return [(await client.get("/api/services", params={"search": "food"})).status_code for _ in range(count)]


async def test_the_sixth_search_in_a_minute_gets_429_and_health_checks_are_not_counted(limit_of_five):
    async with AsyncTestClient(app=create_app()) as client:
        for _ in range(10):
            assert (await client.get("/healthz")).status_code == 200
        statuses = [(await client.get("/api/organizations")).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        refused = await client.get("/api/services")
        assert refused.status_code == 429 and int(refused.headers["ratelimit-reset"]) > 0


async def test_app_servers_share_the_count_through_the_database(limit_of_five):
    assert await _searches(3) == [200] * 3
    assert await _searches(3) == [200, 200, 429]  # a second server instance continues the same count


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
async def test_app_servers_share_the_count_through_redis(limit_of_five, monkeypatch):
    from redis.asyncio import Redis

    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    async with Redis.from_url(REDIS_URL) as redis:
        await redis.flushdb()
    assert await _searches(4) == [200] * 4
    assert await _searches(2) == [200, 429]
