"""The partner inbox (/partner/): referrals sent to the organization, each opened and acted on through
the same services as the JSON API (so the access, consent, audit and ledger rules are the API's own)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from kernel.clock import Now
from kernel.guards import allow
from kernel.i18n import gettext
from kernel.pages import PAGE_ERROR_HANDLERS, PageError, page_error, render, see_other
from kernel.paging import PageNumber
from kernel.problems import FIELD_INVALID, Invalid
from kernel.settings import AppSettings
from referrals.errors import DATE_TIME_UNREADABLE, DATE_UNREADABLE, OUTCOME_NOT_CONFIRMED, REASON_NOT_LISTED
from referrals.schemas import ReferralEventIn
from referrals.services.referrals import (
    NEEDS_FOR_REFERRAL,
    InboxFilter,
    ReferralView,
    StaleVersion,
    append_event,
    open_referral,
    partner_inbox,
)
from referrals.services.transitions import CLOSED_STATUSES, REASON_CODES, TransitionRefused

__all__ = ["PartnerInboxPages", "PartnerReferralEventForm"]

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
INBOX_PAGE_SIZE = 20
KNOWN_REASONS = frozenset(code for codes in REASON_CODES.values() for code in codes)
CONFIRMED_OUTCOMES = ("completed", "failed", "rejected")
"""Outcomes a partner records only with a ticked box (no script needed): completed and declined close the
referral for good, and did-not-connect sends the care team to reach out; one stray tap must not do either."""
INBOX_STATES = ("open", "closed")
"""The inbox lists open referrals (the partner's work) or, when asked, the closed ones."""
FilterWord = Annotated[str, QueryParameter(max_length=40)]
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
LOCAL_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?", re.ASCII)
WHOLE_NUMBER = re.compile(r"[0-9]{1,10}", re.ASCII)
"""A version as the form sends it: `str.isdigit` also takes "²", which `int` then refuses."""


class PartnerReferralEventForm(msgspec.Struct, kw_only=True):
    """An action form on a referral: the version the partner saw, the new status, and why."""

    version: Annotated[str, msgspec.Meta(max_length=12)] = ""
    status: Annotated[str, msgspec.Meta(max_length=40)] = ""
    reason_code: Annotated[str, msgspec.Meta(max_length=40)] = ""
    reason_text: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    note: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    back: Annotated[str, msgspec.Meta(max_length=20)] = ""
    appointment_at: Annotated[str, msgspec.Meta(max_length=40)] = ""
    """When the client is expected, on accepting: local time in TIME_ZONE, as <input type=datetime-local> sends it."""
    confirm: Annotated[str, msgspec.Meta(max_length=10)] = ""
    """"yes" when the partner ticked the box confirming an outcome it cannot take back (CONFIRMED_OUTCOMES)."""

    @property
    def unconfirmed(self) -> bool:
        """An outcome the partner cannot take back, sent without its confirming box ticked."""
        return self.status in CONFIRMED_OUTCOMES and self.confirm != "yes"

    def as_event(self, time_zone: str) -> ReferralEventIn:
        """The API's event body (validated as the API validates it); Invalid for what no form would send."""
        if self.reason_code and self.reason_code not in KNOWN_REASONS:
            raise Invalid(REASON_NOT_LISTED)
        if not WHOLE_NUMBER.fullmatch(self.version):
            raise Invalid(FIELD_INVALID, field="version", problem="version must be a whole number")
        try:
            return msgspec.convert(
                {
                    "version": int(self.version),
                    "status": self.status or None,
                    "reason_code": self.reason_code or None,
                    "reason_text": self.reason_text,
                    "note": self.note,
                    "appointment_at": self._appointment(time_zone),
                },
                ReferralEventIn,
            )
        except msgspec.ValidationError as error:
            raise Invalid(FIELD_INVALID, field=None, problem=str(error)) from error

    def _appointment(self, time_zone: str) -> dt.datetime | None:
        value = self.appointment_at.strip()
        if not value:
            return None
        if not LOCAL_MOMENT.fullmatch(value):
            raise Invalid(DATE_TIME_UNREADABLE, field="appointment_at")
        try:
            return dt.datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(time_zone))
        except ValueError as error:
            raise Invalid(DATE_TIME_UNREADABLE, field="appointment_at") from error


def _day(value: str, field: str) -> dt.date | None:
    """A date field of the inbox's filter form (YYYY-MM-DD, as <input type=date> sends it); None when empty."""
    if not value.strip():
        return None
    if not ISO_DATE.fullmatch(value.strip()):
        raise Invalid(DATE_UNREADABLE, field=field)
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as error:
        raise Invalid(DATE_UNREADABLE, field=field) from error


def _referral_page(view: ReferralView, *, status_code: int = 200, error: PageError | None = None) -> Template:
    return render(
        "partner/referral.html",
        status_code=status_code,
        referral=view,
        closed=view.status in CLOSED_STATUSES,
        reason_codes=REASON_CODES,
        confirmed_outcomes=CONFIRMED_OUTCOMES,
        error=error,
    )


class PartnerInboxPages(Controller):
    """The inbox, one referral, and the actions on it."""

    path = "/partner"
    include_in_schema = False
    exception_handlers = PAGE_ERROR_HANDLERS  # type: ignore[assignment]
    guards = [allow("partner_staff")]

    @get("/", name="partner_inbox")
    async def inbox(
        self,
        request: Request,
        now: Now,
        settings: AppSettings,
        page: PageNumber = 1,
        show: FilterWord = "open",
        need: FilterWord = "",
        sent_from: FilterWord = "",
        sent_to: FilterWord = "",
    ) -> Template:
        """Referrals sent to the organization, open ones unless asked for the closed ones, of one need and sent
        between two days if asked (a GET form): not yet acknowledged first (with their count), then by status."""
        if show not in INBOX_STATES:
            raise Invalid(FIELD_INVALID, field="show", problem="show must be open or closed")
        listed = InboxFilter(
            closed=show == "closed",
            need=need or None,
            sent_from=_day(sent_from, "sent_from"),
            sent_to=_day(sent_to, "sent_to"),
        )
        referrals, unacknowledged = await partner_inbox(
            request.user, now, settings, page=page, per_page=INBOX_PAGE_SIZE, listed=listed
        )
        chosen = {"show": show, "need": need, "sent_from": sent_from, "sent_to": sent_to}
        return render(
            "partner/inbox.html",
            referrals=referrals,
            unacknowledged=unacknowledged,
            chosen=chosen,
            filtered=listed != InboxFilter(),
            paging_query=urlencode({name: value for name, value in chosen.items() if value and value != "open"}),
            needs=NEEDS_FOR_REFERRAL,
        )

    @get("/referrals/{referral_id:uuid}")
    async def referral(
        self, request: Request, referral_id: FromPath[uuid.UUID], now: Now, settings: AppSettings
    ) -> Template:
        """One referral as the consent lets the partner see it; reading it changes nothing (acknowledging is a POST)."""
        return _referral_page(await open_referral(request.user, referral_id, now, settings))

    @post("/referrals/{referral_id:uuid}/events", status_code=303)
    async def add_event(
        self,
        request: Request,
        referral_id: FromPath[uuid.UUID],
        data: Annotated[PartnerReferralEventForm, FORM],
        now: Now,
        settings: AppSettings,
    ) -> Template | Redirect:
        """Post an action as `POST /api/referrals/{id}/events` does; an outcome without its confirming box, a
        stale version or a refused change shows the referral as it is now with the reason."""
        change = data.as_event(settings.time_zone)
        if data.unconfirmed:
            current = await open_referral(request.user, referral_id, now, settings)
            unconfirmed = Invalid(OUTCOME_NOT_CONFIRMED, to_status=data.status)
            return _referral_page(current, status_code=400, error=page_error(unconfirmed))
        try:
            await append_event(request.user, referral_id, change, now, settings)
        except (StaleVersion, TransitionRefused) as refusal:
            current = await open_referral(request.user, referral_id, now, settings)
            return _referral_page(current, status_code=409, error=page_error(refusal))
        flash(request, gettext("Saved: the referral is updated."), "success")
        if data.back == "inbox":
            return see_other("/partner/")
        return see_other(f"/partner/referrals/{referral_id}")
