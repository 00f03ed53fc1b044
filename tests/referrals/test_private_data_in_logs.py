"""A full referral flow leaves an audit trail of every view and change, and no private data in logs or audit."""

from __future__ import annotations

import asyncio
import logging

from litestar.testing import AsyncTestClient

from accounts.tables import AuditEvent
from kernel.clock import FixedClock
from server.app import create_app
from tests.conftest import send_csrf_header
from tests.referrals.conftest import START, change, consent, new_client, refer, sign_in

PRIVATE = (
    "Jordan",
    "Quill",
    "555-0142",
    "555-0199",
    "Aunt Rose",
    "Stay on buprenorphine",
    "Groceries while",
    "cooking",
)


async def _full_flow(world) -> dict:
    async with AsyncTestClient(app=create_app(clock=FixedClock(START))) as client:
        send_csrf_header(client)
        client_id = await new_client(client)
        await client.post(f"/api/clients/{client_id}/screenings", json={"answers": [{"need": "food", "answer": "yes"}]})
        consent_id = await consent(client, client_id, world.partner_x)
        referral = await refer(client, client_id, world.food_x, consent_id, note="Jordan prefers texts")
        bad = await client.post("/api/referrals", json={"client_id": client_id, "need": "Jordan Quill 555-0142"})
        assert bad.status_code == 400
        await sign_in(client, "x@example.org")
        seen = (await client.get(f"/api/referrals/{referral['id']}")).json()
        await change(client, seen, status="accepted", note="Jordan called back")
        await client.get(f"/api/referrals/{referral['id']}/fhir")
        await sign_in(client, "a@example.org")
        await client.get(f"/api/referrals/{referral['id']}")
        await client.get(f"/api/clients/{client_id}/disclosures")
        await client.get("/api/worklist")
        await client.post(f"/api/clients/{client_id}/consents/{consent_id}/revoke")
        return {"client": client_id, "referral": referral["id"], "consent": consent_id}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record) + (record.exc_text or ""))


def _every_logger() -> list[logging.Logger]:
    named = [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)]
    return [logging.getLogger(), *[logger for logger in named if not logger.propagate]]


def test_every_view_and_change_is_audited_and_nothing_private_is_logged(world, capfd):
    # Litestar's loggers do not propagate to pytest's caplog, so listen on every logger and on stdout/stderr.
    collect = _Collect()
    loggers = _every_logger() + [logging.getLogger("litestar"), logging.getLogger("httpx")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(collect)
        logger.setLevel(logging.DEBUG)
    try:
        ids = asyncio.run(_full_flow(world))
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(collect)
            logger.setLevel(level)
    output = capfd.readouterr()
    logged = "\n".join(collect.lines) + output.out + output.err
    assert f"/api/referrals/{ids['referral']}" in logged  # the capture works: requests are logged
    assert not [word for word in PRIVATE if word in logged]

    events = asyncio.run(AuditEvent.select().order_by(AuditEvent.at).run())
    assert not [(word, e) for e in events for word in PRIVATE if word in str(e)]
    done = {(e["role"], e["action"], e["object_type"], e["object_id"]) for e in events}
    referral = ids["referral"]
    assert {
        ("care_manager", "create", "referral", referral),
        ("care_manager", "create", "consent", ids["consent"]),
        ("care_manager", "create", "need_screening", ids["client"]),
        ("partner_staff", "view", "referral", referral),
        ("partner_staff", "update", "referral", referral),
        ("partner_staff", "export", "referral", referral),
        ("care_manager", "view", "referral", referral),
        ("care_manager", "view", "disclosure_list", ids["client"]),
        ("care_manager", "revoke", "consent", ids["consent"]),
    } <= done
    partner_views = [e for e in events if e["role"] == "partner_staff" and e["object_id"] == referral]
    assert all(e["organization"] == f"organization:{world.partner_x}" and e["client_address"] for e in partner_views)
