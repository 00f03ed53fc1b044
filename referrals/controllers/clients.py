"""HTTP API for clients, their needs, consents and disclosures (care managers of the client's own team only)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Body, FromPath, FromQuery

from accounts.guards import allow, client_address
from accounts.services import record_audit
from directory.schemas import ServiceSearchResult
from directory.services.geocoding import zip_centroid
from directory.services.search_index import SearchIndex, SearchQuery
from kernel.clock import Now
from kernel.paging import Page, PageNumber, PerPage, make_page
from referrals.schemas import (
    ClientIn,
    ClientOut,
    ClientUpdate,
    ConsentIn,
    ConsentOut,
    DisclosureOut,
    NeedsOut,
    NeedStatus,
    ScreeningIn,
)
from referrals.services.clients import create_client, get_client, list_clients, update_client
from referrals.services.consents import ConsentRefused, consent_status, create_consent, list_consents, revoke_consent
from referrals.services.disclosures import list_disclosures
from referrals.services.needs import NEED_CATEGORIES, NEEDS, current_needs, open_needs, record_screening
from referrals.tables import Client

__all__ = ["ClientController"]


async def team_client(request: Request, client_id: uuid.UUID) -> None:
    """404 unless the client belongs to the caller's care team (another team's id is 'not found')."""
    if not await Client.exists().where((Client.id == client_id) & (Client.care_team == request.user.care_team_id)):
        raise NotFoundException(detail=f"no client with id {client_id}")


async def audit(request: Request, action: str, object_type: str, object_id, detail: str = "") -> None:
    """Record an access to client data in the audit log."""
    await record_audit(request.user, action, object_type, str(object_id), client_address(request), detail)


async def _needs(client_id: uuid.UUID) -> NeedsOut:
    latest = await current_needs(client_id)
    return NeedsOut(
        open_needs=await open_needs(client_id),
        latest=[NeedStatus(need=n, **latest[n]) for n in NEEDS if n in latest],
    )


def _consent_out(row: dict, now: dt.datetime) -> ConsentOut:
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
    async def list_all(self, request: Request, page: PageNumber = 1, per_page: PerPage = 20) -> Page[ClientOut]:
        """Your care team's clients, by preferred name."""
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

    # --- needs ------------------------------------------------------------------------------------

    @post("/{client_id:uuid}/screenings", operation_id="recordScreening", summary="Record a needs screening")
    async def screen(
        self, request: Request, client_id: FromPath[uuid.UUID], data: Annotated[ScreeningIn, Body()], now: Now
    ) -> NeedsOut:
        """Answers about housing, food, transportation, utilities, safety and MOUD, dated now."""
        await team_client(request, client_id)
        answers = {a.need: a.answer for a in data.answers}
        if len(answers) != len(data.answers):
            raise ValidationException(detail="answers: each need may be answered once per screening")
        await record_screening(request.user, client_id, answers, now)
        await audit(request, "create", "need_screening", client_id, "needs: " + ", ".join(sorted(answers)))
        return await _needs(client_id)

    @get("/{client_id:uuid}/needs", operation_id="getClientNeeds", summary="A client's needs")
    async def needs(self, request: Request, client_id: FromPath[uuid.UUID]) -> NeedsOut:
        """The latest answer for each need, and which needs are open."""
        await team_client(request, client_id)
        await audit(request, "view", "client_needs", client_id)
        return await _needs(client_id)

    @get("/{client_id:uuid}/resources", operation_id="findResourcesForClient", summary="Resources for a client")
    async def resources(
        self,
        request: Request,
        state: State,
        client_id: FromPath[uuid.UUID],
        radius_km: FromQuery[float] = 40.0,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[ServiceSearchResult]:
        """Directory services for the client's open needs, nearest the client's home ZIP first."""
        if not 0 < radius_km <= 500:
            raise ValidationException(detail="radius_km must be more than 0 and at most 500")
        await team_client(request, client_id)
        client = await Client.select(Client.home_postal_code).where(Client.id == client_id).first()
        await audit(request, "view", "client_resources", client_id)
        needs = await open_needs(client_id)
        if not needs:
            return make_page([], 0, page, per_page)
        point = zip_centroid(client["home_postal_code"]) if client["home_postal_code"] else None
        index: SearchIndex = state.search_index
        results = await index.search(
            SearchQuery(
                latitude=point.latitude if point else None,
                longitude=point.longitude if point else None,
                radius_km=radius_km if point else None,
                categories=tuple(c for need in needs for c in NEED_CATEGORIES[need]),
                page=page,
                per_page=per_page,
            )
        )
        return make_page(results.results, results.total, page, per_page)

    # --- consent ----------------------------------------------------------------------------------

    @post("/{client_id:uuid}/consents", operation_id="recordConsent", summary="Record a signed consent")
    async def add_consent(
        self, request: Request, client_id: FromPath[uuid.UUID], data: Annotated[ConsentIn, Body()], now: Now
    ) -> ConsentOut:
        """A consent to disclose (42 CFR Part 2 §2.31) naming recipient, purpose, information and expiry."""
        await team_client(request, client_id)
        try:
            consent_id = await create_consent(request.user, client_id, data, now)
        except ConsentRefused as refused:
            raise ValidationException(detail=str(refused)) from None
        await audit(request, "create", "consent", consent_id, f"client {client_id}")
        return next(_consent_out(c, now) for c in await list_consents(client_id) if c["id"] == consent_id)

    @get("/{client_id:uuid}/consents", operation_id="listConsents", summary="A client's consents")
    async def consents(self, request: Request, client_id: FromPath[uuid.UUID], now: Now) -> list[ConsentOut]:
        """Every consent of the client, newest first, with whether it is active, revoked or expired."""
        await team_client(request, client_id)
        await audit(request, "view", "consent_list", client_id)
        return [_consent_out(c, now) for c in await list_consents(client_id)]

    @post(
        "/{client_id:uuid}/consents/{consent_id:uuid}/revoke",
        operation_id="revokeConsent",
        summary="Revoke a consent",
        status_code=200,
    )
    async def revoke(
        self, request: Request, client_id: FromPath[uuid.UUID], consent_id: FromPath[uuid.UUID], now: Now
    ) -> ConsentOut:
        """Revoke at once: partners stop seeing the client's details from this moment."""
        await team_client(request, client_id)
        if not await revoke_consent(request.user, client_id, consent_id, now):
            raise NotFoundException(detail=f"the client has no unrevoked consent with id {consent_id}")
        await audit(request, "revoke", "consent", consent_id, f"client {client_id}")
        return next(_consent_out(c, now) for c in await list_consents(client_id) if c["id"] == consent_id)

    @get("/{client_id:uuid}/disclosures", operation_id="listDisclosures", summary="A client's disclosures")
    async def disclosures(
        self, request: Request, client_id: FromPath[uuid.UUID], page: PageNumber = 1, per_page: PerPage = 20
    ) -> Page[DisclosureOut]:
        """Each time the client's information was shown to a partner: who, when, what, through which channel."""
        await team_client(request, client_id)
        rows, total = await list_disclosures(client_id, page, per_page)
        await audit(request, "view", "disclosure_list", client_id)
        return make_page(
            [
                DisclosureOut(
                    at=r["at"],
                    recipient_organization_id=str(r["recipient_organization"]),
                    recipient_organization_name=r["recipient_name"],
                    recipient_person=r["recipient_person"],
                    channel=r["channel"],
                    information=r["information"].split(", "),
                    referral_id=str(r["referral"]) if r["referral"] else None,
                    consent_id=str(r["consent"]) if r["consent"] else None,
                )
                for r in rows
            ],
            total,
            page,
            per_page,
        )
