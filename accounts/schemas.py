"""msgspec Structs for sign-in, accounts, tokens and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

Password = Annotated[str, msgspec.Meta(max_length=1024)]
"""Long enough for any passphrase, short enough that hashing it is no denial of service."""

__all__ = [
    "AuditEventOut",
    "LoginIn",
    "Me",
    "PasswordChangeForm",
    "PasswordChangeIn",
    "SignInForm",
    "TokenIn",
    "TokenIssued",
    "TokenOut",
]


class LoginIn(msgspec.Struct, kw_only=True):
    """E-mail and password."""

    email: Annotated[str, msgspec.Meta(max_length=255)]
    password: Password


class PasswordChangeIn(msgspec.Struct, kw_only=True):
    """The current password and the new one (at least 12 characters)."""

    current_password: Password
    new_password: Password


class SignInForm(msgspec.Struct, kw_only=True):
    """The sign-in page's form: e-mail, password, and the page to go back to."""

    email: Annotated[str, msgspec.Meta(max_length=255)] = ""
    password: Password = ""
    next: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class PasswordChangeForm(msgspec.Struct, kw_only=True):
    """The password page's form: the new password typed twice."""

    current_password: Password = ""
    new_password: Password = ""
    repeat_password: Password = ""


class Me(msgspec.Struct, kw_only=True):
    """The signed-in account as the app sees it."""

    account_id: str | None
    display_name: str
    role: str
    care_team_id: str | None = None
    organization_id: str | None = None
    is_partner_admin: bool = False
    api_token_id: str | None = None
    """Set when the caller is an API token (account_id is then None)."""


class TokenIn(msgspec.Struct, kw_only=True):
    """A name for the new token, e.g. the system that will use it."""

    name: Annotated[str, msgspec.Meta(max_length=255)]


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
    created_by: str | None = None
    """The partner admin who issued the token (it acts on their behalf)."""
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
