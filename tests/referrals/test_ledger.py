"""The ledger's evidence holds: the database refuses to rewrite it, and verify-ledger catches whoever
gets past the triggers (each hashed field, each identity field, and each attack of the outside review),
on SQLite and PostgreSQL. Exactly one change lands per version."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import uuid

import msgspec
import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from directory.tables import ServiceAtLocation
from kernel.clock import FixedClock
from kernel.settings import Settings
from referrals.services.ledger import HASHED_FIELDS, SUBJECT_FIELDS, event_seal
from referrals.tables import Consent, Disclosure, FollowUp, LedgerCheckpoint, LedgerHead, Referral, ReferralEvent
from server.app import create_app
from server.cli import directory_group
from tests.conftest import bypassing_guards, send_csrf_header
from tests.referrals.conftest import START, change, consent, new_client, refer, sign_in


async def _referrals_with_history(world) -> dict:
    """Three referrals of three events each, made through the API; partner list views; a revoked consent."""
    async with AsyncTestClient(app=create_app(clock=FixedClock(START))) as client:
        send_csrf_header(client)
        client_id = await new_client(client)
        other_client = (await client.post("/api/clients", json={"preferred_name": "Another"})).json()["id"]
        consent_id = await consent(client, client_id, world.partner_x)
        ids = []
        for _ in range(3):
            referral = await refer(client, client_id, world.food_x, consent_id)
            referral = await change(client, referral, note="Called the pantry with the client")
            inbox = await client.get("/api/referrals", headers={"Authorization": f"Bearer {world.token_x}"})
            assert inbox.status_code == 200  # a disclosure row for each referral
            referral = await change(client, referral, status="cancelled", reason_code="duplicate", reason_text="dup")
            ids.append(referral["id"])
        revoked = await consent(client, client_id, world.partner_y)
        await client.post(f"/api/clients/{client_id}/consents/{revoked}/revoke")
    return {"referrals": ids, "client": client_id, "other_client": other_client, "revoked_consent": revoked}


@pytest.fixture
def ledger(world) -> dict:
    """Referral ids and more; the app has stopped, so tests may reach into the database directly."""
    return asyncio.run(_referrals_with_history(world)) | {"world": world}


def verify(*checkpoints: str):
    args = ["referrals", "verify-ledger", "--quiet"] + [a for c in checkpoints for a in ("--checkpoint", c)]
    return CliRunner().invoke(directory_group, args)


def _events(referral_id: str) -> list[dict]:
    return asyncio.run(
        ReferralEvent.select().where(ReferralEvent.referral == referral_id).order_by(ReferralEvent.sequence).run()
    )


def tamper(*queries) -> None:
    """Run changes as someone who got past the triggers (a database owner who dropped them)."""

    async def run() -> None:
        async with bypassing_guards():
            for query in queries:
                await query

    asyncio.run(run())


def _other(value):
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1000
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(seconds=1)
    if isinstance(value, uuid.UUID) or (isinstance(value, str) and len(value) == 36 and value.count("-") == 4):
        return uuid.uuid4()
    if value is None:
        return uuid.uuid4()
    return f"{value}-changed"


def test_an_untouched_ledger_verifies(ledger):
    result = verify()
    assert result.exit_code == 0, result.output
    assert "3 referrals, 9 events" in result.output


# --- the database refuses ----------------------------------------------------------------------------

REFUSED = [
    "UPDATE referral_event SET note = 'rewritten'",
    "DELETE FROM referral_event",
    "UPDATE audit_event SET detail = 'rewritten'",
    "DELETE FROM audit_event",
    "UPDATE disclosure SET information = 'nothing'",
    "DELETE FROM disclosure",
    "DELETE FROM referral",
    "UPDATE referral SET need = 'housing'",
    "UPDATE referral SET goal = 'rewritten'",
    "DELETE FROM consent",
    "UPDATE consent SET information_scope = 'including_sud_treatment'",
    "UPDATE consent SET revoked_at = NULL WHERE revoked_at IS NOT NULL",
    "DELETE FROM ledger_head",
]


IS_POSTGRES = os.environ["DATABASE_URL"].startswith("postgres")
# Writing a whole row back over an existing one: SQLite's INSERT OR REPLACE deletes the old row without
# firing DELETE triggers; PostgreSQL's ON CONFLICT DO UPDATE is an update.
OVERWRITE = "ON CONFLICT (id) DO UPDATE SET {set}" if IS_POSTGRES else ""
REFUSED += [
    (
        "INSERT INTO consent SELECT * FROM consent WHERE revoked_at IS NOT NULL "
        + OVERWRITE.format(set="revoked_at = NULL")
    )
    if IS_POSTGRES
    else "INSERT OR REPLACE INTO consent SELECT * FROM consent WHERE revoked_at IS NOT NULL",
    ("INSERT INTO disclosure SELECT * FROM disclosure " + OVERWRITE.format(set="information = ''"))
    if IS_POSTGRES
    else "INSERT OR REPLACE INTO disclosure SELECT * FROM disclosure",
    ("INSERT INTO audit_event SELECT * FROM audit_event " + OVERWRITE.format(set="detail = ''"))
    if IS_POSTGRES
    else "INSERT OR REPLACE INTO audit_event SELECT * FROM audit_event",
    ("INSERT INTO referral_event SELECT * FROM referral_event " + OVERWRITE.format(set="note = ''"))
    if IS_POSTGRES
    else "INSERT OR REPLACE INTO referral_event SELECT * FROM referral_event",
]


# Re-keying: another spelling of a referral's id hid it from every lookup; on SQLite an UPDATE OR REPLACE
# onto another row's id deleted that row without firing the DELETE trigger.
NEW_ID = "gen_random_uuid()" if IS_POSTGRES else "upper(id)"
REFUSED += [f"UPDATE {table} SET id = {NEW_ID}" for table in ("referral", "consent", "client")]
if not IS_POSTGRES:
    REFUSED += [
        "UPDATE OR REPLACE referral SET id = (SELECT max(id) FROM referral) WHERE id = (SELECT min(id) FROM referral)",
        "UPDATE OR REPLACE consent SET id = (SELECT max(id) FROM consent) WHERE id = (SELECT min(id) FROM consent)",
    ]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_database_refuses_to_rewrite_evidence(ledger, statement):
    async def attempt():
        await Referral.raw(statement)

    with pytest.raises(Exception, match="append-only"):
        asyncio.run(attempt())
    assert verify().exit_code == 0


def test_the_database_lets_the_app_do_its_own_changes(ledger):
    async def allowed():
        await Referral.update({Referral.status: "cancelled"}).where(Referral.id == ledger["referrals"][0])
        await Consent.update({Consent.revoked_at: START}).where(Consent.revoked_at.is_null())

    asyncio.run(allowed())


# --- verify catches what gets past -------------------------------------------------------------------


@pytest.mark.parametrize("field", [f for f in HASHED_FIELDS if f not in ("subject", "referral")])
def test_a_change_to_any_hashed_field_of_an_event_is_caught(ledger, field):
    referral_id = ledger["referrals"][1]
    event = _events(referral_id)[2]  # the cancellation: it has a reason code and text
    fixed = {"appointment_at": START, "previous_hash": "f" * 64, "key_id": "0" * 12}  # same type, same size
    value = fixed[field] if field in fixed else _other(event[field])
    tamper(ReferralEvent.update({getattr(ReferralEvent, field): value}).where(ReferralEvent.id == event["id"]))
    result = verify()
    assert result.exit_code == 1, (field, result.output)
    assert f"referral {referral_id}, event" in result.output, result.output


@pytest.mark.skipif(IS_POSTGRES, reason="PostgreSQL's uuid type has one spelling of an id")
@pytest.mark.parametrize(
    "rewrite",
    [
        "UPDATE referral SET id = upper(id) WHERE id = '{referral}'",
        "UPDATE referral SET partner_organization = upper(partner_organization) WHERE id = '{referral}'",
        "UPDATE referral SET client = 'urn:uuid:' || client WHERE id = '{referral}'",
        "UPDATE referral_event SET referral = upper(referral) WHERE referral = '{referral}'",
        "UPDATE client SET id = upper(id) WHERE id = (SELECT client FROM referral WHERE id = '{referral}')",
        "UPDATE referral SET consent = ' ' || consent WHERE id = '{referral}' AND consent IS NOT NULL",
        "UPDATE referral SET client = char(0) || client WHERE id = '{referral}'",
    ],
)
def test_a_referral_re_keyed_in_another_spelling_of_its_ids_is_caught(ledger, rewrite):
    """The review: the same UUID spelt differently verified, while the app's lookups no longer found the
    referral (gone from the care team's list and the partner's inbox)."""
    import sqlite3

    # As the sqlite3 shell would: foreign keys not enforced, the triggers dropped and put back.
    database = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"), isolation_level=None)
    try:
        triggers = database.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            database.execute(f'DROP TRIGGER "{name}"')
        assert database.execute(rewrite.format(referral=ledger["referrals"][0])).rowcount > 0
        for _, sql in triggers:
            database.execute(sql)
    finally:
        database.close()
    result = verify()
    assert result.exit_code == 1 and "re-keyed" in result.output, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # named, not a traceback


def test_a_change_to_the_subject_an_event_commits_to_is_caught(ledger):
    referral_id = ledger["referrals"][0]
    first = _events(referral_id)[0]
    subject = msgspec.json.decode(first["subject"]) if isinstance(first["subject"], str) else first["subject"]
    tamper(
        ReferralEvent.update({ReferralEvent.subject: {**subject, "need": "moud"}}).where(
            ReferralEvent.id == first["id"]
        )
    )
    result = verify()
    assert result.exit_code == 1 and f"referral {referral_id}, event 1" in result.output


def _identity_changes(ledger) -> dict:
    world = ledger["world"]
    return {
        "client": ledger["other_client"],
        "care_team": None,  # filled in below: team B
        "service_at_location": world.shelter_y,
        "service": None,
        "partner_organization": world.partner_y,
        "consent": ledger["revoked_consent"],
        "need": "moud",
        "goal": "Something the client never said",
        "handoff_type": "accompanied",
        "priority": "urgent",
        "created_by": None,
        "created_at": START + dt.timedelta(days=1),
    }


@pytest.mark.parametrize("field", SUBJECT_FIELDS)
def test_a_referral_pointed_elsewhere_is_caught_field_by_field(ledger, field):
    from accounts.tables import CareTeam

    referral_id = ledger["referrals"][2]
    value = _identity_changes(ledger)[field]
    if field == "care_team":
        value = asyncio.run(CareTeam.select(CareTeam.id).where(CareTeam.name == "Team B").first().run())["id"]
    if field == "service":
        row = asyncio.run(
            ServiceAtLocation.select().where(ServiceAtLocation.id == ledger["world"].shelter_y).first().run()
        )
        value = row["service"]
    tamper(Referral.update({getattr(Referral, field): value}).where(Referral.id == referral_id))
    result = verify()
    assert result.exit_code == 1
    assert f"referral {referral_id}, the referral record: {field} is not what" in result.output, result.output


def test_an_event_rehashed_with_plain_sha256_is_caught(ledger):
    referral_id = ledger["referrals"][0]
    event = _events(referral_id)[1]
    edited = {**event, "note": "Nothing happened"}
    plain = hashlib.sha256(msgspec.json.encode({k: str(edited.get(k)) for k in HASHED_FIELDS}, order="sorted"))
    tamper(
        ReferralEvent.update({ReferralEvent.note: "Nothing happened", ReferralEvent.hash: plain.hexdigest()}).where(
            ReferralEvent.id == event["id"]
        )
    )
    result = verify()
    assert result.exit_code == 1 and "re-sealed without the key" in result.output


def test_a_chain_resealed_with_a_guessed_key_is_caught(ledger):
    referral_id = ledger["referrals"][0]
    events = _events(referral_id)
    queries, previous = [], events[0]["hash"]
    for event in events[1:]:
        event = {**event, "previous_hash": previous, "note": "rewritten"}
        event["hash"] = event_seal(event, "a guessed key")
        previous = event["hash"]
        queries.append(
            ReferralEvent.update(
                {
                    ReferralEvent.note: "rewritten",
                    ReferralEvent.previous_hash: event["previous_hash"],
                    ReferralEvent.hash: event["hash"],
                }
            ).where(ReferralEvent.id == event["id"])
        )
    queries.append(Referral.update({Referral.last_event_hash: previous}).where(Referral.id == referral_id))
    tamper(*queries)
    result = verify()
    assert result.exit_code == 1 and f"referral {referral_id}, event 2" in result.output
    assert "re-sealed without the key" in result.output


def test_someone_with_the_key_who_reseals_one_event_is_caught_by_the_next_link(ledger):
    referral_id = ledger["referrals"][0]
    event = {**_events(referral_id)[1], "note": "rewritten"}
    event["hash"] = event_seal(event, Settings.from_environment().ledger_secret)
    tamper(
        ReferralEvent.update({ReferralEvent.note: "rewritten", ReferralEvent.hash: event["hash"]}).where(
            ReferralEvent.id == event["id"]
        )
    )
    result = verify()
    assert result.exit_code == 1
    assert f"referral {referral_id}, event 3" in result.output and "previous_hash does not match" in result.output


def _truncate_last_event(referral_id: str) -> list:
    """Delete a referral's last event and roll the referral back to match the one before."""
    events = _events(referral_id)
    before = events[-2]
    return [
        FollowUp.delete().where(FollowUp.referral == referral_id),
        ReferralEvent.delete().where(ReferralEvent.id == events[-1]["id"]),
        Referral.update(
            {
                Referral.status: before["to_status"],
                Referral.version: before["sequence"],
                Referral.last_event_hash: before["hash"],
            }
        ).where(Referral.id == referral_id),
    ]


def test_a_truncated_referral_rolled_back_to_match_is_caught(ledger):
    tamper(*_truncate_last_event(ledger["referrals"][1]))
    result = verify()
    assert result.exit_code == 1 and "events at ledger positions 6 are missing" in result.output


def test_truncating_the_very_last_event_and_the_head_is_caught_by_the_heads_seal(ledger):
    last_referral = ledger["referrals"][2]
    before = _events(last_referral)[-2]
    tamper(
        *_truncate_last_event(last_referral),
        LedgerHead.update({LedgerHead.position: before["position"], LedgerHead.last_hash: before["hash"]}).where(
            LedgerHead.id == 1
        ),
    )
    result = verify()
    assert result.exit_code == 1 and "the ledger head's seal does not match" in result.output


def test_a_forged_event_appended_is_caught(ledger):
    referral_id = ledger["referrals"][0]
    last = _events(referral_id)[-1]
    forged = {
        **last,
        "id": uuid.uuid4(),
        "sequence": 4,
        "position": 10,
        "from_status": "cancelled",
        "to_status": "completed",
        "reason_code": None,
        "reason_text": "",
        "previous_hash": last["hash"],
    }
    forged["hash"] = hashlib.sha256(forged["previous_hash"].encode()).hexdigest()
    tamper(
        ReferralEvent.insert(ReferralEvent(**forged)),
        Referral.update(
            {Referral.status: "completed", Referral.version: 4, Referral.last_event_hash: forged["hash"]}
        ).where(Referral.id == referral_id),
    )
    result = verify()
    assert result.exit_code == 1 and f"referral {referral_id}, event 4" in result.output


def test_a_whole_deleted_referral_is_caught(ledger):
    referral_id = ledger["referrals"][1]
    tamper(
        Disclosure.delete().where(Disclosure.referral == referral_id),
        FollowUp.delete().where(FollowUp.referral == referral_id),
        ReferralEvent.delete().where(ReferralEvent.referral == referral_id),
        Referral.delete().where(Referral.id == referral_id),
    )
    result = verify()
    assert result.exit_code == 1 and "positions 4, 5, 6 are missing" in result.output


def test_reordered_events_are_caught(ledger):
    first, second = _events(ledger["referrals"][0])[:2]
    tamper(
        ReferralEvent.update({ReferralEvent.sequence: 99}).where(ReferralEvent.id == first["id"]),
        ReferralEvent.update({ReferralEvent.sequence: 1}).where(ReferralEvent.id == second["id"]),
        ReferralEvent.update({ReferralEvent.sequence: 2}).where(ReferralEvent.id == first["id"]),
    )
    result = verify()
    assert result.exit_code == 1 and f"referral {ledger['referrals'][0]}, event 1 ({second['id']})" in result.output


def test_a_status_changed_behind_the_ledgers_back_is_caught(ledger):
    tamper(Referral.update({Referral.status: "completed"}).where(Referral.id == ledger["referrals"][1]))
    result = verify()
    assert result.exit_code == 1 and "status completed but the events say cancelled" in result.output


def test_an_appointment_moved_behind_the_ledgers_back_is_caught(ledger):
    tamper(Referral.update({Referral.appointment_at: START}).where(Referral.id == ledger["referrals"][0]))
    result = verify()
    assert result.exit_code == 1 and "appointment_at is not the appointment its events set" in result.output


def test_a_checkpoint_kept_outside_catches_even_a_key_holder_rolling_the_ledger_back(ledger):
    taken = CliRunner().invoke(directory_group, ["referrals", "checkpoint"])
    assert taken.exit_code == 0, taken.output
    line = taken.stdout.strip()
    assert line.startswith("9:") and verify(line).exit_code == 0
    assert verify().exit_code == 0  # the stored checkpoint holds too

    # Someone with the database and the key removes the last event, re-seals the head, drops the stored checkpoint.
    from referrals.services.ledger import _head_seal

    last_referral = ledger["referrals"][2]
    before = _events(last_referral)[-2]
    key = Settings.from_environment().ledger_secret
    truncate = [
        *_truncate_last_event(last_referral),
        LedgerHead.update(
            {
                LedgerHead.position: before["position"],
                LedgerHead.last_hash: before["hash"],
                LedgerHead.seal: _head_seal(before["position"], before["hash"], key),
            }
        ).where(LedgerHead.id == 1),
    ]
    tamper(*truncate)
    stored = verify()
    assert stored.exit_code == 1 and "no longer holds checkpoint 9" in stored.output
    tamper(LedgerCheckpoint.delete(force=True))
    assert verify().exit_code == 0  # inside the database, nothing is left to tell
    outside = verify(line)
    assert outside.exit_code == 1 and "no longer holds the checkpoint 9" in outside.output


def _reseal_with_the_key(referral_id: str) -> list:
    """Rewrite a referral's notes from its second event on and seal its chain again with LEDGER_KEY, as someone
    holding the key could: every link and seal of that chain holds afterwards."""
    key = Settings.from_environment().ledger_secret
    events = _events(referral_id)
    queries, previous = [], events[0]["hash"]
    for event in events[1:]:
        event = {**event, "previous_hash": previous, "note": "Client never showed up"}
        event["hash"] = previous = event_seal(event, key)
        queries.append(
            ReferralEvent.update(
                {ReferralEvent.note: event["note"], ReferralEvent.previous_hash: event["previous_hash"]}
                | {ReferralEvent.hash: event["hash"]}
            ).where(ReferralEvent.id == event["id"])
        )
    return [*queries, Referral.update({Referral.last_event_hash: previous}).where(Referral.id == referral_id)]


async def _refer_again(world, client_id: str) -> None:
    """An honest change after the checkpoint: a new referral, through the API."""
    async with AsyncTestClient(app=create_app(clock=FixedClock(START))) as client:
        send_csrf_header(client)
        await sign_in(client, "a@example.org")
        await refer(client, client_id, world.food_x, await consent(client, client_id, world.partner_x))


def test_a_checkpoint_kept_outside_covers_every_referral_not_only_the_last(ledger):
    taken = CliRunner().invoke(directory_group, ["referrals", "checkpoint"])
    assert taken.exit_code == 0, taken.output
    line = taken.stdout.strip()
    asyncio.run(_refer_again(ledger["world"], ledger["client"]))
    assert verify(line).exit_code == 0, verify(line).output  # honest events after it leave it standing

    # A key holder rewrites the FIRST referral (the checkpoint's last event belongs to the third) and drops the
    # stored checkpoints: inside the database, every chain holds again.
    tamper(*_reseal_with_the_key(ledger["referrals"][0]), LedgerCheckpoint.delete(force=True))
    assert verify().exit_code == 0
    outside = verify(line)
    assert outside.exit_code == 1
    assert "no longer holds the checkpoint 9" in outside.output and "was rewritten" in outside.output


def test_a_stored_checkpoint_covers_every_referral_too(ledger):
    assert CliRunner().invoke(directory_group, ["referrals", "checkpoint"]).exit_code == 0
    tamper(*_reseal_with_the_key(ledger["referrals"][1]))
    result = verify()
    assert result.exit_code == 1 and "no longer holds checkpoint 9" in result.output


def test_the_review_s_attacks_each_leave_the_untouched_rest_verifiable(ledger):
    """Tampering is named where it happened: the other referrals still check out one by one."""
    tamper(Referral.update({Referral.goal: "rewritten"}).where(Referral.id == ledger["referrals"][0]))
    result = verify()
    assert f"referral {ledger['referrals'][0]}" in result.output
    assert ledger["referrals"][1] not in result.output and ledger["referrals"][2] not in result.output


async def test_fifty_simultaneous_changes_land_once_per_version(world, client):
    client_id = await new_client(client)
    consent_id = await consent(client, client_id, world.partner_x)
    referral = await refer(client, client_id, world.food_x, consent_id)
    partner = {"Authorization": f"Bearer {world.token_x}"}

    async def accept(i: int):
        body = {"version": referral["version"], "status": "accepted", "note": f"attempt {i}"}
        return await client.post(f"/api/referrals/{referral['id']}/events", json=body, headers=partner)

    responses = await asyncio.gather(*(accept(i) for i in range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 49, statuses
    assert all(
        "version" in r.json()["detail"] or "same moment" in r.json()["detail"]
        for r in responses
        if r.status_code == 409
    )

    # A second round on the new version: again exactly one.
    current = (await client.get(f"/api/referrals/{referral['id']}")).json()
    notes = await asyncio.gather(
        *(
            client.post(
                f"/api/referrals/{referral['id']}/events", json={"version": current["version"], "note": f"n{i}"}
            )
            for i in range(50)
        )
    )
    assert sorted(r.status_code for r in notes) == [201] + [409] * 49
    final = (await client.get(f"/api/referrals/{referral['id']}")).json()
    assert final["version"] == 3 and [e["sequence"] for e in final["timeline"]] == [1, 2, 3]
    assert [e["to_status"] for e in final["timeline"]] == ["requested", "accepted", "accepted"]


def test_verify_needs_a_well_formed_checkpoint(ledger):
    result = verify("12:not-a-hash")
    assert result.exit_code == 2 and "POSITION:HASH" in result.output
