"""Referrals feed back into the directory: a listing a referral found wrong is reported, and re-verified
by the organization that runs it or by an admin."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from accounts.services.audit import record_audit
from directory.errors import LISTING_NOT_FOUND
from directory.hsds.objects import load_service_at_locations
from directory.listings.facts import listing_facts
from directory.listings.updates import (
    ListingAvailability,
    listing_details,
    listings_of_organization,
    open_listing_reports,
    update_listing_availability,
)
from directory.schemas import ServiceAtLocationOut
from directory.search.index import note_directory_change
from directory.search.reverification import mark_verified, report_listing_problem
from directory.tables import ServiceAtLocation
from kernel.database import write_transaction
from kernel.principal import Principal
from kernel.problems import Forbidden, NotFound
from kernel.settings import Settings
from referrals.errors import OWN_LISTINGS_FOR_PARTNER_STAFF, REPORT_QUEUE_FOR_ADMINS
from referrals.rows import ReferralEventRow, ReferralRow

__all__ = [
    "LISTING_WRONG_REASONS",
    "listing_for_upkeep",
    "listing_report_queue",
    "own_listings",
    "report_if_listing_wrong",
    "update_listing",
    "verify_listing",
]

LISTING_WRONG_REASONS = ("no_capacity", "could_not_contact_agency", "service_not_offered")
"""Reasons a referral was rejected or failed that say the listing, not the client, was the problem."""


async def report_if_listing_wrong(
    principal: Principal, referral: ReferralRow, event: ReferralEventRow, now: dt.datetime
) -> int | None:
    """Report the referral's listing when the event rejects or fails it for a listing reason.

    The report counts as the listing operator's own when the partner that runs the listing (by the
    directory) made it. Returns the new directory revision if the listing became flagged. Call it inside the
    event's transaction."""
    if event["to_status"] not in ("rejected", "failed") or event["reason_code"] not in LISTING_WRONG_REASONS:
        return None
    listing = await listing_facts(referral["service_at_location"])
    runs_listing = (
        principal.role == "partner_staff"
        and listing is not None
        and principal.organization_id == listing.organization_id
    )
    return await report_listing_problem(
        referral["service_at_location"],
        event["reason_code"],
        principal.scope or principal.role,
        reporter_runs_listing=runs_listing,
        referral_id=referral["id"],
        now=now,
    )


def _may_keep(principal: Principal, organization_id: uuid.UUID | str | None) -> bool:
    """Admins, and staff of the organization that runs the listing, keep a listing up to date."""
    operator = str(organization_id) == str(principal.organization_id)
    return principal.role == "admin" or (principal.role == "partner_staff" and operator)


def _verified_on(now: dt.datetime, settings: Settings) -> dt.date:
    """The day a check happened, as the directory's people count days (TIME_ZONE, not UTC)."""
    return now.astimezone(ZoneInfo(settings.time_zone)).date()


async def verify_listing(
    principal: Principal, service_at_location_id: uuid.UUID, now: dt.datetime, settings: Settings
) -> ServiceAtLocationOut:
    """The listing was checked and is right again: flag and open reports cleared (admins, and staff of the
    organization that runs it; NotFound for anyone else)."""
    async with write_transaction(ServiceAtLocation._meta.db):
        row = (
            await ServiceAtLocation.select(
                *ServiceAtLocation.all_columns(), ServiceAtLocation.service.organization.as_alias("organization")
            )
            .where(ServiceAtLocation.id == service_at_location_id)
            .first()
        )
        if row is None or not _may_keep(principal, row["organization"]):
            raise NotFound(LISTING_NOT_FOUND, service_at_location_id=service_at_location_id)
        revision = await mark_verified(service_at_location_id, now, _verified_on(now, settings))
        await record_audit(principal, "verify", "service_at_location", service_at_location_id)
        fresh = await ServiceAtLocation.select().where(ServiceAtLocation.id == service_at_location_id)
    if revision is not None:
        note_directory_change(revision)
    return (await load_service_at_locations(fresh))[0]


async def own_listings(principal: Principal) -> list[dict[str, Any]]:
    """The listings of the partner's own organization, with capacity, hours and open reports."""
    if principal.role != "partner_staff" or principal.organization_id is None:
        raise Forbidden(OWN_LISTINGS_FOR_PARTNER_STAFF)
    return await listings_of_organization(principal.organization_id)


async def listing_for_upkeep(principal: Principal, service_at_location_id: uuid.UUID) -> dict[str, Any]:
    """One listing the principal may keep up to date (NotFound for another organization's)."""
    listing = await listing_details(service_at_location_id)
    if listing is None or not _may_keep(principal, listing["organization"]):
        raise NotFound(LISTING_NOT_FOUND, service_at_location_id=service_at_location_id)
    return listing


async def update_listing(
    principal: Principal,
    service_at_location_id: uuid.UUID,
    change: ListingAvailability,
    now: dt.datetime,
    settings: Settings,
) -> None:
    """Save a listing's capacity, accepting flag and hours, re-verifying it, with its audit row, in one
    transaction (admins, and staff of the organization that runs it; NotFound for anyone else)."""
    change.check()
    async with write_transaction(ServiceAtLocation._meta.db):
        await listing_for_upkeep(principal, service_at_location_id)
        revision = await update_listing_availability(service_at_location_id, change, now, _verified_on(now, settings))
        detail = f"capacity {change.available}/{change.maximum}, waitlist {change.waitlist}, {len(change.hours)} days"
        await record_audit(principal, "update", "service_at_location", service_at_location_id, detail)
    if revision is not None:
        note_directory_change(revision)


async def listing_report_queue(principal: Principal) -> list[dict[str, Any]]:
    """Open listing reports grouped by listing, newest first (admins)."""
    if principal.role != "admin":
        raise Forbidden(REPORT_QUEUE_FOR_ADMINS)
    return await open_listing_reports()
