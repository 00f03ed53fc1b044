"""Security headers on every response, static files included (app-level response headers skip those)."""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SECURITY_HEADERS", "security_headers_middleware"]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

_ENCODED_HEADERS = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app so each HTTP response carries the security headers."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *_ENCODED_HEADERS]
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
