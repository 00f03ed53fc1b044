"""The public directory pages at `/`: search, filters, paging, empty results, a listing, reports, the print list."""

from __future__ import annotations

import re
import uuid

import pytest

from directory.search.reverification import INDEPENDENT_REPORTERS, PUBLIC_REPORTER
from directory.tables import ListingReport, SearchDocument, ServiceAtLocation
from tests.conftest import in_app_loop

pytestmark = pytest.mark.usefixtures("seeded")

BALTIMORE_ZIP = "21201"
LISTING_LINK = re.compile(r'href="/listings/([0-9a-f-]{36})"')


async def page(client, path, status=200, **params):
    response = await client.get(path, params=params) if params else await client.get(path)
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def listing_ids(html: str) -> list[str]:
    return LISTING_LINK.findall(html)


async def test_the_bare_page_is_a_search_form_with_category_buttons(client):
    html = await page(client, "/")
    assert html.count("<h1") == 1
    assert 'name="near"' in html and 'role="search"' in html
    for label in ("Housing", "Food", "Transportation", "Treatment / MOUD"):
        assert label in html
    assert "places found" not in html
    assert "set-cookie" not in (await client.get("/")).headers


async def test_search_by_zip_shows_names_distance_phone_directions_and_credit(client):
    html = await page(client, "/", near=BALTIMORE_ZIP, search="food")
    assert "places found" in html
    cards = len(listing_ids(html))
    assert cards >= 5
    assert re.search(r"\d+\.\d mi|about \d+ mi", html)
    assert "0.0 mi" not in html and " km" not in html
    assert 'href="tel:' in html
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=" in html
    assert "Source:" in html and "Where these listings come from" in html
    # Each card names the organization under the service, so "CENTRAL" never stands alone, unless the service's
    # name already says it ("Neighbors Food Pantry – Baltimore" by "Neighbors Food Pantry" is said once).
    api = (await client.get("/api/services", params={"near": BALTIMORE_ZIP, "search": "food"})).json()["contents"]
    cards_html = re.findall(r'<li class="card".*?</li>\n', html, re.S)
    assert len(cards_html) == cards
    said_once = 0
    for card, listing in zip(cards_html, api, strict=True):
        organization = listing["organization"]["name"].removesuffix(" (sample)")
        in_name = organization.lower() in listing["name"].lower()
        assert ('class="org"' not in card) == in_name, card
        said_once += in_name
    assert said_once > 0


@pytest.mark.parametrize(
    ("words", "category"),
    [("comdia", "food"), ("vivenda", "housing"), ("metadona", "moud"), ("methadon", "moud")],
)
async def test_spanish_words_and_typos_find_the_right_things(client, words, category):
    html = await page(client, "/", near=BALTIMORE_ZIP, search=words)
    ids = listing_ids(html)
    assert ids, words
    found = await client.get(f"/api/services?search={words}&near={BALTIMORE_ZIP}&per_page=1")
    first = found.json()["contents"][0]
    assert category in [c["code"] for c in first["categories"]]
    assert ids[0] == first["service_at_location_id"]


async def test_category_buttons_and_filters_narrow_like_the_api(client):
    for params in (
        {"category": "moud"},
        {"category": "food", "open_now": "true"},
        {"category": "moud", "walk_in": "true"},
        {"payment": "medicaid"},
        {"language": "es"},
        {"medication": "buprenorphine"},
    ):
        html = await page(client, "/", near=BALTIMORE_ZIP, **params)
        api = (await client.get("/api/services", params={"near": BALTIMORE_ZIP, **params})).json()
        assert listing_ids(html) == [c["service_at_location_id"] for c in api["contents"]], params
    assert "checked" in await page(client, "/", near=BALTIMORE_ZIP, category="moud")


async def test_paging_carries_the_search_and_the_places_chosen(client):
    html = await page(client, "/", near=BALTIMORE_ZIP, radius_km="16")
    assert 'id="next-page"' in html and 'id="previous-page"' not in html
    # The pager is the "my list" form's buttons: the search rides along as hidden fields.
    hidden = dict(re.findall(r'<input type="hidden" name="(near|radius_km)" value="([^"]*)">', html))
    assert hidden == {"near": "21201", "radius_km": "16"}
    chosen = listing_ids(html)[0]
    second = await page(client, "/", near=BALTIMORE_ZIP, radius_km="16", page="2", ids=[chosen, "not-an-id"])
    assert 'id="previous-page"' in second and "Page 2 of" in second
    assert not set(listing_ids(html)) & set(listing_ids(second))
    assert f'<input type="hidden" name="ids" value="{chosen}">' in second and 'value="not-an-id"' not in second
    assert "(and 1 place chosen on other pages)" in second
    back = await page(client, "/", near=BALTIMORE_ZIP, radius_km="16", ids=chosen)
    assert f'name="ids" value="{chosen}" checked' in back


async def test_the_distance_select_offers_round_distances_and_keeps_the_one_asked(client):
    html = await page(client, "/", near=BALTIMORE_ZIP)
    options = re.findall(r'<option value="([\d.]+)"( selected)?>Within ([^<]+)</option>', html)
    assert [(value, label) for value, _, label in options] == [
        ("1.6", "1 mi"),
        ("8", "5 mi"),
        ("16", "10 mi"),
        ("40", "25 mi"),
        ("80", "50 mi"),
    ]
    assert [value for value, selected, _ in options if selected] == ["40"]  # today's default
    asked = await page(client, "/", near=BALTIMORE_ZIP, radius_km="5")
    assert '<option value="5" selected>Within 3 mi</option>' in asked


async def test_empty_result_offers_next_steps(client):
    html = await page(client, "/", near=BALTIMORE_ZIP, search="zzzqqqxxx", open_now="true", radius_km="5")
    assert "0 places found" in html and "Nothing matched this search." in html
    assert "211" in html and "988" in html
    assert "Look farther away" in html and "radius_km=10" in html
    assert "without “open now”" in html


async def test_a_place_that_cannot_be_found_is_a_clear_400(client):
    html = await page(client, "/", 400, near="Nowhereville Qwerty")
    assert "We could not find that place" in html
    await page(client, "/", 400, near=BALTIMORE_ZIP, category="nonsense")
    await page(client, "/", 400, lat="x", lng="1")


async def test_results_page_and_stylesheet_fit_in_60_kb(client):
    html = (await client.get("/", params={"near": BALTIMORE_ZIP})).content
    css = (await client.get("/static/style.css")).content
    assert len(listing_ids(html.decode())) == 20
    assert len(html) + len(css) <= 60 * 1024, (len(html), len(css))


async def first_listing(client, index: int = 0, **params) -> str:
    """A listing near Baltimore; each report test takes its own, as the seed data is shared by the module."""
    return listing_ids(await page(client, "/", near=BALTIMORE_ZIP, **params))[index]


async def test_listing_page_shows_everything_public(client):
    listing_id = await first_listing(client, category="food")
    html = await page(client, f"/listings/{listing_id}")
    assert html.count("<h1") == 1
    assert "Last verified" in html and "Source" in html and 'href="tel:' in html
    assert "Report a problem with this listing" in html
    assert f'action="/listings/{listing_id}/report"' in html
    await page(client, f"/listings/{uuid.uuid4()}", 404)
    assert (await client.get("/listings/not-a-uuid")).status_code == 404


async def confidential_listing(client) -> tuple[str, str]:
    # Filtered here, not in SQL: PostgreSQL's json type has no LIKE.
    rows = await in_app_loop(client, SearchDocument.select(SearchDocument.id, SearchDocument.listing).run)
    rows = [r for r in rows if '"confidential":true' in str(r["listing"]).replace(" ", "").replace("True", "true")]
    return str(rows[0]["id"]), rows[0]["listing"]


async def test_confidential_locations_show_no_address_and_no_marker(client):
    listing_id, stored = await confidential_listing(client)
    row = await in_app_loop(
        client,
        ServiceAtLocation.select(ServiceAtLocation.location.id.as_alias("location_id"))
        .where(ServiceAtLocation.id == listing_id)
        .first()
        .run,
    )
    from directory.tables import Address

    addresses = await in_app_loop(
        client, Address.select(Address.address_1).where(Address.location == row["location_id"]).run
    )
    html = await page(client, f"/listings/{listing_id}")
    assert "This location is confidential" in html
    for address in addresses:
        assert address["address_1"] not in html
    printed = await page(client, "/print", ids=listing_id)
    for address in addresses:
        assert address["address_1"] not in printed


async def test_print_list_shows_the_chosen_places_in_order(client):
    html = await page(client, "/", near=BALTIMORE_ZIP)
    chosen = listing_ids(html)[:3][::-1]
    printed = await page(client, "/print?" + "&".join(f"ids={i}" for i in chosen))
    assert printed.count('class="card"') == 3
    assert "Link to this list" in printed
    assert "No places were chosen" in await page(client, "/print")
    await page(client, "/print", 400, ids="nonsense")


async def reports_of(client, listing_id):
    return await in_app_loop(
        client,
        ListingReport.select(ListingReport.reason, ListingReport.reporter, ListingReport.note)
        .where(ListingReport.service_at_location == listing_id)
        .run,
    )


async def flagged(client, listing_id) -> bool:
    row = await in_app_loop(
        client,
        ServiceAtLocation.select(ServiceAtLocation.needs_reverification_since)
        .where(ServiceAtLocation.id == listing_id)
        .first()
        .run,
    )
    return row["needs_reverification_since"] is not None


async def report(client, listing_id, **form):
    return await client.post(f"/listings/{listing_id}/report", data=form, follow_redirects=False)


async def test_a_report_is_stored_for_the_admins_and_confirmed(client):
    listing_id = await first_listing(client, 1, category="food")
    response = await report(client, listing_id, reason="wrong_phone", note="  The number rings a fax. ")
    assert response.status_code == 303
    assert response.headers["location"] == f"/listings/{listing_id}?reported=true#report"
    assert "Your report was sent" in await page(client, response.headers["location"])
    assert await reports_of(client, listing_id) == [
        {"reason": "wrong_phone", "reporter": PUBLIC_REPORTER, "note": "The number rings a fax."}
    ]


async def test_a_bad_reason_or_long_note_is_a_400_page(client):
    listing_id = await first_listing(client, 2, category="food")
    response = await report(client, listing_id, reason="hates them")
    assert response.status_code == 400 and "Please choose what is wrong from the list." in response.text
    response = await report(client, listing_id, reason="other", note="x" * 501)
    assert response.status_code == 400 and "500 characters" in response.text
    response = await report(client, uuid.uuid4(), reason="other")
    assert response.status_code == 404
    assert await reports_of(client, listing_id) == []


async def test_public_reports_never_count_towards_flagging_a_listing(client):
    """Public reports queue the listing for review but never demote it: not alone, and not with one care team's
    report (that team could have sent the public one too)."""
    listing_id = await first_listing(client, 0, category="housing")
    for reason in ("closed", "wrong_hours", "other", "closed"):
        assert (await report(client, listing_id, reason=reason)).status_code == 303
    assert len(await reports_of(client, listing_id)) == 4
    assert not await flagged(client, listing_id)
    await in_app_loop(client, lambda: care_team_report(listing_id))
    assert not await flagged(client, listing_id)
    # A second care team (each call is another team) is independent evidence: now it is flagged.
    await in_app_loop(client, lambda: care_team_report(listing_id))
    assert await flagged(client, listing_id)
    assert INDEPENDENT_REPORTERS == 2


async def care_team_report(listing_id):
    import datetime as dt

    from directory.search.reverification import report_listing_problem
    from kernel.database import write_transaction

    async with write_transaction(ListingReport._meta.db):
        await report_listing_problem(
            uuid.UUID(listing_id),
            "no_capacity",
            f"care_team:{uuid.uuid4()}",
            reporter_runs_listing=False,
            referral_id=None,
            now=dt.datetime.now(dt.UTC),
        )


async def test_reports_are_rate_limited_with_a_clear_page(client):
    listing_id = await first_listing(client, 3, category="food")
    statuses = []
    for _ in range(6):
        response = await report(client, listing_id, reason="closed")
        statuses.append(response.status_code)
    assert statuses == [303] * 5 + [429]
    assert "Too many tries" in response.text and response.headers["content-type"].startswith("text/html")
    assert len(await reports_of(client, listing_id)) == 5


async def test_reports_from_another_site_are_refused(client):
    listing_id = await first_listing(client, 1, category="housing")
    response = await client.post(
        f"/listings/{listing_id}/report", data={"reason": "closed"}, headers={"sec-fetch-site": "cross-site"}
    )
    assert response.status_code == 403
    assert await reports_of(client, listing_id) == []
