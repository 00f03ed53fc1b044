"""`directory-admin accounts ...`: first admin, care teams, users, API tokens, demo accounts."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, NoReturn, TypedDict, TypeVar, cast

import click

from accounts.errors import ACCOUNT_NOT_FOUND
from kernel.problems import DomainError, NotFound
from kernel.settings import Settings

if TYPE_CHECKING:
    from accounts.rows import AccountRow

__all__ = ["DEMO_PASSWORD", "accounts_group", "seed_demo_accounts"]

DEMO_PASSWORD = "demo-password-2026"
COMMAND_LINE = "command line"
"""The address recorded in the audit log for what the CLI does."""
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@click.group(name="accounts", help="Manage accounts, care teams and API tokens.")
def accounts_group() -> None:
    """Account administration commands."""


def _password(password: str | None) -> str:
    return password or click.prompt("Password (12+ characters)", hide_input=True, confirmation_prompt=True)


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(2)


@accounts_group.command(name="create-admin", help="Create an admin account.")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--password", default=None, help="Prompted for when left out.")
def create_admin(email: str, display_name: str, password: str | None) -> None:
    """Create an admin."""
    from accounts.services.accounts import create_account

    try:
        account_id = _run(create_account(email, display_name, _password(password), "admin"))
    except DomainError as error:
        _fail(str(error))
    click.echo(f"Admin {email} created ({account_id}).")


@accounts_group.command(name="create-care-team", help="Create a care team (an organization that refers).")
@click.argument("name")
def create_care_team_command(name: str) -> None:
    """Create a care team."""
    from accounts.services.accounts import create_care_team

    click.echo(str(_run(create_care_team(name))))


@accounts_group.command(
    name="create-organization", help="Add a partner organization (an HSDS organization) not yet in the directory."
)
@click.argument("name")
@click.option("--description", default="", help="What the organization does.")
def create_organization_command(name: str, description: str) -> None:
    """Create a partner organization, or print the id of the one with this exact name."""
    from directory.tables import Organization

    async def create() -> str:
        existing = await Organization.select(Organization.id).where(Organization.name == name).first()
        if existing:
            return str(existing["id"])
        row = await Organization.insert(Organization(name=name, description=description)).returning(Organization.id)
        return str(row[0]["id"])

    click.echo(_run(create()))


@accounts_group.command(name="create-user", help="Create a care manager or partner staff account.")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(["care_manager", "partner_staff"]), required=True)
@click.option("--care-team", "care_team_id", type=click.UUID, default=None, help="For care managers.")
@click.option("--organization", "organization_id", type=click.UUID, default=None, help="For partner staff.")
@click.option("--partner-admin", is_flag=True, help="Partner staff who may manage their organization's tokens.")
@click.option("--password", default=None, help="Prompted for when left out.")
def create_user(
    email: str,
    display_name: str,
    role: str,
    care_team_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    partner_admin: bool,
    password: str | None,
) -> None:
    """Create a user."""
    from accounts.services.accounts import create_account

    try:
        account_id = _run(
            create_account(
                email,
                display_name,
                _password(password),
                role,
                care_team_id=care_team_id,
                organization_id=organization_id,
                is_partner_admin=partner_admin,
            )
        )
    except DomainError as error:
        _fail(str(error))
    click.echo(f"{role} {email} created ({account_id}).")


@accounts_group.command(
    name="issue-token",
    help="Issue an API token for a partner organization (shown once), on behalf of one of its partner admins.",
)
@click.option("--organization", "organization_id", type=click.UUID, required=True)
@click.option("--name", required=True, help="What will use it, e.g. 'shelter case system'.")
@click.option(
    "--issued-by", "issuer_email", required=True, help="E-mail of the organization's partner admin it acts for."
)
def issue_token_command(organization_id: uuid.UUID, name: str, issuer_email: str) -> None:
    """Issue a token, recorded as issued by the partner admin (the same rule as the API)."""
    from accounts.services.principal import principal_for_account
    from accounts.services.tokens import issue_token
    from accounts.tables import Account

    async def run() -> tuple[uuid.UUID, str]:
        row = await Account.select().where(Account.email == issuer_email.strip().casefold()).first()
        account = cast("AccountRow | None", row)
        if account is None:
            raise NotFound(ACCOUNT_NOT_FOUND, email=issuer_email)
        return await issue_token(principal_for_account(account, COMMAND_LINE), organization_id, name)

    try:
        token_id, token = _run(run())
    except DomainError as error:
        _fail(str(error))
    click.echo(f"Token {token_id} (shown once, keep it safe):\n{token}")


@accounts_group.command(name="revoke-token", help="Revoke an API token.")
@click.argument("token_id", type=click.UUID)
def revoke_token_command(token_id: uuid.UUID) -> None:
    """Revoke a token."""
    from accounts.services.tokens import revoke_token
    from kernel.principal import Principal

    try:
        _run(revoke_token(Principal(role="admin", display_name="command line", address=COMMAND_LINE), token_id))
    except DomainError as error:
        _fail(str(error))
    click.echo(f"Token {token_id} revoked.")


class _DemoAccountOptions(TypedDict, total=False):
    """The keyword options of `create_account` a demo account sets."""

    care_team_id: uuid.UUID
    organization_id: uuid.UUID
    is_partner_admin: bool


async def seed_demo_accounts(settings: Settings) -> list[tuple[str, str, str]]:
    """Demo care team, care manager, two partner organizations' staff and an admin: (role, e-mail, where); none
    in production."""
    from accounts.services.accounts import create_account, create_care_team
    from accounts.tables import Account
    from directory.tables import Organization

    if settings.production or await Account.exists().where(Account.is_demo.eq(True)):
        return []
    team = await create_care_team("Demo care team")
    partners: list[dict[str, Any]] = []
    for pattern in ("%Food Pantry%(sample)%", "%Methadone%", "%Treatment%"):
        # Sorted here, not in SQL: SQLite and PostgreSQL collate names differently.
        rows = await Organization.select(Organization.id, Organization.name).where(Organization.name.like(pattern))
        row = min(rows, key=lambda r: r["name"], default=None)
        if row and all(row["id"] != p["id"] for p in partners):
            partners.append(row)
        if len(partners) == 2:
            break
    accounts: list[tuple[str, str, str, _DemoAccountOptions]] = [
        ("admin", "admin@demo.example", "Demo admin", {}),
        ("care_manager", "care.manager@demo.example", "Demo care manager", {"care_team_id": team}),
    ]
    for index, partner in enumerate(partners, start=1):
        accounts.append(
            (
                "partner_staff",
                f"partner{index}@demo.example",
                f"Demo staff, {partner['name']}",
                {"organization_id": partner["id"], "is_partner_admin": True},
            )
        )
    created = []
    for role, email, name, options in accounts:
        await create_account(email, name, DEMO_PASSWORD, role, is_demo=True, **options)
        created.append((role, email, name))
    return created
