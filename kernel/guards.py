"""Guard primitives every domain's routes use: PUBLIC marks open routes, `allow` admits roles."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from kernel.principal import ANONYMOUS, Principal
from kernel.problems import NOT_SIGNED_IN, ROLE_FORBIDDEN, Forbidden, Unauthorized

__all__ = ["OPEN_DATA", "PUBLIC", "SESSIONLESS", "allow", "client_address", "principal_of"]

PUBLIC = {"public": True}
"""Route option marking a route as deliberately open to the anonymous public."""
SESSIONLESS = "sessionless"
"""Route option key: no session, sign-in or CSRF middleware runs (the route never looks at who is asking)."""
OPEN_DATA = PUBLIC | {SESSIONLESS: True}
"""The open directory, the health check and static files: public, and nobody's session is even read."""


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The caller's address: the socket peer, or what a trusted proxy forwarded (see TRUSTED_PROXIES)."""
    return connection.client.host if connection.client else None


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The request's principal; anonymous where authentication did not run (OPTIONS, static files)."""
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else ANONYMOUS.at(client_address(connection))


def allow(*roles: str) -> Guard:
    """A guard letting only these roles in: 401 for the anonymous, 403 for other roles.

    OPTIONS requests pass: they only list the route's methods, and authentication does not run for them.
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        # WebSocket scopes have no method; they are never OPTIONS requests.
        if connection.scope.get("method") == "OPTIONS":
            return
        principal = principal_of(connection)
        if principal.is_anonymous:
            raise Unauthorized(NOT_SIGNED_IN)
        if principal.role not in roles:
            raise Forbidden(ROLE_FORBIDDEN)

    guard.__name__ = f"allow_{'_'.join(roles)}"
    return guard
