"""Listings a referral found wrong: reported, flagged for re-verification on independent evidence, re-checked.

One care team's bad experience is not enough to move a listing for everyone (their client may have come
on a bad day). A listing is flagged when the organization that runs it says so itself, or when two
different care teams or organizations have reported it. A flagged listing keeps its place in results,
less a stated, bounded penalty (`REVERIFICATION_PENALTY_KM`, `REVERIFICATION_PENALTY_POINTS` in the
search index), and says `needs_reverification` until the partner or an admin re-verifies it.

Reports from the public directory (anyone, no sign-in) are stored as `PUBLIC_REPORTER`'s and never count
towards the independent reporters: anyone can send them from many addresses, and the one care team a listing
annoyed could send one too, to make its own report look independent. They queue the listing for an admin's
review (the open reports are the queue) and nothing more.
"""

from __future__ import annotations

import datetime as dt
import uuid

from directory.errors import LISTING_NOT_FOUND, REPORT_NOTE_TOO_LONG, REPORT_REASON_UNKNOWN
from directory.search.documents import refresh_search_documents
from directory.search.index import note_directory_change
from directory.tables import ListingReport, Service, ServiceAtLocation
from kernel.database import write_transaction
from kernel.problems import Invalid, NotFound

__all__ = [
    "INDEPENDENT_REPORTERS",
    "PUBLIC_REPORTER",
    "PUBLIC_REPORT_NOTE_LENGTH",
    "PUBLIC_REPORT_REASONS",
    "mark_verified",
    "report_from_public",
    "report_listing_problem",
]

INDEPENDENT_REPORTERS = 2
"""Distinct care teams or organizations whose reports flag a listing (the listing's own operator: one)."""
PUBLIC_REPORTER = "public"
"""The one reporter every report from the public directory counts as."""
PUBLIC_REPORT_REASONS = ("closed", "wrong_phone", "wrong_address", "wrong_hours", "service_not_offered", "other")
"""What a member of the public may say is wrong with a listing."""
PUBLIC_REPORT_NOTE_LENGTH = 500


async def report_listing_problem(
    service_at_location_id: uuid.UUID,
    reason: str,
    reporter: str,
    *,
    reporter_runs_listing: bool,
    referral_id: uuid.UUID | None,
    now: dt.datetime,
    note: str = "",
) -> int | None:
    """Record a report; flag the listing if the evidence is now independent.

    Returns the new directory revision when the listing became flagged (search indexes must reload), else None.
    Call it inside the caller's transaction."""
    await ListingReport.insert(
        ListingReport(
            id=uuid.uuid4(),
            service_at_location=service_at_location_id,
            reason=reason,
            reporter=reporter,
            reporter_runs_listing=reporter_runs_listing,
            referral=referral_id,
            note=note,
            at=now,
        )
    )
    open_reports = await ListingReport.select(ListingReport.reporter, ListingReport.reporter_runs_listing).where(
        (ListingReport.service_at_location == service_at_location_id) & ListingReport.resolved_at.is_null()
    )
    by_operator = any(r["reporter_runs_listing"] for r in open_reports)
    independent = {r["reporter"] for r in open_reports if r["reporter"] != PUBLIC_REPORTER}
    if not by_operator and len(independent) < INDEPENDENT_REPORTERS:
        return None
    rows = (
        await ServiceAtLocation.update(
            {ServiceAtLocation.needs_reverification_since: now, ServiceAtLocation.reverification_reason: reason}
        )
        .where(
            (ServiceAtLocation.id == service_at_location_id) & ServiceAtLocation.needs_reverification_since.is_null()
        )
        .returning(ServiceAtLocation.service)
    )
    if not rows:
        return None
    return await refresh_search_documents([rows[0]["service"]])


async def mark_verified(service_at_location_id: uuid.UUID, now: dt.datetime, verified_on: dt.date) -> int | None:
    """Clear the flag, resolve the open reports and date the service's last verification (HSDS assured_date,
    `verified_on`: the day in the directory's time zone) after the partner or an admin checked the listing.

    Returns the new directory revision, or None if there is no such listing. Call it inside a transaction."""
    rows = (
        await ServiceAtLocation.update(
            {ServiceAtLocation.needs_reverification_since: None, ServiceAtLocation.reverification_reason: None}
        )
        .where(ServiceAtLocation.id == service_at_location_id)
        .returning(ServiceAtLocation.service)
    )
    if not rows:
        return None
    await ListingReport.update({ListingReport.resolved_at: now}).where(
        (ListingReport.service_at_location == service_at_location_id) & ListingReport.resolved_at.is_null()
    )
    await Service.update({Service.assured_date: verified_on}).where(Service.id == rows[0]["service"])
    # Rebuilt after the date is set: the public listing and the API read "last verified" from these documents.
    return await refresh_search_documents([rows[0]["service"]])


async def report_from_public(service_at_location_id: uuid.UUID, reason: str, note: str, now: dt.datetime) -> None:
    """A member of the public says a listing is wrong: stored for the admins' queue as PUBLIC_REPORTER's report
    (so public reports alone never flag it); 400 for an unknown reason or a long note, 404 for no such listing."""
    if reason not in PUBLIC_REPORT_REASONS:
        raise Invalid(REPORT_REASON_UNKNOWN, allowed=PUBLIC_REPORT_REASONS)
    note = note.strip()
    if len(note) > PUBLIC_REPORT_NOTE_LENGTH:
        raise Invalid(REPORT_NOTE_TOO_LONG, maximum=PUBLIC_REPORT_NOTE_LENGTH)
    async with write_transaction(ListingReport._meta.db):
        if not await ServiceAtLocation.exists().where(ServiceAtLocation.id == service_at_location_id):
            raise NotFound(LISTING_NOT_FOUND, service_at_location_id=service_at_location_id)
        revision = await report_listing_problem(
            service_at_location_id,
            reason,
            PUBLIC_REPORTER,
            reporter_runs_listing=False,
            referral_id=None,
            now=now,
            note=note,
        )
    if revision is not None:
        note_directory_change(revision)
