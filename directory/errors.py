"""Every refusal of the directory, defined once: its code, HTTP status, the API's detail (naming the parameter)
and the words a visitor or a partner reads. Searches, listing updates, reports and the HSDS API raise them."""

from __future__ import annotations

from kernel.i18n import N_
from kernel.problems import ErrorCode

__all__ = [
    "ADDRESS_NOT_PLACED",
    "AVAILABLE_ABOVE_MAXIMUM",
    "CAPACITY_OUT_OF_RANGE",
    "CAPACITY_WORDS",
    "CATEGORY_UNKNOWN",
    "COORDINATES_NOT_NUMBERS",
    "DAY_UNKNOWN",
    "FORMAT_UNKNOWN",
    "HOURS_FORMAT",
    "HOURS_SAME_TIME",
    "LANGUAGE_UNKNOWN",
    "LAT_LNG_TOGETHER",
    "LAT_OUT_OF_RANGE",
    "LISTING_NOT_FOUND",
    "LNG_OUT_OF_RANGE",
    "MEDICATION_UNKNOWN",
    "MINIMAL_AND_FULL",
    "MODIFIED_AFTER_UNREADABLE",
    "MODIFIED_AFTER_WITHOUT_OFFSET",
    "NEAR_EMPTY",
    "NEAR_TOO_LONG",
    "ORGANIZATION_NOT_FOUND",
    "PAYMENT_UNKNOWN",
    "PLACE_AMBIGUOUS",
    "PLACE_NOT_FOUND",
    "POSTCODE_INVALID",
    "POSTCODE_UNKNOWN",
    "PRINT_LIST_TOO_LONG",
    "PRINT_LIST_UNKNOWN",
    "PROXIMITY_NEEDS_POSTCODE",
    "PROXIMITY_OUT_OF_RANGE",
    "RADIUS_NEEDS_LOCATION",
    "RADIUS_OUT_OF_RANGE",
    "REPORT_NOTE_TOO_LONG",
    "REPORT_REASON_UNKNOWN",
    "SERVICE_NOT_FOUND",
    "TAXONOMY_NOT_FOUND",
    "TAXONOMY_TERM_NOT_FOUND",
    "UNIT_LENGTH",
    "WEEKDAY_WORDS",
    "ZIP_UNKNOWN",
]

_CHECK_SEARCH = N_("Please check the search: a filter has a value this page does not offer. Start a new search.")

# --- searching -----------------------------------------------------------------------------------------------

LAT_LNG_TOGETHER = ErrorCode(
    "lat_lng_together",
    400,
    "lat and lng must be given together",
    N_("Please search near a place: a ZIP code, or a city and state."),
    field="near",
)
COORDINATES_NOT_NUMBERS = ErrorCode(
    "coordinates_not_numbers",
    400,
    "lat and lng must be numbers",
    N_("Please search near a place: a ZIP code, or a city and state."),
    field="near",
)
LAT_OUT_OF_RANGE = ErrorCode(
    "lat_out_of_range",
    400,
    "lat must be between -90 and 90",
    N_("Please search near a place: a ZIP code, or a city and state."),
    field="near",
)
LNG_OUT_OF_RANGE = ErrorCode(
    "lng_out_of_range",
    400,
    "lng must be between -180 and 180",
    N_("Please search near a place: a ZIP code, or a city and state."),
    field="near",
)
NEAR_EMPTY = ErrorCode(
    "near_empty",
    400,
    "near must not be empty",
    N_("Type a place to search near: a ZIP code, or a city and state."),
    field="near",
)
NEAR_TOO_LONG = ErrorCode(
    "near_too_long",
    400,
    "near must be at most %(maximum)s characters",
    N_("Keep the place to %(maximum)s characters: a ZIP code, or a city and state."),
    field="near",
)
PLACE_NOT_FOUND = ErrorCode(
    "place_not_found",
    400,
    "near: could not find a place called %(near)r; try a ZIP code or 'City, ST'",
    N_("We could not find that place. Try a ZIP code, or a city and state such as “Baltimore, MD”."),
    field="near",
)
PLACE_AMBIGUOUS = ErrorCode(
    "place_ambiguous",
    400,
    "near: %(near)r names places in several states (%(states)s); add the state, e.g. %(example)r",
    N_("There is a place called %(place)s in several states. Add the state, such as “%(example)s”."),
    field="near",
)
ZIP_UNKNOWN = ErrorCode(
    "zip_unknown",
    400,
    "near: there is no US ZIP code %(zip)s",
    N_("There is no ZIP code %(zip)s. Check it, or type a city and state."),
    field="near",
)
ADDRESS_NOT_PLACED = ErrorCode(
    "address_not_placed",
    400,
    "near: the street address %(near)r could not be placed (no geocoder answered for it); add its ZIP code to "
    "measure from the ZIP's centre, or search near %(place)r to measure from the city's centre",
    N_(
        "We could not find that street address exactly. Add its ZIP code, or search near “%(place)s” to measure "
        "distances from the middle of the city."
    ),
    field="near",
)
RADIUS_OUT_OF_RANGE = ErrorCode(
    "radius_out_of_range",
    400,
    "radius_km must be more than 0 and at most %(maximum)s",
    N_("Choose one of the distances offered."),
    field="radius_km",
)
RADIUS_NEEDS_LOCATION = ErrorCode(
    "radius_needs_location",
    400,
    "radius_km needs a location: give near, or lat and lng",
    N_("Type a place to search near, so the distance has somewhere to start from."),
    field="near",
)
CATEGORY_UNKNOWN = ErrorCode(
    "category_unknown",
    400,
    "category: unknown %(unknown)s; known: %(known)s",
    _CHECK_SEARCH,
    field="category",
)
PAYMENT_UNKNOWN = ErrorCode(
    "payment_unknown",
    400,
    "payment must be one of %(allowed)s",
    _CHECK_SEARCH,
    field="payment",
)
MEDICATION_UNKNOWN = ErrorCode(
    "medication_unknown",
    400,
    "medication must be one of %(allowed)s",
    _CHECK_SEARCH,
    field="medication",
)
LANGUAGE_UNKNOWN = ErrorCode(
    "language_unknown",
    400,
    "language: %(language)r is not a language code or name",
    _CHECK_SEARCH,
    field="language",
)
PRINT_LIST_TOO_LONG = ErrorCode(
    "print_list_too_long",
    400,
    "ids: a printed list holds at most %(maximum)s listings, got %(count)s",
    N_("A printed list holds at most %(maximum)s places. Choose fewer places and try again."),
)
PRINT_LIST_UNKNOWN = ErrorCode(
    "print_list_unknown",
    400,
    "ids: %(id)r is not a listing id",
    N_("This list names a listing that does not exist."),
)

# --- listings, reports and their upkeep ----------------------------------------------------------------------

LISTING_NOT_FOUND = ErrorCode(
    "listing_not_found",
    404,
    "no service at location with id %(service_at_location_id)s",
    N_("This listing is not in the directory."),
)
REPORT_REASON_UNKNOWN = ErrorCode(
    "report_reason_unknown",
    400,
    "reason must be one of %(allowed)s",
    N_("Please choose what is wrong from the list."),
    field="reason",
)
REPORT_NOTE_TOO_LONG = ErrorCode(
    "report_note_too_long",
    400,
    "note must be at most %(maximum)s characters",
    N_("Please keep the note to %(maximum)s characters."),
    field="note",
)
WEEKDAY_WORDS = {
    "MO": N_("Monday"),
    "TU": N_("Tuesday"),
    "WE": N_("Wednesday"),
    "TH": N_("Thursday"),
    "FR": N_("Friday"),
    "SA": N_("Saturday"),
    "SU": N_("Sunday"),
}
"""A weekday's name (HSDS byday code -> words), for the messages that name the day a person got wrong."""
CAPACITY_WORDS = {
    "available": N_("Open places now"),
    "maximum": N_("Places in total"),
    "waitlist": N_("People on the waitlist"),
}
"""How the capacity fields read on the partner's listing form, for the messages that name one."""

CAPACITY_OUT_OF_RANGE = ErrorCode(
    "capacity_out_of_range",
    400,
    "%(field)s must be a number from 0 to 1000000",
    N_("%(field_name)s: a number of places goes from 0 to 1,000,000."),
    words={"field_name": CAPACITY_WORDS},
)
AVAILABLE_ABOVE_MAXIMUM = ErrorCode(
    "available_above_maximum",
    400,
    "available cannot be more than maximum",
    N_("The places available now cannot be more than the most you have."),
    field="available",
)
UNIT_LENGTH = ErrorCode(
    "unit_length",
    400,
    "unit must have 1 to 100 characters",
    N_("Say what you count (such as beds or places) in 1 to 100 characters."),
    field="unit",
)
DAY_UNKNOWN = ErrorCode(
    "day_unknown",
    400,
    "day must be one of %(allowed)s",
    N_("Give opening hours for the days of the week only."),
    field="hours",
)
HOURS_FORMAT = ErrorCode(
    "hours_format",
    400,
    "hours on %(day)s must be written HH:MM",
    N_("%(day_name)s: write the opening and closing times as times of day, such as 9:00 AM or 5:30 PM."),
    field="hours",
    words={"day_name": WEEKDAY_WORDS},
)
HOURS_SAME_TIME = ErrorCode(
    "hours_same_time",
    400,
    "on %(day)s the opening and closing times are the same (a closing time before the opening time runs past midnight)",
    N_(
        "%(day_name)s: the opening and closing times are the same. Give the time you close; a closing time "
        "earlier than the opening time means you are open past midnight."
    ),
    field="hours",
    words={"day_name": WEEKDAY_WORDS},
)

# --- the HSDS API ------------------------------------------------------------------------------------------------

_API_ONLY = N_("This address is for programs using the directory's API. Check the request and try again.")

FORMAT_UNKNOWN = ErrorCode(
    "format_unknown",
    400,
    "format must be one of %(allowed)s, got %(format)r",
    _API_ONLY,
    field="format",
)
MODIFIED_AFTER_UNREADABLE = ErrorCode(
    "modified_after_unreadable",
    400,
    "modified_after must be an ISO 8601 date-time with its UTC offset, or a date, such as 2024-05-01T00:00:00Z or "
    "2024-05-01; got %(modified_after)r",
    _API_ONLY,
    field="modified_after",
)
MODIFIED_AFTER_WITHOUT_OFFSET = ErrorCode(
    "modified_after_without_offset",
    400,
    "modified_after needs a UTC offset (Z or +hh:mm), such as 2024-05-01T00:00:00Z or 2024-05-01; got "
    "%(modified_after)r",
    _API_ONLY,
    field="modified_after",
)
MINIMAL_AND_FULL = ErrorCode(
    "minimal_and_full",
    400,
    "minimal and full cannot both be true",
    _API_ONLY,
)
POSTCODE_INVALID = ErrorCode(
    "postcode_invalid",
    400,
    "postcode: %(postcode)r is not a postcode (2-12 letters, digits, spaces and hyphens, with a digit)",
    _API_ONLY,
    field="postcode",
)
PROXIMITY_NEEDS_POSTCODE = ErrorCode(
    "proximity_needs_postcode",
    400,
    "proximity needs a postcode to measure from",
    _API_ONLY,
    field="postcode",
)
POSTCODE_UNKNOWN = ErrorCode(
    "postcode_unknown",
    400,
    "postcode: no US ZIP code %(postcode)r is known to measure from",
    _API_ONLY,
    field="postcode",
)
PROXIMITY_OUT_OF_RANGE = ErrorCode(
    "proximity_out_of_range",
    400,
    "proximity must be a number of metres above 0 and at most %(maximum)s",
    _API_ONLY,
    field="proximity",
)
SERVICE_NOT_FOUND = ErrorCode(
    "service_not_found",
    404,
    "no service with id %(service_id)s",
    N_("This service is not in the directory."),
)
ORGANIZATION_NOT_FOUND = ErrorCode(
    "organization_not_found",
    404,
    "no organization with id %(organization_id)s",
    N_("This organization is not in the directory."),
)
TAXONOMY_NOT_FOUND = ErrorCode(
    "taxonomy_not_found",
    404,
    "no taxonomy with id %(taxonomy_id)s",
    _API_ONLY,
)
TAXONOMY_TERM_NOT_FOUND = ErrorCode(
    "taxonomy_term_not_found",
    404,
    "no taxonomy term with id %(term_id)s",
    _API_ONLY,
)
