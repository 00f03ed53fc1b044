"""The care manager workspace (/app/): caseload, client record, resources near a client, referring with the
consent check inline, a referral's page and the follow-up worklist. Each page parses its form, calls the
service the JSON API calls, and renders; access, consent and scheduling stay in the services."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any, TypeVar, cast
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from directory.geo.places import centre_of_zip
from directory.schemas import ServiceListing
from kernel.clock import Now
from kernel.guards import allow
from kernel.i18n import gettext
from kernel.pages import PAGE_ERROR_HANDLERS, PageError, page_error, render, see_other
from kernel.paging import PageNumber
from kernel.problems import FIELD_INVALID, Conflict, Forbidden, Invalid
from kernel.settings import AppSettings, Settings
from referrals.dependencies import TeamClient, provide_client
from referrals.errors import (
    DATE_TIME_UNREADABLE,
    DATE_UNREADABLE,
    FOLLOW_UP_RESULT_MISSING,
    ID_UNREADABLE,
    RADIUS_NOT_OFFERED,
    SCREENING_EMPTY,
)
from referrals.rows import ClientRow
from referrals.schemas import (
    ClientIn,
    ClientUpdate,
    ConsentIn,
    FollowUpAttemptIn,
    InformalSupport,
    ReferralEventIn,
    ReferralIn,
    ReferralOut,
    ScreeningIn,
)
from referrals.services.caseload import CASELOAD_SHOWS, CASELOAD_SORTS, CaseloadShow, CaseloadSort, caseload
from referrals.services.clients import create_client, update_client, view_client
from referrals.services.consents import (
    consent_status,
    consent_to_revoke,
    create_consent,
    list_consents,
    revoke_consent,
)
from referrals.services.disclosures import list_disclosures
from referrals.services.follow_ups import record_attempt, worklist
from referrals.services.needs import NEED_CATEGORIES, client_needs, record_screening, resources_for_client
from referrals.services.referrals import (
    NEEDS_FOR_REFERRAL,
    append_event,
    list_referrals,
    open_referral_to_call,
    refer_with_consent,
    referral_offer,
)
from referrals.services.transitions import REASON_CODES
from referrals.vocabulary import (
    ANSWERS,
    ATTEMPT_METHODS,
    ATTEMPT_RESULTS,
    HANDOFF_TYPES,
    INFORMATION_SCOPES,
    NEEDS,
    PRIORITIES,
    SIGNATURE_METHODS,
)

__all__ = ["WorkspacePages"]

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
T = TypeVar("T")
PER_PAGE = 20
RADIUS_MILES = (5, 10, 25, 50)
KM_PER_MILE = 1.609344
DEFAULT_EXPIRY_EVENT = "End of the care coordination episode"


# --- forms: what the pages post (text fields, turned into the API's Structs by `_struct`) ---------------


class ClientForm(msgspec.Struct, kw_only=True):
    """Add a client."""

    preferred_name: str = ""
    home_postal_code: str = ""
    preferred_language: str = ""
    phone: str = ""
    goals: str = ""
    strengths: str = ""


class ProfileForm(msgspec.Struct, kw_only=True):
    """Change goals and strengths (the client's own words), and name one more informal support."""

    goals: str = ""
    strengths: str = ""
    support_name: str = ""
    support_relationship: str = ""
    support_contact: str = ""
    support_may_contact: bool = False


class ScreeningForm(msgspec.Struct, kw_only=True):
    """One answer per need; a need left blank was not asked."""

    housing: str = ""
    food: str = ""
    transportation: str = ""
    utilities: str = ""
    safety: str = ""
    moud: str = ""


class ConsentForm(msgspec.Struct, kw_only=True):
    """A signed consent: recipient (an organization id or 'treating_providers'), purpose, scope, expiry."""

    recipient: str = ""
    purpose: str = ""
    information_scope: str = ""
    information_description: str = ""
    expiry_event: str = ""
    expires_on: str = ""
    signed_name: str = ""
    signature_method: str = "electronic"


class RevokeForm(msgspec.Struct, kw_only=True):
    """The confirmation step's answer: "yes" only from the page that says what revoking ends."""

    confirmed: str = ""


class ReferForm(msgspec.Struct, kw_only=True):
    """A referral to one listing, with the consent it relies on, or the consent the client signs now."""

    service_at_location_id: str = ""
    need: str = ""
    handoff_type: str = ""
    priority: str = "routine"
    goal: str = ""
    note: str = ""
    appointment_at: str = ""
    consent_id: str = ""
    record_consent: bool = False
    consent_recipient: str = ""
    """The listing's organization, named as the consent's recipient."""
    consent_purpose: str = ""
    consent_information_scope: str = ""
    consent_expiry_event: str = ""
    consent_expires_on: str = ""
    consent_signed_name: str = ""
    consent_signature_method: str = "electronic"


class AttemptForm(msgspec.Struct, kw_only=True):
    """A follow-up made; the result has no default, so one click never records a contact that did not happen."""

    method: str = ""
    result: str = ""
    note: str = ""


class EventForm(msgspec.Struct, kw_only=True):
    """A change to a referral based on the version the page showed."""

    version: int
    status: str = ""
    reason_code: str = ""
    reason_text: str = ""
    note: str = ""


def _struct(kind: type[T], fields: dict[str, Any]) -> T:
    """The API's Struct from form fields; Invalid (a 400 with msgspec's message) if they do not fit."""
    try:
        return msgspec.convert(fields, kind)
    except msgspec.ValidationError as error:
        raise Invalid(FIELD_INVALID, field=_field_of(error), problem=str(error)) from error


def _field_of(error: msgspec.ValidationError) -> str | None:
    """The top-level field msgspec's message names (`... - at `$.signed_name``), as the API names it."""
    found = re.search(r"at `\$\.([A-Za-z_]+)", str(error))
    return found.group(1) if found else None


def _local_moment(value: str, field: str, time_zone: str) -> dt.datetime | None:
    """A date-time field (local time in TIME_ZONE, as <input type=datetime-local> sends it) as an aware moment."""
    if not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise Invalid(DATE_TIME_UNREADABLE, field=field) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(time_zone))


def _end_of_day(value: str, field: str, time_zone: str) -> dt.datetime | None:
    """A date field as the end of that day in TIME_ZONE (a consent expiring on a day lasts through it)."""
    if not value.strip():
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError as error:
        raise Invalid(DATE_UNREADABLE, field=field) from error
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=ZoneInfo(time_zone))


def _consent_in(
    recipient: str,
    purpose: str,
    scope: str,
    description: str,
    expiry_event: str,
    expires_on: str,
    signed_name: str,
    signature_method: str,
    time_zone: str,
) -> ConsentIn:
    """A ConsentIn from the consent fields of a form (the expiry date in TIME_ZONE)."""
    by_class = recipient == "treating_providers"
    return _struct(
        ConsentIn,
        {
            "recipient_organization_id": None if by_class else (recipient or None),
            "recipient_class": "treating_providers" if by_class else None,
            "purpose": purpose.strip(),
            "information_scope": scope,
            "information_description": description.strip(),
            "expiry_event": expiry_event.strip() or None,
            "expires_at": _end_of_day(expires_on, "expires_at", time_zone),
            "signed_name": signed_name.strip(),
            "signature_method": signature_method,
        },
    )


def _uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise Invalid(ID_UNREADABLE, field=field) from error


class WorkspacePages(Controller):
    """The care manager's pages; another team's client or referral is 'not found', like in the API."""

    path = "/app"
    include_in_schema = False
    exception_handlers = PAGE_ERROR_HANDLERS  # type: ignore[assignment]
    guards = [allow("care_manager")]
    dependencies = {"client": Provide(provide_client)}

    # --- caseload -----------------------------------------------------------------------------------

    @get("/", name="caseload_page")
    async def caseload_page(
        self,
        request: Request,
        now: Now,
        page: PageNumber = 1,
        name: Annotated[str, QueryParameter(max_length=255)] = "",
        sort: Annotated[str, QueryParameter(max_length=40)] = "name",
        show: Annotated[str, QueryParameter(max_length=40)] = "all",
    ) -> Template:
        """The team's clients found by name, narrowed and sorted as asked, with what needs attention; the form
        to add one."""
        for field, value, allowed in (("sort", sort, CASELOAD_SORTS), ("show", show, CASELOAD_SHOWS)):
            if value not in allowed:
                raise Invalid(FIELD_INVALID, field=field, problem=f"{field} must be one of {', '.join(allowed)}")
        entries, total = await caseload(
            request.user,
            now,
            page,
            PER_PAGE,
            name=name,
            sort=cast("CaseloadSort", sort),
            show=cast("CaseloadShow", show),
        )
        return render(
            "workspace/caseload.html",
            entries=entries,
            total=total,
            page=page,
            pages=max(1, -(-total // PER_PAGE)),
            now=now,
            name=name,
            sort=sort,
            show=show,
            sorts=CASELOAD_SORTS,
            shows=CASELOAD_SHOWS,
        )

    @post("/clients", status_code=303)
    async def add_client(self, request: Request, data: Annotated[ClientForm, FORM], now: Now) -> Redirect:
        """Add a client of the team (assigned to you), then open their page."""
        contact = [{"method": "phone", "value": data.phone.strip()}] if data.phone.strip() else []
        fields = {
            "preferred_name": data.preferred_name.strip(),
            "home_postal_code": data.home_postal_code.strip() or None,
            "preferred_language": data.preferred_language.strip() or None,
            "contact_methods": contact,
            "goals": data.goals.strip(),
            "strengths": data.strengths.strip(),
        }
        created = await create_client(request.user, _struct(ClientIn, fields), now)
        flash(request, gettext("Client added."), "success")
        return see_other(f"/app/clients/{created.id}")

    # --- one client ---------------------------------------------------------------------------------

    @get("/clients/{client_id:uuid}", name="client_page")
    async def client_page(
        self, request: Request, client_id: FromPath[uuid.UUID], client: TeamClient, now: Now, settings: AppSettings
    ) -> Template:
        """Goals, strengths, supports, needs, consents, disclosures and every referral's timeline."""
        return await self._client_page(request, client_id, client, now, settings)

    async def _client_page(
        self,
        request: Request,
        client_id: uuid.UUID,
        client: ClientRow,
        now: dt.datetime,
        settings: Settings,
        *,
        consent_form: ConsentForm | None = None,
        error: PageError | None = None,
        status_code: int = 200,
    ) -> Template:
        principal = request.user
        profile = await view_client(principal, client)
        needs = await client_needs(principal, client)
        consents = await list_consents(principal, client)
        disclosures, disclosure_total = await list_disclosures(principal, client, 1, 50)
        referrals = await list_referrals(
            principal, now, settings, status=None, client_id=client_id, page=1, per_page=50
        )
        partners = {r.partner_organization_id: r.partner_organization_name for r in referrals.contents}
        return render(
            "workspace/client.html",
            status_code=status_code,
            error=error,
            consent_form=consent_form,
            client=profile,
            needs=needs,
            consents=[(c, consent_status(c, now)) for c in consents],
            disclosures=disclosures,
            disclosure_total=disclosure_total,
            referrals=referrals.contents,
            partners=partners,
            answers=ANSWERS,
            need_codes=NEEDS,
            scopes=INFORMATION_SCOPES,
            signature_methods=SIGNATURE_METHODS,
            default_expiry_event=gettext(DEFAULT_EXPIRY_EVENT),
        )

    @post("/clients/{client_id:uuid}/profile", status_code=303)
    async def update_profile(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        data: Annotated[ProfileForm, FORM],
        now: Now,
    ) -> Redirect:
        """Change goals and strengths; add an informal support when one is named."""
        fields: dict[str, Any] = {"goals": data.goals.strip(), "strengths": data.strengths.strip()}
        if data.support_name.strip() or data.support_relationship.strip():
            stored = (
                msgspec.json.decode(client["informal_supports"])
                if isinstance(client["informal_supports"], str)
                else client["informal_supports"]
            )
            new = {
                "name": data.support_name.strip(),
                "relationship": data.support_relationship.strip(),
                "contact": data.support_contact.strip(),
                "may_contact": data.support_may_contact,
            }
            _struct(InformalSupport, new)
            fields["informal_supports"] = [*stored, new]
        await update_client(request.user, client, _struct(ClientUpdate, fields), now)
        flash(request, gettext("Client record saved."), "success")
        return see_other(f"/app/clients/{client_id}")

    @post("/clients/{client_id:uuid}/screenings", status_code=303)
    async def record_screening_page(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        data: Annotated[ScreeningForm, FORM],
        now: Now,
    ) -> Redirect:
        """Record the answers given (needs left blank were not asked)."""
        answers = [{"need": need, "answer": getattr(data, need)} for need in NEEDS if getattr(data, need)]
        if not answers:
            raise Invalid(SCREENING_EMPTY)
        await record_screening(request.user, client, _struct(ScreeningIn, {"answers": answers}), now)
        flash(request, gettext("Screening recorded."), "success")
        return see_other(f"/app/clients/{client_id}#needs")

    @post("/clients/{client_id:uuid}/consents", status_code=303)
    async def record_consent(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        data: Annotated[ConsentForm, FORM],
        now: Now,
        settings: AppSettings,
    ) -> Template | Redirect:
        """Record a consent the client signed; a refusal shows on the client's page with what was typed."""
        try:
            consent = _consent_in(
                data.recipient,
                data.purpose,
                data.information_scope,
                data.information_description,
                data.expiry_event,
                data.expires_on,
                data.signed_name,
                data.signature_method,
                settings.time_zone,
            )
            await create_consent(request.user, client, consent, now, settings)
        except Invalid as refusal:
            return await self._client_page(
                request, client_id, client, now, settings, consent_form=data, error=page_error(refusal), status_code=400
            )
        flash(request, gettext("Consent recorded."), "success")
        return see_other(f"/app/clients/{client_id}#consents")

    @get("/clients/{client_id:uuid}/consents/{consent_id:uuid}/revoke", name="revoke_consent_page")
    async def confirm_revoke_page(
        self, request: Request, client_id: FromPath[uuid.UUID], client: TeamClient, consent_id: FromPath[uuid.UUID]
    ) -> Template:
        """Ask before revoking: what the consent covers and what revoking it ends (a page, so it works without
        JavaScript)."""
        consent = await consent_to_revoke(request.user, client, consent_id)
        return render("workspace/revoke_consent.html", client=client, consent=consent)

    @post("/clients/{client_id:uuid}/consents/{consent_id:uuid}/revoke", status_code=303)
    async def revoke_consent_page(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        consent_id: FromPath[uuid.UUID],
        data: Annotated[RevokeForm, FORM],
        now: Now,
        settings: AppSettings,
    ) -> Redirect:
        """Revoke a consent once confirmed; a post without the confirmation goes to the page that asks for it."""
        if data.confirmed != "yes":
            return see_other(f"/app/clients/{client_id}/consents/{consent_id}/revoke")
        await revoke_consent(request.user, client, consent_id, now, settings)
        flash(request, gettext("Consent revoked: partners no longer see the client's details."), "success")
        return see_other(f"/app/clients/{client_id}#consents")

    # --- resources and referring --------------------------------------------------------------------

    @get("/clients/{client_id:uuid}/resources", name="client_resources_page")
    async def resources_page(
        self,
        request: Request,
        state: State,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        radius: FromQuery[int] = 25,
        words: Annotated[str, QueryParameter(max_length=200)] = "",
        page: PageNumber = 1,
    ) -> Template:
        """Listings for the client's open needs near their home ZIP, ranked as the public search ranks them (the
        words given, then nearness), each with a Refer button."""
        if radius not in RADIUS_MILES:
            raise Invalid(RADIUS_NOT_OFFERED, allowed=RADIUS_MILES)
        principal = request.user
        needs = await client_needs(principal, client)
        found = await resources_for_client(
            principal, client, state.search_index, radius * KM_PER_MILE, page, PER_PAGE, text=words
        )
        wanted = [category for need in needs.open_needs for category in NEED_CATEGORIES[need]]
        return render(
            "workspace/resources.html",
            client=client,
            located=centre_of_zip(client["home_postal_code"]) if client["home_postal_code"] else None,
            open_needs=needs.open_needs,
            results=found.results,
            total=found.total,
            wanted=wanted,
            radius=radius,
            radii=RADIUS_MILES,
            search_words=words,
            page=page,
            pages=max(1, -(-found.total // PER_PAGE)),
        )

    async def _refer_form(
        self,
        request: Request,
        client: ClientRow,
        service_at_location_id: uuid.UUID,
        need: str,
        now: dt.datetime,
        settings: Settings,
        form: ReferForm | None = None,
        error: PageError | None = None,
        status_code: int = 200,
    ) -> Template:
        offer = await referral_offer(request.user, client, service_at_location_id, need, now, settings)
        form = form or ReferForm(
            service_at_location_id=str(service_at_location_id),
            need=need,
            handoff_type="warm_handoff",
            consent_recipient=str(offer.listing.organization_id),
            consent_purpose=gettext("Referral and follow-up of care"),
            consent_information_scope="including_sud_treatment" if offer.listing.sud_related else "contact_and_need",
            consent_expiry_event=gettext(DEFAULT_EXPIRY_EVENT),
            # Typed as the client signs, never filled in for them: the name is the client's own attestation.
            consent_signed_name="",
        )
        return render(
            "workspace/refer.html",
            status_code=status_code,
            client=client,
            offer=offer,
            form=form,
            error=error,
            needs=NEEDS_FOR_REFERRAL,
            handoff_types=HANDOFF_TYPES,
            priorities=PRIORITIES,
            scopes=INFORMATION_SCOPES,
            signature_methods=SIGNATURE_METHODS,
        )

    @get("/clients/{client_id:uuid}/refer", name="refer_page")
    async def refer_page(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        now: Now,
        settings: AppSettings,
        service_at_location_id: FromQuery[uuid.UUID],
        need: FromQuery[str] = "",
    ) -> Template:
        """The referral form for one listing, saying whether a consent covers this partner now."""
        if need not in NEEDS_FOR_REFERRAL:
            need = NEEDS_FOR_REFERRAL[0]
        return await self._refer_form(request, client, service_at_location_id, need, now, settings)

    @post("/clients/{client_id:uuid}/refer", status_code=303)
    async def refer(
        self,
        request: Request,
        client_id: FromPath[uuid.UUID],
        client: TeamClient,
        data: Annotated[ReferForm, FORM],
        now: Now,
        settings: AppSettings,
    ) -> Template | Redirect:
        """Send the referral (recording the consent signed now, if so); a refusal shows on the form."""
        listing_id = _uuid(data.service_at_location_id, "service_at_location_id")
        try:
            consent = None
            if data.record_consent and not data.consent_id:
                consent = _consent_in(
                    data.consent_recipient,
                    data.consent_purpose,
                    data.consent_information_scope,
                    "",
                    data.consent_expiry_event,
                    data.consent_expires_on,
                    data.consent_signed_name,
                    data.consent_signature_method,
                    settings.time_zone,
                )
            referral = _struct(
                ReferralIn,
                {
                    "client_id": str(client_id),
                    "service_at_location_id": str(listing_id),
                    "need": data.need,
                    "handoff_type": data.handoff_type,
                    "priority": data.priority,
                    "goal": data.goal.strip(),
                    "note": data.note.strip(),
                    "appointment_at": _local_moment(data.appointment_at, "appointment_at", settings.time_zone),
                    "consent_id": data.consent_id or None,
                },
            )
            made = await refer_with_consent(request.user, referral, consent, now, settings)
        except (Invalid, Forbidden) as refusal:
            need = data.need if data.need in NEEDS_FOR_REFERRAL else NEEDS_FOR_REFERRAL[0]
            return await self._refer_form(
                request, client, listing_id, need, now, settings, form=data, error=page_error(refusal), status_code=400
            )
        flash(
            request, gettext("Referral sent to %(partner)s.") % {"partner": made.partner_organization_name}, "success"
        )
        return see_other(f"/app/referrals/{made.id}")

    # --- one referral -------------------------------------------------------------------------------

    async def _referral(
        self,
        request: Request,
        referral: ReferralOut,
        listing: ServiceListing | None,
        error: PageError | None = None,
        status_code: int = 200,
        form: EventForm | None = None,
    ) -> Template:
        return render(
            "workspace/referral.html",
            status_code=status_code,
            referral=referral,
            listing=listing,
            error=error,
            form=form or EventForm(version=referral.version),
            reason_codes={s: REASON_CODES.get(s, ()) for s in referral.next_statuses},
        )

    @get("/referrals/{referral_id:uuid}", name="care_manager_referral_page")
    async def referral_page(
        self, request: Request, referral_id: FromPath[uuid.UUID], now: Now, settings: AppSettings
    ) -> Template:
        """Status, the partner with its phones and hours (to call during a warm handoff), timeline, follow-ups,
        and the changes a care manager may make."""
        referral, listing = await open_referral_to_call(request.user, referral_id, now, settings)
        return await self._referral(request, referral, listing)  # type: ignore[arg-type]

    @post("/referrals/{referral_id:uuid}/events", status_code=303)
    async def referral_event(
        self,
        request: Request,
        referral_id: FromPath[uuid.UUID],
        data: Annotated[EventForm, FORM],
        now: Now,
        settings: AppSettings,
    ) -> Template | Redirect:
        """Change the referral based on the version shown; a stale version or a refused change shows on the page."""
        try:
            change = _struct(
                ReferralEventIn,
                {
                    "version": data.version,
                    "status": data.status or None,
                    "reason_code": data.reason_code or None,
                    "reason_text": data.reason_text.strip(),
                    "note": data.note.strip(),
                },
            )
            await append_event(request.user, referral_id, change, now, settings)
        except (Conflict, Invalid) as refusal:
            current, listing = await open_referral_to_call(request.user, referral_id, now, settings)
            status_code = 409 if isinstance(refusal, Conflict) else 400
            return await self._referral(request, current, listing, page_error(refusal), status_code, data)  # type: ignore[arg-type]
        flash(request, gettext("Referral updated."), "success")
        return see_other(f"/app/referrals/{referral_id}")

    # --- follow-ups ---------------------------------------------------------------------------------

    @get("/follow-ups", name="worklist_page")
    async def worklist_page(
        self, request: Request, now: Now, settings: AppSettings, mine: FromQuery[bool] = False
    ) -> Template:
        """Due and overdue follow-ups, overdue first, each recorded in one step."""
        return await self._worklist(request, now, settings, mine)

    async def _worklist(
        self,
        request: Request,
        now: dt.datetime,
        settings: Settings,
        mine: bool,
        *,
        refused: uuid.UUID | None = None,
        form: AttemptForm | None = None,
        error: PageError | None = None,
        status_code: int = 200,
    ) -> Template:
        items = await worklist(request.user, now, settings, assigned_to_me=mine)
        return render(
            "workspace/follow_ups.html",
            status_code=status_code,
            items=items,
            mine=mine,
            methods=ATTEMPT_METHODS,
            results=ATTEMPT_RESULTS,
            refused=str(refused) if refused else None,
            form=form,
            error=error,
        )

    @post("/follow-ups/{follow_up_id:uuid}/attempts", status_code=303)
    async def record_follow_up(
        self,
        request: Request,
        follow_up_id: FromPath[uuid.UUID],
        data: Annotated[AttemptForm, FORM],
        now: Now,
        settings: AppSettings,
    ) -> Template | Redirect:
        """Record how you followed up and the result, then back to the worklist; without a result, the worklist
        again saying so at that follow-up."""
        try:
            if not data.result:
                raise Invalid(FOLLOW_UP_RESULT_MISSING)
            attempt = _struct(FollowUpAttemptIn, {"method": data.method, "result": data.result, "note": data.note})
            done = await record_attempt(request.user, follow_up_id, attempt, now)
        except Invalid as refusal:
            return await self._worklist(
                request,
                now,
                settings,
                False,
                refused=follow_up_id,
                form=data,
                error=page_error(refusal),
                status_code=400,
            )
        message = (
            gettext("Follow-up recorded: the check stays open until someone answers.")
            if done.closed_at is None
            else gettext("Follow-up recorded and closed.")
        )
        flash(request, message, "success")
        return see_other("/app/follow-ups")
