"""The API documentation pages render under the app's Content-Security-Policy, from local assets only."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("width", ["desktop"])
def test_swagger_renders_operations_from_local_assets(visitor_factory, width):
    visitor = visitor_factory(width)
    page = visitor.page
    page.goto(visitor.server.url + "/schema/swagger")
    page.get_by_text("Search services").first.wait_for(timeout=15000)
    assert page.locator(".opblock").count() > 20
    assert not visitor.problems, visitor.problems
    visitor.screenshot("api-docs-swagger")


def test_redoc_renders_operations_from_local_assets(visitor_factory):
    visitor = visitor_factory("desktop")
    page = visitor.page
    page.goto(visitor.server.url + "/schema/redoc")
    page.get_by_role("heading", name=re.compile("Community Resource Directory")).first.wait_for(timeout=15000)
    assert page.get_by_text("Search services").count() > 0
    # Redoc's menu footer tries a logo from its CDN and hides it when refused: the one refusal expected here.
    problems = [p for p in visitor.problems if "cdn.redoc.ly/redoc/logo-mini.svg" not in p]
    assert not problems, problems
    visitor.screenshot("api-docs-redoc")
