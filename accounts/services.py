"""Account rules: password hashing, sign-in with lockout, API tokens and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accounts.tables import Account, ApiToken, AuditEvent, CareTeam
from kernel.settings import get_settings

__all__ = [
    "ROLES",
    "LoginRefused",
    "Principal",
    "create_account",
    "create_care_team",
    "hash_password",
    "issue_token",
    "principal_for_account",
    "principal_for_token",
    "record_audit",
    "revoke_token",
    "sign_in",
    "verify_password",
]

ROLES = ("admin", "care_manager", "partner_staff")
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# Verifying against this keeps an unknown e-mail as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


@dataclass(frozen=True)
class Principal:
    """Who is asking: anonymous, a signed-in account, or a partner organization's API token."""

    role: str = "anonymous"
    account_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None
    care_team_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    display_name: str = ""
    is_partner_admin: bool = False

    @property
    def is_anonymous(self) -> bool:
        """True for the public."""
        return self.role == "anonymous"

    @property
    def scope(self) -> str | None:
        """The actor's organization as recorded in the audit log."""
        if self.care_team_id:
            return f"care_team:{self.care_team_id}"
        if self.organization_id:
            return f"organization:{self.organization_id}"
        return None


ANONYMOUS = Principal()


class LoginRefused(Exception):
    """Sign-in refused; the message is safe to show (it never says which part was wrong)."""


def hash_password(password: str) -> str:
    """An argon2id hash of a password that meets the length rule."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"passwords must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def principal_for_account(row: dict) -> Principal:
    """The principal of an account row."""
    return Principal(
        role=row["role"],
        account_id=uuid.UUID(str(row["id"])),
        care_team_id=uuid.UUID(str(row["care_team"])) if row["care_team"] else None,
        organization_id=uuid.UUID(str(row["partner_organization"])) if row["partner_organization"] else None,
        display_name=row["display_name"],
        is_partner_admin=bool(row["is_partner_admin"]),
    )


async def sign_in(email: str, password: str, client_address: str | None) -> Principal:
    """Check a password, locking the account for a while after repeated failures."""
    row = await Account.select().where(Account.email == email.strip().casefold()).first()
    if row is None:
        verify_password(_DUMMY_HASH, password)
        await record_audit(ANONYMOUS, "login_failed", "account", None, client_address, "unknown account")
        raise LoginRefused("wrong e-mail or password")
    principal = principal_for_account(row)
    if not row["is_active"] or (row["is_demo"] and get_settings().production):
        await record_audit(principal, "login_failed", "account", str(row["id"]), client_address, "account disabled")
        raise LoginRefused("this account cannot sign in")
    if row["locked_until"] is not None and row["locked_until"] > _now():
        await record_audit(principal, "login_failed", "account", str(row["id"]), client_address, "locked")
        raise LoginRefused("too many failed sign-ins; try again later")
    if not verify_password(row["password_hash"], password):
        failures = row["failed_logins"] + 1
        locked_until = _now() + LOCKOUT if failures >= MAX_FAILED_LOGINS else None
        await Account.update(
            {Account.failed_logins: 0 if locked_until else failures, Account.locked_until: locked_until}
        ).where(Account.id == row["id"])
        await record_audit(
            principal,
            "login_failed",
            "account",
            str(row["id"]),
            client_address,
            "locked" if locked_until else "wrong password",
        )
        raise LoginRefused("wrong e-mail or password")
    await Account.update({Account.failed_logins: 0, Account.locked_until: None, Account.last_login_at: _now()}).where(
        Account.id == row["id"]
    )
    await record_audit(principal, "login", "account", str(row["id"]), client_address)
    return principal


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
    """A new account; care managers need a care team and partner staff an organization."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "care_manager" and care_team_id is None:
        raise ValueError("a care manager belongs to a care team")
    if role == "partner_staff" and organization_id is None:
        raise ValueError("partner staff belong to a partner organization")
    if await Account.exists().where(Account.email == email.strip().casefold()):
        raise ValueError(f"an account for {email} already exists")
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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(organization_id: uuid.UUID, name: str, created_by: uuid.UUID | None) -> tuple[uuid.UUID, str]:
    """A new API token for a partner organization: (id, the token itself, shown only now)."""
    token = "rdt_" + secrets.token_urlsafe(32)
    token_id = uuid.uuid4()
    await ApiToken.insert(
        ApiToken(
            id=token_id,
            partner_organization=organization_id,
            name=name,
            token_hash=_token_hash(token),
            prefix=token[:12],
            created_by=created_by,
        )
    )
    return token_id, token


async def revoke_token(token_id: uuid.UUID) -> bool:
    """Revoke a token at once; False if there is no such live token."""
    rows = (
        await ApiToken.update({ApiToken.revoked_at: _now()})
        .where((ApiToken.id == token_id) & ApiToken.revoked_at.is_null())
        .returning(ApiToken.id)
    )
    return bool(rows)


async def principal_for_token(token: str) -> Principal | None:
    """The partner principal behind a live API token, recording its use; None if unknown or revoked."""
    row = await ApiToken.select().where(ApiToken.token_hash == _token_hash(token)).first()
    if row is None or row["revoked_at"] is not None:
        return None
    await ApiToken.update({ApiToken.last_used_at: _now()}).where(ApiToken.id == row["id"])
    return Principal(
        role="partner_staff",
        token_id=uuid.UUID(str(row["id"])),
        organization_id=uuid.UUID(str(row["partner_organization"])),
        display_name=row["name"],
    )


async def record_audit(
    principal: Principal,
    action: str,
    object_type: str,
    object_id: str | None,
    client_address: str | None,
    detail: str = "",
) -> None:
    """Append one audit event. Callers pass ids and codes, never client names or notes."""
    await AuditEvent.insert(
        AuditEvent(
            id=uuid.uuid4(),
            account=principal.account_id,
            api_token=principal.token_id,
            role=principal.role,
            organization=principal.scope,
            action=action,
            object_type=object_type,
            object_id=object_id,
            client_address=client_address,
            detail=detail,
        )
    )
