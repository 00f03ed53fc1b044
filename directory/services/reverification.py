"""Listings a referral found wrong: flagged for re-verification (and ranked last) until someone re-checks them."""

from __future__ import annotations

import datetime as dt
import uuid

from directory.services.search_documents import refresh_search_documents
from directory.tables import ServiceAtLocation

__all__ = ["flag_for_reverification", "mark_verified"]


async def flag_for_reverification(service_at_location_id: uuid.UUID, reason: str, now: dt.datetime) -> bool:
    """Flag a listing (once; a flagged one keeps its first date); True if it was newly flagged."""
    not_flagged = ServiceAtLocation.needs_reverification_since.is_null()
    rows = (
        await ServiceAtLocation.update(
            {ServiceAtLocation.needs_reverification_since: now, ServiceAtLocation.reverification_reason: reason}
        )
        .where((ServiceAtLocation.id == service_at_location_id) & not_flagged)
        .returning(ServiceAtLocation.service)
    )
    if rows:
        await refresh_search_documents([rows[0]["service"]])
    return bool(rows)


async def mark_verified(service_at_location_id: uuid.UUID) -> bool:
    """Clear the flag after the partner or an admin checked the listing; False if there is no such listing."""
    rows = (
        await ServiceAtLocation.update(
            {ServiceAtLocation.needs_reverification_since: None, ServiceAtLocation.reverification_reason: None}
        )
        .where(ServiceAtLocation.id == service_at_location_id)
        .returning(ServiceAtLocation.service)
    )
    if rows:
        await refresh_search_documents([rows[0]["service"]])
    return bool(rows)
