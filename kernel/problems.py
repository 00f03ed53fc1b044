"""Domain exceptions and their one mapping to RFC 9457 problem details.

Services raise these; `create_app` maps them once (ProblemDetailsPlugin), so no handler catches
exceptions itself and a stray built-in error (a KeyError) is a 500, never a misleading 404.
"""

from __future__ import annotations

from http import HTTPStatus

from litestar.exceptions import HTTPException
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException

__all__ = ["Conflict", "DomainError", "Forbidden", "Invalid", "NotFound", "problem_details_config"]


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
