"""Someone's record is never kept by a browser or proxy (Cache-Control: no-store), so Back on a shared computer
shows nothing after sign-out; the open directory data stays cacheable."""

from __future__ import annotations

from tests.referrals.conftest import consent, new_client, refer


async def test_a_client_page_and_a_referral_are_not_stored(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)

    page = await client.get(f"/app/clients/{client_id}")
    assert page.status_code == 200 and "Jordan Quill" in page.text
    assert page.headers["cache-control"] == "no-store"

    for credentials in ({}, {"Authorization": f"Bearer {world.token_x}"}):  # the care manager's, the partner's
        answer = await client.get(f"/api/referrals/{referral['id']}", headers=credentials)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"


async def test_the_open_directory_may_be_cached(client):
    listings = await client.get("/api/services")
    assert listings.status_code == 200
    assert "cache-control" not in listings.headers
