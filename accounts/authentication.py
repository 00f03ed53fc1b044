"""Who is asking: the middleware that turns a Bearer API token or a session into the request's Principal."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

from accounts.errors import TOKEN_REFUSED
from accounts.services.sign_in import principal_for_session
from accounts.services.tokens import principal_for_token
from kernel.guards import client_address
from kernel.principal import ANONYMOUS
from kernel.problems import Unauthorized

__all__ = ["PrincipalMiddleware"]


class PrincipalMiddleware(AbstractAuthenticationMiddleware):
    """Sets `request.user` to a Principal: from a Bearer API token, the session, or anonymous."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        """Resolve the caller; a bad token is refused outright rather than treated as anonymous."""
        address = client_address(connection)
        header = connection.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            principal = await principal_for_token(header[7:].strip(), address)
            if principal is None:
                raise Unauthorized(TOKEN_REFUSED)
            return AuthenticationResult(user=principal, auth="token")
        # The server-side backend loads a session as a dict; anything else (Empty, None) is no session.
        session = connection.scope.get("session")
        if isinstance(session, dict) and session:
            signed_in = await principal_for_session(dict(session), address)
            if signed_in is not None:
                return AuthenticationResult(user=signed_in, auth="session")
        return AuthenticationResult(user=ANONYMOUS.at(address), auth=None)
