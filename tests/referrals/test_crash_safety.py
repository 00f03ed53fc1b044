"""`kill -9` in the middle of a burst of referral changes: every change that committed has its audit row
(they commit in one transaction), and the ledger still verifies. A real server process, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from click.testing import CliRunner

from accounts.services.principal import principal_for_account
from accounts.tables import Account, AuditEvent
from kernel.settings import Settings
from referrals.schemas import ClientIn, ConsentIn, ReferralIn
from referrals.services.clients import create_client, team_client
from referrals.services.consents import create_consent
from referrals.services.referrals import create_referral
from referrals.tables import ReferralEvent
from server.cli import directory_group
from tests.referrals.conftest import START

ROOT = Path(__file__).resolve().parents[2]
REFERRALS = 6
KILL_AFTER = 30
"""Changes that must have landed before the server is killed (more are in flight then)."""


async def _referrals(world) -> list[str]:
    settings = Settings.from_environment()
    manager = principal_for_account(await Account.select().where(Account.email == "a@example.org").first())
    made = await create_client(manager, ClientIn(preferred_name="Jordan Quill"), START)
    client = await team_client(manager, uuid.UUID(made.id))
    consent = await create_consent(
        manager,
        client,
        ConsentIn(
            recipient_organization_id=uuid.UUID(world.partner_x),
            purpose="Referral",
            information_scope="contact_and_need",
            expiry_event="End of episode",
            signed_name="Jordan Quill",
        ),
        START,
        settings,
    )
    body = {"client_id": client["id"], "need": "food", "handoff_type": "warm_handoff", "consent_id": consent["id"]}
    ids = []
    for _ in range(REFERRALS):
        referral = await create_referral(
            manager, ReferralIn(service_at_location_id=uuid.UUID(world.food_x), **body), START, settings
        )
        ids.append(referral.id)
    return ids


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(port: int) -> subprocess.Popen:
    env = os.environ | {"HOST": "127.0.0.1", "PORT": str(port), "PUBLIC_RATE_LIMIT": "0"}
    command = [sys.executable, "-c", "from server.cli import main; main()", "serve"]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def _burst(base: str, token: str, referral_ids: list[str], stop: threading.Event, landed: list[int]) -> None:
    """Partner notes on the referrals as fast as they go, until the server dies."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=5) as http:
        attempt = 0
        while not stop.is_set():
            referral_id = referral_ids[attempt % len(referral_ids)]
            attempt += 1
            try:
                version = http.get(f"/api/referrals/{referral_id}").json()["version"]
                response = http.post(
                    f"/api/referrals/{referral_id}/events", json={"version": version, "note": f"call {attempt}"}
                )
            except (httpx.HTTPError, ValueError, KeyError):
                if stop.is_set():
                    return
                continue
            if response.status_code == 201:
                landed.append(1)


def test_a_killed_server_leaves_no_committed_change_without_its_audit_row(world):
    referral_ids = asyncio.run(_referrals(world))
    port = _free_port()
    server = _serve(port)
    stop, landed = threading.Event(), []
    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            for _ in range(12):
                pool.submit(_burst, f"http://127.0.0.1:{port}", world.token_x, referral_ids, stop, landed)
            deadline = time.monotonic() + 120
            while len(landed) < KILL_AFTER and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(server.pid, signal.SIGKILL)  # mid-burst: requests are in flight
            server.wait(timeout=10)
            stop.set()
    finally:
        if server.poll() is None:
            server.kill()
    assert len(landed) >= KILL_AFTER

    async def committed() -> tuple[list[dict], set[tuple[str, str]]]:
        events = await ReferralEvent.select().where(ReferralEvent.sequence > 1)
        audits = await AuditEvent.select(AuditEvent.object_id, AuditEvent.detail).where(
            (AuditEvent.object_type == "referral") & (AuditEvent.action == "update")
        )
        return events, {(a["object_id"], a["detail"].split(":")[0]) for a in audits}

    events, audited = asyncio.run(committed())
    assert len(events) >= KILL_AFTER
    missing = [e for e in events if (str(e["referral"]), f"event {e['sequence']}") not in audited]
    assert missing == [], f"{len(missing)} of {len(events)} committed changes have no audit row"
    result = CliRunner().invoke(directory_group, ["referrals", "verify-ledger", "--quiet"])
    assert result.exit_code == 0, result.output
