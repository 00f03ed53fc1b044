"""FHIR reads of a referral's ServiceRequest and Task: where the fullUrls of its Bundle point."""

from __future__ import annotations

import uuid

from litestar import Controller, Request, get
from litestar.params import FromPath

from kernel.clock import Now
from kernel.guards import allow
from kernel.problems import problems
from kernel.settings import AppSettings
from referrals.services.referrals import read_fhir_resource

__all__ = ["FhirController"]


class FhirController(Controller):
    """`GET /fhir/ServiceRequest/{id}` and `GET /fhir/Task/{id}`: who may see the referral, as in its JSON view."""

    path = "/fhir"
    tags = ["referrals"]
    guards = [allow("care_manager", "partner_staff")]

    @get(
        "/ServiceRequest/{referral_id:uuid}",
        operation_id="readFhirServiceRequest",
        responses=problems(400, 401, 403, 404),
        summary="A referral's FHIR R4 ServiceRequest",
        media_type="application/fhir+json",
    )
    async def service_request(
        self, request: Request, referral_id: FromPath[uuid.UUID], now: Now, settings: AppSettings
    ) -> dict:
        """What is asked of the partner, as the referral's Bundle holds it; a partner gets what the consent allows."""
        return await read_fhir_resource(request.user, referral_id, "ServiceRequest", now, settings)

    @get(
        "/Task/{referral_id:uuid}",
        operation_id="readFhirTask",
        responses=problems(400, 401, 403, 404),
        summary="A referral's FHIR R4 Task",
        media_type="application/fhir+json",
    )
    async def task(self, request: Request, referral_id: FromPath[uuid.UUID], now: Now, settings: AppSettings) -> dict:
        """The referral's progress (status and reason), as the referral's Bundle holds it."""
        return await read_fhir_resource(request.user, referral_id, "Task", now, settings)
