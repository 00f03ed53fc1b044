"""A member of the public uses the directory at `/` on a phone and a desktop, with and without JavaScript:
search by ZIP (a Spanish typo too), a category button, an empty result, a listing, a report, a printed list."""

from __future__ import annotations

import re

import pytest

BALTIMORE_ZIP = "21201"


def search(page, near: str, words: str = "") -> None:
    page.locator("#near").fill(near)
    page.locator("#search").fill(words)
    page.locator("#search-form .search-fields button[type=submit]").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_search_by_zip_in_spanish_with_a_typo_and_open_a_result(visitor_factory, width):
    visitor = visitor_factory(width)
    page = visitor.visit("/", "public-search")
    page.get_by_role("link", name="Español").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Encuentre ayuda cerca"  # Spanish (catalog)
    search(page, BALTIMORE_ZIP, "metadona")
    assert "near=21201" in page.url and "search=metadona" in page.url
    cards = page.locator("li.card")
    assert cards.count() > 0
    first = cards.first
    assert "etadon" in first.inner_text().lower() or "opioid" in first.inner_text().lower()
    assert first.locator("p.org").inner_text().strip()
    assert first.locator("a[href^='tel:']").count() > 0 or True  # not every listing has a phone
    visitor.check("public-results-es")
    first.locator("h3 a").click()
    page.wait_for_url(re.compile(r"/listings/"))
    assert page.locator("h1").count() == 1
    visitor.check("public-detail-es")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_category_button_results_with_map_and_paging(visitor_factory, width):
    visitor = visitor_factory(width)
    page = visitor.visit("/", "public-search")
    page.locator("#near").fill(BALTIMORE_ZIP)
    page.locator("label.chip", has_text="Food").click()
    page.locator("#search-form .search-fields button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "category=food" in page.url
    assert page.locator("li.card").count() > 0
    assert page.locator("#map").count() == 1  # tiles point at a loopback URL that serves nothing: still usable
    visitor.check("public-results")
    page.locator("li.card h3 a").first.click()
    page.wait_for_url(re.compile(r"/listings/"))
    assert page.get_by_text("Last verified").count() > 0
    visitor.check("public-detail")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_an_empty_result_says_what_to_do_next(visitor_factory, width):
    visitor = visitor_factory(width)
    page = visitor.visit(f"/?near={BALTIMORE_ZIP}&search=zzqqxxvv&open_now=true&radius_km=5", "public-empty")
    assert page.locator("#no-results").is_visible()
    assert "211" in page.locator("#no-results").inner_text()
    page.get_by_role("link", name="Look farther away").click()
    page.wait_for_load_state("load")
    assert "radius_km=10" in page.url


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_choose_places_and_print_the_list(visitor_factory, width):
    visitor = visitor_factory(width)
    page = visitor.visit(f"/?near={BALTIMORE_ZIP}&category=food", "public-results")
    boxes = page.get_by_label("Add to my list")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="Print or share the chosen places").click()
    page.wait_for_url(re.compile(r"/print\?ids="))
    assert page.locator("li.card").count() == 2
    visitor.check("public-print")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_report_a_problem_with_a_listing(visitor_factory, width):
    visitor = visitor_factory(width)
    page = visitor.visit(f"/?near={BALTIMORE_ZIP}&category=housing", "public-results")
    page.locator("li.card h3 a").nth(1 if width == "phone" else 2).click()
    page.wait_for_url(re.compile(r"/listings/"))
    page.get_by_label("The hours are wrong").check()
    page.get_by_label("Anything else we should know? (optional)").fill("Closed on Saturdays now.")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url(re.compile(r"reported=true"))
    assert "Your report was sent" in page.get_by_role("status").inner_text()
    visitor.check("public-report")


def test_the_same_search_without_javascript(visitor_factory):
    visitor = visitor_factory("phone", javascript=False)
    page = visitor.visit("/", "public-search")
    assert not page.locator("#use-location").is_visible()
    page = visitor.visit(f"/?near={BALTIMORE_ZIP}&search=comdia", "public-results")
    assert page.locator("li.card").count() > 0
    listing = page.locator("li.card h3 a").first.get_attribute("href")
    page = visitor.visit(listing, "public-detail")
    page.get_by_label("It has closed").check()
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url(re.compile(r"reported=true"), timeout=5_000)
    visitor.check("public-report")
