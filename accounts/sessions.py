"""Server-side sessions that exist only once someone signs in.

Litestar's server-side backend stores a session (and sets a cookie) on every response, even an
anonymous one; for a public directory that would be a database write per search. Here an empty
session is never stored, and an emptied one is deleted along with its cookie. Signing in gets a
new session id (the old one is deleted), so an id planted before sign-in is worth nothing after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession

__all__ = ["SignedInSessionConfig", "rotate_session_id", "start_session"]

# Our own keys in the ASGI scope (hence the type: ignores below: Litestar's scope TypedDicts do not know
# them). Final, so mypy sees the literal key.
_ROTATE: Final = "rotate_session_id"
_NEW_ID: Final = "new_session_id"


def rotate_session_id(connection: ASGIConnection) -> None:
    """Store this request's session under a fresh id and drop the old one (call on sign-in)."""
    connection.scope[_ROTATE] = True  # type: ignore[typeddict-unknown-key]


def start_session(connection: ASGIConnection, account_id: object, stamp: str) -> None:
    """After a successful sign-in (page or API): a fresh session id holding only the account and its stamp."""
    connection.clear_session()
    rotate_session_id(connection)
    connection.set_session({"account_id": str(account_id), "stamp": stamp})


class SignedInSessionBackend(ServerSideSessionBackend):
    """Stores a session only when it holds something."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        """A fresh id when the request asked for rotation, else the cookie's."""
        scope = connection.scope
        if not scope.get(_ROTATE):
            return super().get_session_id(connection)
        if _NEW_ID not in scope:
            scope[_NEW_ID] = self.generate_session_id()  # type: ignore[typeddict-unknown-key]
        return scope[_NEW_ID]  # type: ignore[typeddict-item]

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        """Skip empty sessions that were never stored; delete ones that were emptied (sign-out) or rotated."""
        old_id = connection.cookies.get(self.config.key)
        if connection.scope.get(_ROTATE) and old_id and old_id != "null":
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        if not scope_session or scope_session is Empty:
            if self.config.key not in connection.cookies:
                return
            scope_session = Empty
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SignedInSessionConfig(ServerSideSessionConfig):
    """ServerSideSessionConfig using the backend above."""

    _backend_class = SignedInSessionBackend
