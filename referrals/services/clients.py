"""Client records: created, read and changed only within their care team, every access audited."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from accounts.services import Principal, record_audit
from kernel.paging import offset_of
from referrals.schemas import ClientIn, ClientOut, ClientUpdate, ContactMethod, InformalSupport
from referrals.tables import Client

__all__ = ["create_client", "get_client", "list_clients", "update_client"]


def _out(row: dict) -> ClientOut:
    def decoded(value, kind):
        return (
            msgspec.json.decode(value, type=list[kind])
            if isinstance(value, str)
            else msgspec.convert(value, list[kind])
        )

    return ClientOut(
        id=str(row["id"]),
        care_team_id=str(row["care_team"]),
        assigned_care_manager_id=str(row["assigned_care_manager"]) if row["assigned_care_manager"] else None,
        preferred_name=row["preferred_name"],
        contact_methods=decoded(row["contact_methods"], ContactMethod),
        preferred_language=row["preferred_language"],
        home_postal_code=row["home_postal_code"],
        goals=row["goals"],
        strengths=row["strengths"],
        informal_supports=decoded(row["informal_supports"], InformalSupport),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def create_client(principal: Principal, data: ClientIn, address: str | None) -> ClientOut:
    """A new client of the principal's care team, assigned to the principal."""
    client_id = uuid.uuid4()
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
        )
    )
    await record_audit(principal, "create", "client", str(client_id), address)
    return await get_client(principal, client_id, address, audit=False)


async def get_client(
    principal: Principal, client_id: uuid.UUID, address: str | None, *, audit: bool = True
) -> ClientOut | None:
    """The client if it belongs to the principal's care team, else None (callers answer 404)."""
    row = await Client.select().where((Client.id == client_id) & (Client.care_team == principal.care_team_id)).first()
    if row is None:
        return None
    if audit:
        await record_audit(principal, "view", "client", str(client_id), address)
    return _out(row)


async def list_clients(
    principal: Principal, page: int, per_page: int, address: str | None
) -> tuple[list[ClientOut], int]:
    """The care team's clients by name, one page, and how many there are."""
    condition = Client.care_team == principal.care_team_id
    rows = (
        await Client.select()
        .where(condition)
        .order_by(Client.preferred_name)
        .order_by(Client.id)
        .limit(per_page)
        .offset(offset_of(page, per_page))
    )
    await record_audit(principal, "view", "client_list", None, address, f"{len(rows)} clients")
    return [_out(r) for r in rows], await Client.count().where(condition)


async def update_client(
    principal: Principal, client_id: uuid.UUID, data: ClientUpdate, address: str | None
) -> ClientOut | None:
    """Change the given fields of one of the team's clients; None if it is not theirs."""
    changes = {}
    for field in data.__struct_fields__:
        value = getattr(data, field)
        if value is None:
            continue
        if field in ("contact_methods", "informal_supports"):
            value = msgspec.json.encode(value).decode()
        changes[getattr(Client, field)] = value
    if not changes:
        return await get_client(principal, client_id, address)
    changes[Client.updated_at] = dt.datetime.now(dt.UTC)
    updated = (
        await Client.update(changes)
        .where((Client.id == client_id) & (Client.care_team == principal.care_team_id))
        .returning(Client.id)
    )
    if not updated:
        return None
    await record_audit(
        principal,
        "update",
        "client",
        str(client_id),
        address,
        "fields: " + ", ".join(sorted(c._meta.name for c in changes)),
    )
    return await get_client(principal, client_id, address, audit=False)
