"""Static files under fingerprinted URLs, so browsers keep them for a year and still see every change at once.

A template links `static_url('style.css')`, which is `/static/style.css?v=<the first 12 hex digits of the file's
SHA-256>`; a changed file gets a new URL. A request whose `v` is the file's current fingerprint is answered as
immutable for a year; any other (no `v`, an old one) must be revalidated (`no-cache`: the ETag answers 304).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs

from litestar.datastructures import MutableScopeHeaders
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["FINGERPRINTED", "REVALIDATE", "StaticAssets", "StaticCacheMiddleware"]

FINGERPRINTED = "public, max-age=31536000, immutable"
"""Cache-Control for a file asked for by its current fingerprint: its URL changes with its content."""
REVALIDATE = "no-cache"
"""Cache-Control for any other static request: keep it, but ask each time whether it changed."""
FINGERPRINT_LENGTH = 12


class StaticAssets:
    """The files of one static folder and their fingerprints. With `watch` (development) a file whose size or time
    changed is hashed again; without, each file is hashed once per process (a deployment restarts it)."""

    def __init__(self, folder: Path, url_prefix: str = "/static", *, watch: bool = True) -> None:
        self.folder = folder.resolve()
        self.url_prefix = url_prefix.rstrip("/")
        self.watch = watch
        self._fingerprints: dict[str, tuple[str, tuple[int, int], str]] = {}

    def fingerprint(self, name: str) -> str | None:
        """The file's fingerprint, None when there is no such file in the folder."""
        known = self._fingerprints.get(name)
        if known is not None and not self.watch:
            return known[2]
        if known is not None:
            # A page links a few files: one stat each is cheap, resolving the path again is not.
            path_text = known[0]
        else:
            path = (self.folder / name).resolve()
            if not path.is_relative_to(self.folder):
                return None
            path_text = str(path)
        try:
            stat = os.stat(path_text)
        except OSError:
            return None
        version = (stat.st_mtime_ns, stat.st_size)
        if known is not None and known[1] == version:
            return known[2]
        with open(path_text, "rb") as content:
            fingerprint = hashlib.sha256(content.read()).hexdigest()[:FINGERPRINT_LENGTH]
        self._fingerprints[name] = (path_text, version, fingerprint)
        return fingerprint

    def url(self, name: str) -> str:
        """Template global `static_url(name)`: the file's URL with its fingerprint; a missing file is an error
        (a page must not link a script that is not there)."""
        fingerprint = self.fingerprint(name)
        if fingerprint is None:
            raise FileNotFoundError(f"no static file {name!r} in {self.folder}")
        return f"{self.url_prefix}/{name}?v={fingerprint}"

    def cache_control(self, path: str, query_string: bytes) -> str:
        """The Cache-Control for a request of `path` (under the URL prefix) with this query."""
        name = path.removeprefix(self.url_prefix + "/")
        asked = parse_qs(query_string.decode("latin-1")).get("v", [""])[0]
        current = self.fingerprint(name) if asked else None
        return FINGERPRINTED if current is not None and asked == current else REVALIDATE


class StaticCacheMiddleware(ASGIMiddleware):
    """Sets each static answer's Cache-Control from its fingerprint (see the module's docstring)."""

    def __init__(self, assets: StaticAssets) -> None:
        self.assets = assets

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        cache_control = self.assets.cache_control(scope["path"], scope.get("query_string", b""))

        async def send_with_cache_control(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                MutableScopeHeaders.from_message(message)["Cache-Control"] = cache_control
            await send(message)

        await next_app(scope, receive, send_with_cache_control)
