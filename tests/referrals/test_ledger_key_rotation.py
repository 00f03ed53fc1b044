"""Rotating LEDGER_KEY: with the old key in LEDGER_PREVIOUS_KEYS, events and consents sealed under it still
verify and still disclose; without it, verify-ledger names the unknown key and partners see no client."""

from __future__ import annotations

import asyncio
import dataclasses

from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from kernel.clock import FixedClock
from kernel.settings import Settings
from server.app import create_app
from server.cli import directory_group
from tests.conftest import send_csrf_header
from tests.referrals.conftest import START, change, consent, new_client, refer

KEY_A = "ledger-key-a-kept-in-the-vault"
KEY_B = "ledger-key-b-after-the-rotation"


def keys(current: str, *previous: str) -> Settings:
    """The settings an operator makes by setting LEDGER_KEY and LEDGER_PREVIOUS_KEYS."""
    return dataclasses.replace(Settings.from_environment(), ledger_key=current, ledger_previous_keys=previous)


def verify_ledger(settings: Settings):
    """`directory-admin referrals verify-ledger`."""
    return CliRunner().invoke(directory_group, ["referrals", "verify-ledger", "--quiet"], obj=settings)


async def _referral_sealed_now(world, settings: Settings) -> dict:
    """A client, a consent naming partner X and a referral with a note: sealed under the current key."""
    async with AsyncTestClient(app=create_app(settings, clock=FixedClock(START))) as client:
        send_csrf_header(client)
        client_id = await new_client(client)
        consent_id = await consent(client, client_id, world.partner_x)
        referral = await refer(client, client_id, world.food_x, consent_id)
        return await change(client, referral, note="Called the pantry with the client")


async def _partner_view_after_a_note(world, referral: dict, settings: Settings) -> dict:
    """A note added now (sealed under the current key), then partner X's view of the referral."""
    async with AsyncTestClient(app=create_app(settings, clock=FixedClock(START))) as client:
        send_csrf_header(client)
        await new_client(client)  # signs in as manager A
        await change(client, referral, note="Rotated the ledger key; the pantry called back")
        response = await client.get(
            f"/api/referrals/{referral['id']}", headers={"Authorization": f"Bearer {world.token_x}"}
        )
        assert response.status_code == 200, response.text
        return response.json()


def test_events_and_consents_sealed_under_a_previous_key_verify_and_disclose(world):
    referral = asyncio.run(_referral_sealed_now(world, keys(KEY_A)))
    assert verify_ledger(keys(KEY_A)).exit_code == 0

    rotated = keys(KEY_B, KEY_A)
    view = asyncio.run(_partner_view_after_a_note(world, referral, rotated))
    assert view["consent_status"] == "active" and view["client"]["preferred_name"] == "Jordan Quill"
    result = verify_ledger(rotated)
    assert result.exit_code == 0, result.output
    # Sent and a note under A; a note under B (the partner's read adds no event).
    assert "1 referrals, 3 events" in result.output


def test_without_the_previous_key_the_old_seals_no_longer_hold(world):
    referral = asyncio.run(_referral_sealed_now(world, keys(KEY_A)))

    forgotten = keys(KEY_B)
    view = asyncio.run(_partner_view_after_a_note(world, referral, forgotten))
    assert view["consent_status"] == "unverifiable" and view["client"] is None
    result = verify_ledger(forgotten)
    assert result.exit_code == 1
    assert "event 1" in result.output and "sealed with a key this server does not have" in result.output
