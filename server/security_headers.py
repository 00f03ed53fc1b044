"""Security headers on every response: pages, API, static files, and the errors Litestar answers
before any middleware runs (404, 405) or from inside one (429)."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

__all__ = ["HSTS", "SECURITY_HEADERS", "security_headers"]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
HSTS = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}
"""Sent in production only: browsers then refuse plain HTTP to this host for a year."""


def security_headers(production: bool) -> BeforeMessageSendHookHandler:
    """A `before_send` hook (it wraps the app's own `send`, so no response escapes it) adding the
    security headers, and HSTS in production, to each HTTP response."""
    headers = SECURITY_HEADERS | (HSTS if production else {})

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            response_headers = MutableScopeHeaders.from_message(message)
            for name, value in headers.items():
                response_headers[name] = value

    return add_headers
