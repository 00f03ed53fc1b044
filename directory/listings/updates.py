"""A partner keeps its own listings current: capacity and waitlist, accepting new clients, weekly hours.

Saving is a re-verification too: the organization that runs the listing has just checked it, so the
flag and open reports are cleared and `last_modified` is stamped, all with the search documents in one
transaction (the caller's). Who may do it is the caller's decision (referrals.services.directory_feedback).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from piccolo.columns import Column

from directory.errors import (
    AVAILABLE_ABOVE_MAXIMUM,
    CAPACITY_OUT_OF_RANGE,
    DAY_UNKNOWN,
    HOURS_FORMAT,
    HOURS_SAME_TIME,
    UNIT_LENGTH,
)
from directory.search.documents import DAY_CODES
from directory.search.reverification import mark_verified
from directory.tables import ListingReport, Schedule, Service, ServiceAtLocation, ServiceCapacity
from kernel.problems import Invalid

__all__ = [
    "CAPACITY_LIMIT",
    "DAY_CODES",
    "ListingAvailability",
    "WeeklyHours",
    "listing_details",
    "listings_of_organization",
    "open_listing_reports",
    "reporter_kind",
    "update_listing_availability",
]

CLOCK_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]", re.ASCII)
CAPACITY_LIMIT = 1_000_000
"""The most places, or people waiting, a listing may state."""


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours on one weekday (HSDS schedule: freq WEEKLY, byday, opens_at, closes_at); a closing time
    before the opening time closes the next morning."""

    day: str
    opens_at: str
    closes_at: str


@dataclass(frozen=True)
class ListingAvailability:
    """What a partner says about a listing now (HSDS service_capacity, accepting new patients, schedule)."""

    available: int | None
    maximum: int | None
    waitlist: int | None
    unit: str = "places"
    accepting_new_patients: bool | None = None
    hours: list[WeeklyHours] = field(default_factory=list)

    def check(self) -> None:
        """Invalid, naming the field, unless the numbers and hours make sense."""
        for name in ("available", "maximum", "waitlist"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= CAPACITY_LIMIT:
                raise Invalid(CAPACITY_OUT_OF_RANGE, field=name, field_name=name)
        if self.available is not None and self.maximum is not None and self.available > self.maximum:
            raise Invalid(AVAILABLE_ABOVE_MAXIMUM)
        if not 1 <= len(self.unit.strip()) <= 100:
            raise Invalid(UNIT_LENGTH)
        for hours in self.hours:
            if hours.day not in DAY_CODES:
                raise Invalid(DAY_UNKNOWN, allowed=DAY_CODES)
            if not (CLOCK_TIME.fullmatch(hours.opens_at) and CLOCK_TIME.fullmatch(hours.closes_at)):
                raise Invalid(HOURS_FORMAT, day=hours.day, day_name=hours.day)
            # A closing time before the opening time runs past midnight (a shelter open 17:00-08:00), as HSDS
            # and the search's open-now read it; the same time twice says nothing.
            if hours.opens_at == hours.closes_at:
                raise Invalid(HOURS_SAME_TIME, day=hours.day, day_name=hours.day)


def _listing_query():
    return ServiceAtLocation.select(
        ServiceAtLocation.id,
        ServiceAtLocation.service,
        ServiceAtLocation.needs_reverification_since,
        ServiceAtLocation.reverification_reason,
        ServiceAtLocation.service.name.as_alias("service_name"),
        ServiceAtLocation.service.organization.as_alias("organization"),
        ServiceAtLocation.service.organization.name.as_alias("organization_name"),
        ServiceAtLocation.service.accepting_new_patients.as_alias("accepting_new_patients"),
        ServiceAtLocation.service.last_modified.as_alias("last_modified"),
        ServiceAtLocation.location.name.as_alias("location_name"),
    )


async def _with_details(rows: list[dict]) -> list[dict]:
    """Each listing row with its capacity, its weekly hours and its open reports."""
    if not rows:
        return rows
    service_ids = list({r["service"] for r in rows})
    sal_ids = [r["id"] for r in rows]
    capacities = await ServiceCapacity.select().where(ServiceCapacity.service.is_in(service_ids))
    schedules = await Schedule.select().where(Schedule.service_at_location.is_in(sal_ids))
    reports = (
        await ListingReport.select()
        .where(ListingReport.service_at_location.is_in(sal_ids) & ListingReport.resolved_at.is_null())
        .order_by(ListingReport.at, ascending=False)
    )
    for row in rows:
        row["capacity"] = next((c for c in capacities if str(c["service"]) == str(row["service"])), None)
        hours = {}
        for schedule in schedules:
            if str(schedule["service_at_location"]) != str(row["id"]) or not schedule["opens_at"]:
                continue
            for day in (schedule["byday"] or "").split(","):
                if day in DAY_CODES:
                    hours[day] = (schedule["opens_at"][:5], (schedule["closes_at"] or "")[:5])
        row["hours"] = hours
        row["open_reports"] = [r for r in reports if str(r["service_at_location"]) == str(row["id"])]
    return rows


async def listings_of_organization(organization_id: uuid.UUID) -> list[dict]:
    """The organization's listings (its services at their locations) with capacity, hours and open reports."""
    rows = (
        await _listing_query()
        .where(ServiceAtLocation.service.organization == organization_id)
        .order_by(ServiceAtLocation.service.name)
    )
    return await _with_details(rows)


async def listing_details(service_at_location_id: uuid.UUID) -> dict | None:
    """One listing with its organization, capacity, hours and open reports; None if there is none."""
    rows = await _listing_query().where(ServiceAtLocation.id == service_at_location_id)
    return (await _with_details(rows))[0] if rows else None


async def update_listing_availability(
    service_at_location_id: uuid.UUID, change: ListingAvailability, now: dt.datetime, verified_on: dt.date
) -> int | None:
    """Write the listing's capacity, accepting flag and weekly hours, and re-verify it (last verified
    `verified_on`, the day in the directory's time zone).

    Capacity and accepting new patients belong to the service (all its locations); hours to this service
    at this location (they take precedence over the service's and location's own). Returns the new directory
    revision (None if there is no such listing). Call it inside a transaction."""
    change.check()
    row = (
        await ServiceAtLocation.select(ServiceAtLocation.service)
        .where(ServiceAtLocation.id == service_at_location_id)
        .first()
    )
    if row is None:
        return None
    service_id = row["service"]
    await Service.update(
        {Service.accepting_new_patients: change.accepting_new_patients, Service.last_modified: now}
    ).where(Service.id == service_id)
    capacity: dict[Column | str, Any] = {
        ServiceCapacity.unit: change.unit.strip(),
        ServiceCapacity.available: change.available,
        ServiceCapacity.maximum: change.maximum,
        ServiceCapacity.waitlist: change.waitlist,
        ServiceCapacity.updated: now,
    }
    existing = await ServiceCapacity.select(ServiceCapacity.id).where(ServiceCapacity.service == service_id).first()
    if existing is None:
        await ServiceCapacity.insert(
            ServiceCapacity(
                id=uuid.uuid4(),
                service=service_id,
                unit=change.unit.strip(),
                available=change.available,
                maximum=change.maximum,
                waitlist=change.waitlist,
                updated=now,
            )
        )
    else:
        await ServiceCapacity.update(capacity).where(ServiceCapacity.id == existing["id"])
    await Schedule.delete().where(Schedule.service_at_location == service_at_location_id)
    for hours in change.hours:
        await Schedule.insert(
            Schedule(
                id=uuid.uuid4(),
                service_at_location=service_at_location_id,
                freq="WEEKLY",
                byday=hours.day,
                opens_at=hours.opens_at,
                closes_at=hours.closes_at,
            )
        )
    # mark_verified rebuilds the service's search documents, so they see the new capacity, hours and date.
    return await mark_verified(service_at_location_id, now, verified_on)


async def open_listing_reports() -> list[dict]:
    """Open problem reports, one entry per listing (newest report first), each with its reports."""
    reports = (
        await ListingReport.select()
        .where(ListingReport.resolved_at.is_null())
        .order_by(ListingReport.at, ascending=False)
    )
    ids = list({r["service_at_location"] for r in reports})
    names = {str(r["id"]): r for r in await _listing_query().where(ServiceAtLocation.id.is_in(ids))} if ids else {}
    listings: dict[str, dict] = {}
    for report in reports:
        key = str(report["service_at_location"])
        if key not in names:
            continue
        report["reporter_kind"] = reporter_kind(report)
        if key not in listings:
            listing = names[key]
            listings[key] = {
                "service_at_location_id": key,
                "service_id": str(listing["service"]),
                "service_name": listing["service_name"],
                "organization_name": listing["organization_name"],
                "location_name": listing["location_name"],
                "needs_reverification_since": listing["needs_reverification_since"],
                "reports": [],
            }
        listings[key]["reports"].append(report)
    return list(listings.values())


def reporter_kind(report: dict) -> str:
    """Who made a report: the listing's operator, a care team, another organization, or the public."""
    if report["reporter_runs_listing"]:
        return "operator"
    if report["reporter"].startswith("care_team:"):
        return "care_team"
    if report["reporter"].startswith("organization:"):
        return "organization"
    return "public"
