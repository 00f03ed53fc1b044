"""The admins' listing-report queue (/app/reports): open problem reports by listing, each re-verified here."""

from __future__ import annotations

import uuid

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from kernel.clock import Now
from kernel.guards import allow
from kernel.i18n import gettext
from kernel.pages import PAGE_ERROR_HANDLERS, render, see_other
from kernel.settings import AppSettings
from referrals.services.directory_feedback import listing_report_queue, verify_listing

__all__ = ["ListingReportPages"]


class ListingReportPages(Controller):
    """Open listing reports, newest first, and marking a listing verified."""

    path = "/app/reports"
    include_in_schema = False
    exception_handlers = PAGE_ERROR_HANDLERS  # type: ignore[assignment]
    guards = [allow("admin")]

    @get("/", name="listing_reports")
    async def queue(self, request: Request) -> Template:
        """Listings with open reports, grouped, newest report first, with who reported and why."""
        return render("reports/queue.html", listings=await listing_report_queue(request.user))

    @post("/{sal_id:uuid}/verify", status_code=303)
    async def verify(self, request: Request, sal_id: FromPath[uuid.UUID], now: Now, settings: AppSettings) -> Redirect:
        """The listing was checked: its flag and reports are cleared, and it is last verified today."""
        await verify_listing(request.user, sal_id, now, settings)
        flash(request, gettext("The listing is marked as verified and its reports are closed."), "success")
        return see_other("/app/reports")
