"""Accounts, care teams, server-side sessions, API tokens and the append-only audit log."""

from __future__ import annotations

from piccolo.columns import UUID, Boolean, Bytea, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from directory.tables import Organization

__all__ = ["Account", "ApiToken", "AuditEvent", "CareTeam", "SessionRecord"]


class CareTeam(Table):
    """A team of care managers that refers clients (an organization that refers)."""

    id = UUID(primary_key=True)
    name = Varchar(length=255, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Account(Table):
    """A person who signs in: admin, care manager (of a care team) or partner staff (of an organization)."""

    id = UUID(primary_key=True)
    email = Varchar(length=255, unique=True)
    """Lower-cased; the login name."""
    display_name = Varchar(length=255)
    password_hash = Varchar(length=255)
    """argon2id hash."""
    role = Varchar(length=20)
    """admin, care_manager or partner_staff."""
    care_team = ForeignKey(references=CareTeam, null=True, index=True)
    partner_organization = ForeignKey(references=Organization, null=True, index=True)
    is_partner_admin = Boolean(default=False)
    """Partner staff who may issue and revoke their organization's API tokens."""
    is_active = Boolean(default=True)
    is_demo = Boolean(default=False)
    """Seeded demo account; refused when the app runs in production mode."""
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class SessionRecord(Table):
    """Server-side session data, shared by every app server (a Litestar store)."""

    key = Varchar(length=255, primary_key=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)


class ApiToken(Table):
    """An API token for a partner organization's own system; only its hash is kept."""

    id = UUID(primary_key=True)
    partner_organization = ForeignKey(references=Organization, index=True)
    name = Varchar(length=255)
    token_hash = Varchar(length=64, unique=True)
    """SHA-256 of the token (tokens are 256 random bits, so a fast hash is enough)."""
    prefix = Varchar(length=12)
    """The token's first characters, so people can tell their tokens apart."""
    created_by = ForeignKey(references=Account, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class AuditEvent(Table):
    """Who did or saw what, when, from where. Rows are only ever inserted."""

    id = UUID(primary_key=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    account = UUID(null=True, default=None, index=True)
    api_token = UUID(null=True, default=None)
    role = Varchar(length=20)
    organization = Varchar(length=100, null=True, default=None)
    """care_team:<id> or organization:<id> of the actor."""
    action = Varchar(length=50)
    """view, create, update, login, login_failed, logout, token_issued, token_revoked, ..."""
    object_type = Varchar(length=50)
    object_id = Varchar(length=100, null=True, default=None)
    client_address = Varchar(length=100, null=True, default=None)
    detail = Text(default="")
    """Never client names, phone numbers or notes."""
