"""Our listings (/partner/listings): a partner keeps its own listings' capacity, intake and hours current,
and answers the problem reports on them; saving re-verifies the listing (one service call each)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from directory.errors import HOURS_FORMAT
from directory.listings.updates import CAPACITY_LIMIT, DAY_CODES, ListingAvailability, WeeklyHours
from kernel.clock import Now
from kernel.guards import allow
from kernel.i18n import gettext
from kernel.pages import PAGE_ERROR_HANDLERS, PageError, page_error, render, see_other
from kernel.problems import Invalid
from kernel.settings import AppSettings
from referrals.errors import HOURS_HALF_GIVEN, PLACES_NOT_WHOLE_NUMBER
from referrals.services.directory_feedback import listing_for_upkeep, own_listings, update_listing, verify_listing

__all__ = ["ListingForm", "PartnerListingPages"]

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
Number = Annotated[str, msgspec.Meta(max_length=100)]
Clock = Annotated[str, msgspec.Meta(max_length=20)]
WHOLE_NUMBER = re.compile(r"[0-9]+", re.ASCII)
"""Digits 0-9 only: `str.isdigit` also takes "²" and "١٢", which are no number a person meant here."""
TIME_24_HOUR = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::[0-9]{2}(?:\.[0-9]+)?)?", re.ASCII)
"""What a time input sends (HH:MM, with seconds when it has a step), or a time typed on a 24-hour clock."""
TIME_12_HOUR = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*([ap])\.?\s*m\.?", re.ASCII | re.IGNORECASE)
"""A time typed on a 12-hour clock where the browser shows a text box instead: 5:30 PM, 5pm, 8 a.m."""


class ListingForm(msgspec.Struct, kw_only=True):
    """The listing edit form: capacity and waitlist, accepting new clients, opening hours per weekday."""

    available: Number = ""
    maximum: Number = ""
    waitlist: Number = ""
    unit: Annotated[str, msgspec.Meta(max_length=100)] = "places"
    accepting_new_patients: Literal["", "yes", "no"] = ""
    opens_MO: Clock = ""
    closes_MO: Clock = ""
    opens_TU: Clock = ""
    closes_TU: Clock = ""
    opens_WE: Clock = ""
    closes_WE: Clock = ""
    opens_TH: Clock = ""
    closes_TH: Clock = ""
    opens_FR: Clock = ""
    closes_FR: Clock = ""
    opens_SA: Clock = ""
    closes_SA: Clock = ""
    opens_SU: Clock = ""
    closes_SU: Clock = ""

    def availability(self) -> ListingAvailability:
        """What the form says, as the directory service takes it; Invalid for what cannot be read."""
        hours = []
        for day in DAY_CODES:
            opens, closes = getattr(self, f"opens_{day}").strip(), getattr(self, f"closes_{day}").strip()
            if bool(opens) != bool(closes):
                raise Invalid(HOURS_HALF_GIVEN, day=day, day_name=day)
            if opens:
                hours.append(WeeklyHours(day=day, opens_at=_clock(opens, day), closes_at=_clock(closes, day)))
        return ListingAvailability(
            available=_number(self.available, "available"),
            maximum=_number(self.maximum, "maximum"),
            waitlist=_number(self.waitlist, "waitlist"),
            unit=self.unit.strip() or "places",
            accepting_new_patients={"yes": True, "no": False}.get(self.accepting_new_patients),
            hours=hours,
        )


def _number(value: str, field: str) -> int | None:
    """A whole number of places from 0 to CAPACITY_LIMIT in ASCII digits; None when left empty."""
    value = value.strip()
    if not value:
        return None
    if not WHOLE_NUMBER.fullmatch(value) or int(value) > CAPACITY_LIMIT:
        raise Invalid(PLACES_NOT_WHOLE_NUMBER, field=field, field_name=field)
    return int(value)


def _clock(value: str, day: str) -> str:
    """A time of day as HH:MM on a 24-hour clock (as HSDS stores it) from what the form sent."""
    found = TIME_24_HOUR.fullmatch(value)
    if found and int(found.group(1)) <= 23 and int(found.group(2)) <= 59:
        return f"{int(found.group(1)):02d}:{found.group(2)}"
    found = TIME_12_HOUR.fullmatch(value)
    if found and 1 <= int(found.group(1)) <= 12 and int(found.group(2) or 0) <= 59:
        hour = int(found.group(1)) % 12 + (12 if found.group(3).lower() == "p" else 0)
        return f"{hour:02d}:{found.group(2) or '00'}"
    raise Invalid(HOURS_FORMAT, day=day, day_name=day)


def _edit_page(
    listing: dict[str, Any],
    *,
    status_code: int = 200,
    error: PageError | None = None,
    form: dict[str, Any] | None = None,
) -> Template:
    capacity = listing["capacity"] or {}
    values = {
        "available": capacity.get("available"),
        "maximum": capacity.get("maximum"),
        "waitlist": capacity.get("waitlist"),
        "unit": capacity.get("unit") or "places",
        "accepting_new_patients": {True: "yes", False: "no"}.get(listing["accepting_new_patients"], ""),
    }
    for day in DAY_CODES:
        opens, closes = listing["hours"].get(day, ("", ""))
        values[f"opens_{day}"], values[f"closes_{day}"] = opens, closes
    if form is not None:
        values.update(form)
    return render(
        "partner/listing_edit.html",
        status_code=status_code,
        listing=listing,
        values=values,
        days=DAY_CODES,
        error=error,
    )


class PartnerListingPages(Controller):
    """The organization's own listings, their edit form, and re-verification."""

    path = "/partner/listings"
    include_in_schema = False
    exception_handlers = PAGE_ERROR_HANDLERS  # type: ignore[assignment]
    guards = [allow("partner_staff")]

    @get("/")
    async def listings(self, request: Request) -> Template:
        """The listings the organization runs, each with its capacity, hours and open problem reports."""
        return render("partner/listings.html", listings=await own_listings(request.user), days=DAY_CODES)

    @get("/{sal_id:uuid}")
    async def edit_page(self, request: Request, sal_id: FromPath[uuid.UUID]) -> Template:
        """The edit form for one of the organization's listings (another's: not found)."""
        return _edit_page(await listing_for_upkeep(request.user, sal_id))

    @post("/{sal_id:uuid}", status_code=303)
    async def save(
        self,
        request: Request,
        sal_id: FromPath[uuid.UUID],
        data: Annotated[ListingForm, FORM],
        now: Now,
        settings: AppSettings,
    ) -> Template | Redirect:
        """Save capacity, intake and hours; the listing counts as re-verified. A mistake shows on the form."""
        try:
            await update_listing(request.user, sal_id, data.availability(), now, settings)
        except Invalid as refusal:
            listing = await listing_for_upkeep(request.user, sal_id)
            return _edit_page(listing, status_code=400, error=page_error(refusal), form=msgspec.structs.asdict(data))
        flash(request, gettext("Saved. The listing is marked as checked today."), "success")
        return see_other("/partner/listings")

    @post("/{sal_id:uuid}/verify", status_code=303)
    async def verify(self, request: Request, sal_id: FromPath[uuid.UUID], now: Now, settings: AppSettings) -> Redirect:
        """The listing was checked and is right (or was fixed): its open reports are resolved."""
        await verify_listing(request.user, sal_id, now, settings)
        flash(request, gettext("Thank you: the listing is marked as checked and its reports are closed."), "success")
        return see_other("/partner/listings")
