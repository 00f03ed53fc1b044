"""HTTP API for referrals: care managers refer and follow; partners (staff or API token) work their inbox."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.params import Body, FromPath, FromQuery

from accounts.guards import allow
from kernel.clock import Now
from kernel.paging import Page, PageNumber, PerPage, make_page
from referrals.controllers.clients import audit, team_client
from referrals.schemas import PartnerReferralOut, ReferralEventIn, ReferralIn, ReferralOut, Status
from referrals.services.directory_feedback import flag_listing_if_wrong
from referrals.services.fhir import referral_bundle
from referrals.services.follow_ups import follow_ups_of, reconcile_follow_ups
from referrals.services.referrals import (
    ReferralRefused,
    StaleVersion,
    append_event,
    create_referral,
    find_referral,
    list_referrals,
    referral_events,
)
from referrals.services.transitions import TransitionRefused
from referrals.services.views import SUD_TREATMENT, care_team_view, disclose_to_partner, partner_view

__all__ = ["ReferralController"]


class ConflictException(HTTPException):
    """409: the change conflicts with the referral's current state or version."""

    status_code = 409


async def _view(request: Request, referral: dict, now: dt.datetime) -> ReferralOut | PartnerReferralOut:
    events = await referral_events(referral["id"])
    if request.user.role == "partner_staff":
        return await partner_view(request.user, referral, events, now)
    return await care_team_view(referral, events, await follow_ups_of(referral["id"]), now)


async def _found(request: Request, referral_id: uuid.UUID) -> dict:
    referral = await find_referral(request.user, referral_id)
    if referral is None:
        raise NotFoundException(detail=f"no referral with id {referral_id}")
    return referral


async def _after_event(referral_id: uuid.UUID, request: Request, event: dict, now: dt.datetime) -> dict:
    """Follow-ups and directory feedback that every new event may change."""
    referral = await find_referral(request.user, referral_id)
    await reconcile_follow_ups(referral, await referral_events(referral_id), now)
    if await flag_listing_if_wrong(referral, event, now):
        request.app.state.search_index.invalidate()
    return referral


class ReferralController(Controller):
    """Referrals of your care team, or (for partners) those sent to your organization's services."""

    path = "/api/referrals"
    tags = ["referrals"]
    guards = [allow("care_manager", "partner_staff")]

    @post("/", operation_id="createReferral", summary="Refer a client", guards=[allow("care_manager")])
    async def create(self, request: Request, data: Annotated[ReferralIn, Body()], now: Now) -> ReferralOut:
        """Refer one of your team's clients to a service at a location, with the consent that covers it."""
        try:
            referral_id = await create_referral(request.user, data, now)
        except ReferralRefused as refused:
            raise ValidationException(detail=str(refused)) from None
        except LookupError as missing:
            raise NotFoundException(detail=str(missing)) from None
        referral = await find_referral(request.user, referral_id)
        events = await referral_events(referral_id)
        await reconcile_follow_ups(referral, events, now)
        await audit(request, "create", "referral", referral_id, f"client {data.client_id}")
        return await care_team_view(referral, events, await follow_ups_of(referral_id), now)

    @get("/", operation_id="listReferrals", summary="Referrals you may see")
    async def list_all(
        self,
        request: Request,
        now: Now,
        status: FromQuery[Status | None] = None,
        client_id: FromQuery[uuid.UUID | None] = None,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[ReferralOut | PartnerReferralOut]:
        """Your team's referrals, or your organization's inbox (partners), newest first."""
        if client_id is not None:
            if request.user.role != "care_manager":
                raise ValidationException(detail="client_id is a care manager's filter")
            await team_client(request, client_id)
        rows, total = await list_referrals(request.user, status, client_id, page, per_page)
        await audit(request, "view", "referral_list", client_id or "", f"{len(rows)} referrals")
        return make_page([await _view(request, r, now) for r in rows], total, page, per_page)

    @get("/{referral_id:uuid}", operation_id="getReferral", summary="One referral with its timeline")
    async def get_one(
        self, request: Request, referral_id: FromPath[uuid.UUID], now: Now
    ) -> ReferralOut | PartnerReferralOut:
        """The referral as you may see it; a partner opening a new referral marks it received."""
        referral = await _found(request, referral_id)
        if request.user.role == "partner_staff" and referral["status"] == "requested":
            try:
                event = await append_event(
                    request.user, referral_id, ReferralEventIn(version=referral["version"], status="received"), now
                )
                referral = await _after_event(referral_id, request, event, now)
            except StaleVersion:
                referral = await _found(request, referral_id)
        await audit(request, "view", "referral", referral_id)
        return await _view(request, referral, now)

    @post("/{referral_id:uuid}/events", operation_id="addReferralEvent", summary="Change a referral's status")
    async def add_event(
        self,
        request: Request,
        referral_id: FromPath[uuid.UUID],
        data: Annotated[ReferralEventIn, Body()],
        now: Now,
    ) -> ReferralOut | PartnerReferralOut:
        """Append an event (status change with reason, note, or new appointment) based on `version`.

        409 if the version is stale or the status change is not allowed; the message says why.
        """
        try:
            event = await append_event(request.user, referral_id, data, now)
        except LookupError:
            raise NotFoundException(detail=f"no referral with id {referral_id}") from None
        except (StaleVersion, TransitionRefused) as refused:
            raise ConflictException(detail=str(refused)) from None
        referral = await _after_event(referral_id, request, event, now)
        await audit(request, "update", "referral", referral_id, f"{event['from_status']} -> {event['to_status']}")
        return await _view(request, referral, now)

    @get(
        "/{referral_id:uuid}/fhir",
        operation_id="getReferralFhir",
        summary="The referral as a FHIR R4 Bundle",
        media_type="application/fhir+json",
    )
    async def fhir(self, request: Request, referral_id: FromPath[uuid.UUID], now: Now) -> dict:
        """ServiceRequest, Task, Consent, Patient and Organizations; a partner gets what the consent allows."""
        referral = await _found(request, referral_id)
        base_url = str(request.base_url).rstrip("/") + "/fhir"
        if request.user.role == "partner_staff":
            _, information = await disclose_to_partner(request.user, referral, now, channel="fhir")
            bundle = await referral_bundle(
                referral,
                now,
                base_url,
                disclose_client=bool(information),
                include_goal=SUD_TREATMENT in information,
            )
        else:
            bundle = await referral_bundle(referral, now, base_url, disclose_client=True, include_goal=True)
        await audit(request, "export", "referral", referral_id, "FHIR bundle")
        return bundle
