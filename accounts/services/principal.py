"""The principal an account row stands for."""

from __future__ import annotations

import uuid

from accounts.rows import AccountRow
from kernel.principal import Principal

__all__ = ["principal_for_account"]


def principal_for_account(row: AccountRow, address: str | None = None) -> Principal:
    """The principal of an account row."""
    return Principal(
        role=row["role"],
        account_id=uuid.UUID(str(row["id"])),
        care_team_id=uuid.UUID(str(row["care_team"])) if row["care_team"] else None,
        organization_id=uuid.UUID(str(row["partner_organization"])) if row["partner_organization"] else None,
        display_name=row["display_name"],
        is_partner_admin=bool(row["is_partner_admin"]),
        address=address,
    )
