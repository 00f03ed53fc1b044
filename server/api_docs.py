"""The API's documentation pages, Swagger UI and Redoc, served from vendored assets (static/vendor/).

Litestar's own pages load their scripts from a CDN and start them with an inline script, and the app's
Content-Security-Policy allows neither. These pages load everything from /static and start from a script
file there, which reads the schema's address from a data attribute.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

from server.security_headers import content_security_policy

__all__ = ["DOCS_POLICIES", "LocalRedoc", "LocalSwagger"]

VENDOR = "/static/vendor"

DOCS_POLICIES = {"/schema/redoc": content_security_policy(inline_styles=True, blob_workers=True)}
"""Redoc styles itself with generated <style> elements and searches in a blob: worker; the page holds
only the public schema, so it alone gets those two allowances."""


def _page(title: str, head: str, body: str) -> bytes:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="icon" href="data:,">{head}</head><body>{body}</body></html>'
    ).encode()


class LocalSwagger(OpenAPIRenderPlugin):
    """Swagger UI at /schema/swagger; "Try it out" sends the page's CSRF token like the app's own pages."""

    def __init__(self) -> None:
        super().__init__(path="/swagger")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        """The Swagger UI page for this schema."""
        return _page(
            f"{openapi_schema['info']['title']}: API (Swagger UI)",
            f'<link rel="stylesheet" href="{VENDOR}/swagger-ui/swagger-ui.css">',
            f'<div id="swagger-ui" data-spec-url="{escape(self.get_openapi_json_route(request))}"></div>'
            f'<script src="{VENDOR}/swagger-ui/swagger-ui-bundle.js"></script>'
            '<script src="/static/api-docs/swagger-start.js"></script>',
        )


class LocalRedoc(OpenAPIRenderPlugin):
    """Redoc at /schema/redoc."""

    def __init__(self) -> None:
        super().__init__(path="/redoc")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        """The Redoc page for this schema."""
        return _page(
            f"{openapi_schema['info']['title']}: API (Redoc)",
            "",
            f'<div id="redoc" data-spec-url="{escape(self.get_openapi_json_route(request))}"></div>'
            f'<script src="{VENDOR}/redoc/redoc.standalone.js"></script>'
            '<script src="/static/api-docs/redoc-start.js"></script>',
        )
