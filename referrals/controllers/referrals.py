"""HTTP API for referrals: care managers refer and follow; partners (staff or API token) work their inbox."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import Body, FromPath, FromQuery

from kernel.clock import Now
from kernel.guards import allow
from kernel.paging import Page, PageNumber, PerPage
from kernel.problems import problems
from kernel.settings import AppSettings
from referrals.schemas import PartnerReferralOut, ReferralEventIn, ReferralIn, ReferralOut
from referrals.services.referrals import append_event, create_referral, export_fhir, list_referrals, open_referral
from referrals.vocabulary import Status

__all__ = ["ReferralController"]


class ReferralController(Controller):
    """Referrals of your care team, or (for partners) those sent to your organization's services."""

    path = "/api/referrals"
    tags = ["referrals"]
    guards = [allow("care_manager", "partner_staff")]

    @post(
        "/",
        operation_id="createReferral",
        responses=problems(400, 401, 403, 404, 415),
        summary="Refer a client",
        guards=[allow("care_manager")],
    )
    async def create(
        self, request: Request, data: Annotated[ReferralIn, Body()], now: Now, settings: AppSettings
    ) -> ReferralOut:
        """Refer one of your team's clients to a service at a location, with the consent that covers it."""
        return await create_referral(request.user, data, now, settings)

    @get("/", operation_id="listReferrals", responses=problems(400, 401, 403, 404), summary="Referrals you may see")
    async def list_all(
        self,
        request: Request,
        now: Now,
        settings: AppSettings,
        status: FromQuery[Status | None] = None,
        client_id: FromQuery[uuid.UUID | None] = None,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[ReferralOut | PartnerReferralOut]:
        """Your team's referrals, or your organization's inbox (partners), newest first."""
        return await list_referrals(
            request.user, now, settings, status=status, client_id=client_id, page=page, per_page=per_page
        )

    @get(
        "/{referral_id:uuid}",
        operation_id="getReferral",
        responses=problems(400, 401, 403, 404),
        summary="One referral with its timeline",
    )
    async def get_one(
        self, request: Request, referral_id: FromPath[uuid.UUID], now: Now, settings: AppSettings
    ) -> ReferralOut | PartnerReferralOut:
        """The referral as you may see it; reading changes nothing (a partner acknowledges receipt with an event)."""
        return await open_referral(request.user, referral_id, now, settings)

    @post(
        "/{referral_id:uuid}/events",
        operation_id="addReferralEvent",
        responses=problems(400, 401, 403, 404, 409, 415),
        summary="Change a referral's status",
    )
    async def add_event(
        self,
        request: Request,
        referral_id: FromPath[uuid.UUID],
        data: Annotated[ReferralEventIn, Body()],
        now: Now,
        settings: AppSettings,
    ) -> ReferralOut | PartnerReferralOut:
        """Append an event (status change with reason, note, or new appointment) based on `version`.

        403 for a partner that may not see the client now (consent revoked, expired or not covering it, the
        referral withdrawn); 409 if the version is stale, the referral closed or the change not allowed.
        """
        return await append_event(request.user, referral_id, data, now, settings)

    @get(
        "/{referral_id:uuid}/fhir",
        operation_id="getReferralFhir",
        responses=problems(400, 401, 403, 404),
        summary="The referral as a FHIR R4 Bundle",
        media_type="application/fhir+json",
    )
    async def fhir(self, request: Request, referral_id: FromPath[uuid.UUID], now: Now, settings: AppSettings) -> dict:
        """ServiceRequest, Task, Consent, Patient and Organizations; a partner gets what the consent allows."""
        # PUBLIC_URL when set: behind a proxy the request's own address is the proxy's view of the app.
        base_url = (settings.public_url or str(request.base_url)).rstrip("/") + "/fhir"
        return await export_fhir(request.user, referral_id, now, base_url, settings)
