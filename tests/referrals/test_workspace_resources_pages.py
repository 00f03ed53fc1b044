"""'Find resources near this client' and the Refer button, over the demo directory (read-only seed data)."""

from __future__ import annotations

import html
import re

from accounts.cli import DEMO_PASSWORD


async def _client_with_need(client, need: str) -> str:
    """A new client of the demo care team, living in 21201, screened with one open need."""
    response = await client.post(
        "/api/auth/login", json={"email": "care.manager@demo.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    client_id = (
        await client.post("/api/clients", json={"preferred_name": "Sam Rivera", "home_postal_code": "21201"})
    ).json()["id"]
    screened = await client.post(f"/app/clients/{client_id}/screenings", data={need: "yes"}, follow_redirects=False)
    assert screened.status_code == 303
    return client_id


async def test_resources_near_the_client_with_distance_and_a_refer_button(seeded, client):
    client_id = await _client_with_need(client, "moud")
    page = await client.get(f"/app/clients/{client_id}/resources?radius=10")
    assert page.status_code == 200
    assert "Near home ZIP code 21201" in page.text and "MOUD / treatment" in page.text
    assert "searching near: ZIP 21201 centre" in page.text
    spanish = await client.get(f"/app/clients/{client_id}/resources?radius=10", headers={"Accept-Language": "es"})
    assert "buscando cerca de: centro del código postal 21201" in spanish.text
    distances = re.findall(r'<li class="distance">(?:about )?([\d.]+) mi</li>', page.text)
    assert distances and all(float(d) <= 10.5 for d in distances)
    refer_links = re.findall(r'href="(/app/clients/[^"]+/refer\?[^"]+)"', page.text)
    assert len(refer_links) == len(distances)
    assert all("need=moud" in link for link in refer_links)
    form = await client.get(html.unescape(refer_links[0]))
    assert form.status_code == 200 and "No current consent covers" in form.text
    # MOUD listings tell that the client uses drugs: the inline consent is offered with SUD information.
    assert 'value="including_sud_treatment" selected' in form.text
    assert (await client.get(f"/app/clients/{client_id}/resources?radius=7")).status_code == 400


async def test_without_open_needs_the_page_says_to_screen_first(seeded, client):
    client_id = await _client_with_need(client, "food")
    await client.post(f"/app/clients/{client_id}/screenings", data={"food": "no"})
    page = await client.get(f"/app/clients/{client_id}/resources")
    assert page.status_code == 200 and "no open needs" in page.text and "/refer?" not in page.text


async def test_words_rank_the_resources_as_the_public_search_does(seeded, client):
    """'Addiction Treatment Services' within 10 miles: the named partner first, not on page 3 by distance."""
    client_id = await _client_with_need(client, "moud")
    page = await client.get(f"/app/clients/{client_id}/resources?radius=10&words=Addiction+Treatment+Services")
    assert page.status_code == 200
    names = [html.unescape(n) for n in re.findall(r"<h2>([^<]+)</h2>", page.text)]
    assert names and names[0].startswith("Addiction Treatment Services"), names[:3]
    shown = re.findall(r"service_at_location_id=([0-9a-f-]+)", page.text)
    public = await client.get(
        "/api/services",
        params={
            "search": "Addiction Treatment Services",
            "near": "21201",
            "radius_km": 10 * 1.609344,
            "category": "moud",
            "per_page": len(shown),
        },
    )
    assert shown == [r["service_at_location_id"] for r in public.json()["contents"]]
