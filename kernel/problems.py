"""Domain exceptions and their one mapping to RFC 9457 problem details.

Services raise these; `create_app` maps them once (ProblemDetailsPlugin), so no handler catches
exceptions itself and a stray built-in error (a KeyError) is a 500, never a misleading 404.
"""

from __future__ import annotations

from http import HTTPStatus

import msgspec
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "Problem",
    "problem_details_config",
    "problems",
]


class DomainError(Exception):
    """A request the domain refuses; the message says what is wrong and is safe to show."""

    status_code = 400
    title = "Bad request"


class Invalid(DomainError):
    """The request is malformed or breaks a rule (HTTP 400)."""


class Forbidden(DomainError):
    """The caller's role may not do this (HTTP 403)."""

    status_code = 403
    title = "Forbidden"


class NotFound(DomainError):
    """No such thing, or none the caller may see (HTTP 404: another team's record is 'not found')."""

    status_code = 404
    title = "Not found"


class Conflict(DomainError):
    """The change conflicts with the current state or version (HTTP 409)."""

    status_code = 409
    title = "Conflict"


def _problem(error: DomainError) -> ProblemDetailsException:
    return ProblemDetailsException(
        detail=str(error), status_code=error.status_code, title=error.title, type_="about:blank"
    )


def _http_problem(error: HTTPException) -> ProblemDetailsException:
    # Litestar's own conversion puts the message in `title`; RFC 9457 wants it in `detail`.
    return ProblemDetailsException(
        detail=error.detail,
        status_code=error.status_code,
        title=HTTPStatus(error.status_code).phrase,
        type_="about:blank",
        headers=error.headers,
        extra=error.extra,
    )


def problem_details_config() -> ProblemDetailsConfig:
    """Domain errors and every HTTP error (validation, 401, 403, 404, 429...) as `application/problem+json`."""
    return ProblemDetailsConfig(exception_to_problem_detail_map={DomainError: _problem, HTTPException: _http_problem})


class Problem(msgspec.Struct, kw_only=True):
    """An error answer (RFC 9457 problem details): `detail` says what is wrong."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


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
