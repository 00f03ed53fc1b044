"""HTTP API for signing in, API tokens and the audit log."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, delete, get, post
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.params import Body, FromPath

from accounts.guards import PUBLIC, allow, client_address
from accounts.schemas import AuditEventOut, LoginIn, Me, PasswordChangeIn, TokenIn, TokenIssued, TokenOut
from accounts.services import (
    LoginRefused,
    Principal,
    hash_password,
    issue_token,
    record_audit,
    revoke_token,
    sign_in,
    verify_password,
)
from accounts.sessions import rotate_session_id
from accounts.tables import Account, ApiToken, AuditEvent
from directory.tables import Organization
from kernel.paging import Page, PageNumber, PerPage, make_page, offset_of

__all__ = ["AuditController", "AuthController", "TokenController"]

SIGNED_IN = ("admin", "care_manager", "partner_staff")


def _me(principal: Principal) -> Me:
    return Me(
        account_id=str(principal.account_id) if principal.account_id else None,
        display_name=principal.display_name,
        role=principal.role,
        care_team_id=str(principal.care_team_id) if principal.care_team_id else None,
        organization_id=str(principal.organization_id) if principal.organization_id else None,
        is_partner_admin=principal.is_partner_admin,
    )


class AuthController(Controller):
    """Sign in and out with a server-side session cookie."""

    path = "/api/auth"
    tags = ["accounts"]

    @post("/login", operation_id="login", summary="Sign in", opt=PUBLIC, status_code=200)
    async def login(self, request: Request, data: Annotated[LoginIn, Body()]) -> Me:
        """Check e-mail and password and start a session; repeated failures lock the account."""
        try:
            principal = await sign_in(data.email, data.password, client_address(request))
        except LoginRefused as refusal:
            raise NotAuthorizedException(detail=str(refusal)) from None
        request.clear_session()
        rotate_session_id(request)
        request.set_session({"account_id": str(principal.account_id)})
        return _me(principal)

    @post("/logout", operation_id="logout", summary="Sign out", guards=[allow(*SIGNED_IN)], status_code=200)
    async def logout(self, request: Request) -> None:
        """End the session."""
        principal: Principal = request.user
        await record_audit(principal, "logout", "account", str(principal.account_id), client_address(request))
        request.clear_session()

    @get("/me", operation_id="getMe", summary="Who am I", guards=[allow(*SIGNED_IN)])
    async def me(self, request: Request) -> Me:
        """The signed-in account (or the API token's organization)."""
        return _me(request.user)

    @post(
        "/password",
        operation_id="changePassword",
        summary="Change password",
        guards=[allow(*SIGNED_IN)],
        status_code=200,
    )
    async def change_password(self, request: Request, data: Annotated[PasswordChangeIn, Body()]) -> None:
        """Change the signed-in account's password."""
        principal: Principal = request.user
        if principal.account_id is None:
            raise PermissionDeniedException(detail="API tokens have no password")
        row = await Account.select(Account.password_hash).where(Account.id == principal.account_id).first()
        if row is None or not verify_password(row["password_hash"], data.current_password):
            raise PermissionDeniedException(detail="the current password is wrong")
        try:
            new_hash = hash_password(data.new_password)
        except ValueError as error:
            raise ValidationException(detail=f"new_password: {error}") from None
        await Account.update({Account.password_hash: new_hash}).where(Account.id == principal.account_id)
        await record_audit(principal, "password_changed", "account", str(principal.account_id), client_address(request))


def _may_manage_tokens(principal: Principal, organization_id: uuid.UUID) -> bool:
    return principal.role == "admin" or (
        principal.role == "partner_staff"
        and principal.is_partner_admin
        and principal.account_id is not None
        and principal.organization_id == organization_id
    )


class TokenController(Controller):
    """API tokens for partner organizations' own systems."""

    path = "/api"
    tags = ["accounts"]
    guards = [allow("admin", "partner_staff")]

    @post("/partner_organizations/{organization_id:uuid}/tokens", operation_id="issueToken", summary="Issue a token")
    async def issue(
        self, request: Request, organization_id: FromPath[uuid.UUID], data: Annotated[TokenIn, Body()]
    ) -> TokenIssued:
        """A new token for the organization; the secret is in this response only."""
        principal: Principal = request.user
        if not _may_manage_tokens(principal, organization_id):
            raise NotFoundException(detail=f"no partner organization with id {organization_id}")
        if not await Organization.exists().where(Organization.id == organization_id):
            raise NotFoundException(detail=f"no partner organization with id {organization_id}")
        name = data.name.strip()
        if not 1 <= len(name) <= 255:
            raise ValidationException(detail="name must have 1 to 255 characters")
        token_id, token = await issue_token(organization_id, name, principal.account_id)
        await record_audit(principal, "token_issued", "api_token", str(token_id), client_address(request))
        return TokenIssued(id=str(token_id), name=name, prefix=token[:12], token=token)

    @get("/partner_organizations/{organization_id:uuid}/tokens", operation_id="listTokens", summary="List tokens")
    async def list_tokens(self, request: Request, organization_id: FromPath[uuid.UUID]) -> list[TokenOut]:
        """The organization's tokens, without their secrets."""
        if not _may_manage_tokens(request.user, organization_id):
            raise NotFoundException(detail=f"no partner organization with id {organization_id}")
        rows = (
            await ApiToken.select()
            .where(ApiToken.partner_organization == organization_id)
            .order_by(ApiToken.created_at)
        )
        return [
            TokenOut(
                id=str(r["id"]),
                name=r["name"],
                prefix=r["prefix"],
                created_at=r["created_at"],
                last_used_at=r["last_used_at"],
                revoked_at=r["revoked_at"],
            )
            for r in rows
        ]

    @delete("/tokens/{token_id:uuid}", operation_id="revokeToken", summary="Revoke a token", status_code=204)
    async def revoke(self, request: Request, token_id: FromPath[uuid.UUID]) -> None:
        """Revoke a token; it stops working at once."""
        row = await ApiToken.select(ApiToken.partner_organization).where(ApiToken.id == token_id).first()
        if row is None or not _may_manage_tokens(request.user, uuid.UUID(str(row["partner_organization"]))):
            raise NotFoundException(detail=f"no token with id {token_id}")
        if not await revoke_token(token_id):
            raise NotFoundException(detail=f"token {token_id} is already revoked")
        await record_audit(request.user, "token_revoked", "api_token", str(token_id), client_address(request))


class AuditController(Controller):
    """The audit log, for admins."""

    path = "/api/audit"
    tags = ["accounts"]
    guards = [allow("admin")]

    @get("/", operation_id="listAuditEvents", summary="Audit log")
    async def list_events(self, page: PageNumber = 1, per_page: PerPage = 50) -> Page[AuditEventOut]:
        """Audit events, newest first."""
        rows = (
            await AuditEvent.select()
            .order_by(AuditEvent.at, ascending=False)
            .limit(per_page)
            .offset(offset_of(page, per_page))
        )
        contents = [
            AuditEventOut(
                id=str(r["id"]),
                at=r["at"],
                role=r["role"],
                action=r["action"],
                object_type=r["object_type"],
                account=str(r["account"]) if r["account"] else None,
                api_token=str(r["api_token"]) if r["api_token"] else None,
                organization=r["organization"],
                object_id=r["object_id"],
                client_address=r["client_address"],
                detail=r["detail"],
            )
            for r in rows
        ]
        return make_page(contents, await AuditEvent.count(), page, per_page)
