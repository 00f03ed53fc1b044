"""Follow-up checks: rules turn a referral's events into checks the care manager owes, and close them
when their reason goes away. The worklist shows what is due and overdue, most urgent first.

Every check's due time follows from the events alone (sent at, appointment, failed at, completed at),
so checks are reconciled after each event; the clock only decides what is due or overdue.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import cast

from accounts.services.audit import record_audit
from kernel.database import locked_for_update, write_transaction
from kernel.i18n import N_
from kernel.principal import Principal
from kernel.problems import Conflict, NotFound
from kernel.settings import Settings
from referrals.errors import FOLLOW_UP_CLOSED, FOLLOW_UP_NOT_FOUND
from referrals.rows import FollowUpRow, ReferralEventRow, ReferralRow, WorklistRow
from referrals.schemas import FollowUpAttemptIn, FollowUpOut, WorklistItemOut
from referrals.tables import FollowUp, FollowUpAttempt, Referral, ReferralEvent

__all__ = [
    "RULE_DESCRIPTIONS",
    "clients_at_risk",
    "disengagement_risks",
    "follow_up_out",
    "follow_ups_of",
    "owed_checks",
    "reconcile_follow_ups",
    "record_attempt",
    "worklist",
]

RULE_DESCRIPTIONS = {
    "chase_partner": N_("The partner has not accepted the referral: call them."),
    "confirm_handoff": N_("Confirm the first contact of the warm handoff happened."),
    "check_attendance": N_("The appointment has passed with no outcome: check whether the client attended."),
    "client_outreach": N_("The client missed the appointment or could not be connected: reach out."),
    "retention_7_days": N_("Check the client is still in MOUD treatment (7 days after connecting)."),
    "retention_30_days": N_("Check the client is still in MOUD treatment (30 days after connecting)."),
}
_WAITING_FOR_PARTNER = {"requested", "received"}
_ATTENDANCE_OUTCOMES = {"in-progress", "completed", "failed", "cancelled", "rejected", "entered-in-error"}
_CONFIRMED = {"accepted", "in-progress", "completed"}


def _status_since(events: list[ReferralEventRow], statuses: set[str]) -> dt.datetime | None:
    """When the referral last entered one of these statuses (None if it is not in one now).

    That is the first event of the latest run of events ending in them; a note (from_status == to_status)
    never starts a run, as the event before it ended in the same status (verify-ledger holds the chain to that)."""
    if not events or events[-1]["to_status"] not in statuses:
        return None
    since = events[-1]["at"]
    for event in reversed(events):
        if event["to_status"] not in statuses:
            break
        since = event["at"]
    return since


def owed_checks(referral: ReferralRow, events: list[ReferralEventRow], settings: Settings) -> dict[str, dt.datetime]:
    """The checks this referral calls for now, by rule, with their due times."""
    status = referral["status"]
    owed: dict[str, dt.datetime] = {}
    hours = dt.timedelta(hours=1)
    sent_at = next((e["at"] for e in events if e["to_status"] == "requested"), None)
    if referral["handoff_type"] != "client_self":
        waiting_since = _status_since(events, _WAITING_FOR_PARTNER)
        if waiting_since is not None:
            owed["chase_partner"] = waiting_since + settings.follow_up_chase_partner_hours * hours
    if referral["handoff_type"] == "warm_handoff" and sent_at is not None and status in _WAITING_FOR_PARTNER:
        owed["confirm_handoff"] = sent_at + settings.follow_up_handoff_hours * hours
    if referral["appointment_at"] is not None and sent_at is not None and status not in _ATTENDANCE_OUTCOMES:
        owed["check_attendance"] = referral["appointment_at"] + settings.follow_up_attendance_hours * hours
    failed_at = _status_since(events, {"failed"})
    if failed_at is not None:
        owed["client_outreach"] = failed_at + settings.follow_up_outreach_hours * hours
    completed_at = _status_since(events, {"completed"})
    if completed_at is not None and referral["need"] == "moud":
        for days in settings.follow_up_retention_days:
            owed[f"retention_{days}_days"] = completed_at + dt.timedelta(days=days)
    return owed


async def reconcile_follow_ups(
    referral: ReferralRow, events: list[ReferralEventRow], now: dt.datetime, settings: Settings
) -> None:
    """Open the checks the referral now calls for and close those whose reason has gone.

    Call it inside the transaction of the event that changed the referral."""
    owed = owed_checks(referral, events, settings)
    existing = cast("list[FollowUpRow]", await FollowUp.select().where(FollowUp.referral == referral["id"]))
    for item in existing:
        if item["closed_at"] is None and owed.get(item["rule"]) != item["due_at"]:
            reason = "rescheduled" if item["rule"] in owed else f"no longer needed: referral {referral['status']}"
            await FollowUp.update({FollowUp.closed_at: now, FollowUp.close_reason: reason}).where(
                FollowUp.id == item["id"]
            )
    # A check already made (even if closed since) is not owed twice.
    known = {(item["rule"], item["due_at"]) for item in existing}
    new = [
        FollowUp(
            id=uuid.uuid4(),
            referral=referral["id"],
            client=referral["client"],
            care_team=referral["care_team"],
            rule=rule,
            due_at=due_at,
            created_at=now,
        )
        for rule, due_at in owed.items()
        if (rule, due_at) not in known
    ]
    if new:
        await FollowUp.insert(*new).on_conflict(action="DO NOTHING")


def follow_up_out(row: FollowUpRow) -> FollowUpOut:
    """The API view of a follow-up row."""
    return FollowUpOut(
        id=str(row["id"]),
        referral_id=str(row["referral"]),
        client_id=str(row["client"]),
        rule=row["rule"],
        description=RULE_DESCRIPTIONS.get(row["rule"], row["rule"]),
        due_at=row["due_at"],
        created_at=row["created_at"],
        closed_at=row["closed_at"],
        close_reason=row["close_reason"],
    )


async def follow_ups_of(referral_id: uuid.UUID) -> list[FollowUpOut]:
    """A referral's follow-ups, open and closed, by due time."""
    rows = await FollowUp.select().where(FollowUp.referral == referral_id).order_by(FollowUp.due_at)
    return [follow_up_out(r) for r in cast("list[FollowUpRow]", rows)]


async def disengagement_risks(client_ids: list[uuid.UUID] | list[str]) -> dict[str, list[str]]:
    """Why each client is at risk of disengagement: `missed_appointment` (a no-show not yet re-engaged) and
    `unanswered_outreach` (their last two outreach attempts unanswered). Clients not at risk are left out."""
    if not client_ids:
        return {}
    risks: dict[str, list[str]] = {}
    failed = await Referral.select(Referral.id, Referral.client).where(
        Referral.client.is_in(client_ids) & (Referral.status == "failed")
    )
    if failed:
        no_shows = await ReferralEvent.select(ReferralEvent.referral).where(
            ReferralEvent.referral.is_in([r["id"] for r in failed]) & (ReferralEvent.reason_code == "no_show")
        )
        no_show_referrals = {str(e["referral"]) for e in no_shows}
        for client in sorted({str(r["client"]) for r in failed if str(r["id"]) in no_show_referrals}):
            risks[client] = ["missed_appointment"]
    attempts = (
        await FollowUpAttempt.select(FollowUpAttempt.client, FollowUpAttempt.result)
        .where(FollowUpAttempt.client.is_in(client_ids))
        .order_by(FollowUpAttempt.at, ascending=False)
    )
    last_two: dict[str, list[str]] = {}
    for attempt in attempts:
        results = last_two.setdefault(str(attempt["client"]), [])
        if len(results) < 2:
            results.append(attempt["result"])
    for client, results in last_two.items():
        if results == ["no_answer", "no_answer"]:
            risks.setdefault(client, []).append("unanswered_outreach")
    return risks


async def clients_at_risk(client_ids: list[uuid.UUID] | list[str]) -> set[str]:
    """Clients at risk of disengagement: a missed appointment not yet re-engaged, or their last two
    outreach attempts unanswered."""
    return set(await disengagement_risks(client_ids))


async def worklist(
    principal: Principal, now: dt.datetime, settings: Settings, *, assigned_to_me: bool = False
) -> list[WorklistItemOut]:
    """The care team's open checks due within WORKLIST_HORIZON_HOURS or overdue, most urgent first
    (only those of clients assigned to the principal, if asked)."""
    horizon = now + dt.timedelta(hours=settings.worklist_horizon_hours)
    async with write_transaction(FollowUp._meta.db):
        entries = await _worklist_entries(principal, now, horizon, assigned_to_me)
        shown = ", ".join(sorted({entry.follow_up.client_id for entry in entries}))
        await record_audit(principal, "view", "worklist", None, f"{len(entries)} items, clients: {shown}")
    return entries


async def _worklist_entries(
    principal: Principal, now: dt.datetime, horizon: dt.datetime, assigned_to_me: bool
) -> list[WorklistItemOut]:
    selected = await FollowUp.select(
        *FollowUp.all_columns(),
        FollowUp.referral.priority.as_alias("priority"),
        FollowUp.referral.need.as_alias("need"),
        FollowUp.referral.status.as_alias("referral_status"),
        FollowUp.client.preferred_name.as_alias("client_preferred_name"),
        FollowUp.client.assigned_care_manager.as_alias("assigned_care_manager"),
    ).where(
        (FollowUp.care_team == principal.care_team_id) & FollowUp.closed_at.is_null() & (FollowUp.due_at <= horizon)
    )
    rows = cast("list[WorklistRow]", selected)
    if assigned_to_me:
        rows = [r for r in rows if r["assigned_care_manager"] == principal.account_id]
    at_risk = await clients_at_risk(list({r["client"] for r in rows}))
    entries = [
        WorklistItemOut(
            follow_up=follow_up_out(r),
            overdue=r["due_at"] < now,
            priority=r["priority"],
            need=r["need"],
            referral_status=r["referral_status"],
            client_preferred_name=r["client_preferred_name"],
            client_at_risk=str(r["client"]) in at_risk,
        )
        for r in rows
    ]
    entries.sort(key=lambda e: (not e.overdue, e.priority != "urgent", not e.client_at_risk, e.follow_up.due_at))
    return entries


SAME_SUBMISSION = dt.timedelta(minutes=2)
"""How long an identical attempt by the same person reads as the same submission sent again."""


async def _same_attempt_recorded(
    principal: Principal, follow_up_id: uuid.UUID, data: FollowUpAttemptIn, now: dt.datetime
) -> bool:
    """Whether this person recorded this very attempt (method, result, note) on this check moments ago."""
    return await FollowUpAttempt.exists().where(
        (FollowUpAttempt.follow_up == follow_up_id)
        & (FollowUpAttempt.recorded_by == principal.account_id)
        & (FollowUpAttempt.method == data.method)
        & (FollowUpAttempt.result == data.result)
        & (FollowUpAttempt.note == data.note)
        & (FollowUpAttempt.at > now - SAME_SUBMISSION)
    )


async def record_attempt(
    principal: Principal, follow_up_id: uuid.UUID, data: FollowUpAttemptIn, now: dt.datetime
) -> FollowUpOut:
    """Record a follow-up made on one of the team's checks; a reached, re-engaged or declined client closes it.

    NotFound unless the check is the principal's care team's; Conflict once the check is closed. The same
    attempt sent again by the same person within SAME_SUBMISSION (a double click, a resent form) is recorded
    once: counting it twice would make one unanswered call look like two, which the at-risk rule counts."""
    async with write_transaction(FollowUp._meta.db):
        # The row stays locked until the commit (PostgreSQL; SQLite's write lock is taken at BEGIN), so a
        # second submission waits and then sees the first.
        item = cast(
            "FollowUpRow | None",
            await locked_for_update(
                FollowUp.select().where((FollowUp.id == follow_up_id) & (FollowUp.care_team == principal.care_team_id))
            ).first(),
        )
        if item is None or principal.role != "care_manager":
            raise NotFound(FOLLOW_UP_NOT_FOUND, follow_up_id=follow_up_id)
        if item["closed_at"] is not None:
            raise Conflict(FOLLOW_UP_CLOSED, follow_up_id=follow_up_id, close_reason=item["close_reason"])
        if await _same_attempt_recorded(principal, follow_up_id, data, now):
            return follow_up_out(item)
        await FollowUpAttempt.insert(
            FollowUpAttempt(
                id=uuid.uuid4(),
                follow_up=follow_up_id,
                referral=item["referral"],
                client=item["client"],
                method=data.method,
                result=data.result,
                note=data.note,
                at=now,
                recorded_by=principal.account_id,
            )
        )
        if data.result != "no_answer":
            await FollowUp.update({FollowUp.closed_at: now, FollowUp.close_reason: f"done: {data.result}"}).where(
                FollowUp.id == follow_up_id
            )
        await record_audit(principal, "create", "follow_up_attempt", follow_up_id, f"{data.method}: {data.result}")
        row = cast("FollowUpRow | None", await FollowUp.select().where(FollowUp.id == follow_up_id).first())
        if row is None:
            raise RuntimeError(f"follow-up {follow_up_id} vanished inside its own transaction")
    return follow_up_out(row)
