"""While the database cannot be reached, requests that need it get 503 with Retry-After (problem details for the
API, a page for browsers), not a 500; /healthz reports the database as its last background check found it, and
answers 503 while it is unreachable. The database is made unreachable in the test itself: PostgreSQL's engine is
pointed at a closed port on 127.0.0.1, SQLite's at a file in a folder that does not exist."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from litestar.testing import AsyncTestClient

from accounts.services.accounts import create_account, create_care_team
from kernel.settings import Settings
from server.app import create_app
from tests.conftest import in_app_loop

PASSWORD = "correct horse battery"
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "en"}


def _closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def database_away(client) -> AsyncIterator[None]:
    """The app's database unreachable until the block ends (on the app's loop, where its pool lives)."""
    from server.piccolo_conf import DB

    if DB.engine_type == "postgres":
        config = DB.config

        async def leave() -> None:
            await DB.close_connection_pool()
            DB.config = {"dsn": f"postgresql://postgres@127.0.0.1:{_closed_port()}/nowhere"}

        async def come_back() -> None:
            DB.config = config
            await DB.start_connection_pool()

    else:
        database = DB.connection_kwargs["database"]

        async def leave() -> None:
            DB.connection_kwargs["database"] = "/no-such-folder/for-the-tests/directory.sqlite"

        async def come_back() -> None:
            DB.connection_kwargs["database"] = database

    await in_app_loop(client, leave)
    try:
        yield
    finally:
        await in_app_loop(client, come_back)


def _settings(check_seconds: float) -> Settings:
    return dataclasses.replace(Settings.from_environment(), database_check_seconds=check_seconds)


async def _wait_for_health(client, status: int) -> dict:
    deadline = time.monotonic() + 10
    while True:
        answer = await client.get("/healthz")
        if answer.status_code == status or time.monotonic() > deadline:
            assert answer.status_code == status, answer.text
            return answer
        await asyncio.sleep(0.05)


async def _care_manager() -> None:
    team = await create_care_team("Team A")
    await create_account("cm@example.org", "Care Manager", PASSWORD, "care_manager", care_team_id=team)


@pytest.fixture
def care_manager() -> None:
    """A care manager, made before the app starts."""
    asyncio.run(_care_manager())


async def test_requests_that_need_the_database_get_503_with_retry_after(care_manager):
    async with AsyncTestClient(app=create_app(_settings(3600))) as client:
        signed_in = await client.post("/api/auth/login", json={"email": "cm@example.org", "password": PASSWORD})
        assert signed_in.status_code == 200
        async with database_away(client):
            api = await client.get("/api/organizations")
            assert api.status_code == 503, api.text
            assert api.headers["content-type"] == "application/problem+json"
            assert api.json()["code"] == "service_unavailable" and int(api.headers["retry-after"]) > 0
            page = await client.get("/app/", headers=BROWSER)
            assert page.status_code == 503, page.text[-1500:]
            assert page.headers["content-type"].startswith("text/html")
            assert "The site is not available right now. Please try again in a few minutes." in page.text
            assert int(page.headers["retry-after"]) > 0
            # Searches read the in-memory index, not the database: they go on working.
            assert (await client.get("/api/services", params={"near": "21201"})).status_code == 200
        assert (await client.get("/api/organizations")).status_code == 200
        assert (await client.get("/app/", headers=BROWSER)).status_code == 200


async def test_healthz_says_503_once_a_background_check_finds_the_database_away_and_200_when_back():
    async with AsyncTestClient(app=create_app(_settings(0.1))) as client:
        assert (await client.get("/healthz")).json()["database_reachable"] is True
        async with database_away(client):
            away = await _wait_for_health(client, 503)
            assert away.json()["status"] == "database unreachable" and away.json()["database_reachable"] is False
            assert int(away.headers["retry-after"]) > 0
        back = await _wait_for_health(client, 200)
        assert back.json()["status"] == "ok" and back.json()["database_reachable"] is True


async def test_healthz_asks_the_database_nothing_itself():
    """Between background checks it reports the last one: a health check every second costs no query."""
    async with AsyncTestClient(app=create_app(_settings(3600))) as client, database_away(client):
        for _ in range(3):
            answer = await client.get("/healthz")
            assert answer.status_code == 200 and answer.json()["database_reachable"] is True
