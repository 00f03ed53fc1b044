"""The care manager workspace pages over HTTP: what each page shows, every form, and every refusal as a page."""

from __future__ import annotations

import re
from pathlib import Path

from tests.referrals.conftest import consent, new_client, refer, sign_in


def form_token(page_html: str) -> str:
    """The CSRF token a page's form carries."""
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page_html)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def test_smoke(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    made = await refer(client, client_id, world.food_x, consent_id)
    for path in ("/app/", f"/app/clients/{client_id}", f"/app/clients/{client_id}/resources",
                 f"/app/clients/{client_id}/refer?service_at_location_id={world.food_x}&need=food",
                 f"/app/referrals/{made['id']}", "/app/follow-ups"):
        response = await client.get(path)
        Path(f"/tmp/wsmoke/{path.replace('/', '_')[:60]}.html").write_text(response.text)
        assert response.status_code == 200, (path, response.text[:3000])
