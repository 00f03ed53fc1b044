"""Dependencies the referral API and the workspace pages share: objects loaded for a handler, access checked."""

from __future__ import annotations

import uuid

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import FromPath

from referrals.rows import ClientRow
from referrals.services.clients import team_client

__all__ = ["TeamClient", "provide_client"]


TeamClient = NamedDependency[ClientRow]
"""A handler parameter `client: TeamClient` receives the path's client row, already checked to be the team's."""


async def provide_client(request: Request, client_id: FromPath[uuid.UUID]) -> ClientRow:
    """Dependency `client`: the path's client, if it is the caller's care team's (404 otherwise)."""
    return await team_client(request.user, client_id)
