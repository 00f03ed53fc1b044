"""Server-side sessions that exist only once someone signs in.

Litestar's server-side backend stores a session (and sets a cookie) on every response, even an
anonymous one; for a public directory that would be a database write per search. Here an empty
session is never stored, and an emptied one is deleted along with its cookie.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession

__all__ = ["SignedInSessionConfig"]


class SignedInSessionBackend(ServerSideSessionBackend):
    """Stores a session only when it holds something."""

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        """Skip empty sessions that were never stored; delete ones that were emptied (sign-out)."""
        if not scope_session or scope_session is Empty:
            if self.config.key not in connection.cookies:
                return
            scope_session = Empty
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SignedInSessionConfig(ServerSideSessionConfig):
    """ServerSideSessionConfig using the backend above."""

    _backend_class = SignedInSessionBackend
