"""A partner's day in a real browser: the inbox with its new count, a referral acknowledged, accepted and
attended; another partner refused; an API token issued and revoked; a listing's hours and capacity kept
current; an admin resolving a listing report. Phone and desktop, and without JavaScript.

Each test makes its own referral through the JSON API (a fresh client with a consent naming the partner),
so nothing depends on another test or on the demo referrals' state. The helpers are for other journeys too.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.browser.conftest import DEMO_PASSWORD

PARTNER_1 = "partner1@demo.example"
PARTNER_2 = "partner2@demo.example"
CARE_MANAGER = "care.manager@demo.example"
ADMIN = "admin@demo.example"
SHORT = 5_000
"""Milliseconds to wait for something that may not come."""


_SESSIONS: dict[tuple[str, str], httpx.Client] = {}
_LISTINGS: dict[tuple[str, str], tuple[str, str]] = {}


@pytest.fixture(scope="session", autouse=True)
def close_api_sessions():
    """Close the kept API sessions when the test session ends (import it where `api_session` is used)."""
    yield
    for session in _SESSIONS.values():
        session.close()
    _SESSIONS.clear()


def api_session(server_url: str, email: str) -> httpx.Client:
    """An API client signed in as this demo account, echoing the CSRF cookie as the pages do. Kept for the
    session: sign-in is rate-limited per address, and every browser test signs in from the same one."""
    if (server_url, email) in _SESSIONS:
        return _SESSIONS[server_url, email]
    session = httpx.Client(base_url=server_url, timeout=20)
    answer = session.post("/api/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    session.headers["X-CSRFToken"] = session.cookies.get("csrftoken") or ""
    _SESSIONS[server_url, email] = session
    return session


def partner_listing(server_url: str, partner_email: str = PARTNER_1) -> tuple[str, str]:
    """(organization id, one service at location id) of a demo partner."""
    if (server_url, partner_email) in _LISTINGS:
        return _LISTINGS[server_url, partner_email]
    organization_id = api_session(server_url, partner_email).get("/api/auth/me").json()["organization_id"]
    answer = httpx.get(f"{server_url}/api/services", params={"organization_id": organization_id, "per_page": 5})
    listing = next(item for item in answer.json()["contents"] if item.get("service_at_location_id"))
    _LISTINGS[server_url, partner_email] = (organization_id, listing["service_at_location_id"])
    return _LISTINGS[server_url, partner_email]


def referral_for_partner(server_url: str, partner_email: str = PARTNER_1, need: str = "food") -> tuple[str, str]:
    """A new referral, sent with consent from the demo care team to the partner: (its id, the client's name)."""
    organization_id, service_at_location_id = partner_listing(server_url, partner_email)
    name = f"Browser Client {uuid.uuid4().hex[:6]}"
    care_manager = api_session(server_url, CARE_MANAGER)
    client = care_manager.post(
        "/api/clients",
        json={"preferred_name": name, "contact_methods": [{"method": "text", "value": "555-0100"}]},
    )
    assert client.status_code == 201, client.text
    client_id = client.json()["id"]
    consent = care_manager.post(
        f"/api/clients/{client_id}/consents",
        json={
            "recipient_organization_id": organization_id,
            "purpose": "Referral and care coordination",
            "information_scope": "contact_and_need",
            "expiry_event": "End of the care coordination episode",
            "signed_name": name,
        },
    )
    assert consent.status_code == 201, consent.text
    referral = care_manager.post(
        "/api/referrals",
        json={
            "client_id": client_id,
            "service_at_location_id": service_at_location_id,
            "need": need,
            "handoff_type": "warm_handoff",
            "consent_id": consent.json()["id"],
        },
    )
    assert referral.status_code == 201, referral.text
    return referral.json()["id"], name


def acknowledge_accept_and_report_attended(visitor, referral_path: str) -> None:
    """As the signed-in partner: open the referral (acknowledging it), accept it, then report the client came."""
    page = visitor.visit(referral_path, "partner-referral")
    acknowledge = page.get_by_role("button", name="Acknowledge receipt")
    if acknowledge.count():
        acknowledge.click()
        page.wait_for_load_state("load")
    assert "Acknowledged" in page.locator("main").inner_text()
    page.get_by_role("button", name="Accept", exact=True).click()
    page.get_by_role("button", name="Client attended").wait_for(timeout=SHORT)
    assert "Accepted" in page.locator("main").inner_text()
    visitor.check("partner-referral-accepted")
    page.get_by_role("button", name="Client attended").click()
    page.get_by_role("button", name="Completed").wait_for(timeout=SHORT)
    assert "In progress" in page.locator("main").inner_text()


@pytest.mark.parametrize(("width", "javascript"), [("phone", True), ("desktop", True), ("phone", False)])
def test_a_partner_acknowledges_accepts_and_reports_attendance(visitor_factory, live_server, width, javascript):
    referral_id, name = referral_for_partner(live_server.url)
    visitor = visitor_factory(width, javascript=javascript)
    visitor.sign_in(PARTNER_1)
    page = visitor.page
    assert page.url.endswith("/partner/")
    visitor.check("partner-inbox")
    assert re.search(r"\d+ new", page.locator("#unacknowledged").inner_text())
    card = page.locator("li.card", has_text=name)
    card.get_by_role("button", name=re.compile("Acknowledge receipt")).click()
    page.get_by_role("status").or_(page.locator(".flash")).first.wait_for(timeout=SHORT)
    assert "Acknowledged" in page.locator("li.card", has_text=name).inner_text()
    page.get_by_role("link", name=name).click()
    page.wait_for_url(re.compile(f"/partner/referrals/{referral_id}"))
    assert "42 CFR part 2 prohibits unauthorized use or disclosure" in page.locator("main").inner_text()
    assert "555-0100" in page.locator("main").inner_text()
    acknowledge_accept_and_report_attended(visitor, f"/partner/referrals/{referral_id}")
    visitor.check("partner-referral-attended")


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_another_partner_cannot_open_the_referral(visitor_factory, live_server, width):
    referral_id, name = referral_for_partner(live_server.url)
    visitor = visitor_factory(width)
    visitor.sign_in(PARTNER_2)
    page = visitor.visit(f"/partner/referrals/{referral_id}", "partner-referral-not-found", expect_status=404)
    assert name not in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"


def test_a_decline_needs_a_reason_and_a_stale_form_says_so(visitor_factory, live_server):
    referral_id, _ = referral_for_partner(live_server.url)
    visitor = visitor_factory("desktop")
    visitor.sign_in(PARTNER_1)
    page = visitor.visit(f"/partner/referrals/{referral_id}", "partner-referral")
    # A second tab accepts first; the decline form in this one is now out of date.
    other = visitor.context.new_page()
    other.goto(f"{live_server.url}/partner/referrals/{referral_id}")
    other.get_by_role("button", name="Accept", exact=True).click()
    # Wait for the answer before closing the tab: closing it mid-request raced the accept against the decline.
    other.locator("main").get_by_text("Accepted").first.wait_for(timeout=SHORT)
    other.close()
    # Back to the first tab, as a person would: a tab left in the background may not run its timers.
    page.bring_to_front()
    page.locator("#reason-rejected").select_option("no_capacity")
    page.locator("#reason-text-rejected").fill("Full until next month")
    page.get_by_role("button", name="Decline").click()
    page.get_by_role("alert").wait_for(timeout=SHORT)
    assert "Someone else updated this referral" in page.get_by_role("alert").inner_text()
    assert "Accepted" in page.locator("main").inner_text()
    visitor.check("partner-referral-stale")


@pytest.mark.parametrize(("width", "javascript"), [("phone", True), ("desktop", False)])
def test_a_partner_admin_issues_and_revokes_a_token(visitor_factory, width, javascript):
    visitor = visitor_factory(width, javascript=javascript)
    visitor.sign_in(PARTNER_1)
    page = visitor.visit("/partner/tokens", "partner-tokens")
    name = f"Browser system {uuid.uuid4().hex[:6]}"
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Issue token").click()
    page.wait_for_url(re.compile("/partner/tokens/[0-9a-f-]{36}/issued"))
    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("rdt_")
    visitor.check("partner-token-issued")
    # A reload shows the secret no more (it was shown once) and issues no second token.
    page.reload()
    assert secret not in page.content() and "it cannot be shown again" in page.locator("main").inner_text()
    page.get_by_role("link", name="Done: back to the tokens").click()
    page.wait_for_url(re.compile("/partner/tokens"))
    assert secret not in page.content()
    assert page.locator("tr", has_text=name).count() == 1
    # Revoke asks first, on a page of its own; saying no keeps the token.
    page.locator("tr", has_text=name).get_by_role("link", name=re.compile("Revoke")).click()
    page.get_by_role("heading", name=f"Revoke the token “{name}”?").wait_for(timeout=SHORT)
    visitor.check("partner-token-revoke-confirm")
    page.get_by_role("link", name="No, keep it").click()
    page.wait_for_url(re.compile("/partner/tokens/?$"))
    assert page.locator("tr", has_text=name).get_by_text("Revoked").count() == 0
    page.locator("tr", has_text=name).get_by_role("link", name=re.compile("Revoke")).click()
    page.get_by_role("button", name="Yes, revoke the token").click()
    page.locator("tr", has_text=name).get_by_text("Revoked").wait_for(timeout=SHORT)
    visitor.check("partner-tokens-revoked")


def edit_listing_hours_and_capacity(visitor, available: int, waitlist: int) -> None:
    """As the signed-in partner: open the first listing's edit form, set capacity and Tuesday hours, save."""
    page = visitor.visit("/partner/listings", "partner-listings")
    page.get_by_role("link", name=re.compile("Edit capacity and hours")).first.click()
    page.wait_for_url(re.compile("/partner/listings/[0-9a-f-]{36}$"))
    visitor.check("partner-listing-edit")
    page.get_by_label("Open places now").fill(str(available))
    page.get_by_label("Places in total").fill("50")
    page.get_by_label("People on the waitlist").fill(str(waitlist))
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Tuesday opens").fill("08:30")
    page.get_by_label("Tuesday closes").fill("16:00")
    page.get_by_role("button", name="Save and mark as checked").click()
    page.wait_for_url(re.compile("/partner/listings$"))


@pytest.mark.parametrize(("width", "javascript"), [("phone", True), ("desktop", True), ("phone", False)])
def test_a_partner_keeps_a_listing_current(visitor_factory, width, javascript):
    visitor = visitor_factory(width, javascript=javascript)
    visitor.sign_in(PARTNER_1)
    edit_listing_hours_and_capacity(visitor, available=3, waitlist=12)
    text = visitor.page.locator("main").inner_text()
    assert "Waitlist: 12" in text and "Tuesday 08:30–16:00" in text
    visitor.check("partner-listings-saved")


def report_listing_through_a_decline(server_url: str) -> str:
    """A referral the partner declines for lack of capacity: its listing gets an operator's report. Returns
    the service at location id."""
    referral_id, _ = referral_for_partner(server_url)
    partner = api_session(server_url, PARTNER_1)
    opened = partner.get(f"/api/referrals/{referral_id}").json()
    declined = partner.post(
        f"/api/referrals/{referral_id}/events",
        json={
            "version": opened["version"],
            "status": "rejected",
            "reason_code": "no_capacity",
            "reason_text": "Full",
        },
    )
    assert declined.status_code == 201, declined.text
    return opened["service_at_location_id"]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_an_admin_resolves_a_listing_report(visitor_factory, live_server, width):
    report_listing_through_a_decline(live_server.url)
    visitor = visitor_factory(width)
    visitor.sign_in(ADMIN)
    page = visitor.page
    assert page.url.endswith("/app/reports")
    visitor.check("admin-reports")
    card = page.locator("li.card", has_text="No capacity").first
    assert card.get_by_role("link").first.get_attribute("href").startswith("/listings/")
    card.get_by_role("button", name=re.compile("Mark verified")).click()
    page.locator(".flash").first.wait_for(timeout=SHORT)
    assert "marked as verified" in page.locator(".flash").first.inner_text()
    visitor.check("admin-reports-resolved")


def test_a_partner_works_a_referral_in_spanish(visitor_factory, live_server):
    referral_id, name = referral_for_partner(live_server.url)
    visitor = visitor_factory("phone", language="es")
    visitor.sign_in(PARTNER_1)
    page = visitor.visit("/partner/", "partner-inbox-es")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() == "Bandeja de referidos"
    page = visitor.visit(f"/partner/referrals/{referral_id}", "partner-referral-es")
    assert "prohíbe el uso o la divulgación no autorizados" in page.locator("main").inner_text()
    if page.get_by_role("button", name="Confirmar recibido").count():
        page.get_by_role("button", name="Confirmar recibido").click()
        page.wait_for_load_state("load")
    page.get_by_role("button", name="Aceptar", exact=True).click()
    page.get_by_role("button", name="El cliente asistió").wait_for()
    visitor.check("partner-referral-accepted-es")
