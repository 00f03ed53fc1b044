"""The public directory API and sign-in are rate limited per real client address: counters in memory, or
in Redis shared by every app server; X-Forwarded-For counts only from proxies named in TRUSTED_PROXIES."""

from __future__ import annotations

import dataclasses
import os
import socket

import pytest
from litestar.testing import AsyncTestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from accounts.tables import AuditEvent
from kernel.settings import Settings
from server.app import create_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PROXY = "10.0.0.5"


def limit_of_five(**changes) -> Settings:
    """The test environment's settings with five public requests a minute per address (and any other change)."""
    return dataclasses.replace(Settings.from_environment(), public_rate_limit=5, **changes)


class FromAddress:
    """The app as reached from `host` (the test client always connects from "testclient", not an address)."""

    def __init__(self, app: ASGIApp, host: str) -> None:
        self.app = app
        self.host = host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (self.host, 50000)}  # type: ignore[assignment]
        await self.app(scope, receive, send)


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


async def _searches(count: int, settings: Settings) -> list[int]:
    async with AsyncTestClient(app=create_app(settings)) as client:
        return [(await client.get("/api/services", params={"search": "food"})).status_code for _ in range(count)]


async def test_the_sixth_search_in_a_minute_gets_429_and_health_checks_are_not_counted():
    async with AsyncTestClient(app=create_app(limit_of_five())) as client:
        for _ in range(10):
            assert (await client.get("/healthz")).status_code == 200
        statuses = [(await client.get("/api/organizations")).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        refused = await client.get("/api/services")
        assert refused.status_code == 429 and int(refused.headers["ratelimit-reset"]) > 0
        assert refused.headers["x-content-type-options"] == "nosniff"  # refusals carry the security headers too


async def test_the_public_pages_count_against_the_same_limit_as_the_api():
    """The search page runs the same search as the API: scraping it must not get around the limit."""
    async with AsyncTestClient(app=create_app(limit_of_five())) as client:
        for _ in range(5):
            assert (await client.get("/static/style.css")).status_code == 200
            assert (await client.get("/language/es", follow_redirects=False)).status_code < 400
        pages = [(await client.get(path, params={"near": "21201"})).status_code for path in ("/", "/print") * 2]
        assert pages == [200] * 4
        assert (await client.get("/api/organizations")).status_code == 200
        assert (await client.get("/", params={"near": "21201"})).status_code == 429
        assert (await client.get("/print")).status_code == 429


async def test_without_redis_each_server_counts_in_memory_and_writes_nothing_per_request():
    from accounts.tables import SessionRecord

    assert await _searches(6, limit_of_five()) == [200] * 5 + [429]
    assert await _searches(1, limit_of_five()) == [200]  # another server process keeps its own count
    assert await SessionRecord.count() == 0


async def test_rotating_x_forwarded_for_does_not_escape_the_limits():
    async with AsyncTestClient(app=create_app(limit_of_five())) as client:
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


async def test_a_trusted_proxy_names_the_client():
    app = create_app(limit_of_five(trusted_proxies=(PROXY,)))
    async with AsyncTestClient(app=FromAddress(app, PROXY)) as client:  # type: ignore[arg-type]
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
async def test_app_servers_share_the_count_through_redis():
    from redis.asyncio import Redis

    async with Redis.from_url(REDIS_URL) as redis:
        await redis.flushdb()
    assert await _searches(4, limit_of_five(redis_url=REDIS_URL)) == [200] * 4
    assert await _searches(2, limit_of_five(redis_url=REDIS_URL)) == [200, 429]
