"""The tamper-evident ledger: each referral event is hashed over its content and the previous event's hash.

Events are only ever appended. `verify_ledger` recomputes every chain and checks that each
referral's kept status, version and head hash are what its events say.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import msgspec

from referrals.tables import Referral, ReferralEvent

__all__ = ["GENESIS_HASH", "LedgerProblem", "event_hash", "verify_ledger"]

GENESIS_HASH = "0" * 64
"""The previous_hash of a referral's first event."""

HASHED_FIELDS = (
    "referral",
    "sequence",
    "at",
    "account",
    "api_token",
    "role",
    "organization",
    "from_status",
    "to_status",
    "reason_code",
    "reason_text",
    "note",
    "appointment_at",
    "previous_hash",
)


def _canonical(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def event_hash(event: dict) -> str:
    """SHA-256 of the event's fields (canonical JSON), which include the previous event's hash."""
    content = {name: _canonical(event.get(name)) for name in HASHED_FIELDS}
    return hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()


@dataclass(frozen=True)
class LedgerProblem:
    """The first place where a referral's events and the record disagree."""

    referral_id: str
    sequence: int | None
    event_id: str | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.sequence} ({self.event_id})" if self.event_id else "the referral record"
        return f"referral {self.referral_id}, {where}: {self.problem}"


def _check_chain(referral: dict, events: list[dict]) -> LedgerProblem | None:
    referral_id = str(referral["id"])
    previous_hash, previous_status = GENESIS_HASH, None
    for expected_sequence, event in enumerate(events, start=1):
        where = (referral_id, event["sequence"], str(event["id"]))
        if event["sequence"] != expected_sequence:
            return LedgerProblem(*where, f"expected event {expected_sequence} here: an event is missing or moved")
        if event["previous_hash"] != previous_hash:
            return LedgerProblem(*where, "previous_hash does not match the event before it")
        if event_hash(event) != event["hash"]:
            return LedgerProblem(*where, "the content does not match its hash: the event was changed")
        if event["from_status"] != previous_status:
            return LedgerProblem(*where, f"from_status {event['from_status']} but the referral was {previous_status}")
        previous_hash, previous_status = event["hash"], event["to_status"]
    if referral["version"] != len(events):
        return LedgerProblem(referral_id, None, None, f"version {referral['version']} but {len(events)} events")
    if referral["last_event_hash"] != previous_hash:
        return LedgerProblem(referral_id, None, None, "the head hash does not match the last event")
    if referral["status"] != previous_status:
        problem = f"status {referral['status']} but the events say {previous_status}"
        return LedgerProblem(referral_id, None, None, problem)
    return None


async def _referral_batches(batch_size: int) -> AsyncIterator[list[dict]]:
    last_id = None
    while True:
        query = Referral.select(Referral.id, Referral.status, Referral.version, Referral.last_event_hash)
        if last_id is not None:
            query = query.where(Referral.id > last_id)
        rows = await query.order_by(Referral.id).limit(batch_size)
        if not rows:
            return
        yield rows
        last_id = rows[-1]["id"]


async def verify_ledger(batch_size: int = 500, progress=None) -> tuple[int, int, LedgerProblem | None]:
    """Check every referral's chain: (referrals checked, events checked, the first problem or None)."""
    referrals_checked = events_checked = 0
    async for referrals in _referral_batches(batch_size):
        ids = [r["id"] for r in referrals]
        events_by_referral: dict[str, list[dict]] = {str(i): [] for i in ids}
        for event in (
            await ReferralEvent.select()
            .where(ReferralEvent.referral.is_in(ids))
            .order_by(ReferralEvent.referral)
            .order_by(ReferralEvent.sequence)
        ):
            events_by_referral[str(event["referral"])].append(event)
        for referral in referrals:
            events = events_by_referral[str(referral["id"])]
            problem = _check_chain(referral, events)
            referrals_checked += 1
            events_checked += len(events)
            if problem is not None:
                return referrals_checked, events_checked, problem
        if progress is not None:
            progress(referrals_checked, events_checked)
    return referrals_checked, events_checked, None
