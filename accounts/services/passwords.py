"""Passwords: argon2id hashes, the length rule, and changing one (which ends the account's other sessions)."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accounts.services.audit import record_audit
from accounts.tables import Account
from kernel.database import write_transaction
from kernel.principal import Principal
from kernel.problems import Forbidden, Invalid

__all__ = ["MIN_PASSWORD_LENGTH", "change_password", "credential_stamp", "hash_password", "verify_password"]

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of a password that meets the length rule (Invalid otherwise)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"passwords must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def credential_stamp(password_hash: str) -> str:
    """A fingerprint of the account's current password, kept in its sessions: a new password
    changes it, so every session signed in with the old one stops working."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


async def change_password(principal: Principal, current_password: str, new_password: str) -> str:
    """Change the signed-in account's password; returns the new credential stamp for the caller's session."""
    if principal.signed_in_account_id is None:
        raise Forbidden("API tokens have no password")
    new_hash = hash_password(new_password)
    async with write_transaction(Account._meta.db):
        row = await Account.select(Account.password_hash).where(Account.id == principal.account_id).first()
        if row is None or not verify_password(row["password_hash"], current_password):
            raise Forbidden("the current password is wrong")
        await Account.update({Account.password_hash: new_hash}).where(Account.id == principal.account_id)
        await record_audit(principal, "password_changed", "account", principal.account_id, "other sessions ended")
    return credential_stamp(new_hash)
