"""Client records: created, read and changed only within their care team, every access audited.

`team_client` is the one check that a client belongs to the caller's care team; the HTTP layer
provides it as a dependency to every route with a client id, and the other services take its row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

import msgspec
from piccolo.columns import Column

from accounts.services.audit import record_audit
from kernel.database import write_transaction
from kernel.paging import offset_of
from kernel.principal import Principal
from kernel.problems import NotFound
from referrals.errors import CLIENT_NOT_FOUND
from referrals.rows import ClientRow
from referrals.schemas import ClientIn, ClientOut, ClientUpdate, ContactMethod, InformalSupport
from referrals.tables import Client

__all__ = ["client_out", "create_client", "list_clients", "team_client", "update_client", "view_client"]


def client_out(row: ClientRow) -> ClientOut:
    """The care team's view of a client row."""
    return ClientOut(
        id=str(row["id"]),
        care_team_id=str(row["care_team"]),
        assigned_care_manager_id=str(row["assigned_care_manager"]) if row["assigned_care_manager"] else None,
        preferred_name=row["preferred_name"],
        contact_methods=msgspec.json.decode(row["contact_methods"], type=list[ContactMethod]),
        preferred_language=row["preferred_language"],
        home_postal_code=row["home_postal_code"],
        goals=row["goals"],
        strengths=row["strengths"],
        informal_supports=msgspec.json.decode(row["informal_supports"], type=list[InformalSupport]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def team_client(principal: Principal, client_id: uuid.UUID) -> ClientRow:
    """The client row if it belongs to the principal's care team; NotFound otherwise (another team's
    client is 'not found', so ids of other teams' clients cannot be probed)."""
    row = None
    if principal.role == "care_manager" and principal.care_team_id is not None:
        row = (
            await Client.select().where((Client.id == client_id) & (Client.care_team == principal.care_team_id)).first()
        )
    if row is None:
        raise NotFound(CLIENT_NOT_FOUND, client_id=client_id)
    return cast(ClientRow, row)


async def create_client(principal: Principal, data: ClientIn, now: dt.datetime) -> ClientOut:
    """A new client of the principal's care team, assigned to the principal."""
    client_id = uuid.uuid4()
    async with write_transaction(Client._meta.db):
        await Client.insert(
            Client(
                id=client_id,
                care_team=principal.care_team_id,
                assigned_care_manager=principal.account_id,
                preferred_name=data.preferred_name,
                contact_methods=msgspec.json.encode(data.contact_methods).decode(),
                preferred_language=data.preferred_language,
                home_postal_code=data.home_postal_code,
                goals=data.goals,
                strengths=data.strengths,
                informal_supports=msgspec.json.encode(data.informal_supports).decode(),
                created_at=now,
                updated_at=now,
            )
        )
        await record_audit(principal, "create", "client", client_id)
        return client_out(await team_client(principal, client_id))


async def view_client(principal: Principal, client: ClientRow) -> ClientOut:
    """One of the team's clients, the view audited."""
    async with write_transaction(Client._meta.db):
        await record_audit(principal, "view", "client", client["id"])
    return client_out(client)


async def list_clients(principal: Principal, page: int, per_page: int) -> tuple[list[ClientOut], int]:
    """The care team's clients by name, one page, and how many there are (the view is audited)."""
    condition = Client.care_team == principal.care_team_id
    async with write_transaction(Client._meta.db):
        rows = (
            await Client.select()
            .where(condition)
            .order_by(Client.preferred_name)
            .order_by(Client.id)
            .limit(per_page)
            .offset(offset_of(page, per_page))
        )
        total = await Client.count().where(condition)
        shown = ", ".join(str(row["id"]) for row in rows)
        await record_audit(principal, "view", "client_list", None, f"{len(rows)} clients: {shown}")
    return [client_out(r) for r in cast("list[ClientRow]", rows)], total


async def update_client(principal: Principal, client: ClientRow, data: ClientUpdate, now: dt.datetime) -> ClientOut:
    """Change the given fields of one of the team's clients."""
    changes: dict[Column | str, Any] = {}
    for field in data.__struct_fields__:
        value = getattr(data, field)
        if value is None:
            continue
        if field in ("contact_methods", "informal_supports"):
            value = msgspec.json.encode(value).decode()
        changes[getattr(Client, field)] = value
    if not changes:
        return await view_client(principal, client)
    changes[Client.updated_at] = now
    async with write_transaction(Client._meta.db):
        await Client.update(changes).where(Client.id == client["id"])
        fields = ", ".join(sorted(column._meta.name for column in changes if isinstance(column, Column)))
        await record_audit(principal, "update", "client", client["id"], f"fields: {fields}")
        return client_out(await team_client(principal, client["id"]))
