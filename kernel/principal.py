"""Who is asking: anonymous, a signed-in account, or a partner organization's API token.

A plain value every layer can read; `accounts` decides who a request's principal is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

__all__ = ["ANONYMOUS", "ROLES", "Principal"]

ROLES = ("admin", "care_manager", "partner_staff")


@dataclass(frozen=True)
class Principal:
    """The caller of one request (or of a CLI command), as every rule and record sees them."""

    role: str = "anonymous"
    account_id: uuid.UUID | None = None
    """The signed-in account; for an API token, the partner admin who issued it (the person behind it)."""
    token_id: uuid.UUID | None = None
    care_team_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    display_name: str = ""
    is_partner_admin: bool = False
    address: str | None = None
    """The caller's network address (the socket peer, or a trusted proxy's X-Forwarded-For)."""

    @property
    def is_anonymous(self) -> bool:
        """True for the public."""
        return self.role == "anonymous"

    @property
    def signed_in_account_id(self) -> uuid.UUID | None:
        """The account signed in with a password (None for API tokens and the anonymous)."""
        return None if self.token_id else self.account_id

    @property
    def scope(self) -> str | None:
        """The actor's organization as recorded in the audit log and the ledger."""
        if self.care_team_id:
            return f"care_team:{self.care_team_id}"
        if self.organization_id:
            return f"organization:{self.organization_id}"
        return None

    def at(self, address: str | None) -> Principal:
        """The same principal calling from this address."""
        return replace(self, address=address)


ANONYMOUS = Principal()
