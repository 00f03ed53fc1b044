"""HTTP API for clients, their needs, consents and disclosures (care managers of the client's own team only).

Every route with a client id gets the client through one dependency, `client`, which answers 404 for
another team's client: no handler can forget the check.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Body, FromPath, QueryParameter

from directory.schemas import ServiceSearchResult
from kernel.clock import Now
from kernel.guards import allow
from kernel.paging import Page, PageNumber, PerPage, make_page
from kernel.problems import problems
from kernel.settings import AppSettings
from referrals.controllers.strict_body import require_exact_types
from referrals.dependencies import TeamClient, provide_client
from referrals.rows import ListedDisclosureRow, NamedConsentRow
from referrals.schemas import (
    ClientIn,
    ClientOut,
    ClientUpdate,
    ConsentIn,
    ConsentOut,
    DisclosureOut,
    NeedsOut,
    ScreeningIn,
)
from referrals.services.clients import create_client, list_clients, update_client, view_client
from referrals.services.consents import consent_status, create_consent, list_consents, revoke_consent
from referrals.services.disclosures import list_disclosures
from referrals.services.needs import client_needs, record_screening, resources_for_client

__all__ = ["ClientController"]


def _consent_out(row: NamedConsentRow, now: dt.datetime) -> ConsentOut:
    return ConsentOut(
        id=str(row["id"]),
        client_id=str(row["client"]),
        recipient_organization_id=str(row["recipient_organization"]) if row["recipient_organization"] else None,
        recipient_organization_name=row["recipient_name"],
        recipient_class=row["recipient_class"],
        purpose=row["purpose"],
        information_scope=row["information_scope"],
        information_description=row["information_description"],
        expires_at=row["expires_at"],
        expiry_event=row["expiry_event"],
        signed_at=row["signed_at"],
        signature_method=row["signature_method"],
        signed_name=row["signed_name"],
        status=consent_status(row, now),
        revoked_at=row["revoked_at"],
    )


def _disclosure_out(row: ListedDisclosureRow) -> DisclosureOut:
    return DisclosureOut(
        at=row["at"],
        recipient_organization_id=str(row["recipient_organization"]),
        recipient_organization_name=row["recipient_name"],
        recipient_person=row["recipient_person"],
        channel=row["channel"],
        information=row["information"].split(", "),
        referral_id=str(row["referral"]) if row["referral"] else None,
        consent_id=str(row["consent"]) if row["consent"] else None,
    )


class ClientController(Controller):
    """Clients of the signed-in care manager's team; another team's client is 'not found'."""

    path = "/api/clients"
    tags = ["clients"]
    guards = [allow("care_manager")]
    dependencies = {"client": Provide(provide_client)}

    @post("/", operation_id="createClient", responses=problems(400, 401, 403, 415), summary="Add a client")
    async def create(self, request: Request, data: Annotated[ClientIn, Body()], now: Now) -> ClientOut:
        """A new client of your care team, assigned to you."""
        await require_exact_types(request, ClientIn)
        return await create_client(request.user, data, now)

    @get("/", operation_id="listClients", responses=problems(400, 401, 403), summary="Your team's clients")
    async def list_all(self, request: Request, page: PageNumber = 1, per_page: PerPage = 20) -> Page[ClientOut]:
        """Your care team's clients, by preferred name."""
        clients, total = await list_clients(request.user, page, per_page)
        return make_page(clients, total, page, per_page)

    @get("/{client_id:uuid}", operation_id="getClient", responses=problems(400, 401, 403, 404), summary="One client")
    async def get_one(self, request: Request, client_id: FromPath[uuid.UUID], client: TeamClient) -> ClientOut:
        """One of your team's clients."""
        return await view_client(request.user, client)

    @patch(
        "/{client_id:uuid}",
        operation_id="updateClient",
        responses=problems(400, 401, 403, 404, 415),
        summary="Change a client",
    )
    async def update(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        data: Annotated[ClientUpdate, Body()],
        now: Now,
    ) -> ClientOut:
        """Change the fields given; the others stay."""
        await require_exact_types(request, ClientUpdate)
        return await update_client(request.user, client, data, now)

    # --- needs ------------------------------------------------------------------------------------

    @post(
        "/{client_id:uuid}/screenings",
        operation_id="recordScreening",
        responses=problems(400, 401, 403, 404, 415),
        summary="Record a needs screening",
    )
    async def screen(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        data: Annotated[ScreeningIn, Body()],
        now: Now,
    ) -> NeedsOut:
        """Answers about housing, food, transportation, utilities, safety and MOUD, dated now."""
        return await record_screening(request.user, client, data, now)

    @get(
        "/{client_id:uuid}/needs",
        operation_id="getClientNeeds",
        responses=problems(400, 401, 403, 404),
        summary="A client's needs",
    )
    async def needs(self, request: Request, client_id: FromPath[uuid.UUID], client: TeamClient) -> NeedsOut:
        """The latest answer for each need, and which needs are open."""
        return await client_needs(request.user, client)

    @get(
        "/{client_id:uuid}/resources",
        operation_id="findResourcesForClient",
        responses=problems(400, 401, 403, 404),
        summary="Resources for a client",
    )
    async def resources(
        self,
        request: Request,
        state: State,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        radius_km: Annotated[float, QueryParameter(gt=0, le=500, description="Search radius in km.")] = 40.0,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[ServiceSearchResult]:
        """Directory services for the client's open needs, nearest the client's home ZIP first."""
        results = await resources_for_client(request.user, client, state.search_index, radius_km, page, per_page)
        return make_page(results.results, results.total, page, per_page)

    # --- consent ----------------------------------------------------------------------------------

    @post(
        "/{client_id:uuid}/consents",
        operation_id="recordConsent",
        responses=problems(400, 401, 403, 404, 415),
        summary="Record a signed consent",
    )
    async def add_consent(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        data: Annotated[ConsentIn, Body()],
        now: Now,
        settings: AppSettings,
    ) -> ConsentOut:
        """A consent to disclose (42 CFR Part 2 §2.31) naming recipient, purpose, information and expiry."""
        return _consent_out(await create_consent(request.user, client, data, now, settings), now)

    @get(
        "/{client_id:uuid}/consents",
        operation_id="listConsents",
        responses=problems(400, 401, 403, 404),
        summary="A client's consents",
    )
    async def consents(
        self, request: Request, client_id: FromPath[uuid.UUID], client: TeamClient, now: Now
    ) -> list[ConsentOut]:
        """Every consent of the client, newest first, with whether it is active, revoked or expired."""
        return [_consent_out(c, now) for c in await list_consents(request.user, client)]

    @post(
        "/{client_id:uuid}/consents/{consent_id:uuid}/revoke",
        operation_id="revokeConsent",
        responses=problems(400, 401, 403, 404),
        summary="Revoke a consent",
        status_code=200,
    )
    async def revoke(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        consent_id: FromPath[uuid.UUID],
        now: Now,
        settings: AppSettings,
    ) -> ConsentOut:
        """Revoke at once: partners stop seeing the client's details from this moment."""
        return _consent_out(await revoke_consent(request.user, client, consent_id, now, settings), now)

    @get(
        "/{client_id:uuid}/disclosures",
        operation_id="listDisclosures",
        responses=problems(400, 401, 403, 404),
        summary="A client's disclosures",
    )
    async def disclosures(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[DisclosureOut]:
        """Each time the client's information was shown to a partner: who, when, what, through which channel."""
        rows, total = await list_disclosures(request.user, client, page, per_page)
        return make_page([_disclosure_out(r) for r in rows], total, page, per_page)
