"""The whole loop, as the people do it: a care manager refers a client with a warm handoff and consent, the
partner acknowledges, accepts and reports the client came and completed, another partner cannot see any of it,
and the care manager sees the loop closed and nothing left to chase."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_care_manager_journey import (
    FOOD_PARTNER,
    add_client,
    record_screening,
    refer_with_warm_handoff,
    sign_in_as_care_manager,
)
from tests.browser.test_partner_journey import (
    PARTNER_1,
    PARTNER_2,
    acknowledge_accept_and_report_attended,
    close_api_sessions,  # noqa: F401 (closes the API sessions partner_listing keeps)
    partner_listing,
)


@pytest.mark.parametrize(("width", "javascript"), [("phone", True), ("desktop", True), ("phone", False)])
def test_a_referral_goes_from_warm_handoff_to_a_closed_loop(visitor_factory, live_server, width, javascript):
    _, listing_id = partner_listing(live_server.url, PARTNER_1)
    care_manager = visitor_factory(width, javascript=javascript)
    sign_in_as_care_manager(care_manager)
    client_path, name = add_client(care_manager)
    record_screening(care_manager, "Food")
    referral_path = refer_with_warm_handoff(
        care_manager, client_path, FOOD_PARTNER, name=f"loop-{width}", listing_id=listing_id
    )
    referral_id = referral_path.rsplit("/", 1)[1]
    partner_path = f"/partner/referrals/{referral_id}"

    partner = visitor_factory(width, javascript=javascript)
    partner.sign_in(PARTNER_1)
    inbox = partner.visit("/partner/", "loop-partner-inbox")
    assert inbox.locator(f"a[href='{partner_path}']").count() == 1, "the new referral is in the partner's inbox"
    acknowledge_accept_and_report_attended(partner, partner_path)
    partner.page.get_by_role("button", name="Completed").click()
    partner.page.wait_for_load_state("load")
    assert "Completed" in partner.page.locator("main").inner_text()
    assert partner.page.get_by_role("button", name="Accept", exact=True).count() == 0, (
        "a closed referral offers no action"
    )
    partner.check("loop-partner-completed")

    other_partner = visitor_factory(width, javascript=javascript)
    other_partner.sign_in(PARTNER_2)
    refused = other_partner.page.goto(other_partner.server.url + partner_path)
    assert refused is not None and refused.status in (403, 404)
    assert name not in other_partner.page.content()
    other_inbox = other_partner.visit("/partner/", "loop-other-partner-inbox")
    assert other_inbox.locator(f"a[href='{partner_path}']").count() == 0

    page = care_manager.visit(referral_path, "loop-closed-referral")
    assert page.locator(".referral-status").inner_text() == "Completed"
    timeline = page.locator("main").inner_text()
    for step in ("Acknowledged", "Accepted", "In progress", "Completed"):
        assert step in timeline, f"the timeline shows {step!r}"
    worklist = care_manager.visit("/app/follow-ups", "loop-worklist")
    open_for_client = worklist.locator("li.follow-up", has=worklist.get_by_role("link", name=name, exact=True))
    assert open_for_client.count() == 0, "nothing left to chase once the partner reported the client completed"
    client = care_manager.visit(client_path, "loop-client")
    assert re.search(r"Completed", client.locator("main").inner_text())
