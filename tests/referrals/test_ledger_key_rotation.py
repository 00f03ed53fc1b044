"""Rotating LEDGER_KEY: with the old key in LEDGER_PREVIOUS_KEYS, events and consents sealed under it still
verify and still disclose; without it, verify-ledger names the unknown key and partners see no client."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from kernel.clock import FixedClock
from kernel.settings import get_settings
from server.app import create_app
from server.cli import directory_group
from tests.conftest import send_csrf_header
from tests.referrals.conftest import START, change, consent, new_client, refer

KEY_A = "ledger-key-a-kept-in-the-vault"
KEY_B = "ledger-key-b-after-the-rotation"


@pytest.fixture
def ledger_keys(monkeypatch):
    """Set LEDGER_KEY and LEDGER_PREVIOUS_KEYS as an operator would, and read them afresh."""

    def use(current: str, *previous: str) -> None:
        monkeypatch.setenv("LEDGER_KEY", current)
        monkeypatch.setenv("LEDGER_PREVIOUS_KEYS", ",".join(previous))
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def verify_ledger():
    """`directory-admin referrals verify-ledger`."""
    return CliRunner().invoke(directory_group, ["referrals", "verify-ledger", "--quiet"])


async def _referral_sealed_now(world) -> dict:
    """A client, a consent naming partner X and a referral with a note: sealed under the current key."""
    async with AsyncTestClient(app=create_app(clock=FixedClock(START))) as client:
        send_csrf_header(client)
        client_id = await new_client(client)
        consent_id = await consent(client, client_id, world.partner_x)
        referral = await refer(client, client_id, world.food_x, consent_id)
        return await change(client, referral, note="Called the pantry with the client")


async def _partner_view_after_a_note(world, referral: dict) -> dict:
    """A note added now (sealed under the current key), then partner X's view of the referral."""
    async with AsyncTestClient(app=create_app(clock=FixedClock(START))) as client:
        send_csrf_header(client)
        await new_client(client)  # signs in as manager A
        await change(client, referral, note="Rotated the ledger key; the pantry called back")
        response = await client.get(
            f"/api/referrals/{referral['id']}", headers={"Authorization": f"Bearer {world.token_x}"}
        )
        assert response.status_code == 200, response.text
        return response.json()


def test_events_and_consents_sealed_under_a_previous_key_verify_and_disclose(world, ledger_keys):
    ledger_keys(KEY_A)
    referral = asyncio.run(_referral_sealed_now(world))
    assert verify_ledger().exit_code == 0

    ledger_keys(KEY_B, KEY_A)
    view = asyncio.run(_partner_view_after_a_note(world, referral))
    assert view["consent_status"] == "active" and view["client"]["preferred_name"] == "Jordan Quill"
    result = verify_ledger()
    assert result.exit_code == 0, result.output
    # Sent and a note under A; a note and the partner's first read ("received") under B.
    assert "1 referrals, 4 events" in result.output


def test_without_the_previous_key_the_old_seals_no_longer_hold(world, ledger_keys):
    ledger_keys(KEY_A)
    referral = asyncio.run(_referral_sealed_now(world))

    ledger_keys(KEY_B)
    view = asyncio.run(_partner_view_after_a_note(world, referral))
    assert view["consent_status"] == "unverifiable" and view["client"] is None
    result = verify_ledger()
    assert result.exit_code == 1
    assert "event 1" in result.output and "sealed with a key this server does not have" in result.output
