"""CSRF protection (Litestar's CSRFMiddleware) for requests a browser session authenticates.

A cross-site forgery rides on the cookie the browser adds by itself, so only requests carrying the
session cookie are checked: pages send the `csrftoken` cookie back in the X-CSRFToken header (or a
form's `_csrf_token` field). API tokens in an Authorization header and anonymous visitors carry no
ambient authority, are not checked, and get no cookie. Signing in sets the token cookie at once.
"""

from __future__ import annotations

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware.csrf import CSRFMiddleware, generate_csrf_token
from litestar.types import Receive, Scope, Send

from kernel.guards import SESSIONLESS

__all__ = ["SESSION_COOKIE", "SIGN_IN_FORM_PATH", "SIGN_IN_PATH", "SessionCSRFMiddleware", "csrf_config"]

SESSION_COOKIE = "session"
SIGN_IN_PATH = "/api/auth/login"
SIGN_IN_FORM_PATH = "/app/sign-in"


def csrf_config(secret: str, secure: bool) -> CSRFConfig:
    """The app's CSRF settings: a script-readable, same-site token cookie."""
    return CSRFConfig(secret=secret, cookie_httponly=False, cookie_samesite="strict", cookie_secure=secure)


class SessionCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF check, applied to session-cookie requests only."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check session requests; let others through, handing a token to whoever signs in."""
        if scope.get("route_handler") is not None and scope["route_handler"].opt.get(SESSIONLESS):
            await self.app(scope, receive, send)
            return
        # The sign-in form is checked without a session too (its page sets the token cookie): otherwise another
        # site could post it and sign the visitor in as the attacker (login CSRF).
        if scope["type"] == ScopeType.HTTP and scope["path"] == SIGN_IN_FORM_PATH:
            await super().__call__(scope, receive, send)
            return
        # The API's sign-in checks no token: it takes JSON only (no cross-site form can send it), and a stale or
        # planted session cookie must not stop anyone signing in; the new session gets a new id and a new token.
        if scope["type"] == ScopeType.HTTP and (scope["path"] == SIGN_IN_PATH or not _has_session_cookie(scope)):
            if scope["path"] == SIGN_IN_PATH:
                token = generate_csrf_token(secret=self.config.secret)
                send = self.create_send_wrapper(send=send, token=token, csrf_cookie=None)
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _has_session_cookie(scope: Scope) -> bool:
    value = ASGIConnection(scope).cookies.get(SESSION_COOKIE)
    return bool(value) and value != "null"
