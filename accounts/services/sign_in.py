"""Signing in: password check with lockout, and the principal a session stands for."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, cast

from accounts.errors import SIGN_IN_REFUSED
from accounts.rows import AccountRow
from accounts.services.audit import record_audit
from accounts.services.passwords import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    count_wrong_password,
    credential_stamp,
    dummy_hash,
    is_locked,
    verify_password,
)
from accounts.services.principal import principal_for_account
from accounts.tables import Account
from kernel.database import write_transaction
from kernel.principal import ANONYMOUS, Principal
from kernel.problems import Unauthorized
from kernel.settings import Settings

__all__ = ["LOCKOUT", "MAX_FAILED_LOGINS", "LoginRefused", "principal_for_session", "sign_in"]


class LoginRefused(Unauthorized):
    """Sign-in refused (HTTP 401): always SIGN_IN_REFUSED, the one answer whatever the reason (it never tells
    whether an account exists, is locked or disabled)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def sign_in(email: str, password: str, address: str | None, settings: Settings) -> tuple[Principal, str]:
    """Check a password, locking the account for a while after repeated failures: (principal, credential stamp);
    demo accounts are refused in production.

    The slow hash check runs outside any transaction; the failure count is then raised atomically, so
    simultaneous wrong guesses all count. The reason for a refusal goes to the audit log only."""
    row = cast("AccountRow | None", await Account.select().where(Account.email == email.strip().casefold()).first())
    if row is None:
        verify_password(dummy_hash(), password)
        async with write_transaction(Account._meta.db):
            await record_audit(ANONYMOUS.at(address), "login_failed", "account", None, "unknown account")
        raise LoginRefused(SIGN_IN_REFUSED)
    password_ok = verify_password(row["password_hash"], password)
    principal = principal_for_account(row, address)
    async with write_transaction(Account._meta.db):
        current = (
            await Account.select(Account.is_active, Account.is_demo, Account.locked_until, Account.password_hash)
            .where(Account.id == row["id"])
            .first()
        )
        reason = None
        if current is None or not current["is_active"] or (current["is_demo"] and settings.production):
            reason = "account disabled"
        elif is_locked(current["locked_until"]):
            reason = "locked"
        elif not password_ok or current["password_hash"] != row["password_hash"]:
            reason = await count_wrong_password(row["id"])
        if reason is not None:
            await record_audit(principal, "login_failed", "account", row["id"], reason)
        else:
            await Account.update(
                {Account.failed_logins: 0, Account.locked_until: None, Account.last_login_at: _now()}
            ).where(Account.id == row["id"])
            await record_audit(principal, "login", "account", row["id"])
    # Raised after the transaction so the failure count and its audit row are kept.
    if reason is not None:
        raise LoginRefused(SIGN_IN_REFUSED)
    return principal, credential_stamp(row["password_hash"])


async def principal_for_session(session: Mapping[str, Any], address: str | None) -> Principal | None:
    """The account a session stands for, if it is active and its password has not changed since sign-in."""
    account_id = session.get("account_id")
    if not account_id:
        return None
    try:
        key = uuid.UUID(str(account_id))
    except ValueError:
        return None
    row = cast("AccountRow | None", await Account.select().where(Account.id == key).first())
    if row is None or not row["is_active"] or session.get("stamp") != credential_stamp(row["password_hash"]):
        return None
    return principal_for_account(row, address)
