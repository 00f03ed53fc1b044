"""HTTP API for clients (care managers of the client's own care team only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery

from accounts.guards import allow, client_address
from directory.controllers import check_paging, make_page
from directory.schemas import Page
from referrals.schemas import ClientIn, ClientOut, ClientUpdate
from referrals.services import create_client, get_client, list_clients, update_client

__all__ = ["ClientController"]


class ClientController(Controller):
    """Clients of the signed-in care manager's team; another team's client is 'not found'."""

    path = "/api/clients"
    tags = ["clients"]
    guards = [allow("care_manager")]

    @post("/", operation_id="createClient", summary="Add a client")
    async def create(self, request: Request, data: Annotated[ClientIn, Body()]) -> ClientOut:
        """A new client of your care team, assigned to you."""
        return await create_client(request.user, data, client_address(request))

    @get("/", operation_id="listClients", summary="Your team's clients")
    async def list_all(
        self, request: Request, page: FromQuery[int] = 1, per_page: FromQuery[int] = 20
    ) -> Page[ClientOut]:
        """Your care team's clients, by preferred name."""
        check_paging(page, per_page)
        clients, total = await list_clients(request.user, page, per_page, client_address(request))
        return make_page(clients, total, page, per_page)

    @get("/{client_id:uuid}", operation_id="getClient", summary="One client")
    async def get_one(self, request: Request, client_id: FromPath[uuid.UUID]) -> ClientOut:
        """One of your team's clients."""
        client = await get_client(request.user, client_id, client_address(request))
        if client is None:
            raise NotFoundException(detail=f"no client with id {client_id}")
        return client

    @patch("/{client_id:uuid}", operation_id="updateClient", summary="Change a client")
    async def update(
        self, request: Request, client_id: FromPath[uuid.UUID], data: Annotated[ClientUpdate, Body()]
    ) -> ClientOut:
        """Change the fields given; the others stay."""
        client = await update_client(request.user, client_id, data, client_address(request))
        if client is None:
            raise NotFoundException(detail=f"no client with id {client_id}")
        return client
