"""The care manager's journey in a real browser, at phone and desktop width and once without JavaScript: sign in,
caseload, add a client, screen a need, find resources near the client, refer with a warm handoff recording the
consent inline, see the referral in the client's timeline, then record the new follow-up in one step.

The helpers are small steps another test can import (the lead's end-to-end "the loop closes" test):
`sign_in_as_care_manager`, `add_client`, `record_screening`, `refer_with_warm_handoff`, `record_follow_up`.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid

import pytest

from tests.browser.test_partner_journey import (
    PARTNER_1,
    close_api_sessions,  # noqa: F401 (closes the API sessions partner_listing keeps)
    partner_listing,
)

CARE_MANAGER = "care.manager@demo.example"
FOOD_PARTNER = "Neighbors Food Pantry"
"""partner1@demo.example's organization (its name carries "(sample)")."""
MOUD_PARTNER = "Addiction Treatment Services"
"""partner2@demo.example's organization."""


def sign_in_as_care_manager(visitor) -> None:
    """Sign in as the demo care manager and land on the caseload."""
    visitor.sign_in(CARE_MANAGER)
    assert visitor.page.url.endswith("/app/"), visitor.page.url


def add_client(visitor, name: str | None = None, postal_code: str = "21201") -> tuple[str, str]:
    """Add a client through the caseload's form; returns (the client's page path, their name)."""
    name = name or f"Test Client {uuid.uuid4().hex[:6]}"
    page = visitor.visit("/app/", "workspace-caseload")
    page.get_by_label("Preferred name").fill(name)
    page.get_by_label("Home ZIP code").fill(postal_code)
    page.get_by_role("button", name="Add client").click()
    page.wait_for_url(re.compile(r"/app/clients/[0-9a-f-]{36}$"))
    assert page.get_by_role("heading", level=1).inner_text() == name
    return page.url.removeprefix(visitor.server.url), name


def record_screening(visitor, need_label: str, answer: str = "Yes") -> None:
    """On a client's page: record a screening where the client answers `answer` about one need."""
    page = visitor.page
    form = page.locator("form[action$='/screenings']")
    if not form.is_visible():
        page.get_by_text("Record a screening", exact=True).first.click()
    form.get_by_label(need_label, exact=True).select_option(label=answer)
    form.get_by_role("button", name="Record screening").click()
    page.wait_for_load_state("load")
    assert "Screening recorded." in page.content()


def refer_with_warm_handoff(
    visitor, client_path: str, organization: str, *, name: str = "workspace", listing_id: str | None = None
) -> str:
    """From the client's resources page, refer to the first listing of `organization` (or, since the demo data
    has several organizations of one name, the listing `listing_id`) with a warm handoff, recording the client's
    consent inline when none covers the partner; returns the referral page's path.

    The clicks a care manager makes: Refer, (tick the signed consent), Send."""
    page = visitor.visit(f"{client_path}/resources", f"{name}-resources")
    # The demo partner among a city's listings: narrow by its name, then page on until it shows.
    page.get_by_label("Words").fill(organization)
    page.get_by_role("button", name="Search again").click()
    page.wait_for_url(re.compile(r"words="))
    card = page.locator("li.resource", has=page.locator(".org", has_text=organization)).first
    if listing_id:
        card = page.locator("li.resource", has=page.locator(f"a[href*='service_at_location_id={listing_id}']"))
    for _ in range(20):
        next_page = page.get_by_role("link", name="Next page")
        if card.count() or not next_page.count():
            break
        next_page.click()
        page.wait_for_load_state("load")
    assert card.count(), f"no listing of {organization} near the client"
    card.get_by_role("link", name=re.compile("^Refer")).click()
    page.wait_for_url(re.compile(r"/refer\?"))
    visitor.check(f"{name}-refer")
    assert page.get_by_role("radio", name=re.compile("^Warm handoff")).is_checked()
    consent_box = page.get_by_label(re.compile("The client signed a consent naming"))
    if consent_box.count():
        consent_box.check()
        page.locator("input[name='consent_signed_name']").fill("Signed on paper by the client")
    page.get_by_role("button", name="Send referral").click()
    page.wait_for_url(re.compile(r"/app/referrals/[0-9a-f-]{36}$"))
    visitor.check(f"{name}-referral")
    assert "Referral sent to" in page.content()
    assert page.locator(".referral-status").inner_text() == "Sent"
    return page.url.removeprefix(visitor.server.url)


def record_follow_up(visitor, client_name: str, result: str = "Reached", method: str = "Phone call") -> None:
    """On the worklist: record the first follow-up of this client in one step."""
    page = visitor.visit("/app/follow-ups", "workspace-follow-ups")
    card = page.locator("li.follow-up", has=page.get_by_role("link", name=client_name, exact=True)).first
    card.get_by_label("How").select_option(label=method)
    card.get_by_label("Result").select_option(label=result)
    card.get_by_role("button", name="Record follow-up").click()
    page.wait_for_url(re.compile(r"/app/follow-ups$"))
    assert "Follow-up recorded" in page.content()


@pytest.mark.parametrize(
    ("width", "javascript", "need_label", "organization"),
    [
        ("phone", True, "Food", FOOD_PARTNER),
        ("desktop", True, "MOUD / treatment", MOUD_PARTNER),
        ("phone", False, "Food", FOOD_PARTNER),
    ],
)
def test_a_care_manager_refers_a_client_and_records_the_follow_up(
    visitor_factory, width, javascript, need_label, organization
):
    visitor = visitor_factory(width, javascript=javascript)
    sign_in_as_care_manager(visitor)
    client_path, name = add_client(visitor)
    visitor.check("workspace-client")
    record_screening(visitor, need_label)
    referral_path = refer_with_warm_handoff(visitor, client_path, organization)
    page = visitor.visit(client_path, "workspace-client-referred")
    referrals = page.locator("#referrals").locator("..")
    assert organization in referrals.inner_text()
    assert page.locator(f"a[href='{referral_path}']").count() == 1
    assert "Active" in page.locator("#consents").locator("..").inner_text()
    follow_ups = visitor.visit("/app/follow-ups", "workspace-follow-ups")
    mine = follow_ups.locator("li.follow-up", has=follow_ups.get_by_role("link", name=name, exact=True))
    before = mine.count()
    assert before >= 1
    record_follow_up(visitor, name)
    after = visitor.page.locator("li.follow-up", has=visitor.page.get_by_role("link", name=name, exact=True))
    assert after.count() == before - 1


def test_the_caseload_flags_clients_at_risk(visitor_factory):
    visitor = visitor_factory("desktop")
    sign_in_as_care_manager(visitor)
    page = visitor.visit("/app/", "workspace-caseload")
    # Demo client Hana P. missed her intake (a no-show): at risk, and the page says why.
    hana = page.locator("li.card", has=page.get_by_role("link", name="Hana P.", exact=True))
    assert "Missed an appointment" in hana.inner_text()


@pytest.mark.parametrize(
    ("javascript", "language", "words"),
    [
        (True, "en", "Record the client's consent below to send this referral."),
        (False, "en", "Record the client's consent below to send this referral."),
        (True, "es", "Registre abajo el consentimiento del cliente para enviar este referido."),
    ],
)
def test_refusing_a_referral_without_consent_puts_the_focus_in_the_consent_section(
    visitor_factory, javascript, language, words
):
    """The refusal says what to do, in the visitor's language, and the focus lands in the consent section: the
    error summary links there and its first field has `autofocus`, so it works without JavaScript too."""
    from playwright.sync_api import expect

    visitor = visitor_factory("phone", javascript=javascript)
    sign_in_as_care_manager(visitor)
    client_path, _ = add_client(visitor)
    record_screening(visitor, "Food")
    page = visitor.visit(f"{client_path}/resources", "workspace-resources")
    card = page.locator("li.resource", has=page.locator(".org", has_text=FOOD_PARTNER)).first
    card.get_by_role("link", name=re.compile("^Refer")).click()
    page.wait_for_url(re.compile(r"/refer\?"))
    if language != "en":
        # The language switch brings the visitor back to the same form, now in Spanish.
        refer_form = page.url.removeprefix(visitor.server.url)
        page.goto(f"{visitor.server.url}/language/{language}?next={urllib.parse.quote(refer_form)}")
        page.wait_for_url(re.compile(r"/refer\?"))
        assert page.locator("html").get_attribute("lang") == language
    page.locator("form.refer-form button[type=submit]").click()
    page.get_by_role("alert").wait_for()
    summary = page.get_by_role("alert")
    assert words in summary.inner_text()
    assert summary.get_by_role("link", name=words).get_attribute("href") == "#consent-section"
    expect(page.locator("#consent-section input[name='record_consent']")).to_be_focused()
    assert page.locator("#consent-section :focus").count() == 1
    visitor.check(f"workspace-refer-refused-{language}")


def test_the_workspace_in_spanish(visitor_factory):
    """Spanish: the lead translates the catalog after merging (see the report for the words assumed)."""
    visitor = visitor_factory("phone")
    visitor.sign_in(CARE_MANAGER)
    page = visitor.visit("/app/?lang=es", "workspace-caseload-es")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Casos"


def _resource_card(visitor, client_path: str, listing_id: str):
    """The card of one listing on the client's resources page (narrowed to FOOD_PARTNER, paging on to it)."""
    page = visitor.visit(
        f"{client_path}/resources?words={urllib.parse.quote(FOOD_PARTNER)}", "workspace-resources-intake"
    )
    card = page.locator("li.resource", has=page.locator(f"a[href*='service_at_location_id={listing_id}']"))
    for _ in range(20):
        next_page = page.get_by_role("link", name="Next page")
        if card.count() or not next_page.count():
            break
        next_page.click()
        page.wait_for_load_state("load")
    assert card.count(), f"listing {listing_id} is not near the client"
    return card


@pytest.mark.parametrize(("width", "javascript"), [("phone", True), ("desktop", False)])
def test_what_the_partner_says_of_its_intake_reaches_the_care_manager_who_refers(
    visitor_factory, live_server, width, javascript
):
    """The partner sets 3 open of 20, waitlist 5, accepting; the care manager sees it on the resource card and the
    refer form, then the partner's phone (a tel: link) and hours on the referral, and both sides name its status
    with the same word."""
    care_manager = visitor_factory(width, javascript=javascript)
    sign_in_as_care_manager(care_manager)
    client_path, _ = add_client(care_manager)
    record_screening(care_manager, "Food")
    _, listing_id = partner_listing(live_server.url, PARTNER_1)

    partner = visitor_factory(width, javascript=javascript)
    partner.sign_in(PARTNER_1)
    edit = partner.visit(f"/partner/listings/{listing_id}", "partner-listing-edit")
    edit.get_by_label("Open places now").fill("3")
    edit.get_by_label("Places in total").fill("20")
    edit.get_by_label("People on the waitlist").fill("5")
    edit.get_by_label("Yes", exact=True).check()
    edit.get_by_label("Monday opens").fill("09:00")
    edit.get_by_label("Monday closes").fill("17:00")
    edit.get_by_role("button", name="Save and mark as checked").click()
    edit.wait_for_url(re.compile("/partner/listings$"))

    card = _resource_card(care_manager, client_path, listing_id)
    page = care_manager.page
    said = card.locator(".availability").inner_text()
    assert "Accepting new clients" in said and "3 places open of 20" in said and "waitlist: 5" in said, said
    assert "Updated" in said
    card.get_by_role("link", name=re.compile("^Refer")).click()
    page.wait_for_url(re.compile(r"/refer\?"))
    care_manager.check("workspace-refer-intake")
    intake = page.locator("dd.intake").inner_text()
    assert "3 places open of 20" in intake and "waitlist: 5" in intake and "Updated" in intake, intake
    referral_path = refer_with_warm_handoff(
        care_manager, client_path, FOOD_PARTNER, name="workspace-intake", listing_id=listing_id
    )
    page = care_manager.page
    phones = page.locator("dd.partner-phones a[href^='tel:']")
    assert phones.count() >= 1, page.locator("dd.partner-phones").inner_text()
    assert "09:00" in page.locator("dd.partner-hours").inner_text()
    assert page.locator(".warm-handoff-call a[href^='tel:']").count() == 1

    referral_id = referral_path.rsplit("/", 1)[1]
    seen = partner.visit(f"/partner/referrals/{referral_id}", "partner-referral-words")
    partner_word = seen.locator("main p", has_text="Status:").locator(".badge").first.inner_text()
    page = care_manager.visit(referral_path, "workspace-referral-words")
    assert page.locator(".referral-status").inner_text() == partner_word == "Acknowledged"


@pytest.mark.parametrize("javascript", [True, False])
def test_a_follow_up_result_must_be_chosen(visitor_factory, javascript):
    """No result is preselected: submitting without one records nothing (the browser asks for it; with the check
    bypassed, the server's refusal shows at the top and puts the focus on the field)."""
    from playwright.sync_api import expect

    visitor = visitor_factory("phone", javascript=javascript)
    sign_in_as_care_manager(visitor)
    client_path, name = add_client(visitor)
    record_screening(visitor, "Food")
    refer_with_warm_handoff(visitor, client_path, FOOD_PARTNER, name="workspace-result")
    page = visitor.visit("/app/follow-ups", "workspace-follow-ups-result")
    card = page.locator("li.follow-up", has=page.get_by_role("link", name=name, exact=True)).first
    result = card.get_by_label("Result")
    assert result.input_value() == "" and result.get_attribute("required") is not None
    card.get_by_role("button", name="Record follow-up").click()
    assert page.url.endswith("/app/follow-ups")
    assert result.evaluate("select => select.validity.valueMissing")
    assert "Follow-up recorded" not in page.content()
    if javascript:
        result.evaluate("select => select.removeAttribute('required')")
        card.get_by_role("button", name="Record follow-up").click()
        page.get_by_role("alert").wait_for()
        assert "Choose what came of the follow-up" in page.get_by_role("alert").inner_text()
        card = page.locator("li.follow-up", has=page.get_by_role("link", name=name, exact=True)).first
        expect(card.get_by_label("Result")).to_be_focused()
        visitor.check("workspace-follow-up-result-missing")
    record_follow_up(visitor, name)


@pytest.mark.parametrize("javascript", [True, False])
def test_revoking_a_consent_asks_first_and_the_caseload_finds_the_client(visitor_factory, javascript):
    visitor = visitor_factory("desktop", javascript=javascript)
    sign_in_as_care_manager(visitor)
    page = visitor.visit("/app/", "workspace-caseload")
    # "Add a client" is at the top, before the list.
    add_link = page.get_by_role("link", name="Add a client")
    list_top = page.locator("ul.caseload").bounding_box()
    assert add_link.bounding_box()["y"] < list_top["y"]
    client_path, name = add_client(visitor)
    page = visitor.page
    page.get_by_text("Record a signed consent", exact=True).click()
    form = page.locator("form[action$='/consents']")
    form.get_by_label("Signed by (the client's name as signed)").fill(name)
    form.get_by_role("button", name="Record consent").click()
    page.wait_for_load_state("load")
    assert "Consent recorded." in page.content()
    page.get_by_role("link", name=re.compile("^Revoke this consent")).click()
    page.wait_for_url(re.compile(r"/consents/[0-9a-f-]{36}/revoke$"))
    visitor.check("workspace-revoke-consent")
    page.get_by_role("link", name="No, keep it").click()
    page.wait_for_url(re.compile(rf"{re.escape(client_path)}#consents$"))
    assert "Active" in page.locator("#consents").locator("..").inner_text()
    page.get_by_role("link", name=re.compile("^Revoke this consent")).click()
    page.get_by_role("button", name="Yes, revoke the consent").click()
    page.wait_for_url(re.compile(rf"{re.escape(client_path)}#consents$"))
    assert "Consent revoked" in page.content()
    assert "Revoked" in page.locator("#consents").locator("..").inner_text()

    page = visitor.visit("/app/", "workspace-caseload")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Sort by").select_option(label="Last activity")
    page.get_by_role("button", name="Find").click()
    page.wait_for_url(re.compile(r"/app/\?name="))
    visitor.check("workspace-caseload-found")
    assert page.locator("ul.caseload > li").count() == 1
    assert page.locator("ul.caseload").get_by_role("link", name=name, exact=True).count() == 1
