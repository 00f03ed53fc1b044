"""Creating care teams and accounts (from the CLI: there is no API for it)."""

from __future__ import annotations

import uuid

from accounts.errors import ACCOUNT_EXISTS, CARE_TEAM_REQUIRED, ORGANIZATION_REQUIRED, ROLE_UNKNOWN
from accounts.services.passwords import hash_password
from accounts.tables import Account, CareTeam
from kernel.principal import ROLES
from kernel.problems import Invalid

__all__ = ["create_account", "create_care_team", "demo_accounts_exist"]


async def create_care_team(name: str) -> uuid.UUID:
    """A new care team (or the existing one of that name)."""
    existing = await CareTeam.select(CareTeam.id).where(CareTeam.name == name).first()
    if existing:
        return uuid.UUID(str(existing["id"]))
    team_id = uuid.uuid4()
    await CareTeam.insert(CareTeam(id=team_id, name=name))
    return team_id


async def create_account(
    email: str,
    display_name: str,
    password: str,
    role: str,
    *,
    care_team_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    is_partner_admin: bool = False,
    is_demo: bool = False,
) -> uuid.UUID:
    """A new account; care managers need a care team and partner staff an organization (Invalid otherwise)."""
    if role not in ROLES:
        raise Invalid(ROLE_UNKNOWN, allowed=ROLES)
    if role == "care_manager" and care_team_id is None:
        raise Invalid(CARE_TEAM_REQUIRED)
    if role == "partner_staff" and organization_id is None:
        raise Invalid(ORGANIZATION_REQUIRED)
    if await Account.exists().where(Account.email == email.strip().casefold()):
        raise Invalid(ACCOUNT_EXISTS, email=email)
    account_id = uuid.uuid4()
    await Account.insert(
        Account(
            id=account_id,
            email=email.strip().casefold(),
            display_name=display_name,
            password_hash=hash_password(password),
            role=role,
            care_team=care_team_id if role == "care_manager" else None,
            partner_organization=organization_id if role == "partner_staff" else None,
            is_partner_admin=is_partner_admin and role == "partner_staff",
            is_demo=is_demo,
        )
    )
    return account_id


async def demo_accounts_exist() -> bool:
    """True when the demo accounts were seeded: the pages then say the data is made up."""
    return await Account.exists().where(Account.is_demo.eq(True))
