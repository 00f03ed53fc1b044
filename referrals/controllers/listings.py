"""HTTP API for re-verifying a listing a referral found wrong: by an admin, or the staff of its organization."""

from __future__ import annotations

import uuid

from litestar import Controller, Request, post
from litestar.params import FromPath

from directory.schemas import ServiceAtLocationOut
from kernel.clock import Now
from kernel.guards import allow
from kernel.problems import problems
from kernel.settings import AppSettings
from referrals.services.directory_feedback import verify_listing

__all__ = ["ListingVerificationController"]


class ListingVerificationController(Controller):
    """Listing re-verification."""

    path = "/api/service_at_locations"
    tags = ["directory"]
    guards = [allow("admin", "partner_staff")]

    @post(
        "/{sal_id:uuid}/verify",
        operation_id="verifyServiceAtLocation",
        responses=problems(400, 401, 403, 404),
        summary="Mark a listing re-verified",
        status_code=200,
    )
    async def verify(
        self, request: Request, sal_id: FromPath[uuid.UUID], now: Now, settings: AppSettings
    ) -> ServiceAtLocationOut:
        """The listing was checked and is right again: it ranks normally from now on, last verified today."""
        return await verify_listing(request.user, sal_id, now, settings)
