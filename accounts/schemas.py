"""msgspec Structs for sign-in, accounts, tokens and the audit log."""

from __future__ import annotations

import datetime as dt

import msgspec

__all__ = ["AuditEventOut", "LoginIn", "Me", "PasswordChangeIn", "TokenIn", "TokenIssued", "TokenOut"]


class LoginIn(msgspec.Struct, kw_only=True):
    """E-mail and password."""

    email: str = msgspec.field()
    password: str


class PasswordChangeIn(msgspec.Struct, kw_only=True):
    """The current password and the new one (at least 12 characters)."""

    current_password: str
    new_password: str


class Me(msgspec.Struct, kw_only=True):
    """The signed-in account as the app sees it."""

    account_id: str | None
    display_name: str
    role: str
    care_team_id: str | None = None
    organization_id: str | None = None
    is_partner_admin: bool = False


class TokenIn(msgspec.Struct, kw_only=True):
    """A name for the new token, e.g. the system that will use it."""

    name: str


class TokenIssued(msgspec.Struct, kw_only=True):
    """A new token: `token` is shown only this once."""

    id: str
    name: str
    prefix: str
    token: str


class TokenOut(msgspec.Struct, kw_only=True):
    """A token without its secret."""

    id: str
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class AuditEventOut(msgspec.Struct, kw_only=True):
    """One audit event."""

    id: str
    at: dt.datetime
    role: str
    action: str
    object_type: str
    account: str | None = None
    api_token: str | None = None
    organization: str | None = None
    object_id: str | None = None
    client_address: str | None = None
    detail: str = ""
