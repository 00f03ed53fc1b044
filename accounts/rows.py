"""Account rows as Piccolo's `.select()` returns them, typed: each key a column of accounts/tables.py.

Piccolo returns plain dicts; these TypedDicts say which keys they hold and what each holds, without
converting anything (tests/accounts/test_rows.py keeps them in step with the tables).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypedDict

__all__ = ["AccountRow", "ApiTokenRow", "AuditEventRow", "NamedApiTokenRow"]


class AccountRow(TypedDict):
    """An `Account`: who signs in, with which role, for which care team or partner organization."""

    id: uuid.UUID
    email: str
    display_name: str
    password_hash: str
    role: str
    care_team: uuid.UUID | None
    partner_organization: uuid.UUID | None
    is_partner_admin: bool
    is_active: bool
    is_demo: bool
    failed_logins: int
    locked_until: dt.datetime | None
    created_at: dt.datetime
    last_login_at: dt.datetime | None


class ApiTokenRow(TypedDict):
    """An `ApiToken`: a partner organization's token, by its hash."""

    id: uuid.UUID
    partner_organization: uuid.UUID
    name: str
    token_hash: str
    prefix: str
    created_by: uuid.UUID | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NamedApiTokenRow(ApiTokenRow):
    """A token as its list shows it: with the display name of the partner admin who issued it."""

    created_by_name: str | None


class AuditEventRow(TypedDict):
    """An `AuditEvent`: who did or saw what, when, from where."""

    id: uuid.UUID
    at: dt.datetime
    account: uuid.UUID | None
    api_token: uuid.UUID | None
    role: str
    organization: str | None
    action: str
    object_type: str
    object_id: str | None
    client_address: str | None
    detail: str
