"""HTTP API for signing in, API tokens and the audit log."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, delete, get, post
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.params import Body, FromPath
from litestar.types import ASGIApp, Receive, Scope, Send

from accounts.errors import TOKEN_HAS_NO_SESSION
from accounts.rows import NamedApiTokenRow
from accounts.schemas import AuditEventOut, LoginIn, Me, PasswordChangeIn, TokenIn, TokenIssued, TokenOut
from accounts.services.audit import list_audit_events, record_audit
from accounts.services.passwords import change_password
from accounts.services.sign_in import sign_in
from accounts.services.tokens import issue_token, list_tokens, revoke_token
from accounts.sessions import start_session
from accounts.tables import AuditEvent
from kernel.database import write_transaction
from kernel.guards import PUBLIC, allow, client_address
from kernel.paging import Page, PageNumber, PerPage, make_page
from kernel.principal import Principal
from kernel.problems import Forbidden, problems
from kernel.settings import AppSettings

__all__ = ["AuditController", "AuthController", "SignInAttemptsLimit", "TokenController"]

SIGNED_IN = ("admin", "care_manager", "partner_staff")


class SignInAttemptsLimit(RateLimitMiddleware):
    """Sign-in attempts a minute per client address, page and API together: the app's LOGIN_RATE_LIMIT, counted
    in its "login_attempts" store (memory or Redis). On the sign-in routes themselves, so no other request pays
    for the check."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app, RateLimitConfig(rate_limit=("minute", 1), store="login_attempts"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.max_requests = scope["litestar_app"].state.settings.login_rate_limit
        await super().__call__(scope, receive, send)


def _me(principal: Principal) -> Me:
    return Me(
        account_id=str(principal.signed_in_account_id) if principal.signed_in_account_id else None,
        display_name=principal.display_name,
        role=principal.role,
        care_team_id=str(principal.care_team_id) if principal.care_team_id else None,
        organization_id=str(principal.organization_id) if principal.organization_id else None,
        is_partner_admin=principal.is_partner_admin,
        api_token_id=str(principal.token_id) if principal.token_id else None,
    )


class AuthController(Controller):
    """Sign in and out with a server-side session cookie."""

    path = "/api/auth"
    tags = ["accounts"]

    @post(
        "/login",
        operation_id="login",
        responses=problems(400, 401, 415, 429),
        summary="Sign in",
        opt=PUBLIC,
        status_code=200,
        middleware=[SignInAttemptsLimit],
    )
    async def login(self, request: Request, data: Annotated[LoginIn, Body()], settings: AppSettings) -> Me:
        """Check e-mail and password and start a session; repeated failures lock the account."""
        principal, stamp = await sign_in(data.email, data.password, client_address(request), settings)
        start_session(request, principal.account_id, stamp)
        return _me(principal)

    @post(
        "/logout",
        operation_id="logout",
        responses=problems(401, 403),
        summary="Sign out",
        guards=[allow(*SIGNED_IN)],
        status_code=200,
    )
    async def logout(self, request: Request) -> None:
        """End the session (an API token has none: 403, and nothing is audited)."""
        principal: Principal = request.user
        if principal.signed_in_account_id is None:
            raise Forbidden(TOKEN_HAS_NO_SESSION)
        async with write_transaction(AuditEvent._meta.db):
            await record_audit(principal, "logout", "account", principal.account_id)
        request.clear_session()

    @get("/me", operation_id="getMe", responses=problems(401), summary="Who am I", guards=[allow(*SIGNED_IN)])
    async def me(self, request: Request) -> Me:
        """The signed-in account (or the API token's organization)."""
        return _me(request.user)

    @post(
        "/password",
        operation_id="changePassword",
        responses=problems(400, 401, 403, 415),
        summary="Change password (ends your other sessions)",
        guards=[allow(*SIGNED_IN)],
        status_code=200,
    )
    async def change_password(self, request: Request, data: Annotated[PasswordChangeIn, Body()]) -> None:
        """Change the signed-in account's password; every other session of the account stops working."""
        stamp = await change_password(request.user, data.current_password, data.new_password)
        request.set_session({**request.session, "stamp": stamp})


def _token_out(row: NamedApiTokenRow) -> TokenOut:
    return TokenOut(
        id=str(row["id"]),
        name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        created_by=row["created_by_name"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


class TokenController(Controller):
    """API tokens for partner organizations' own systems: issued by the partner's own admins."""

    path = "/api"
    tags = ["accounts"]
    guards = [allow("admin", "partner_staff")]

    @post(
        "/partner_organizations/{organization_id:uuid}/tokens",
        operation_id="issueToken",
        responses=problems(400, 401, 403, 404, 415),
        summary="Issue a token",
    )
    async def issue(
        self, request: Request, organization_id: FromPath[uuid.UUID], data: Annotated[TokenIn, Body()]
    ) -> TokenIssued:
        """A new token for your own organization (partner admins only); the secret is in this response only."""
        token_id, token = await issue_token(request.user, organization_id, data.name)
        return TokenIssued(id=str(token_id), name=data.name.strip(), prefix=token[:12], token=token)

    @get(
        "/partner_organizations/{organization_id:uuid}/tokens",
        operation_id="listTokens",
        responses=problems(400, 401, 403, 404),
        summary="List tokens",
    )
    async def list_tokens(self, request: Request, organization_id: FromPath[uuid.UUID]) -> list[TokenOut]:
        """The organization's tokens, without their secrets, with who issued each."""
        return [_token_out(row) for row in await list_tokens(request.user, organization_id)]

    @delete(
        "/tokens/{token_id:uuid}",
        operation_id="revokeToken",
        responses=problems(400, 401, 403, 404),
        summary="Revoke a token",
        status_code=204,
    )
    async def revoke(self, request: Request, token_id: FromPath[uuid.UUID]) -> None:
        """Revoke a token; it stops working at once."""
        await revoke_token(request.user, token_id)


class AuditController(Controller):
    """The audit log, for admins."""

    path = "/api/audit"
    tags = ["accounts"]
    guards = [allow("admin")]

    @get("/", operation_id="listAuditEvents", responses=problems(400, 401, 403), summary="Audit log")
    async def list_events(self, request: Request, page: PageNumber = 1, per_page: PerPage = 50) -> Page[AuditEventOut]:
        """Audit events, newest first (reading them is itself recorded)."""
        rows, total = await list_audit_events(request.user, page, per_page)
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
        return make_page(contents, total, page, per_page)
