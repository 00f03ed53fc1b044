"""Security headers on every response: pages, API, static files, and the errors Litestar answers
before any middleware runs (404, 405) or from inside one (429)."""

from __future__ import annotations

from collections.abc import Mapping

from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from kernel.guards import SESSIONLESS

__all__ = ["HSTS", "content_security_policy", "security_headers"]

HSTS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}
"""Sent in production only: browsers then refuse plain HTTP to this host for a year."""


def content_security_policy(image_origin: str = "", *, inline_styles: bool = False, blob_workers: bool = False) -> str:
    """Everything from this server only; images may also come from the map's tile server. No inline script
    anywhere: pages load their scripts from /static. The two relaxations exist for the Redoc page alone."""
    policy = [
        "default-src 'self'",
        f"img-src 'self' data: {image_origin}".rstrip(),
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if inline_styles:
        policy.append("style-src 'self' 'unsafe-inline'")
    if blob_workers:
        policy.append("worker-src 'self' blob:")
    return "; ".join(policy)


def security_headers(
    production: bool, image_origin: str = "", policy_by_path: Mapping[str, str] | None = None
) -> BeforeMessageSendHookHandler:
    """A `before_send` hook (it wraps the app's own `send`, so no response escapes it) adding the
    security headers, and HSTS in production, to each HTTP response. `policy_by_path` gives a page
    that cannot live with the default policy its own."""
    headers = {
        "Content-Security-Policy": content_security_policy(image_origin),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    } | (HSTS if production else {})
    special = dict(policy_by_path or {})

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            response_headers = MutableScopeHeaders.from_message(message)
            for name, value in headers.items():
                response_headers[name] = value
            if scope["path"] in special:
                response_headers["Content-Security-Policy"] = special[scope["path"]]
            if not _open_data(scope):
                # Someone's answer (a client page, a referral, a token): no browser or proxy keeps a copy, so the
                # Back button on a shared computer shows nothing after sign-out.
                response_headers["Cache-Control"] = "no-store"
            if not scope["path"].startswith(("/api/", "/static/")):
                # Pages only (a static file is the same for everyone). Added to, not replaced: a gzipped answer
                # already varies by Accept-Encoding.
                present = {v.strip().lower() for v in response_headers.get("Vary", "").split(",")}
                for varies_by in ("Accept-Language", "Cookie"):
                    # A kept page (server.page_cache) is replayed with the headers it was first sent with.
                    if varies_by.lower() not in present:
                        response_headers.extend_header_value("Vary", varies_by)

    return add_headers


def _open_data(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    return handler is not None and bool(handler.opt.get(SESSIONLESS))
