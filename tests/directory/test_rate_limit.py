"""The public directory API and sign-in are rate limited per real client address: counters in memory, or
in Redis shared by every app server; X-Forwarded-For counts only from proxies named in TRUSTED_PROXIES."""

from __future__ import annotations

import os
import socket

import pytest
from litestar.testing import AsyncTestClient

from accounts.tables import AuditEvent
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
        assert refused.headers["x-content-type-options"] == "nosniff"  # refusals carry the security headers too


async def test_without_redis_each_server_counts_in_memory_and_writes_nothing_per_request(limit_of_five):
    from accounts.tables import SessionRecord

    assert await _searches(6) == [200] * 5 + [429]
    assert await _searches(1) == [200]  # another server process keeps its own count
    assert await SessionRecord.count() == 0


async def test_rotating_x_forwarded_for_does_not_escape_the_limits(limit_of_five):
    async with AsyncTestClient(app=create_app()) as client:
        statuses = [
            (await client.get("/api/services", headers={"x-forwarded-for": f"203.0.113.{i}"})).status_code
            for i in range(8)
        ]
        assert statuses == [200] * 5 + [429] * 3
        logins = [
            (
                await client.post(
                    "/api/auth/login",
                    json={"email": "nobody@example.org", "password": "wrong password 1"},
                    headers={"x-forwarded-for": f"198.51.100.{i}"},
                )
            ).status_code
            for i in range(12)
        ]
        assert logins == [401] * 10 + [429] * 2
    addresses = {row["client_address"] for row in await AuditEvent.select(AuditEvent.client_address)}
    assert addresses == {"testclient"}  # the connection's own address, never the header's


async def test_a_trusted_proxy_names_the_client(limit_of_five, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "testclient")
    get_settings.cache_clear()
    async with AsyncTestClient(app=create_app()) as client:
        statuses = [
            (await client.get("/api/services", headers={"x-forwarded-for": f"203.0.113.{i % 2}"})).status_code
            for i in range(12)
        ]
        assert statuses == [200] * 10 + [429] * 2  # two clients behind the proxy, five each
        await client.post(
            "/api/auth/login",
            json={"email": "nobody@example.org", "password": "wrong password 1"},
            headers={"x-forwarded-for": "203.0.113.9"},
        )
    addresses = {row["client_address"] for row in await AuditEvent.select(AuditEvent.client_address)}
    assert addresses == {"203.0.113.9"}


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis on 127.0.0.1:6379")
async def test_app_servers_share_the_count_through_redis(limit_of_five, monkeypatch):
    from redis.asyncio import Redis

    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    get_settings.cache_clear()
    async with Redis.from_url(REDIS_URL) as redis:
        await redis.flushdb()
    assert await _searches(4) == [200] * 4
    assert await _searches(2) == [200, 429]
