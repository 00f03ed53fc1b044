"""API tokens for partner organizations' own systems: issued only by the partner's own admin.

Least privilege: an admin manages accounts and listings but cannot mint a credential that reads a
partner's inbox. Every token records the partner admin who issued it, and what it does is recorded
under that person (the audit log's and the disclosure list's `account`) as well as the token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import cast

from accounts.errors import (
    ADMINS_ISSUE_NO_TOKENS,
    PARTNER_ORGANIZATION_NOT_FOUND,
    TOKEN_ALREADY_REVOKED,
    TOKEN_NAME_LENGTH,
    TOKEN_NOT_FOUND,
)
from accounts.rows import NamedApiTokenRow
from accounts.services.audit import record_audit
from accounts.tables import ApiToken
from directory.tables import Organization
from kernel.database import write_transaction
from kernel.principal import Principal
from kernel.problems import Forbidden, Invalid, NotFound

__all__ = ["TOKEN_PREFIX", "issue_token", "list_tokens", "principal_for_token", "revoke_token", "token_hash"]

TOKEN_PREFIX = "rdt_"
LAST_USE_GRANULARITY = dt.timedelta(minutes=1)
"""`last_used_at` is written at most this often per token, not on every request."""


def token_hash(token: str) -> str:
    """SHA-256 of a token (tokens are 256 random bits, so a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _is_partner_admin_of(principal: Principal, organization_id: uuid.UUID) -> bool:
    return (
        principal.role == "partner_staff"
        and principal.is_partner_admin
        and principal.signed_in_account_id is not None
        and principal.organization_id == organization_id
    )


def _may_manage(principal: Principal, organization_id: uuid.UUID) -> bool:
    return principal.role == "admin" or _is_partner_admin_of(principal, organization_id)


async def issue_token(principal: Principal, organization_id: uuid.UUID, name: str) -> tuple[uuid.UUID, str]:
    """A new token for the caller's own organization: (id, the token itself, shown only now).

    Only a partner admin of the organization may issue one; admins get Forbidden."""
    if principal.role == "admin":
        raise Forbidden(ADMINS_ISSUE_NO_TOKENS)
    if not _is_partner_admin_of(principal, organization_id):
        raise NotFound(PARTNER_ORGANIZATION_NOT_FOUND, organization_id=organization_id)
    name = name.strip()
    if not 1 <= len(name) <= 255:
        raise Invalid(TOKEN_NAME_LENGTH)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = uuid.uuid4()
    async with write_transaction(ApiToken._meta.db):
        if not await Organization.exists().where(Organization.id == organization_id):
            raise NotFound(PARTNER_ORGANIZATION_NOT_FOUND, organization_id=organization_id)
        await ApiToken.insert(
            ApiToken(
                id=token_id,
                partner_organization=organization_id,
                name=name,
                token_hash=token_hash(token),
                prefix=token[:12],
                created_by=principal.account_id,
            )
        )
        await record_audit(principal, "token_issued", "api_token", token_id, f"organization {organization_id}")
    return token_id, token


async def list_tokens(principal: Principal, organization_id: uuid.UUID) -> list[NamedApiTokenRow]:
    """The organization's tokens without their secrets, with who issued each (admins and its partner admins)."""
    if not _may_manage(principal, organization_id):
        raise NotFound(PARTNER_ORGANIZATION_NOT_FOUND, organization_id=organization_id)
    rows = (
        await ApiToken.select(*ApiToken.all_columns(), ApiToken.created_by.display_name.as_alias("created_by_name"))
        .where(ApiToken.partner_organization == organization_id)
        .order_by(ApiToken.created_at)
    )
    return cast("list[NamedApiTokenRow]", rows)


async def revoke_token(principal: Principal, token_id: uuid.UUID) -> None:
    """Revoke a token at once (admins, and partner admins of its organization)."""
    async with write_transaction(ApiToken._meta.db):
        row = (
            await ApiToken.select(ApiToken.partner_organization, ApiToken.revoked_at)
            .where(ApiToken.id == token_id)
            .first()
        )
        if row is None or not _may_manage(principal, uuid.UUID(str(row["partner_organization"]))):
            raise NotFound(TOKEN_NOT_FOUND, token_id=token_id)
        if row["revoked_at"] is not None:
            raise NotFound(TOKEN_ALREADY_REVOKED, token_id=token_id)
        await ApiToken.update({ApiToken.revoked_at: dt.datetime.now(dt.UTC)}).where(ApiToken.id == token_id)
        await record_audit(principal, "token_revoked", "api_token", token_id)


async def principal_for_token(token: str, address: str | None) -> Principal | None:
    """The partner principal behind a live API token, acting for the partner admin who issued it; None if
    the token is unknown or revoked, or its issuer is no longer an active partner admin of that organization
    (a token is only as good as the person answerable for it)."""
    row = (
        await ApiToken.select(
            *ApiToken.all_columns(),
            ApiToken.created_by.partner_organization.as_alias("issuer_organization"),
            ApiToken.created_by.is_active.as_alias("issuer_active"),
            ApiToken.created_by.is_partner_admin.as_alias("issuer_is_partner_admin"),
            ApiToken.created_by.role.as_alias("issuer_role"),
        )
        .where(ApiToken.token_hash == token_hash(token))
        .first()
    )
    if row is None or row["revoked_at"] is not None or row["created_by"] is None:
        return None
    issuer_answers = row["issuer_active"] and row["issuer_is_partner_admin"] and row["issuer_role"] == "partner_staff"
    if not issuer_answers or str(row["issuer_organization"]) != str(row["partner_organization"]):
        return None
    now = dt.datetime.now(dt.UTC)
    if row["last_used_at"] is None or now - row["last_used_at"] >= LAST_USE_GRANULARITY:
        await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    return Principal(
        role="partner_staff",
        account_id=uuid.UUID(str(row["created_by"])),
        token_id=uuid.UUID(str(row["id"])),
        organization_id=uuid.UUID(str(row["partner_organization"])),
        display_name=row["name"],
        address=address,
    )
