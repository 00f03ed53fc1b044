"""The language switch every page links to: remember the choice in a cookie, go back where you were."""

from __future__ import annotations

from litestar import Request, get
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from kernel.guards import OPEN_DATA
from kernel.i18n import LANGUAGE_COOKIE, LANGUAGES
from kernel.pages import local_path
from kernel.problems import NotFound
from server.errors import PAGE_LANGUAGE_UNKNOWN

__all__ = ["choose_page_language"]


@get("/language/{code:str}", include_in_schema=False, opt=OPEN_DATA, name="language")
async def choose_page_language(request: Request, code: FromPath[str], next: FromQuery[str | None] = None) -> Redirect:
    """Speak `code` (en, es) on every page from now on, for a year; back to the page the visitor was on."""
    if code not in LANGUAGES:
        raise NotFound(PAGE_LANGUAGE_UNKNOWN, code=code, allowed=list(LANGUAGES))
    secure = request.url.scheme == "https"
    return Redirect(
        path=local_path(next, "/"),
        status_code=303,
        cookies=[Cookie(key=LANGUAGE_COOKIE, value=code, max_age=365 * 86400, samesite="lax", secure=secure)],
    )
