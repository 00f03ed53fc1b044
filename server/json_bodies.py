"""API request bodies are JSON, and only JSON: a body sent as text/plain or a form is refused (415).

A browser may send a cross-site form or a `text/plain` fetch without asking first; refusing those means no
other site can make a visitor's browser sign in (login CSRF) or post anything on their behalf.
"""

from __future__ import annotations

from litestar import Request
from litestar.exceptions import HTTPException

__all__ = ["require_json_bodies"]

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def require_json_bodies(request: Request) -> None:
    """before_request hook: 415 for an API request whose body is not declared as JSON."""
    if request.method not in _WITH_BODY or not request.scope["path"].startswith("/api/"):
        return
    has_body = request.headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in request.headers
    if has_body and not _is_json(request.headers.get("content-type", "")):
        raise HTTPException(status_code=415, detail="send the request body as application/json")
