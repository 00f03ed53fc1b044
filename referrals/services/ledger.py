"""The referral ledger's evidence: sealed events, one global sequence, checkpoints, and verification.

- Each event is sealed with HMAC-SHA256 under LEDGER_KEY (kept outside the database) over its content,
  the previous event's seal (a chain per referral) and its `position` in one gapless sequence of every
  event of every referral. Without the key nobody can change an event and seal it again.
- A referral's first event commits to what the referral is (`subject`: client, partner organization,
  listing, consent, need, goal, ...), so the referral row cannot be pointed elsewhere afterwards.
- The ledger head (one row: last position, its seal) moves with every event; positions 1..head must
  all be there, so a deleted event or a whole deleted referral leaves a hole that verify names.
- Checkpoints seal the head at a moment (`directory-admin referrals checkpoint`) with the ledger digest: one
  SHA-256 chain folded over every event's seal in position order, so it commits to every referral's chain,
  not only the last event's. Copied somewhere outside the database, a checkpoint also catches a key holder
  who re-seals any referral's events up to it, or rolls the whole ledger back to an earlier state.
- Consents are sealed too (at signing and again at revocation); every partner read checks the seal, so
  a consent edited or un-revoked in the database discloses nothing.
- Database triggers refuse UPDATE and DELETE of events, checkpoints and the audit log.

What is not detected: someone holding LEDGER_KEY can forge anything after the last checkpoint kept outside
the database; someone able to restore an earlier copy of the whole database is caught only by a checkpoint
taken later and kept outside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

import msgspec

from kernel.settings import Settings
from referrals.rows import ConsentRow, LedgerCheckpointRow, LedgerHeadRow, ReferralEventRow, ReferralRow
from referrals.tables import Consent, LedgerCheckpoint, LedgerHead, Referral, ReferralEvent

__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "SUBJECT_FIELDS",
    "LedgerProblem",
    "append_sealed",
    "consent_seal",
    "consent_seal_holds",
    "event_seal",
    "ledger_digest",
    "key_id",
    "record_checkpoint",
    "referral_subject",
    "verify_ledger",
]

GENESIS_HASH = "0" * 64
"""The previous_hash of a referral's first event."""

SubjectField = Literal[
    "client",
    "care_team",
    "service_at_location",
    "service",
    "partner_organization",
    "consent",
    "need",
    "goal",
    "handoff_type",
    "priority",
    "created_by",
    "created_at",
]
SUBJECT_FIELDS: tuple[SubjectField, ...] = get_args(SubjectField)
"""What a referral is: fixed at creation, committed to by its first event, checked by verify."""

HashedField = Literal[
    "referral",
    "sequence",
    "position",
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
    "subject",
    "previous_hash",
    "key_id",
]
HASHED_FIELDS: tuple[HashedField, ...] = get_args(HashedField)
"""Every field of an event its seal covers."""


def _canonical(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def _decoded(value: str | bytes | None) -> Any:
    """A JSON column's value as Python (SQLite returns text, asyncpg may too)."""
    if isinstance(value, str | bytes):
        return msgspec.json.decode(value) if value else {}
    return value or {}


def key_id(key: str) -> str:
    """A short public name of a key, stored with each event, so verify knows which key sealed it."""
    return hashlib.sha256(b"ledger-key-id:" + key.encode()).hexdigest()[:12]


def _keys(settings: Settings) -> dict[str, str]:
    """LEDGER_KEY and LEDGER_PREVIOUS_KEYS by key id."""
    return {key_id(k): k for k in settings.ledger_keys}


def _mac(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def event_seal(event: ReferralEventRow, key: str) -> str:
    """HMAC-SHA256 of the event's hashed fields (canonical JSON) under `key`."""
    content = {
        name: _canonical(_decoded(event.get("subject")) if name == "subject" else event.get(name))
        for name in HASHED_FIELDS
    }
    return _mac(key, msgspec.json.encode(content, order="sorted"))


ConsentSealedField = Literal[
    "id",
    "client",
    "care_team",
    "recipient_organization",
    "recipient_class",
    "purpose",
    "information_scope",
    "information_description",
    "expires_at",
    "expiry_event",
    "signed_at",
    "signature_method",
    "signed_name",
    "created_by",
    "created_at",
    "revoked_at",
    "revoked_by",
]
CONSENT_SEALED_FIELDS: tuple[ConsentSealedField, ...] = get_args(ConsentSealedField)
"""Every field of a consent its seal covers: what it allows, to whom, until when, and its revocation."""


def consent_seal(consent: ConsentRow, key: str) -> str:
    """HMAC-SHA256 under `key` (LEDGER_KEY) of a consent's sealed fields (made at signing, again at revocation)."""
    content = {name: _canonical(consent.get(name)) for name in CONSENT_SEALED_FIELDS}
    return _mac(key, msgspec.json.encode(content, order="sorted"))


def consent_seal_holds(consent: ConsentRow, settings: Settings) -> bool:
    """True when the consent row is as the app sealed it, under the current or an earlier key."""
    return any(hmac.compare_digest(consent_seal(consent, key), consent["seal"] or "") for key in settings.ledger_keys)


def _head_seal(position: int, last_hash: str, key: str) -> str:
    return _mac(key, f"head|{position}|{last_hash}".encode())


def _checkpoint_seal(position: int, last_hash: str, previous_seal: str, key: str, digest: str = "") -> str:
    # Checkpoints from before the ledger digest have none, and keep their seal.
    with_digest = f"|{digest}" if digest else ""
    return _mac(key, f"checkpoint|{position}|{last_hash}|{previous_seal}{with_digest}".encode())


def _fold(digest: str, position: int, event_hash: str) -> str:
    """The ledger digest after the event at `position`: SHA-256 of the digest before it, the position and the
    event's seal (no key: the seals under it are keyed already)."""
    return hashlib.sha256(f"ledger|{digest}|{position}|{event_hash}".encode()).hexdigest()


async def ledger_digest(positions: set[int], batch_size: int = 5000) -> dict[int, str]:
    """The ledger digest at each of `positions`: the seals of every event at or before it, folded in position
    order. It commits to every referral's chain at once, so a checkpoint holding it catches a change to any."""
    wanted = sorted(positions)
    digest, digests = GENESIS_HASH, {}
    last_position, end = 0, max(wanted, default=0)
    while last_position < end:
        rows = (
            await ReferralEvent.select(ReferralEvent.position, ReferralEvent.hash)
            .where((ReferralEvent.position > last_position) & (ReferralEvent.position <= end))
            .order_by(ReferralEvent.position)
            .limit(batch_size)
        )
        for row in rows:
            while wanted and wanted[0] < row["position"]:
                digests[wanted.pop(0)] = digest
            digest = _fold(digest, row["position"], row["hash"])
        last_position = rows[-1]["position"] if rows else end
    return digests | {position: digest for position in wanted}


def referral_subject(referral: ReferralRow) -> dict[str, object]:
    """The fields of a referral its first event commits to, canonical (ids as text, times in UTC)."""
    return {name: _canonical(referral[name]) for name in SUBJECT_FIELDS}


async def _claim_position() -> int:
    """The next ledger position; locks the head row until the transaction ends (one writer at a time)."""
    claim = LedgerHead.update({LedgerHead.position: LedgerHead.position + 1}).where(LedgerHead.id == 1)
    rows = await claim.returning(LedgerHead.position)
    if not rows:
        await LedgerHead.insert(LedgerHead(id=1, position=0, last_hash=GENESIS_HASH, seal="")).on_conflict(
            action="DO NOTHING"
        )
        rows = (
            await LedgerHead.update({LedgerHead.position: LedgerHead.position + 1})
            .where(LedgerHead.id == 1)
            .returning(LedgerHead.position)
        )
    position: int = rows[0]["position"]
    return position


async def append_sealed(event: ReferralEventRow, settings: Settings) -> ReferralEventRow:
    """Seal an event under LEDGER_KEY and insert it at the next ledger position; moves the ledger head. Returns
    the event.

    Call it last in the change's transaction: it holds the head row's lock until the commit."""
    key = settings.ledger_secret
    event["position"] = await _claim_position()
    event["key_id"] = key_id(key)
    event["hash"] = event_seal(event, key)
    await ReferralEvent.insert(ReferralEvent(**event))
    await LedgerHead.update(
        {
            LedgerHead.last_hash: event["hash"],
            LedgerHead.seal: _head_seal(event["position"], event["hash"], key),
            LedgerHead.updated_at: event["at"],
        }
    ).where(LedgerHead.id == 1)
    return event


async def record_checkpoint(now: dt.datetime, settings: Settings) -> LedgerCheckpointRow:
    """Seal the current head and the ledger digest as a checkpoint (chained to the previous one); returns it.
    Keep a copy of `position` and `ledger_digest` outside the database: verify-ledger --checkpoint checks the
    ledger still holds every event up to it, of every referral."""
    key = settings.ledger_secret
    head = await _head()
    position, last_hash = (head["position"], head["last_hash"]) if head else (0, GENESIS_HASH)
    digest = (await ledger_digest({position}))[position]
    previous = await LedgerCheckpoint.select().order_by(LedgerCheckpoint.position, ascending=False).first()
    previous_seal = previous["seal"] if previous else ""
    checkpoint: LedgerCheckpointRow = {
        "id": uuid.uuid4(),
        "at": now,
        "position": position,
        "last_hash": last_hash,
        "previous_seal": previous_seal,
        "ledger_digest": digest,
        "key_id": key_id(key),
        "seal": _checkpoint_seal(position, last_hash, previous_seal, key, digest),
    }
    await LedgerCheckpoint.insert(LedgerCheckpoint(**checkpoint))
    return checkpoint


async def _head() -> LedgerHeadRow | None:
    """The ledger head row; None before the first event."""
    return cast("LedgerHeadRow | None", await LedgerHead.select().where(LedgerHead.id == 1).first())


# --- verification ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerProblem:
    """The first place where the ledger and the records disagree."""

    referral_id: str | None
    sequence: int | None
    event_id: str | None
    problem: str

    def __str__(self) -> str:
        if self.referral_id is None:
            return f"the ledger: {self.problem}"
        where = f"event {self.sequence} ({self.event_id})" if self.event_id else "the referral record"
        return f"referral {self.referral_id}, {where}: {self.problem}"


def _check_seal(event: ReferralEventRow, keys: dict[str, str]) -> str | None:
    key = keys.get(event["key_id"] or "")
    if key is None:
        return f"sealed with a key this server does not have (key id {event['key_id']!r})"
    if not hmac.compare_digest(event_seal(event, key), event["hash"] or ""):
        return "the content does not match its seal: the event was changed (or re-sealed without the key)"
    return None


def _check_chain(referral: ReferralRow, events: list[ReferralEventRow], keys: dict[str, str]) -> LedgerProblem | None:
    referral_id = str(referral["id"])
    previous_hash, previous_status = GENESIS_HASH, None
    for expected_sequence, event in enumerate(events, start=1):
        where = (referral_id, event["sequence"], str(event["id"]))
        if event["sequence"] != expected_sequence:
            return LedgerProblem(*where, f"expected event {expected_sequence} here: an event is missing or moved")
        if event["previous_hash"] != previous_hash:
            return LedgerProblem(*where, "previous_hash does not match the event before it")
        problem = _check_seal(event, keys)
        if problem:
            return LedgerProblem(*where, problem)
        if event["from_status"] != previous_status:
            return LedgerProblem(*where, f"from_status {event['from_status']} but the referral was {previous_status}")
        previous_hash, previous_status = event["hash"], event["to_status"]
    if not events:
        return LedgerProblem(referral_id, None, None, "the referral has no events")
    committed = _decoded(events[0]["subject"])
    actual = referral_subject(referral)
    for name in SUBJECT_FIELDS:
        if committed.get(name) != actual[name]:
            return LedgerProblem(referral_id, None, None, f"{name} is not what the referral's first event committed to")
    if referral["version"] != len(events):
        return LedgerProblem(referral_id, None, None, f"version {referral['version']} but {len(events)} events")
    if referral["last_event_hash"] != previous_hash:
        return LedgerProblem(referral_id, None, None, "the head hash does not match the last event")
    if referral["status"] != previous_status:
        problem = f"status {referral['status']} but the events say {previous_status}"
        return LedgerProblem(referral_id, None, None, problem)
    appointment = next((e["appointment_at"] for e in reversed(events) if e["appointment_at"] is not None), None)
    if referral["appointment_at"] != appointment:
        return LedgerProblem(referral_id, None, None, "appointment_at is not the appointment its events set")
    return None


async def _referral_batches(batch_size: int) -> AsyncIterator[list[ReferralRow]]:
    last_id = None
    while True:
        query = Referral.select()
        if last_id is not None:
            query = query.where(Referral.id > last_id)
        rows = cast("list[ReferralRow]", await query.order_by(Referral.id).limit(batch_size))
        if not rows:
            return
        yield rows
        last_id = rows[-1]["id"]


async def _events_by_referral(referrals: list[ReferralRow]) -> dict[str, list[ReferralEventRow]]:
    """The events of these referrals, each referral's in sequence order."""
    ids = [r["id"] for r in referrals]
    events_by_referral: dict[str, list[ReferralEventRow]] = {str(i): [] for i in ids}
    events = (
        await ReferralEvent.select()
        .where(ReferralEvent.referral.is_in(ids))
        .order_by(ReferralEvent.referral)
        .order_by(ReferralEvent.sequence)
    )
    for event in cast("list[ReferralEventRow]", events):
        events_by_referral[str(event["referral"])].append(event)
    return events_by_referral


_KEY_COLUMNS = {
    "referral": ("id", "client", "care_team", "service_at_location", "service", "partner_organization", "consent"),
    "referral_event": ("id", "referral"),
    "consent": ("id", "client", "care_team", "recipient_organization"),
    "client": ("id", "care_team"),
}
"""The columns holding the ids the ledger's evidence is about, per table."""


async def _re_keyed_row() -> str | None:
    """SQLite keeps UUIDs as text. An id rewritten in another spelling (upper case, braces, 'urn:uuid:')
    is still the same UUID to the seals, but no lookup of the app finds the row: the referral vanishes from
    every inbox while its chain still verifies. The first such value, described; None if there is none
    (PostgreSQL's uuid type has one spelling)."""
    if Referral._meta.db.engine_type != "sqlite":
        return None
    for table, columns in _KEY_COLUMNS.items():
        # CAST: the raw text, not the value Piccolo would parse back into a UUID.
        selected = ", ".join(f'CAST("{column}" AS TEXT) AS "{column}"' for column in columns)
        for row in await Referral.raw(f'SELECT {selected} FROM "{table}"'):
            for column, value in row.items():
                if value is not None and not _is_canonical_uuid(value):
                    return f"{table}.{column} {value!r} is not an id as the app writes it: the row was re-keyed"
    return None


def _is_canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


async def _consents_failing_their_seal(batch_size: int, settings: Settings) -> AsyncIterator[str]:
    last_id = None
    while True:
        query = Consent.select()
        if last_id is not None:
            query = query.where(Consent.id > last_id)
        rows = cast("list[ConsentRow]", await query.order_by(Consent.id).limit(batch_size))
        if not rows:
            return
        for row in rows:
            if not consent_seal_holds(row, settings):
                yield str(row["id"])
        last_id = rows[-1]["id"]


def _missing(positions: bytearray, head_position: int) -> list[int]:
    return [p for p in range(1, head_position + 1) if not positions[p]]


@dataclass
class _Walk:
    """What the walk through every referral's chain has met so far: how many referrals and events, which
    ledger positions, and the seals at the positions the head and the checkpoints name."""

    head_position: int
    wanted: set[int]
    """Positions whose seal the head or a checkpoint names."""
    seen: bytearray
    hashes_at: dict[int, str] = field(default_factory=dict)
    referrals_checked: int = 0
    events_checked: int = 0

    def take_positions(self, referral_id: str, events: list[ReferralEventRow]) -> LedgerProblem | None:
        """Mark the ledger positions of one referral's events; a problem if one lies beyond the head or is
        taken twice."""
        for event in events:
            position = event["position"]
            problem = None
            if not 1 <= position <= self.head_position:
                problem = (
                    f"ledger position {position} lies beyond the head ({self.head_position}): the head was rolled back"
                )
            elif self.seen[position]:
                problem = f"ledger position {position} is used twice"
            if problem is not None:
                return LedgerProblem(referral_id, event["sequence"], str(event["id"]), problem)
            self.seen[position] = 1
            if position in self.wanted:
                self.hashes_at[position] = event["hash"]
        return None


async def verify_ledger(
    settings: Settings,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
    checkpoints: tuple[tuple[int, str], ...] = (),
) -> tuple[int, int, LedgerProblem | None]:
    """Check the whole ledger: (referrals checked, events checked, the first problem or None).

    `checkpoints` are (position, hash) pairs kept outside the database, each of which must still be in it.
    Three phases: ids and the head's own seal; every referral's chain and the positions its events take;
    then what only the whole ledger shows (missing positions, consents' seals, head, checkpoints)."""
    keys = _keys(settings)
    # First: a re-spelt id would otherwise surface later as a confusing fault elsewhere, or as no id at all.
    re_keyed = await _re_keyed_row()
    if re_keyed is not None:
        return 0, 0, LedgerProblem(None, None, None, re_keyed)
    head = await _head()
    head_position, head_hash = (head["position"], head["last_hash"]) if head else (0, GENESIS_HASH)
    head_seal = (head["seal"] if head else None) or ""
    if head_position and not any(
        hmac.compare_digest(_head_seal(head_position, head_hash, key), head_seal) for key in keys.values()
    ):
        return 0, 0, LedgerProblem(None, None, None, "the ledger head's seal does not match: the head was changed")
    stored = cast(
        "list[LedgerCheckpointRow]",
        await LedgerCheckpoint.select().order_by(LedgerCheckpoint.position).order_by(LedgerCheckpoint.at),
    )
    wanted = {head_position} | {p for p, _ in checkpoints} | {c["position"] for c in stored}
    walk = _Walk(head_position, wanted, bytearray(head_position + 1))
    problem = await _walk_chains(walk, keys, batch_size, progress)
    if problem is None:
        whole = await _whole_ledger_problem(walk, head_hash, stored, checkpoints, settings, batch_size)
        problem = None if whole is None else LedgerProblem(None, None, None, whole)
    return walk.referrals_checked, walk.events_checked, problem


async def _walk_chains(
    walk: _Walk, keys: dict[str, str], batch_size: int, progress: Callable[[int, int], None] | None
) -> LedgerProblem | None:
    """Check every referral's chain, a batch at a time, taking the positions of its events; the first problem."""
    async for referrals in _referral_batches(batch_size):
        events_by_referral = await _events_by_referral(referrals)
        for referral in referrals:
            events = events_by_referral[str(referral["id"])]
            chain_problem = _check_chain(referral, events, keys)
            walk.referrals_checked += 1
            walk.events_checked += len(events)
            if chain_problem is not None:
                return chain_problem
            position_problem = walk.take_positions(str(referral["id"]), events)
            if position_problem is not None:
                return position_problem
        if progress is not None:
            progress(walk.referrals_checked, walk.events_checked)
    return None


async def _whole_ledger_problem(
    walk: _Walk,
    head_hash: str,
    stored: list[LedgerCheckpointRow],
    checkpoints: tuple[tuple[int, str], ...],
    settings: Settings,
    batch_size: int,
) -> str | None:
    """After every chain held: no position is missing, every consent holds its seal, and the head and the
    checkpoints (stored and external) name seals the ledger still holds."""
    missing = _missing(walk.seen, walk.head_position)
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        return f"events at ledger positions {shown} are missing: deleted events, or a deleted referral"
    async for consent in _consents_failing_their_seal(batch_size, settings):
        return f"consent {consent}: the record does not match its seal (changed or un-revoked outside the app)"
    if walk.head_position and walk.hashes_at.get(walk.head_position) != head_hash:
        return "the ledger head does not match the last event"
    digests = await ledger_digest({p for p, _ in checkpoints} | {c["position"] for c in stored if c["ledger_digest"]})
    return _check_checkpoints(stored, walk.hashes_at, digests, _keys(settings), walk.head_position) or _check_external(
        checkpoints, digests, walk.head_position
    )


def _check_checkpoints(
    stored: list[LedgerCheckpointRow],
    hashes_at: dict[int, str],
    digests: dict[int, str],
    keys: dict[str, str],
    head: int,
) -> str | None:
    previous_seal = ""
    for checkpoint in stored:
        key = keys.get(checkpoint["key_id"] or "")
        position, digest = checkpoint["position"], checkpoint["ledger_digest"] or ""
        expected = _checkpoint_seal(position, checkpoint["last_hash"], previous_seal, key, digest) if key else None
        if expected is None or not hmac.compare_digest(expected, checkpoint["seal"] or ""):
            when = f"{checkpoint['at']:%Y-%m-%d %H:%M}"
            return f"checkpoint at position {checkpoint['position']} ({when}) was changed, or one before it removed"
        if (
            position > head
            or (position and hashes_at.get(position) != checkpoint["last_hash"])
            or (digest and digests.get(position) != digest)
        ):
            return f"the ledger no longer holds checkpoint {position}: events up to it were changed or removed"
        previous_seal = checkpoint["seal"]
    return None


def _check_external(checkpoints: tuple[tuple[int, str], ...], digests: dict[int, str], head: int) -> str | None:
    """Each (position, ledger digest) kept outside must still be the digest of the ledger up to that position."""
    for position, digest in checkpoints:
        if position > head:
            return f"the ledger no longer holds the checkpoint {position}:{digest[:12]}…: it was truncated"
        if digests.get(position) != digest:
            return (
                f"the ledger no longer holds the checkpoint {position}:{digest[:12]}…: an event at or before position "
                f"{position}, of some referral, was rewritten (even if re-sealed with the key) or removed"
            )
    return None
