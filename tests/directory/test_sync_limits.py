"""A sync keeps its memory bounded: a page is read as it streams in and refused once it passes the page limit
(a 300 MB page once took a sync to 21.6 GB), a service over the service limit stops it too, and nothing of the
refused page is written, so the next run resumes there."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from directory.hsds.sync import HsdsClient, SyncFailed, sync_source
from directory.tables import Service, SyncSource
from tests.directory.test_sync import UPSTREAM, FakeHsds, clean_sync_state, service_document

__all__ = ["clean_sync_state"]  # the fixture that empties the sync tables, used here too

MB = 1024**2


class EndlessPage:
    """An answer 300 MB long, made only as it is read: counts what the client pulled."""

    def __init__(self, size: int = 300 * MB, chunk: int = 64 * 1024) -> None:
        self.size, self.chunk, self.sent = size, chunk, 0
        self.item = json.dumps(service_document(1)).encode() + b","

    async def body(self) -> AsyncIterator[bytes]:
        yield b'{"total_items": 1000000, "contents": ['
        while self.sent < self.size:
            piece = self.item * (self.chunk // len(self.item) + 1)
            self.sent += len(piece)
            yield piece


def run(coroutine):
    return asyncio.run(coroutine)


async def sync_with(transport: httpx.AsyncBaseTransport, *, page_mb: float, service_mb: float = 2, per_page=2):
    async with HsdsClient(
        UPSTREAM,
        transport=transport,
        max_attempts=1,
        requests_per_second=1000,
        max_page_bytes=int(page_mb * MB),
        max_service_bytes=int(service_mb * MB),
    ) as client:
        return await sync_source(client, per_page=per_page)


def test_a_300_mb_page_is_refused_after_reading_little_more_than_the_limit():
    endless = EndlessPage()

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/json"}, content=endless.body())

    with pytest.raises(SyncFailed) as stopped:
        run(sync_with(httpx.MockTransport(handle), page_mb=1))
    message = str(stopped.value)
    assert "answered more than 1 MB" in message and "over the limit of 1 MB" in message
    assert "nothing of it was written" in message and "--per-page" in message and "SYNC_MAX_PAGE_MB" in message
    assert endless.sent < 2 * MB  # streamed: 300 MB were on offer
    assert run(Service.count().run()) == 0
    assert run(SyncSource.count().run()) == 0


def test_a_page_declaring_its_size_is_refused_before_its_body_is_read():
    endless = EndlessPage()

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Content-Length": str(300 * MB)}
        return httpx.Response(200, headers=headers, content=endless.body())

    with pytest.raises(SyncFailed, match="answered 300 MB, over the limit of 1 MB"):
        run(sync_with(httpx.MockTransport(handle), page_mb=1))
    assert endless.sent == 0


def test_the_pages_before_an_oversized_one_stay_written_and_the_next_run_resumes_there():
    fake = FakeHsds([service_document(n) for n in range(1, 6)])
    oversized = b'{"contents": [' + b" " * (2 * MB) + b"]}"
    fake.fail("/api/services", 2, httpx.Response(200, content=oversized))
    with pytest.raises(SyncFailed, match="over the limit of 1 MB"):
        run(sync_with(fake.transport, page_mb=1))
    assert run(Service.count().run()) == 2
    state = run(SyncSource.objects().first().run())
    assert state is not None and state.pages_done == 1

    report = run(sync_with(fake.transport, page_mb=1))
    assert report.resumed_at_page == 2
    assert run(Service.count().run()) == 5


def test_a_service_over_the_service_limit_stops_the_sync_and_its_page_is_not_written():
    huge = service_document(2, name="Harbor Recovery Clinic 2")
    huge["description"] = "x" * (MB // 2)
    fake = FakeHsds([service_document(1), huge])
    with pytest.raises(SyncFailed) as stopped:
        run(sync_with(fake.transport, page_mb=16, service_mb=0.25))
    assert f"service {huge['id']} is 0.501 MB, over the limit of 0.25 MB" in str(stopped.value)
    assert "SYNC_MAX_SERVICE_MB" in str(stopped.value)
    assert run(Service.count().run()) == 0


def test_the_command_takes_its_limits_from_the_settings_and_says_what_to_do(monkeypatch):
    from click.testing import CliRunner

    from server.cli import directory_group

    endless = EndlessPage()
    original = HsdsClient.__init__

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless.body())

    def with_fake_upstream(self, url, **options):
        original(self, url, **options, transport=httpx.MockTransport(handle))

    monkeypatch.setattr(HsdsClient, "__init__", with_fake_upstream)
    result = CliRunner().invoke(
        directory_group, ["sync", "--quiet", "--retries", "0", UPSTREAM], env={"SYNC_MAX_PAGE_MB": "0.5"}
    )
    assert result.exit_code == 1
    assert "stopped: GET http://127.0.0.1:9/api/services?page=1" in result.output
    assert "over the limit of 0.5 MB: nothing of it was written" in result.output
    assert "run the same command again to resume" in result.output
    assert endless.sent < MB
