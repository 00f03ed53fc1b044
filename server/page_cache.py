"""The public results page, rendered once and served again to anonymous visitors asking the same thing.

Rendering twenty result cards is most of the page's cost (about 1.5 ms of CPU against 0.7 ms for the JSON
search): the same search in the same language over the same revision of the search index gives the same page,
so it is kept for KEPT_PAGE_SECONDS (directory.pages) in this process's memory (Litestar's response cache).
It is derived data, never the only copy of anything: a new index revision (a partner's capacity, an import) is
a new key, and the short lifetime bounds what changes with the clock ("open now", "updated 2 days ago"). At
most KEPT_PAGES pages are kept (the oldest go first): every new query string is a new key, so an unbounded
store would grow with whatever anyone asks. A request with a session cookie is never served a kept page nor
keeps one (the public pages read no session today; this keeps them safe if one ever shows who is signed in).
"""

from __future__ import annotations

import datetime as dt

from litestar import Request
from litestar.config.response_cache import ResponseCacheConfig
from litestar.stores.memory import MemoryStore
from litestar.types import HTTPScope

from accounts.csrf import SESSION_COOKIE
from directory.pages import KEPT_PAGE_SECONDS
from directory.search.index import SearchIndex
from server.request_rules import request_language

__all__ = ["KEPT_PAGES", "PUBLIC_PAGE_CACHE", "KeptPages", "public_page_cache"]

PUBLIC_PAGE_CACHE = "public_pages"
"""The store the kept pages live in (memory, per process)."""


KEPT_PAGES = 2000
"""At most this many pages (about 25 KB each, some 50 MB) in a process."""


class KeptPages(MemoryStore):
    """Litestar's memory store, holding at most `limit` entries: the oldest written go first. (Its own store
    drops an expired entry only when that key is read again.)"""

    def __init__(self, limit: int = KEPT_PAGES) -> None:
        super().__init__()
        self.limit = limit

    async def set(self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None) -> None:
        """Keep the page; forget the oldest ones beyond the limit."""
        await super().set(key, value, expires_in)
        while len(self._store) > self.limit:
            del self._store[next(iter(self._store))]


def _page_key(request: Request) -> str:
    """The page's key: who (anonymous or not), the index revision, the language and the exact query."""
    if request.cookies.get(SESSION_COOKIE):
        # Never stored (see _anonymous_success), so never found: a signed-in person always gets a fresh page.
        return f"staff:{request.url.path}"
    index: SearchIndex = request.app.state.search_index
    language = request_language(request)
    # Kept as sent: gzipped for a client that takes gzip, plain for one that does not.
    encoding = "gzip" if "gzip" in request.headers.get("accept-encoding", "") else "identity"
    query = request.scope["query_string"].decode("latin-1")
    return f"{index.revision}:{language}:{encoding}:{request.url.path}?{query}"


def _anonymous_success(scope: HTTPScope, status_code: int) -> bool:
    """Keep only a 200 made for a visitor without a session."""
    if status_code != 200:
        return False
    cookies = b";".join(value for name, value in scope["headers"] if name == b"cookie").decode("latin-1")
    return all(part.split("=", 1)[0].strip() != SESSION_COOKIE for part in cookies.split(";"))


def public_page_cache() -> ResponseCacheConfig:
    """The app's response cache: used by the handlers that ask for it (`cache=KEPT_PAGE_SECONDS`)."""
    return ResponseCacheConfig(
        store=PUBLIC_PAGE_CACHE,
        default_expiration=KEPT_PAGE_SECONDS,
        key_builder=_page_key,
        cache_response_filter=_anonymous_success,
    )
