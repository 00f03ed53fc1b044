"""Security headers on every response, static files included (app-level response headers skip those)."""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

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


def security_headers(production: bool):
    """Middleware adding the security headers (and HSTS in production) to each HTTP response."""
    encoded = [
        (name.lower().encode(), value.encode())
        for name, value in (SECURITY_HEADERS | (HSTS if production else {})).items()
    ]

    def middleware(app: ASGIApp) -> ASGIApp:
        async def add_headers(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", ()), *encoded]
                await send(message)

            await app(scope, receive, send_with_headers)

        return add_headers

    return middleware
