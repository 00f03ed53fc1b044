"""Errors no page controller answers (an unknown address, a method a route does not answer, a server failure, the
database away), answered for whoever asked: a browser gets a page in the site's layout and its language, with a
way forward; an API client (and anyone under /api/, /fhir/ or /schema) gets problem details."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, InternalServerException, ServiceUnavailableException
from litestar.types import ExceptionHandlersMap

from kernel.database import database_unreachable
from kernel.pages import error_page
from kernel.problems import SERVER_ERROR, SERVICE_UNAVAILABLE, DomainError, problem_details_config
from server.request_rules import use_request_language

__all__ = ["RETRY_AFTER_SECONDS", "error_handlers", "wants_page"]

RETRY_AFTER_SECONDS = 30
"""What a 503 asks clients to wait before trying again (the database may be back by then)."""
_API_PATHS = ("/api/", "/fhir/", "/schema")
_PROBLEMS = problem_details_config().exception_to_problem_detail_map


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """A browser asking for a page: it accepts HTML, and the address is not the API's."""
    return not request.scope["path"].startswith(_API_PATHS) and "text/html" in request.headers.get("accept", "")


def _answer(request: Request[Any, Any, Any], error: DomainError | HTTPException) -> Response[Any]:
    if wants_page(request):
        use_request_language(request)  # an unknown address never reached check_request, which chooses it
        return error_page(request, error)
    convert = _PROBLEMS[DomainError] if isinstance(error, DomainError) else _PROBLEMS[HTTPException]
    return convert(error).to_response(request)


def _failure(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    # The database away is no fault of the request's: 503, try again later. Anything else is a 500 (logged by
    # Litestar before this runs), saying no more than that.
    if isinstance(error, HTTPException) and error.status_code != 500:
        return _answer(request, error)
    if database_unreachable(error):
        unavailable = ServiceUnavailableException(
            detail=SERVICE_UNAVAILABLE.detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )
        response = _answer(request, unavailable)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _answer(request, InternalServerException(detail=SERVER_ERROR.detail))


def error_handlers() -> ExceptionHandlersMap:
    """The app's own exception handlers (page controllers keep theirs for refusals; failures come here)."""
    return {DomainError: _answer, HTTPException: _answer, 500: _failure}
