"""Pages for signing in and out and changing one's password: the same services and session as the API."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from accounts.controllers import SIGNED_IN, SignInAttemptsLimit
from accounts.errors import NEW_PASSWORDS_DIFFER, TOKEN_NOT_FOUND, TOKENS_FOR_PARTNER_STAFF
from accounts.rows import NamedApiTokenRow
from accounts.schemas import PasswordChangeForm, SignInForm
from accounts.services.audit import record_audit
from accounts.services.passwords import change_password
from accounts.services.sign_in import LoginRefused, sign_in
from accounts.services.tokens import TOKEN_PREFIX, issue_token, list_tokens, revoke_token
from accounts.sessions import start_session
from accounts.tables import AuditEvent
from kernel.database import write_transaction
from kernel.guards import PUBLIC, allow, client_address, principal_of
from kernel.i18n import gettext
from kernel.pages import PAGE_ERROR_HANDLERS, local_path, page_error, render, see_other
from kernel.principal import Principal
from kernel.problems import Forbidden, Invalid, NotFound
from kernel.settings import AppSettings

__all__ = ["SIGN_IN_PAGE", "AccountPages", "PartnerTokenPages", "TokenForm", "home_page"]

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


def home_page(principal: Principal) -> str:
    """Where a signed-in person starts: the caseload, the partner inbox, or the admin's report queue."""
    return {"care_manager": "/app/", "partner_staff": "/partner/", "admin": "/app/reports"}.get(principal.role, "/")


SIGN_IN_PAGE = "/app/sign-in"
"""The sign-in form (AccountPages below); a page refused for want of a session sends people here and back."""


class AccountPages(Controller):
    """Sign in, sign out, change password."""

    path = "/app"
    include_in_schema = False
    exception_handlers = PAGE_ERROR_HANDLERS  # type: ignore[assignment]

    @get("/sign-in", opt=PUBLIC, name="sign_in_page")
    async def sign_in_page(self, request: Request, next: FromQuery[str | None] = None) -> Template | Redirect:
        """The sign-in form (someone already signed in goes straight to their start page)."""
        principal = principal_of(request)
        if not principal.is_anonymous:
            return see_other(local_path(next, home_page(principal)))
        return render("accounts/sign_in.html", next=local_path(next, ""), email="", error=None)

    @post("/sign-in", opt=PUBLIC, middleware=[SignInAttemptsLimit], status_code=303)
    async def sign_in(
        self, request: Request, data: Annotated[SignInForm, FORM], settings: AppSettings
    ) -> Template | Redirect:
        """Check e-mail and password (the API's lockout and audit), start a new session, go on."""
        try:
            principal, stamp = await sign_in(data.email, data.password, client_address(request), settings)
        except LoginRefused as refusal:
            return render(
                "accounts/sign_in.html",
                status_code=401,
                next=local_path(data.next, ""),
                email=data.email,
                error=page_error(refusal),
            )
        start_session(request, principal.account_id, stamp)
        return see_other(local_path(data.next, home_page(principal)))

    @post("/sign-out", guards=[allow(*SIGNED_IN)], status_code=303)
    async def sign_out(self, request: Request) -> Redirect:
        """End the session and go back to the public directory."""
        principal: Principal = request.user
        async with write_transaction(AuditEvent._meta.db):
            await record_audit(principal, "logout", "account", principal.account_id)
        request.clear_session()
        signed_out = see_other(f"{SIGN_IN_PAGE}?signed_out=1")
        # Browsers that know it also drop their copies of the pages this person saw.
        signed_out.headers["Clear-Site-Data"] = '"cache"'
        return signed_out

    @get("/password", guards=[allow(*SIGNED_IN)])
    async def password_page(self) -> Template:
        """The password form."""
        return render("accounts/password.html", error=None)

    @post("/password", guards=[allow(*SIGNED_IN)], status_code=303)
    async def change_password(self, request: Request, data: Annotated[PasswordChangeForm, FORM]) -> Template | Redirect:
        """Change the password (ends the account's other sessions); a mistake shows on the form again."""
        try:
            if data.new_password != data.repeat_password:
                raise Invalid(NEW_PASSWORDS_DIFFER)
            stamp = await change_password(request.user, data.current_password, data.new_password)
        except (Invalid, Forbidden) as refusal:
            return render("accounts/password.html", status_code=400, error=page_error(refusal))
        request.set_session({**request.session, "stamp": stamp})
        flash(request, gettext("Your password was changed. Your other sessions were signed out."), "success")
        return see_other(home_page(request.user))


class TokenForm(msgspec.Struct, kw_only=True):
    """The new-token form: a name saying which system will use it."""

    name: Annotated[str, msgspec.Meta(max_length=300)] = ""


def _organization_of(principal: Principal) -> uuid.UUID:
    """The partner's own organization (the tokens service decides whether this person may manage it)."""
    if principal.organization_id is None:
        raise Forbidden(TOKENS_FOR_PARTNER_STAFF)
    return principal.organization_id


# The new token's secret reaches the page after the redirect in two halves, neither of which tells anything alone:
# a one-time pad in a cookie only this browser sends to these pages, and the secret XOR that pad in the address.
# Showing it deletes the cookie, so a reload shows no secret and issues no token; nothing is stored on the server.
_PAD_COOKIE = "new_token_pad"
_PAD_PATH = "/partner/tokens"
_PAD_SECONDS = 300


def _split_secret(token: str) -> tuple[str, str]:
    """(pad, sealed): two random-looking hex strings whose XOR is the token."""
    secret = token.encode()
    pad = secrets.token_bytes(len(secret))
    return pad.hex(), bytes(a ^ b for a, b in zip(secret, pad, strict=True)).hex()


def _joined_secret(pad: str | None, sealed: str | None) -> str | None:
    """The token from its two halves; None when either is missing or they do not make a token."""
    try:
        pad_bytes, sealed_bytes = bytes.fromhex(pad or ""), bytes.fromhex(sealed or "")
    except ValueError:
        return None
    if not pad_bytes or len(pad_bytes) != len(sealed_bytes):
        return None
    token = bytes(a ^ b for a, b in zip(sealed_bytes, pad_bytes, strict=True)).decode("ascii", "replace")
    return token if token.startswith(TOKEN_PREFIX) and token.isprintable() else None


class PartnerTokenPages(Controller):
    """A partner admin's API tokens: list, issue (the secret shown once, after a redirect), revoke (after asking)."""

    path = "/partner/tokens"
    include_in_schema = False
    exception_handlers = PAGE_ERROR_HANDLERS  # type: ignore[assignment]
    guards = [allow("partner_staff")]

    @get("/")
    async def tokens(self, request: Request) -> Template:
        """The organization's tokens, without their secrets."""
        rows = await list_tokens(request.user, _organization_of(request.user))
        return render("accounts/tokens.html", tokens=rows, error=None, name="")

    @post("/", status_code=303)
    async def issue(
        self, request: Request, data: Annotated[TokenForm, FORM], settings: AppSettings
    ) -> Template | Redirect:
        """Issue a token, then show its secret once on the page this redirects to (never stored, never in the
        session): reloading that page shows no secret and issues no second token."""
        organization_id = _organization_of(request.user)
        try:
            token_id, token = await issue_token(request.user, organization_id, data.name)
        except Invalid as refusal:
            rows = await list_tokens(request.user, organization_id)
            return render(
                "accounts/tokens.html", status_code=400, tokens=rows, error=page_error(refusal), name=data.name
            )
        pad, sealed = _split_secret(token)
        issued = see_other(f"/partner/tokens/{token_id}/issued?sealed={sealed}")
        issued.set_cookie(
            _PAD_COOKIE,
            pad,
            path=_PAD_PATH,
            max_age=_PAD_SECONDS,
            httponly=True,
            secure=settings.production,
            samesite="strict",
        )
        return issued

    @get("/{token_id:uuid}/issued")
    async def issued(
        self, request: Request, token_id: FromPath[uuid.UUID], sealed: FromQuery[str | None] = None
    ) -> Template:
        """The new token's secret, this once (its pad cookie is deleted); afterwards, a page saying it was shown."""
        token_row = await _live_token(request.user, token_id)
        token = _joined_secret(request.cookies.get(_PAD_COOKIE), sealed)
        page = render("accounts/tokens_issued.html", name=token_row["name"], token=token, token_id=str(token_id))
        page.headers["Cache-Control"] = "no-store"
        page.delete_cookie(_PAD_COOKIE, path=_PAD_PATH)
        return page

    @get("/{token_id:uuid}/revoke")
    async def confirm_revoke(self, request: Request, token_id: FromPath[uuid.UUID]) -> Template:
        """Ask before revoking: the systems using the token stop working at once (a form, so no JavaScript)."""
        return render("accounts/token_revoke.html", token=await _live_token(request.user, token_id))

    @post("/{token_id:uuid}/revoke", status_code=303)
    async def revoke(self, request: Request, token_id: FromPath[uuid.UUID]) -> Redirect:
        """Revoke a token: it stops working at once."""
        await revoke_token(request.user, token_id)
        flash(request, gettext("The token is revoked: it no longer works."), "success")
        return see_other("/partner/tokens")


async def _live_token(principal: Principal, token_id: uuid.UUID) -> NamedApiTokenRow:
    """One of the organization's tokens that still works (404 for another's, an unknown or a revoked one)."""
    rows = await list_tokens(principal, _organization_of(principal))
    found = next((row for row in rows if row["id"] == token_id and row["revoked_at"] is None), None)
    if found is None:
        raise NotFound(TOKEN_NOT_FOUND, token_id=token_id)
    return found
