"""Passwords: argon2id hashes, the length rule, and changing one (which ends the account's other sessions).

The hashing profile comes from PASSWORD_HASHING: `argon2id` at argon2-cffi's own defaults, or `test-only`,
argon2-cffi's CHEAPEST parameters, so a test suite that creates hundreds of accounts runs in minutes (production
refuses to start with it: kernel/deployment_check.py). A hash carries its own parameters, so either profile
verifies the other's hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accounts.errors import CURRENT_PASSWORD_WRONG, PASSWORD_TOO_SHORT, TOKEN_HAS_NO_PASSWORD
from accounts.services.audit import record_audit
from accounts.tables import Account
from kernel.database import write_transaction
from kernel.principal import Principal
from kernel.problems import Forbidden, Invalid

__all__ = [
    "LOCKOUT",
    "MAX_FAILED_LOGINS",
    "MIN_PASSWORD_LENGTH",
    "change_password",
    "count_wrong_password",
    "credential_stamp",
    "dummy_hash",
    "hash_password",
    "is_locked",
    "use_password_hashing",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 12
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
_HASHERS = {"argon2id": PasswordHasher(), "test-only": PasswordHasher.from_parameters(profiles.CHEAPEST)}
_profile = "argon2id"
_dummy_hashes: dict[str, str] = {}


def use_password_hashing(profile: str) -> None:
    """Hash new passwords with this PASSWORD_HASHING profile from now on (the app and the CLI call this at
    start-up with their settings; every process of a deployment reads the same variable)."""
    global _profile
    if profile not in _HASHERS:
        raise KeyError(profile)
    _profile = profile


def hash_password(password: str) -> str:
    """An argon2id hash of a password that meets the length rule (Invalid otherwise)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(PASSWORD_TOO_SHORT, minimum=MIN_PASSWORD_LENGTH)
    return _HASHERS[_profile].hash(password)


def dummy_hash() -> str:
    """A hash of no one's password at the current profile's cost, to verify against when an e-mail is unknown
    (so an unknown e-mail takes as long as a wrong password)."""
    if _profile not in _dummy_hashes:
        _dummy_hashes[_profile] = _HASHERS[_profile].hash("not a real password, only for timing")
    return _dummy_hashes[_profile]


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash."""
    try:
        return _HASHERS[_profile].verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def credential_stamp(password_hash: str) -> str:
    """A fingerprint of the account's current password, kept in its sessions: a new password
    changes it, so every session signed in with the old one stops working."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def is_locked(locked_until: dt.datetime | None) -> bool:
    """Whether a lockout is still running."""
    return locked_until is not None and locked_until > dt.datetime.now(dt.UTC)


async def count_wrong_password(account_id: uuid.UUID) -> str:
    """Count one wrong password against the account, atomically (simultaneous guesses all count), and
    lock it for LOCKOUT at MAX_FAILED_LOGINS; call inside a write transaction. Returns the audit reason."""
    counted = (
        await Account.update({Account.failed_logins: Account.failed_logins + 1})
        .where(Account.id == account_id)
        .returning(Account.failed_logins)
    )
    if counted and counted[0]["failed_logins"] >= MAX_FAILED_LOGINS:
        await Account.update({Account.failed_logins: 0, Account.locked_until: dt.datetime.now(dt.UTC) + LOCKOUT}).where(
            Account.id == account_id
        )
        return "wrong password, now locked"
    return "wrong password"


async def change_password(principal: Principal, current_password: str, new_password: str) -> str:
    """Change the signed-in account's password; returns the new credential stamp for the caller's session.

    A wrong current password counts towards the same lockout as sign-in (a stolen session must not be a
    way to guess the password), and while the account is locked no current password is accepted."""
    account_id = principal.signed_in_account_id
    if account_id is None:
        raise Forbidden(TOKEN_HAS_NO_PASSWORD)
    new_hash = hash_password(new_password)
    row = await Account.select(Account.password_hash).where(Account.id == account_id).first()
    password_ok = row is not None and verify_password(row["password_hash"], current_password)
    async with write_transaction(Account._meta.db):
        current = (
            await Account.select(Account.password_hash, Account.locked_until).where(Account.id == account_id).first()
        )
        refusal = None
        if current is None or is_locked(current["locked_until"]):
            refusal = "account locked"
        elif not password_ok or row is None or current["password_hash"] != row["password_hash"]:
            refusal = await count_wrong_password(account_id)
        if refusal is not None:
            await record_audit(principal, "password_change_failed", "account", account_id, refusal)
        else:
            await Account.update({Account.password_hash: new_hash, Account.failed_logins: 0}).where(
                Account.id == account_id
            )
            await record_audit(principal, "password_changed", "account", account_id, "other sessions ended")
    # Raised after the transaction, so the count and its audit row are kept.
    if refusal is not None:
        raise Forbidden(CURRENT_PASSWORD_WRONG)
    return credential_stamp(new_hash)
