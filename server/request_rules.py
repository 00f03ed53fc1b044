"""Rules every API request meets before a handler parses it: a body is JSON and only JSON, is not nested
absurdly deep, and no text anywhere carries a NUL character.

A browser may send a cross-site form or a `text/plain` fetch without asking first; refusing those means no
other site can make a visitor's browser sign in (login CSRF) or post anything on their behalf. Deep nesting
would exhaust the JSON decoder's recursion, and PostgreSQL refuses NUL in text: both would otherwise end
as a server error instead of a 400 saying what is wrong.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import Headers
from litestar.types import ASGIApp, Receive, Scope, Send

from kernel.i18n import LANGUAGE_COOKIE, choose_language, use_language
from kernel.problems import UNSUPPORTED_MEDIA_TYPE, Forbidden, Invalid, UnsupportedMediaType
from server.errors import (
    ADDRESS_HAS_NUL,
    BODY_HAS_NUL,
    BODY_TOO_DEEP,
    FORM_ENCODING_UNSUPPORTED,
    FORM_FROM_ANOTHER_SITE,
    FORM_HAS_NUL,
    QUERY_HAS_NUL,
)

__all__ = ["check_request", "refuse_multipart", "request_language", "use_request_language"]

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json(content_type: str) -> bool:
    media = _media_type(content_type)
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def refuse_multipart(app: ASGIApp) -> ASGIApp:
    """Middleware, before the CSRF check: 415 at once for a multipart/form-data body (the pages read URL-encoded
    forms, the API JSON). The CSRF check would read such a body to find its token, leaving none for the next
    reader, which then waited for ever: the request got no answer."""

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _media_type(Headers.from_scope(scope).get("content-type", "")) == (
            "multipart/form-data"
        ):
            if scope["path"].startswith("/api/"):
                raise UnsupportedMediaType(UNSUPPORTED_MEDIA_TYPE)
            raise UnsupportedMediaType(FORM_ENCODING_UNSUPPORTED)
        await app(scope, receive, send)

    return refuse


async def check_request(request: Request) -> None:
    """before_request hook. Pages: choose the language; 403 for a form another site sent; 400 for NUL characters
    in a query or form. API: 415 for a body not declared as JSON, 400 for NUL characters in the query or body, or
    a body nested too deeply to decode."""
    if not request.scope["path"].startswith("/api/"):
        await _check_page_request(request)
        return
    if b"%00" in request.scope["query_string"]:
        raise Invalid(QUERY_HAS_NUL)
    if request.method not in _WITH_BODY:
        return
    has_body = request.headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in request.headers
    if not has_body:
        return
    if not _is_json(request.headers.get("content-type", "")):
        raise UnsupportedMediaType(UNSUPPORTED_MEDIA_TYPE)
    body = await request.body()
    if b"\\u0000" in body:
        raise Invalid(BODY_HAS_NUL)
    try:
        await request.json()
    except RecursionError:
        raise Invalid(BODY_TOO_DEEP) from None
    except Exception:  # noqa: BLE001 (malformed JSON: the handler's own parsing answers 400 naming the fault)
        return


def request_language(request: Request) -> str:
    """The request's language: `?lang=`, else the `lang` cookie, else Accept-Language."""
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("accept-language", ""),
    )


def use_request_language(request: Request) -> None:
    """Speak the request's language (request_language)."""
    use_language(request_language(request))


async def _check_page_request(request: Request) -> None:
    use_request_language(request)
    if b"%00" in request.scope["query_string"]:
        raise Invalid(ADDRESS_HAS_NUL)
    if request.method not in _WITH_BODY:
        return
    if _sent_from_another_site(request):
        # A form another site made the browser post (sign-in CSRF, fake listing reports): refused.
        raise Forbidden(FORM_FROM_ANOTHER_SITE)
    body = await request.body()
    if b"%00" in body or b"\x00" in body:
        raise Invalid(FORM_HAS_NUL)


def _sent_from_another_site(request: Request) -> bool:
    # Browsers say where a request comes from in Sec-Fetch-Site; older ones only in Origin, which our
    # no-referrer policy turns into "null" for the site's own forms, so "null" proves nothing either way.
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    return bool(origin) and origin != "null" and urlsplit(origin).netloc != request.headers.get("host")
