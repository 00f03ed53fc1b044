"""The refusals of the rules every request meets before a handler (server/request_rules.py) and of the language
switch, defined once: code, HTTP status, the API's detail and the words a person reads."""

from __future__ import annotations

from kernel.i18n import N_
from kernel.problems import ErrorCode

__all__ = [
    "ADDRESS_HAS_NUL",
    "BODY_HAS_NUL",
    "BODY_TOO_DEEP",
    "FORM_ENCODING_UNSUPPORTED",
    "FORM_FROM_ANOTHER_SITE",
    "FORM_HAS_NUL",
    "PAGE_LANGUAGE_UNKNOWN",
    "QUERY_HAS_NUL",
]

QUERY_HAS_NUL = ErrorCode(
    "query_has_nul",
    400,
    "the query must not contain NUL characters",
    N_("This address contains a character it may not have. Check the link and try again."),
)
BODY_HAS_NUL = ErrorCode(
    "body_has_nul",
    400,
    "the request body must not contain NUL characters",
    N_("What you sent contains a character it may not have."),
)
BODY_TOO_DEEP = ErrorCode(
    "body_too_deep",
    400,
    "the request body is nested too deeply",
    N_("What you sent is nested too deeply to read."),
)
ADDRESS_HAS_NUL = ErrorCode(
    "address_has_nul",
    400,
    "the address must not contain NUL characters",
    N_("This address contains a character it may not have. Check the link and try again."),
)
FORM_FROM_ANOTHER_SITE = ErrorCode(
    "form_from_another_site",
    403,
    "this form was sent from another site",
    N_("This form was sent from another site, so it was not accepted. Open this site's own page and try again."),
)
FORM_ENCODING_UNSUPPORTED = ErrorCode(
    "form_encoding_unsupported",
    415,
    "send the form as application/x-www-form-urlencoded: multipart/form-data is not read",
    N_("This form could not be read. Open the page again and send the form with its own button."),
)
FORM_HAS_NUL = ErrorCode(
    "form_has_nul",
    400,
    "the form must not contain NUL characters",
    N_("The form contains a character it may not have. Remove it and try again."),
)
PAGE_LANGUAGE_UNKNOWN = ErrorCode(
    "page_language_unknown",
    404,
    "no language %(code)r: choose one of %(allowed)s",
    N_("This site speaks English and Spanish only."),
)
