"""Every refusal of the referral ledger, defined once: its code, HTTP status, the API's detail and the words a
care manager or partner reads (what to do next). Services raise them with parameters; pages show the words.

The consent refusals share their field, `consent`: the referral form links to its consent section and puts the
focus there. The detail of each keeps the API's wording ("a warm_handoff referral discloses client information
to the partner: ..."), so API clients that read it keep working; new clients read `code` instead.
"""

from __future__ import annotations

from kernel.i18n import N_
from kernel.problems import ErrorCode

__all__ = [
    "CLIENT_FILTER_FOR_CARE_MANAGERS",
    "CLIENT_NOT_FOUND",
    "CLIENT_SELF_NOT_FOR_PARTNER",
    "CLOSED_TAKES_NO_APPOINTMENT",
    "CORRECTION_NEEDS_NOTE",
    "CONSENT_EXPIRED",
    "CONSENT_EXPIRY_MISSING",
    "CONSENT_EXPIRY_PAST",
    "CONSENT_MISSING",
    "CONSENT_NOT_FOUND",
    "CONSENT_OTHER_RECIPIENT",
    "CONSENT_RECIPIENT_AMBIGUOUS",
    "CONSENT_RECIPIENT_UNKNOWN",
    "CONSENT_REVOKED",
    "CONSENT_SIGNED_IN_FUTURE",
    "CONSENT_TREATING_PROVIDERS_ONLY",
    "CONSENT_UNKNOWN",
    "CONSENT_UNVERIFIABLE",
    "CONSENT_WITHOUT_SUD_TREATMENT",
    "DATE_TIME_UNREADABLE",
    "DATE_UNREADABLE",
    "EVENT_EMPTY",
    "FOLLOW_UP_CLOSED",
    "FOLLOW_UP_NOT_FOUND",
    "FOLLOW_UP_RESULT_MISSING",
    "HOURS_HALF_GIVEN",
    "ID_UNREADABLE",
    "INBOX_FOR_PARTNERS",
    "NEED_ANSWERED_TWICE",
    "NEED_UNKNOWN",
    "OWN_LISTINGS_FOR_PARTNER_STAFF",
    "PARTNER_ACCESS_ENDED",
    "PLACES_NOT_WHOLE_NUMBER",
    "RADIUS_NOT_OFFERED",
    "REASON_CODE_REQUIRED",
    "REASON_NOT_LISTED",
    "REASON_TEXT_REQUIRED",
    "REASON_WITHOUT_STATUS",
    "REFERRAL_CLOSED",
    "REFERRAL_ENTERED_IN_ERROR",
    "REFERRAL_LISTING_GONE",
    "REFERRAL_LISTING_UNKNOWN",
    "REFERRAL_NOT_FOUND",
    "REPORT_QUEUE_FOR_ADMINS",
    "SCREENING_EMPTY",
    "SIDES",
    "SIMULTANEOUS_CHANGE",
    "STALE_VERSION",
    "STATUS_UNKNOWN",
    "TRANSITION_BY_OTHER_SIDE",
    "TRANSITION_CLOSED",
    "TRANSITION_NOT_ALLOWED",
]

SIDES = {"care_manager": N_("the care manager"), "partner": N_("the partner")}
"""The two sides of a referral as a sentence names them."""

# --- clients, screenings, follow-ups -------------------------------------------------------------------------

CLIENT_NOT_FOUND = ErrorCode(
    "client_not_found",
    404,
    "no client with id %(client_id)s",
    N_("This client is not on your team's caseload."),
)
NEED_ANSWERED_TWICE = ErrorCode(
    "need_answered_twice",
    400,
    "answers: each need may be answered once per screening",
    N_("Answer each need only once in a screening."),
    field="answers",
)
SCREENING_EMPTY = ErrorCode(
    "screening_empty",
    400,
    "answers: answer at least one need",
    N_("Answer at least one question of the screening."),
    field="answers",
)
FOLLOW_UP_CLOSED = ErrorCode(
    "follow_up_closed",
    409,
    "follow-up %(follow_up_id)s was closed (%(close_reason)s): nothing was recorded",
    N_("This follow-up was already closed, so nothing was recorded. Open the referral to see why."),
)
FOLLOW_UP_NOT_FOUND = ErrorCode(
    "follow_up_not_found",
    404,
    "no follow-up with id %(follow_up_id)s",
    N_("This follow-up is not on your team's worklist."),
)
FOLLOW_UP_RESULT_MISSING = ErrorCode(
    "follow_up_result_missing",
    400,
    "result: choose what came of the follow-up",
    N_("Choose what came of the follow-up: nothing is recorded until you do."),
    field="result",
)
RADIUS_NOT_OFFERED = ErrorCode(
    "radius_not_offered",
    400,
    "radius must be one of %(allowed)s (miles)",
    N_("Choose one of the distances offered."),
    field="radius",
)

# --- consent ---------------------------------------------------------------------------------------------------

CONSENT_RECIPIENT_AMBIGUOUS = ErrorCode(
    "consent_recipient_ambiguous",
    400,
    "name either recipient_organization_id or recipient_class, not both",
    N_("Choose who may receive the information: one organization, or the client's treating providers."),
    field="recipient",
)
CONSENT_EXPIRY_MISSING = ErrorCode(
    "consent_expiry_missing",
    400,
    "a consent needs an expiry: expires_at, expiry_event or both",
    N_("Say when the consent ends: an event, a date, or both."),
    field="expiry_event",
)
CONSENT_EXPIRY_PAST = ErrorCode(
    "consent_expiry_past",
    400,
    "expires_at must be in the future",
    N_("The end date has already passed. Choose a later date, or leave the date empty and name an event."),
    field="expires_at",
)
CONSENT_SIGNED_IN_FUTURE = ErrorCode(
    "consent_signed_in_future",
    400,
    "signed_at cannot be in the future",
    N_("The date the client signed cannot be in the future."),
    field="signed_at",
)
CONSENT_RECIPIENT_UNKNOWN = ErrorCode(
    "consent_recipient_unknown",
    400,
    "recipient_organization_id: no organization with id %(recipient_organization_id)s",
    N_("The organization named to receive the information is not in the directory. Choose another."),
    field="recipient",
)
CONSENT_NOT_FOUND = ErrorCode(
    "consent_not_found",
    404,
    "the client has no unrevoked consent with id %(consent_id)s",
    N_("This consent is already revoked, or it is not one of this client's."),
)
CONSENT_UNKNOWN = ErrorCode(
    "consent_unknown",
    400,
    "consent_id: the client has no consent with id %(consent_id)s",
    N_("The consent chosen is not one of this client's. Record the client's consent below."),
    field="consent",
)
_DISCLOSES = "a %(handoff_type)s referral discloses client information to the partner: "
CONSENT_MISSING = ErrorCode(
    "consent_missing",
    400,
    _DISCLOSES + "no consent: consent_id must name the client's consent",
    N_("Record the client's consent below to send this referral."),
    field="consent",
)
CONSENT_UNVERIFIABLE = ErrorCode(
    "consent_unverifiable",
    400,
    _DISCLOSES + "consent_id: that consent's record does not match its seal: it was changed outside the app",
    N_(
        "The client's consent on file cannot be verified: its record was changed outside this app. "
        "Record the client's consent again below."
    ),
    field="consent",
)
CONSENT_REVOKED = ErrorCode(
    "consent_revoked",
    400,
    _DISCLOSES + "consent_id: that consent is revoked",
    N_("The client revoked their consent. To send this referral, record the consent the client signs now, below."),
    field="consent",
)
CONSENT_EXPIRED = ErrorCode(
    "consent_expired",
    400,
    _DISCLOSES + "consent_id: that consent is expired",
    N_("The client's consent has expired. To send this referral, record the consent the client signs now, below."),
    field="consent",
)
CONSENT_TREATING_PROVIDERS_ONLY = ErrorCode(
    "consent_treating_providers_only",
    400,
    _DISCLOSES + "consent_id: that consent covers treating providers only, and the directory does not list this "
    "service as SUD treatment; record a consent that names this partner organization",
    N_(
        "The client's consent covers treating providers only, and this service is not listed as SUD treatment. "
        "Record a consent that names this partner, below."
    ),
    field="consent",
)
CONSENT_OTHER_RECIPIENT = ErrorCode(
    "consent_other_recipient",
    400,
    _DISCLOSES + "consent_id: that consent does not name this partner organization as a recipient",
    N_("The client's consent does not name this partner. Record a consent that names it, below."),
    field="consent",
)
CONSENT_WITHOUT_SUD_TREATMENT = ErrorCode(
    "consent_without_sud_treatment",
    400,
    _DISCLOSES + "consent_id: this referral tells the partner the client uses drugs (SUD treatment, recovery "
    "support or harm reduction): the consent must allow including_sud_treatment",
    N_(
        "This referral tells the partner about substance use care, so the consent must allow sharing SUD "
        "treatment information. Record such a consent below."
    ),
    field="consent",
)

# --- making a referral -------------------------------------------------------------------------------------------

NEED_UNKNOWN = ErrorCode(
    "need_unknown",
    400,
    "need must be one of %(allowed)s",
    N_("Choose one of the needs offered."),
    field="need",
)
REFERRAL_LISTING_UNKNOWN = ErrorCode(
    "referral_listing_unknown",
    400,
    "service_at_location_id: no service at a location with id %(service_at_location_id)s",
    N_("This listing is no longer in the directory. Go back to the resources and choose another."),
)
DATE_TIME_UNREADABLE = ErrorCode(
    "date_time_unreadable",
    400,
    "%(field)s: not a date and time",
    N_("The date and time could not be read. Choose them again in the calendar."),
)
DATE_UNREADABLE = ErrorCode(
    "date_unreadable",
    400,
    "%(field)s: not a date",
    N_("The date could not be read. Choose it again in the calendar."),
)
ID_UNREADABLE = ErrorCode(
    "id_unreadable",
    400,
    "%(field)s: not an id",
    N_("This form is out of date. Go back and choose again."),
)

# --- changing a referral -----------------------------------------------------------------------------------------

REFERRAL_NOT_FOUND = ErrorCode(
    "referral_not_found",
    404,
    "no referral with id %(referral_id)s",
    N_("This referral does not exist, or it is not one you may see."),
)
PARTNER_ACCESS_ENDED = ErrorCode(
    "partner_access_ended",
    403,
    "this organization may no longer change the referral: its consent_status is %(consent_status)s",
    N_(
        "Your organization may no longer change this referral: the client's consent no longer covers it, or the "
        "care team withdrew it."
    ),
)
STALE_VERSION = ErrorCode(
    "stale_version",
    409,
    "the referral is at version %(version)s, not %(based_on)s: reload it and try again",
    N_("Someone else updated this referral while you had it open. Here it is as it is now: check it and try again."),
    field="version",
)
SIMULTANEOUS_CHANGE = ErrorCode(
    "simultaneous_change",
    409,
    "someone changed the referral at the same moment: reload it and try again",
    N_("Someone else updated this referral at the same moment. Here it is as it is now: check it and try again."),
    field="version",
)
REFERRAL_LISTING_GONE = ErrorCode(
    "referral_listing_gone",
    400,
    "the referral's listing no longer exists: refer the client again",
    N_("The listing this referral was for is no longer in the directory. Refer the client again."),
)
STATUS_UNKNOWN = ErrorCode(
    "status_unknown",
    409,
    "status must be one of %(allowed)s",
    N_("Choose one of the statuses offered."),
    field="status",
)
CLIENT_SELF_NOT_FOR_PARTNER = ErrorCode(
    "client_self_not_for_partner",
    409,
    "%(status)s -> %(to_status)s: a client_self referral is changed by the care manager only",
    N_("The client goes alone on this referral: only the care team changes it."),
)
TRANSITION_BY_OTHER_SIDE = ErrorCode(
    "transition_by_other_side",
    409,
    "%(status)s -> %(to_status)s is made by %(made_by)s, not %(side)s",
    N_("Only %(made_by)s can make this change."),
    field="status",
    words={"made_by": SIDES, "side": SIDES},
)
TRANSITION_NOT_ALLOWED = ErrorCode(
    "transition_not_allowed",
    409,
    "a referral that is %(status)s cannot become %(to_status)s; %(side)s may move it to %(allowed)s",
    N_("This change is not possible from the referral's current status. Choose one of the changes offered."),
    field="status",
    words={"side": SIDES},
)
TRANSITION_CLOSED = ErrorCode(
    "transition_closed",
    409,
    "a referral that is %(status)s cannot become %(to_status)s; %(side)s may move it to nothing (the referral is "
    "closed)",
    N_("This referral is closed: it cannot change any more."),
    words={"side": SIDES},
)
REASON_CODE_REQUIRED = ErrorCode(
    "reason_code_required",
    409,
    "%(to_status)s needs a reason_code, one of %(allowed)s",
    N_("Choose a reason for this change."),
    field="reason_code",
)
REASON_TEXT_REQUIRED = ErrorCode(
    "reason_text_required",
    409,
    "%(to_status)s needs a reason_text saying what happened",
    N_("Say in a few words what happened: this change needs a reason."),
    field="reason_text",
)
CLOSED_TAKES_NO_APPOINTMENT = ErrorCode(
    "closed_takes_no_appointment",
    409,
    "the referral is %(status)s, which is closed: marking it %(to_status)s takes no appointment",
    N_("This referral is closed: marking it as entered in error takes no appointment. Leave the appointment empty."),
    field="appointment_at",
)
CORRECTION_NEEDS_NOTE = ErrorCode(
    "correction_needs_note",
    409,
    "the referral is %(status)s, which is closed: marking it %(to_status)s needs a note saying what was wrong",
    N_("Say in the note what was wrong with this referral: marking a closed referral as entered in error needs it."),
    field="note",
)
REFERRAL_CLOSED = ErrorCode(
    "referral_closed",
    409,
    "the referral is %(status)s, which is closed: it takes no more notes, appointments or changes; the care "
    "manager may still mark it entered-in-error",
    N_(
        "This referral is closed: it takes no more notes or changes. The care team can still mark it as entered "
        "in error."
    ),
)
REFERRAL_ENTERED_IN_ERROR = ErrorCode(
    "referral_entered_in_error",
    409,
    "the referral is %(status)s, which is closed: it takes no more notes, appointments or changes",
    N_("This referral was marked as entered in error: it takes no more notes or changes."),
)
EVENT_EMPTY = ErrorCode(
    "event_empty",
    409,
    "an event without a new status needs a note or an appointment_at",
    N_("Write a note, or choose a new status, to save an update."),
    field="note",
)
REASON_WITHOUT_STATUS = ErrorCode(
    "reason_without_status",
    409,
    "reason_code goes with a change of status",
    N_("A reason goes with a new status: choose the new status too, or leave the reason empty."),
    field="reason_code",
)
REASON_NOT_LISTED = ErrorCode(
    "reason_not_listed",
    400,
    "a reason must be one of the listed reasons",
    N_("Choose one of the listed reasons."),
    field="reason_code",
)
CLIENT_FILTER_FOR_CARE_MANAGERS = ErrorCode(
    "client_filter_for_care_managers",
    400,
    "client_id is a care manager's filter",
    N_("Only care managers can list referrals by client."),
)
INBOX_FOR_PARTNERS = ErrorCode(
    "inbox_for_partners",
    403,
    "the inbox is a partner organization's",
    N_("The referral inbox is for the staff of partner organizations."),
)

# --- partners' listings and the listing reports ----------------------------------------------------------------

OWN_LISTINGS_FOR_PARTNER_STAFF = ErrorCode(
    "own_listings_for_partner_staff",
    403,
    "only a partner organization's staff have listings of their own",
    N_("Only the staff of a partner organization keep listings here."),
)
REPORT_QUEUE_FOR_ADMINS = ErrorCode(
    "report_queue_for_admins",
    403,
    "the listing report queue is for admins",
    N_("The listing reports are for administrators."),
)
HOURS_HALF_GIVEN = ErrorCode(
    "hours_half_given",
    400,
    "%(day)s: give both an opening and a closing time for a day, or neither",
    N_("Give both an opening and a closing time for a day, or neither."),
    field="hours",
)
PLACES_NOT_WHOLE_NUMBER = ErrorCode(
    "places_not_whole_number",
    400,
    "%(field)s: a number of places must be a whole number from 0 to 1000000",
    N_("Write a number of places as a whole number, such as 12."),
)
