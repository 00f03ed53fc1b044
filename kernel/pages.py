"""What every page controller shares: rendering a template, redirecting after a form, and turning a refusal
into a page (a sign-in redirect for 401, a readable error page for the rest) instead of problem+json.

A refusal reads as its code's words for people (`PageError`), in the request's language, never as the API's
English detail; a form shows it at the top (layout/errors.html) and puts the focus on the field it concerns."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from kernel.guards import principal_of
from kernel.i18n import gettext
from kernel.principal import Principal
from kernel.problems import DomainError, http_error_code

__all__ = [
    "PAGE_ERROR_HANDLERS",
    "PageError",
    "error_page",
    "local_path",
    "page_error",
    "principal_in_context",
    "render",
    "see_other",
]


def render(template_name: str, *, status_code: int = 200, **context: Any) -> Template:
    """A page from a template (the layout reads the principal, language and CSRF token itself)."""
    return Template(template_name=template_name, context=context, status_code=status_code)


def see_other(path: str) -> Redirect:
    """After a form post: go to the page showing the result (303, so a reload does not post again)."""
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER)


def local_path(candidate: str | None, default: str) -> str:
    """A path on this site to return to, never another site (`//host` and `/\\host` are other sites)."""
    if candidate and candidate.startswith("/") and not candidate.startswith(("//", "/\\")):
        return candidate
    return default


def principal_in_context(context: Mapping[str, Any]) -> Principal:
    """Template callable `principal()`: who is looking at the page (anonymous on the open directory)."""
    return principal_of(context["request"])


@dataclasses.dataclass(frozen=True)
class PageError:
    """A refusal as a page shows it: the code, the person's words in the request's language, and the form field
    or section it concerns (a template links to it from the error summary and puts the focus there)."""

    code: str
    message: str
    field: str | None = None
    parameters: Mapping[str, object] = dataclasses.field(default_factory=dict)
    """The refusal's parameters (a template may place the focus by them: the day of a listing's hours)."""


def page_error(error: DomainError | HTTPException) -> PageError:
    """The words a person reads for a refusal, looked up from its code (Litestar's own errors: by status)."""
    if isinstance(error, DomainError):
        return PageError(error.code, error.message(), error.field, error.parameters)
    generic = http_error_code(error.status_code)
    # Litestar names the field a form failed to parse on ({"key": "version", ...}).
    problems = error.extra if isinstance(error.extra, list) else []
    keys = [problem.get("key") for problem in problems if isinstance(problem, dict)]
    return PageError(generic.code, generic.message_for({}), str(keys[0]) if keys and keys[0] else None)


def error_page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A refusal as a page: 401 sends the visitor to sign in and back; any other status shows its code's words."""
    if not isinstance(error, DomainError | HTTPException):  # pragma: no cover (only these two are registered)
        raise error
    status = error.status_code
    if status == 401:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # Where people sign in is the app's to say (server/app.py), not the kernel's.
        return see_other(f"{request.app.state.sign_in_page}?next={quote(wanted)}")
    titles = {
        400: gettext("Please check what you entered"),
        403: gettext("You may not see this page"),
        404: gettext("Not found"),
        405: gettext("This page cannot do that"),
        409: gettext("Someone else changed this first"),
        415: gettext("This form could not be read"),
        429: gettext("Too many tries: please wait a minute"),
        503: gettext("Not available right now"),
    }
    page = render(
        "layout/error.html",
        status_code=status,
        title=titles.get(status, gettext("Something went wrong")),
        message=page_error(error).message,
    )
    if isinstance(error, HTTPException) and error.headers:
        page.headers.update(error.headers)  # Allow on a 405, Retry-After on a 503 or a 429
    return page


PAGE_ERROR_HANDLERS = {DomainError: error_page, HTTPException: error_page}
"""Exception handlers for page controllers: the same refusals the API gives, as pages people can act on."""
