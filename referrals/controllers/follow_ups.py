"""HTTP API for the care manager's worklist and the follow-ups they record."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery

from accounts.guards import allow
from kernel.clock import Now
from referrals.controllers.clients import audit
from referrals.schemas import FollowUpAttemptIn, FollowUpOut, WorklistItemOut
from referrals.services.follow_ups import follow_up_out, record_attempt, worklist

__all__ = ["FollowUpController"]


class FollowUpController(Controller):
    """Follow-up checks of your care team."""

    path = "/api"
    tags = ["follow-ups"]
    guards = [allow("care_manager")]

    @get("/worklist", operation_id="getWorklist", summary="Due and overdue follow-ups")
    async def get_worklist(
        self, request: Request, now: Now, assigned_to_me: FromQuery[bool] = False
    ) -> list[WorklistItemOut]:
        """Your team's checks due soon or overdue, most urgent first; clients at risk of disengagement flagged."""
        items = await worklist(request.user, now, assigned_to_me=assigned_to_me)
        await audit(request, "view", "worklist", "", f"{len(items)} items")
        return items

    @post(
        "/follow_ups/{follow_up_id:uuid}/attempts",
        operation_id="recordFollowUpAttempt",
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
        row = await record_attempt(request.user, follow_up_id, data.method, data.result, data.note, now)
        if row is None:
            raise NotFoundException(detail=f"no follow-up with id {follow_up_id}")
        await audit(request, "create", "follow_up_attempt", follow_up_id, f"{data.method}: {data.result}")
        return follow_up_out(row)
