"""Who is asking (the authentication middleware) and who may call a route (guards)."""

from __future__ import annotations

import uuid

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

from accounts.services import ANONYMOUS, Principal, principal_for_account, principal_for_token
from accounts.tables import Account

__all__ = ["PUBLIC", "PrincipalMiddleware", "allow", "client_address"]

#: Route option marking a route as deliberately open to the anonymous public.
PUBLIC = {"public": True}


class PrincipalMiddleware(AbstractAuthenticationMiddleware):
    """Sets `request.user` to a Principal: from a Bearer API token, the session, or anonymous."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        """Resolve the caller; a bad token is refused outright rather than treated as anonymous."""
        header = connection.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            principal = await principal_for_token(header[7:].strip())
            if principal is None:
                raise NotAuthorizedException(detail="the API token is unknown or revoked")
            return AuthenticationResult(user=principal, auth="token")
        account_id = connection.scope.get("session", {}).get("account_id") if "session" in connection.scope else None
        if account_id:
            row = await Account.select().where(Account.id == uuid.UUID(account_id)).first()
            if row is not None and row["is_active"]:
                return AuthenticationResult(user=principal_for_account(row), auth="session")
        return AuthenticationResult(user=ANONYMOUS, auth=None)


def allow(*roles: str):
    """A guard letting only these roles in: 401 for the anonymous, 403 for other roles."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal: Principal = connection.user
        if principal.is_anonymous:
            raise NotAuthorizedException(detail="sign in, or send an API token")
        if principal.role not in roles:
            raise PermissionDeniedException(detail="your role may not do this")

    guard.__name__ = f"allow_{'_'.join(roles)}"
    return guard


def client_address(connection: ASGIConnection) -> str | None:
    """The caller's address, for the audit log."""
    return connection.client.host if connection.client else None
