"""HTTP API for the care manager's worklist and the follow-ups they record."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import Body, FromPath, FromQuery

from kernel.clock import Now
from kernel.guards import allow
from kernel.problems import problems
from kernel.settings import AppSettings
from referrals.schemas import FollowUpAttemptIn, FollowUpOut, WorklistItemOut
from referrals.services.follow_ups import record_attempt, worklist

__all__ = ["FollowUpController"]


class FollowUpController(Controller):
    """Follow-up checks of your care team."""

    path = "/api"
    tags = ["follow-ups"]
    guards = [allow("care_manager")]

    @get(
        "/worklist", operation_id="getWorklist", responses=problems(400, 401, 403), summary="Due and overdue follow-ups"
    )
    async def get_worklist(
        self, request: Request, now: Now, settings: AppSettings, assigned_to_me: FromQuery[bool] = False
    ) -> list[WorklistItemOut]:
        """Your team's checks due soon or overdue, most urgent first; clients at risk of disengagement flagged."""
        return await worklist(request.user, now, settings, assigned_to_me=assigned_to_me)

    @post(
        "/follow_ups/{follow_up_id:uuid}/attempts",
        operation_id="recordFollowUpAttempt",
        responses=problems(400, 401, 403, 404, 415),
        summary="Record a follow-up made",
    )
    async def record(
        self,
        request: Request,
        follow_up_id: FromPath[uuid.UUID],
        data: Annotated[FollowUpAttemptIn, Body()],
        now: Now,
    ) -> FollowUpOut:
        """How you followed up and the result; the check closes unless nobody answered."""
        return await record_attempt(request.user, follow_up_id, data, now)
