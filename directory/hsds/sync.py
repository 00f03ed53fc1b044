"""Mirror a remote HSDS 3.0 API (`directory-admin sync URL`): page through its services and write them as an import.

A pass reads `/services?full=true` page by page (after the first pass, only services `modified_after` the last
one), and writes each page with the page number it reached in one transaction, so an interrupted pass resumes
at the next page from whichever process runs next. Only a pass that read every service can tell that one
disappeared; those also gone from `/services/{id}` become inactive here (never deleted).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
import importlib.metadata
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

from directory.geo.geocoding import Geocoder
from directory.hsds.ids import stable_uuid
from directory.hsds.importer import import_package
from directory.hsds.readers import Origin, Package, flatten_service
from directory.search.documents import refresh_search_documents
from directory.tables import Service, SyncedService, SyncSource
from kernel.clock import Clock
from kernel.database import write_transaction
from kernel.progress import Progress, ProgressTask

__all__ = ["USER_AGENT", "HsdsClient", "SyncFailed", "SyncReport", "source_url", "sync_source"]


def _version() -> str:
    try:
        return importlib.metadata.version("resource-directory")
    except importlib.metadata.PackageNotFoundError:
        return "dev"


USER_AGENT = f"resource-directory/{_version()} (HSDS 3.0 sync of a community SUD resource directory)"
"""Names the project to the publishers whose APIs we read."""

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Answers that may pass if asked again later; any other error status stops the sync at once."""

MAX_RETRY_AFTER = 600.0
"""An upstream asking to wait longer than this (seconds) is treated as down for now."""
_ENCODING_HEADERS = frozenset({"content-encoding", "content-length"})
"""Headers about the body as sent, not as read: dropped once the body is decoded."""

MODIFIED_AFTER_MARGIN = dt.timedelta(minutes=5)
"""Asked for changes since this long before the last pass started: a service changed upstream as that pass
began is read again (and found unchanged) rather than missed."""


class SyncFailed(Exception):
    """The sync stopped (bad URL, upstream unreachable, not an HSDS API, too many failed attempts).

    Pages already written stay written; the next run resumes after the last of them.
    """


@dataclass
class SyncReport:
    """What a sync did: pages and services read, services new, changed, unchanged and made inactive, problems."""

    source: str
    full_pass: bool = False
    resumed_at_page: int | None = None
    modified_after_ignored: bool = False
    pages: int = 0
    services_read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    inactivated: int = 0
    requests: int = 0
    retries: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def source_url(url: str) -> str:
    """The API's base URL as stored: http(s) with a host, no credentials, query or trailing `/services`."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as error:
        raise SyncFailed(f"{url!r} is not a URL ({error})") from None
    if parts.scheme not in ("http", "https") or not host:
        raise SyncFailed(f"{url!r} is not an http:// or https:// URL")
    if parts.username or parts.password:
        raise SyncFailed(f"{url!r}: credentials in the URL are not supported")
    if parts.query or parts.fragment:
        raise SyncFailed(f"{url!r}: give the API's base URL, without ?query or #fragment")
    path = parts.path.rstrip("/").removesuffix("/services").rstrip("/")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc.lower(), path, "", ""))


def _http_date(value: str | None) -> dt.datetime | None:
    """An HTTP date header's time; None when absent or unreadable."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None when absent or unreadable."""
    if value and value.strip().isdigit():
        return float(value.strip())
    when = _http_date(value)
    return None if when is None else max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class HsdsClient:
    """GETs JSON from one HSDS API: a polite request rate, a timeout per request, retries with backoff."""

    def __init__(
        self,
        url: str,
        *,
        requests_per_second: float = 2.0,
        timeout: float = 30.0,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_page_bytes: int = 16 * 1024**2,
        max_service_bytes: int = 2 * 1024**2,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if requests_per_second <= 0:
            raise ValueError("requests_per_second must be more than 0")
        self.base_url = source_url(url)
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_page_bytes = max_page_bytes
        """A page of services larger than this stops the sync (read as it streams in, never held whole)."""
        self.max_service_bytes = max_service_bytes
        """A single service larger than this (its JSON, alone or in a page) stops the sync."""
        self.requests = 0
        self.retries = 0
        self._interval = 1.0 / requests_per_second
        self._next_request_at: float | None = None
        self._sleep = sleep
        self._monotonic = monotonic
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            transport=transport,
            timeout=timeout,
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )

    async def __aenter__(self) -> HsdsClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._http.aclose()

    async def _pace(self) -> None:
        """Wait until the next request keeps to the rate."""
        now = self._monotonic()
        if self._next_request_at is not None and now < self._next_request_at:
            await self._sleep(self._next_request_at - now)
            now = self._next_request_at
        self._next_request_at = now + self._interval

    async def get(self, path: str, params: dict[str, Any] | None = None, *, max_bytes: int) -> httpx.Response:
        """A 2xx, 404 or 410 answer to GET `path`, its body at most `max_bytes`; other answers that may pass are
        retried, the rest raise."""
        url = self._http.build_request("GET", path, params=params).url
        for attempt in range(1, self.max_attempts + 1):
            await self._pace()
            self.requests += 1
            wait: float | None = None
            try:
                response = await self._capped_get(path, params, max_bytes)
            except httpx.TimeoutException:
                failure = f"no answer within {self.timeout:g} s"
            except httpx.TransportError as error:
                failure = f"cannot connect ({error or type(error).__name__})"
            except httpx.HTTPError as error:
                raise SyncFailed(f"GET {url} failed: {error or type(error).__name__}") from None
            else:
                if response.is_success or response.status_code in (404, 410):
                    return response
                failure = f"{response.status_code} {response.reason_phrase}".strip()
                if response.status_code not in RETRY_STATUSES:
                    raise SyncFailed(f"GET {url} answered {failure}")
                wait = _retry_after(response.headers.get("Retry-After"))
            if attempt == self.max_attempts:
                break
            if wait is None:
                wait = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
            elif wait > MAX_RETRY_AFTER:
                raise SyncFailed(f"GET {url} answered {failure} and asks to wait {wait:.0f} s: try again later")
            self.retries += 1
            await self._sleep(wait)
        tries = "once" if self.max_attempts == 1 else f"{self.max_attempts} times"
        raise SyncFailed(f"GET {url} failed ({tries}; the last time: {failure})")

    async def _capped_get(self, path: str, params: dict[str, Any] | None, max_bytes: int) -> httpx.Response:
        """GET `path`, reading a successful body as it streams in and stopping once it passes `max_bytes`, so an
        oversized answer never sits in memory whole (a 300 MB page once took a sync to 21.6 GB)."""
        async with self._http.stream("GET", path, params=params) as streamed:
            if not streamed.is_success:
                return httpx.Response(streamed.status_code, headers=streamed.headers, request=streamed.request)
            declared = streamed.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(streamed.request.url, int(declared), max_bytes)
            body = bytearray()
            async for chunk in streamed.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise _too_large(streamed.request.url, len(body), max_bytes, read_so_far=True)
            # aiter_bytes decoded any gzip or brotli: the headers must stop saying the body is encoded.
            headers = [(k, v) for k, v in streamed.headers.items() if k.lower() not in _ENCODING_HEADERS]
            return httpx.Response(streamed.status_code, headers=headers, content=bytes(body), request=streamed.request)

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any | None:
        """The JSON of one service at `path`, or None when it is 404 or 410 (not there)."""
        return self.json_of(await self.get(path, params, max_bytes=self.max_service_bytes))

    @staticmethod
    def json_of(response: httpx.Response) -> Any | None:
        """The JSON of an answer from `get`, or None for 404 or 410; SyncFailed when it is not JSON."""
        if response.status_code in (404, 410):
            return None
        try:
            return msgspec.json.decode(response.content)
        except (msgspec.DecodeError, ValueError):
            kind = response.headers.get("Content-Type", "no Content-Type")
            raise SyncFailed(f"GET {response.request.url} answered {kind}, not JSON: is this an HSDS API?") from None


def _megabytes(size: int) -> str:
    return f"{size / 1024**2:.3g} MB"


def _too_large(url: httpx.URL, size: int, limit: int, *, read_so_far: bool = False) -> SyncFailed:
    what = f"more than {_megabytes(limit)} (stopped reading at {_megabytes(size)})" if read_so_far else _megabytes(size)
    return SyncFailed(
        f"GET {url} answered {what}, over the limit of {_megabytes(limit)}: nothing of it was written. "
        "Ask for fewer services a page (--per-page), or raise SYNC_MAX_PAGE_MB / SYNC_MAX_SERVICE_MB"
    )


# --- one pass -----------------------------------------------------------------------------------------


@dataclass
class _ListPage:
    """One page of `/services`."""

    contents: list[Any]
    total_items: int | None
    is_last: bool
    date: dt.datetime | None = None
    """The upstream's clock (its Date header), which its modified_after is compared with."""


@dataclass
class _Listed:
    """A service as upstream gave it, fully nested, with its id here and the hash of what upstream said."""

    upstream_id: str
    service_id: uuid.UUID
    document: dict[str, Any]
    content_hash: str
    origin: Origin


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _hsds_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def package_name(url: str) -> str:
    """The name a source's rows are imported under: ids that are not UUIDs are derived within it."""
    parts = urllib.parse.urlsplit(url)
    return parts.netloc + parts.path


class _Pass:
    """One pass over a source's services: fetch, write page by page, then find what disappeared."""

    def __init__(
        self,
        client: HsdsClient,
        state: SyncSource,
        report: SyncReport,
        *,
        per_page: int,
        data_source: str | None,
        geocoder: Geocoder | None,
        clock: Clock,
        progress: Progress,
    ) -> None:
        self.client = client
        self.state = state
        self.report = report
        self.per_page = per_page
        self.data_source = data_source
        self.geocoder = geocoder
        self.clock = clock
        self.progress = progress
        self.name = package_name(client.base_url)
        self.bar: ProgressTask | None = None
        self.seen: set[str] = set()
        """Upstream ids already read in this process (a list of listings names a service once per location)."""

    async def fetch_page(self, page: int, modified_after: dt.datetime | None) -> _ListPage:
        params: dict[str, Any] = {"page": page, "per_page": self.per_page, "full": "true"}
        if modified_after is not None:
            params["modified_after"] = _hsds_time(modified_after)
        response = await self.client.get("services", params, max_bytes=self.client.max_page_bytes)
        document = self.client.json_of(response)
        where = f"{self.client.base_url}/services"
        if document is None:
            if page > 1:  # some APIs answer 404 past the last page (a resumed pass may ask for it)
                return _ListPage([], None, True)
            raise SyncFailed(f"{where} answered 404: no HSDS services there (give the API's base URL)")
        if not isinstance(document, dict) or not isinstance(document.get("contents"), list):
            raise SyncFailed(f"{where} did not answer an HSDS page (an object with a 'contents' list)")
        contents = document["contents"]
        total_pages = document.get("total_pages")
        if not contents:
            is_last = True
        elif isinstance(total_pages, int):
            is_last = page >= total_pages
        elif isinstance(document.get("last_page"), bool):
            is_last = document["last_page"]
        else:
            is_last = False
        total_items = document.get("total_items")
        date = _http_date(response.headers.get("Date"))
        return _ListPage(contents, total_items if isinstance(total_items, int) else None, is_last, date)

    async def full_service(self, item: Any, origin: Origin, *, nested: bool = False) -> _Listed | None:
        """The fully nested service of a list item (asking `/services/{id}` when the list is not full)."""
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            self.report.problems.append(f"{origin}: not a service with an id")
            return None
        upstream_id = str(item["id"])
        document: Any = item
        if not nested and not isinstance(item.get("service_at_locations"), list):
            # The list is not nested (an API without `full`): the service itself has everything.
            document = await self.client.get_json(f"services/{urllib.parse.quote(upstream_id, safe='')}")
            if not isinstance(document, dict):
                self.report.problems.append(
                    f"{origin}: service {upstream_id} is listed, but /services/{{id}} has no such service"
                )
                return None
        encoded = msgspec.json.encode(document, order="sorted")
        if len(encoded) > self.client.max_service_bytes:
            raise SyncFailed(
                f"{origin}: service {upstream_id} is {_megabytes(len(encoded))}, over the limit of "
                f"{_megabytes(self.client.max_service_bytes)}: nothing of its page was written. "
                "Raise SYNC_MAX_SERVICE_MB to accept it"
            )
        content_hash = hashlib.sha256(encoded).hexdigest()
        service_id = stable_uuid(upstream_id, self.name, "services")
        return _Listed(upstream_id, service_id, document, content_hash, origin)

    async def write(self, listed: list[_Listed], seen_at: dt.datetime) -> None:
        """Import the new and changed services (inside the caller's transaction); record every one as seen."""
        if not listed:
            return
        ids = [s.service_id for s in listed]
        known = {
            str(row["service_id"]): row["content_hash"]
            for row in await SyncedService.select(SyncedService.service_id, SyncedService.content_hash).where(
                (SyncedService.source == self.state.id) & SyncedService.service_id.is_in(ids)
            )
        }
        present = {str(row["id"]) for row in await Service.select(Service.id).where(Service.id.is_in(ids))}
        changed = [
            s for s in listed if str(s.service_id) not in present or known.get(str(s.service_id)) != s.content_hash
        ]
        self.report.unchanged += len(listed) - len(changed)
        failed: set[uuid.UUID] = set()
        if changed:
            package = Package(name=self.name, hsds_version="3.0")
            by_origin = {s.origin: s for s in changed}
            for service in changed:
                flatten_service(package, service.document, service.origin)
            imported = await import_package(
                package, geocoder=self.geocoder, skip_invalid=True, data_source=self.data_source, complete=False
            )
            for problem in imported.problems:
                self.report.problems.append(str(problem))
                if problem.origin in by_origin:
                    failed.add(by_origin[problem.origin].service_id)
            written = {
                str(row["id"])
                for row in await Service.select(Service.id).where(Service.id.is_in([s.service_id for s in changed]))
            }
            self.report.new += len(written - present)
            self.report.changed += len(written & present)
        rows = [
            SyncedService(
                id=uuid.uuid5(self.state.id, s.upstream_id),
                source=self.state.id,
                upstream_id=s.upstream_id,
                service_id=s.service_id,
                seen_at=seen_at,
                seen_in_pass=self.state.pass_number,
                # A service with a problem is written again next time, and its problem reported again.
                content_hash="" if s.service_id in failed else s.content_hash,
            )
            for s in listed
        ]
        await SyncedService.insert(*rows).on_conflict(
            target=SyncedService.id,
            action="DO UPDATE",
            values=[
                SyncedService.service_id,
                SyncedService.seen_at,
                SyncedService.seen_in_pass,
                SyncedService.content_hash,
            ],
        )

    async def read_pages(self, page: int, modified_after: dt.datetime | None) -> None:
        """Fetch, check and write pages from `page` on, recording each page written in the same transaction."""
        state = self.state
        while True:
            listing = await self.fetch_page(page, modified_after)
            self.report.pages += 1
            if state.pass_started_at is None:
                state.pass_started_at = listing.date or self.clock.now()
            if self.bar is None:
                self.bar = self.progress.task(f"Syncing {self.name}"[:32], total=listing.total_items or 0)
            listed: list[_Listed] = []
            for index, item in enumerate(listing.contents):
                if isinstance(item, dict) and str(item.get("id")) in self.seen:
                    continue
                self.report.services_read += 1
                service = await self.full_service(item, Origin(f"page {page}", f"contents[{index}]"))
                if service is not None:
                    self.seen.add(service.upstream_id)
                    listed.append(service)
                    self._check_modified_after(service, modified_after)
            async with write_transaction(SyncSource._meta.db):
                if not state._exists_in_db:
                    await SyncSource.insert(state)
                await self.write(listed, state.pass_started_at)
                state.pages_done = page
                await self.save_pass()
            self.bar.advance(len(listing.contents))
            if listing.is_last:
                return
            page += 1

    def _check_modified_after(self, service: _Listed, modified_after: dt.datetime | None) -> None:
        """An upstream that ignores modified_after lists every service: that pass is a full pass after all."""
        if modified_after is None or self.state.pass_is_full:
            return
        last_modified = _time(service.document.get("last_modified"))
        if last_modified is None or last_modified < modified_after:
            self.state.pass_is_full = True
            self.report.full_pass = self.report.modified_after_ignored = True

    async def save_pass(self) -> None:
        """Store where the pass got to (in the caller's transaction, with what it wrote)."""
        state = self.state
        await SyncSource.update(
            {
                SyncSource.pass_started_at: state.pass_started_at,
                SyncSource.pass_modified_after: state.pass_modified_after,
                SyncSource.pass_is_full: state.pass_is_full,
                SyncSource.pages_done: state.pages_done,
                SyncSource.pass_number: state.pass_number,
                SyncSource.last_synced_at: state.last_synced_at,
                SyncSource.last_full_pass_at: state.last_full_pass_at,
            }
        ).where(SyncSource.id == state.id)

    async def inactivate_disappeared(self) -> None:
        """Services this source supplied that a full pass did not list, and `/services/{id}` no longer has."""
        started = self.state.pass_started_at
        # By pass number, not by time: upstream's clock has whole seconds and may not move between two passes.
        unseen = await SyncedService.select(SyncedService.upstream_id, SyncedService.service_id).where(
            (SyncedService.source == self.state.id)
            & ((SyncedService.seen_in_pass < self.state.pass_number) | SyncedService.seen_in_pass.is_null())
        )
        by_service = {str(row["service_id"]): row for row in unseen}
        if not by_service:
            return
        active = await Service.select(Service.id).where(
            Service.id.is_in(list(by_service)) & (Service.status == "active")
        )
        gone: list[uuid.UUID] = []
        for row in active:
            candidate = by_service[str(row["id"])]
            # Page numbers shift when upstream changes mid-pass: ask for the service itself before believing it gone.
            origin = Origin("services", str(candidate["upstream_id"]))
            item = await self.client.get_json(f"services/{urllib.parse.quote(candidate['upstream_id'], safe='')}")
            if item is None:
                gone.append(row["id"])
                continue
            service = await self.full_service(item, origin, nested=True)
            if service is not None:
                async with write_transaction(SyncSource._meta.db):
                    await self.write([service], started)
        if gone:
            async with write_transaction(SyncSource._meta.db):
                await Service.update({Service.status: "inactive"}).where(Service.id.is_in(gone))
                await SyncedService.update({SyncedService.content_hash: ""}).where(
                    (SyncedService.source == self.state.id) & SyncedService.service_id.is_in(gone)
                )
                await refresh_search_documents(gone)
        self.report.inactivated = len(gone)


async def _source_state(url: str) -> SyncSource:
    """The source's stored state; a new source is stored with its first page (a mistyped URL leaves no row)."""
    return await SyncSource.objects().get(SyncSource.url == url) or SyncSource(url=url)


async def sync_source(
    client: HsdsClient,
    *,
    per_page: int = 100,
    full: bool = False,
    full_every: dt.timedelta = dt.timedelta(days=7),
    data_source: str | None = None,
    geocoder: Geocoder | None = None,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Run (or resume) a pass over the client's API and return what it did; raises SyncFailed.

    A pass reads every service when asked (`full`), on the first sync, when the last full pass is older than
    `full_every`, or when upstream ignores modified_after; otherwise only services modified after the last pass.
    """
    started = time.perf_counter()
    clock = clock or Clock()
    state = await _source_state(client.base_url)
    report = SyncReport(source=client.base_url)
    sync = _Pass(
        client,
        state,
        report,
        per_page=per_page,
        data_source=data_source,
        geocoder=geocoder,
        clock=clock,
        progress=progress or Progress(),
    )
    if state.pass_started_at is not None and (state.pass_is_full or not full):
        page = state.pages_done + 1
        report.resumed_at_page = page
    else:
        last_full = state.last_full_pass_at
        state.pass_is_full = (
            full or state.last_synced_at is None or last_full is None or clock.now() - last_full >= full_every
        )
        last_synced = state.last_synced_at
        state.pass_modified_after = (
            None if state.pass_is_full or last_synced is None else last_synced - MODIFIED_AFTER_MARGIN
        )
        state.pass_started_at = None
        state.pages_done = 0
        state.pass_number += 1
        page = 1
    report.full_pass = state.pass_is_full
    try:
        await sync.read_pages(page, state.pass_modified_after)
        if state.pass_is_full:
            await sync.inactivate_disappeared()
        state.last_synced_at = state.pass_started_at
        if state.pass_is_full:
            state.last_full_pass_at = state.pass_started_at
        state.pass_started_at = state.pass_modified_after = None
        state.pass_is_full = False
        state.pages_done = 0
        await sync.save_pass()
    finally:
        report.requests, report.retries = client.requests, client.retries
        report.seconds = time.perf_counter() - started
    return report
