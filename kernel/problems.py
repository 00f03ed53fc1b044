"""Domain errors: each refusal a code with parameters, defined once, and their one mapping to RFC 9457 problem
details.

A refusal is an `ErrorCode` declared in its domain's `errors.py`: a stable code, the HTTP status, the API's
English detail (technical, naming the field) and the words a person reads (saying what to do, in the catalog).
Services raise it with its parameters, `raise Invalid(CONSENT_MISSING, handoff_type="warm_handoff")`; the API
answers problem details carrying the code and parameters, and pages show the person's words in the request's
language, looked up from the code (`DomainError.message`), never from the English detail.

`create_app` maps the exceptions once (ProblemDetailsPlugin), so no handler catches exceptions itself and a stray
built-in error (a KeyError) is a 500, never a misleading 404.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

import msgspec
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.plugins import OpenAPISchemaPlugin
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException

from kernel.i18n import N_, gettext

__all__ = [
    "BODY_TOO_LARGE",
    "FIELD_INVALID",
    "FORBIDDEN",
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND",
    "NOT_SIGNED_IN",
    "REQUEST_INVALID",
    "ROLE_FORBIDDEN",
    "SERVER_ERROR",
    "SERVICE_UNAVAILABLE",
    "TIME_OUT_OF_RANGE",
    "TOO_MANY_REQUESTS",
    "UNSUPPORTED_MEDIA_TYPE",
    "Conflict",
    "DomainError",
    "ErrorCode",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Problem",
    "ProblemCode",
    "ProblemCodeSchema",
    "Unauthorized",
    "UnsupportedMediaType",
    "error_codes",
    "http_error_code",
    "problem_details_config",
    "problems",
]

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sr]")
_CODE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
_DEFINED: dict[str, ErrorCode] = {}
"""Every code defined so far, by name: each domain's errors.py adds its own when imported."""


@dataclasses.dataclass(frozen=True, eq=False)
class ErrorCode:
    """One refusal, defined once: what the API says and what a person reads.

    `detail` and `message` are %-templates over the same named parameters (`%(consent_id)s`); the detail is
    English for developers, the message is marked with `N_` for the catalog and translated where it is shown.
    """

    code: str
    """Stable and snake_case: API clients branch on it, pages look the words up by it."""
    status: int
    """The HTTP status of a problem with this code."""
    detail: str
    """The API's technical sentence in English, naming the field as the API spells it."""
    message: str
    """What a person reads: plain words saying what to do (English here, translated from the catalog)."""
    field: str | None = None
    """The form field or section it concerns, as the API names it; a raise may name it with a `field` parameter
    (which every code takes, whether its templates show it or not)."""
    words: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    """How the values of some parameters read (a vocabulary code -> `N_` words), in the detail and the message."""

    def __post_init__(self) -> None:
        if not _CODE.fullmatch(self.code):
            raise ValueError(f"error code {self.code!r} is not snake_case")
        if self.code in _DEFINED:
            raise ValueError(f"error code {self.code!r} is defined twice")
        HTTPStatus(self.status)
        _DEFINED[self.code] = self

    @property
    def parameters(self) -> frozenset[str]:
        """The names a raise must give: every placeholder of the detail and the message."""
        return frozenset(_PLACEHOLDER.findall(self.detail)) | frozenset(_PLACEHOLDER.findall(self.message))

    def detail_for(self, parameters: Mapping[str, object]) -> str:
        """The API's detail with these parameters (English)."""
        return self.detail % self._shown(parameters, translate=False)

    def message_for(self, parameters: Mapping[str, object]) -> str:
        """The person's words with these parameters, in the request's language: translated first, then filled in
        (so a value someone typed is never read as part of the template; the page's escaping still applies)."""
        return gettext(self.message) % self._shown(parameters, translate=True)

    def _shown(self, parameters: Mapping[str, object], *, translate: bool) -> dict[str, str]:
        return {name: _shown(value, self.words.get(name, {}), translate) for name, value in parameters.items()}

    def __repr__(self) -> str:
        return f"ErrorCode({self.code!r}, {self.status})"


def _shown(value: object, words: Mapping[str, str], translate: bool) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_shown(item, words, translate) for item in value)
    if isinstance(value, str) and value in words:
        return gettext(words[value]) if translate else words[value]
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def error_codes() -> list[ErrorCode]:
    """Every code defined by the modules imported so far (the app imports every domain's), by name."""
    return sorted(_DEFINED.values(), key=lambda error: error.code)


class DomainError(Exception):
    """A request the domain refuses, raised with its code and the code's parameters.

    The class says the status (`Invalid` 400, `Forbidden` 403, ...) and must agree with the code's."""

    status_code: ClassVar[int] = 400

    def __init__(self, error_code: ErrorCode, /, **parameters: object) -> None:
        if error_code.status != self.status_code:
            raise TypeError(f"{error_code.code} is a {error_code.status}, not a {type(self).__name__}")
        if set(parameters) - {"field"} != error_code.parameters - {"field"} or (
            "field" in error_code.parameters and "field" not in parameters
        ):
            raise TypeError(f"{error_code.code} takes {sorted(error_code.parameters)}, not {sorted(parameters)}")
        self.error_code = error_code
        self.parameters = parameters
        super().__init__(error_code.detail_for(parameters))

    @property
    def code(self) -> str:
        """The stable code (`consent_missing`)."""
        return self.error_code.code

    @property
    def field(self) -> str | None:
        """The form field or section the refusal concerns, if any."""
        named = self.parameters.get("field")
        return str(named) if named is not None else self.error_code.field

    def message(self) -> str:
        """What a person reads, in the request's language."""
        return self.error_code.message_for(self.parameters)


class Invalid(DomainError):
    """The request is malformed or breaks a rule (HTTP 400)."""


class Unauthorized(DomainError):
    """Not signed in, or the credentials are refused (HTTP 401)."""

    status_code = 401


class Forbidden(DomainError):
    """The caller's role may not do this (HTTP 403)."""

    status_code = 403


class NotFound(DomainError):
    """No such thing, or none the caller may see (HTTP 404: another team's record is 'not found')."""

    status_code = 404


class Conflict(DomainError):
    """The change conflicts with the current state or version (HTTP 409)."""

    status_code = 409


class UnsupportedMediaType(DomainError):
    """The body is not in the one format the API reads (HTTP 415)."""

    status_code = 415


# --- the kernel's own codes: the refusals of its guards and clock, and Litestar's HTTP errors --------------

NOT_SIGNED_IN = ErrorCode(
    "not_signed_in",
    401,
    "sign in, or send an API token",
    N_("Please sign in to continue."),
)
ROLE_FORBIDDEN = ErrorCode(
    "role_forbidden",
    403,
    "your role may not do this",
    N_("Your role does not let you see this page or do this. If you think it should, ask your administrator."),
)
TIME_OUT_OF_RANGE = ErrorCode(
    "time_out_of_range",
    400,
    "%(field)s must be between %(earliest)s and %(latest)s",
    N_("Check the date: it must be between the years %(earliest)s and %(latest)s."),
)
FIELD_INVALID = ErrorCode(
    "field_invalid",
    400,
    "%(problem)s",
    N_("Check the highlighted field: it is empty, too long, or not one of the choices offered."),
)
REQUEST_INVALID = ErrorCode(
    "request_invalid",
    400,
    "the request is not valid: the detail names the parameter or field",
    N_("Please check what you entered: something is missing or not in the form this page expects."),
)
FORBIDDEN = ErrorCode(
    "forbidden",
    403,
    "the request is refused (for a form: its CSRF token is missing or wrong)",
    N_("This was refused. If you were sending a form, reload the page and try again."),
)
NOT_FOUND = ErrorCode(
    "not_found",
    404,
    "no such route",
    N_("There is no page at this address. Check the link, or start again from the start page."),
)
METHOD_NOT_ALLOWED = ErrorCode(
    "method_not_allowed",
    405,
    "the route does not answer this method: the Allow header lists those it answers",
    N_("This page cannot do that. Go back and try again from the page's own buttons."),
)
BODY_TOO_LARGE = ErrorCode(
    "body_too_large",
    413,
    "the request body is too large",
    N_("What you sent is too large. Shorten it and try again."),
)
UNSUPPORTED_MEDIA_TYPE = ErrorCode(
    "unsupported_media_type",
    415,
    "send the request body as application/json",
    N_("This address takes JSON only."),
)
TOO_MANY_REQUESTS = ErrorCode(
    "too_many_requests",
    429,
    "too many requests from your address; try again after RateLimit-Reset seconds",
    N_("Too many tries in a short time. Please wait a minute and try again."),
)
SERVER_ERROR = ErrorCode(
    "server_error",
    500,
    "the server failed to answer",
    N_("Something went wrong on our side. Please try again in a moment."),
)
SERVICE_UNAVAILABLE = ErrorCode(
    "service_unavailable",
    503,
    "the service is not available now; try again later",
    N_("The site is not available right now. Please try again in a few minutes."),
)
_HTTP_ERRORS = {
    error.status: error
    for error in (
        REQUEST_INVALID,
        NOT_SIGNED_IN,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        BODY_TOO_LARGE,
        UNSUPPORTED_MEDIA_TYPE,
        TOO_MANY_REQUESTS,
        SERVER_ERROR,
        SERVICE_UNAVAILABLE,
    )
}


def http_error_code(status: int) -> ErrorCode:
    """The code of an HTTP error Litestar raises itself (parsing, routing, rate limits): one per status."""
    return _HTTP_ERRORS.get(status) or (REQUEST_INVALID if status < 500 else SERVER_ERROR)


# --- problem details ---------------------------------------------------------------------------------------


def _problem(error: DomainError) -> ProblemDetailsException:
    return ProblemDetailsException(
        detail=str(error),
        status_code=error.status_code,
        title=HTTPStatus(error.status_code).phrase,
        type_="about:blank",
        extra={"code": error.code, "parameters": error.parameters},
    )


def _http_problem(error: HTTPException) -> ProblemDetailsException:
    # Litestar's own conversion puts the message in `title`; RFC 9457 wants it in `detail`.
    extra: dict[str, Any] = {"code": http_error_code(error.status_code).code, "parameters": {}}
    if isinstance(error.extra, Mapping):
        extra = {**error.extra, **extra}
    elif error.extra:
        extra["extra"] = error.extra
    return ProblemDetailsException(
        detail=error.detail,
        status_code=error.status_code,
        title=HTTPStatus(error.status_code).phrase,
        type_="about:blank",
        headers=error.headers,
        extra=extra,
    )


def problem_details_config() -> ProblemDetailsConfig:
    """Domain errors and every HTTP error (validation, 401, 403, 404, 429...) as `application/problem+json`."""
    return ProblemDetailsConfig(exception_to_problem_detail_map={DomainError: _problem, HTTPException: _http_problem})


class ProblemCode(str):
    """A problem's code: in the OpenAPI schema, the enum of every code the app defines (ProblemCodeSchema)."""


class Problem(msgspec.Struct, kw_only=True):
    """An error answer (RFC 9457 problem details): `detail` says what is wrong in English, `code` says which
    refusal it is (stable, to branch on) and `parameters` carry its values (ids, bounds, allowed values)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: ProblemCode
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)


class ProblemCodeSchema(OpenAPISchemaPlugin):
    """OpenAPI for `Problem.code`: an enum of every code, read when the schema is built (every domain imported)."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        """Only the problem code."""
        return value is ProblemCode

    def to_openapi_schema(self, field_definition: Any, schema_creator: Any) -> Schema:
        """A string, one of the defined codes; each code's status and detail in the description."""
        listed = "; ".join(f"`{error.code}` ({error.status}): {error.detail}" for error in error_codes())
        return Schema(
            type=OpenAPIType.STRING,
            enum=[error.code for error in error_codes()],
            description=f"Which refusal this is (stable). Every code, its status and its detail: {listed}",
        )


_MEANINGS = {
    400: "The request breaks a rule or a declared bound; `detail` names the parameter or field",
    401: "Not signed in, or the API token is unknown or revoked (sign-in: wrong e-mail or password)",
    403: "Your role may not do this (or the CSRF token is missing)",
    404: "No such thing, or none you may see",
    409: "The version you based the change on is stale, or the status change is not allowed",
    415: "The request body must be sent as application/json",
    429: "Too many requests from your address; try again after `RateLimit-Reset` seconds",
}


def problems(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI `responses` for a handler: each error status it may answer, as problem details."""
    return {
        code: ResponseSpec(
            data_container=Problem,
            description=_MEANINGS[code],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for code in codes
    }
