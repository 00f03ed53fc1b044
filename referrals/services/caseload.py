"""The care manager's caseload: the team's clients, each with what needs attention (risks, open referrals,
the next follow-up due, the last activity), found by name, narrowed to those needing attention and sorted as
the care manager asks, read in one pass."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, cast, get_args

from accounts.services.audit import record_audit
from kernel.database import write_transaction
from kernel.principal import Principal
from referrals.rows import ClientRow
from referrals.schemas import ClientOut
from referrals.services.clients import client_out
from referrals.services.follow_ups import disengagement_risks
from referrals.services.transitions import CLOSED_STATUSES
from referrals.tables import Client, FollowUp, FollowUpAttempt, Referral

__all__ = ["CASELOAD_SHOWS", "CASELOAD_SORTS", "CaseloadEntry", "CaseloadShow", "CaseloadSort", "caseload"]

CaseloadSort = Literal["name", "last_activity", "follow_up_due"]
"""By name (A to Z), by last activity (most recent first), by the next follow-up due (soonest first)."""
CASELOAD_SORTS: tuple[str, ...] = get_args(CaseloadSort)

CaseloadShow = Literal["all", "at_risk", "follow_up_due", "open_referrals"]
"""Every client, those at risk, those with a follow-up due now, those with an open referral."""
CASELOAD_SHOWS: tuple[str, ...] = get_args(CaseloadShow)

_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)
_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass
class CaseloadEntry:
    """One client of the caseload and why they may need attention now."""

    client: ClientOut
    open_referrals: int = 0
    next_follow_up_due: dt.datetime | None = None
    last_activity: dt.datetime | None = None
    """The latest change to the client's record, referrals or follow-up attempts."""
    risks: list[str] = field(default_factory=list)
    """missed_appointment, unanswered_outreach (disengagement_risks), overdue_follow_up, referral_failed."""

    @property
    def at_risk(self) -> bool:
        """True when any risk applies."""
        return bool(self.risks)


def _later(first: dt.datetime | None, second: dt.datetime) -> dt.datetime:
    return second if first is None or second > first else first


async def _entries(clients: list[ClientRow], now: dt.datetime) -> list[CaseloadEntry]:
    """Each client with its open referrals, next follow-up, last activity and risks (a few queries in all)."""
    entries = {
        str(row["id"]): CaseloadEntry(client=client_out(row), last_activity=row["updated_at"]) for row in clients
    }
    if not entries:
        return []
    ids = list(entries)
    referrals = await Referral.select(Referral.client, Referral.status, Referral.updated_at).where(
        Referral.client.is_in(ids)
    )
    failed: set[str] = set()
    for referral in referrals:
        entry = entries[str(referral["client"])]
        entry.last_activity = _later(entry.last_activity, referral["updated_at"])
        if referral["status"] not in CLOSED_STATUSES:
            entry.open_referrals += 1
        if referral["status"] == "failed":
            failed.add(str(referral["client"]))
    for attempt in await FollowUpAttempt.select(FollowUpAttempt.client, FollowUpAttempt.at).where(
        FollowUpAttempt.client.is_in(ids)
    ):
        entry = entries[str(attempt["client"])]
        entry.last_activity = _later(entry.last_activity, attempt["at"])
    open_checks = await FollowUp.select(FollowUp.client, FollowUp.due_at).where(
        FollowUp.client.is_in(ids) & FollowUp.closed_at.is_null()
    )
    for check in open_checks:
        entry = entries[str(check["client"])]
        if entry.next_follow_up_due is None or check["due_at"] < entry.next_follow_up_due:
            entry.next_follow_up_due = check["due_at"]
    risks = await disengagement_risks(ids)
    for client_id, entry in entries.items():
        entry.risks = list(risks.get(client_id, []))
        if entry.next_follow_up_due is not None and entry.next_follow_up_due < now:
            entry.risks.append("overdue_follow_up")
        if client_id in failed:
            entry.risks.append("referral_failed")
    return list(entries.values())


def _shown(entry: CaseloadEntry, show: CaseloadShow, now: dt.datetime) -> bool:
    if show == "at_risk":
        return entry.at_risk
    if show == "follow_up_due":
        return entry.next_follow_up_due is not None and entry.next_follow_up_due <= now
    if show == "open_referrals":
        return entry.open_referrals > 0
    return True


def _sorted(entries: list[CaseloadEntry], sort: CaseloadSort) -> list[CaseloadEntry]:
    by_name = sorted(entries, key=lambda e: (e.client.preferred_name.casefold(), e.client.id))
    if sort == "last_activity":
        return sorted(by_name, key=lambda e: e.last_activity or _NEVER, reverse=True)
    if sort == "follow_up_due":
        return sorted(by_name, key=lambda e: e.next_follow_up_due or _FAR)
    return by_name


async def caseload(
    principal: Principal,
    now: dt.datetime,
    page: int,
    per_page: int,
    *,
    name: str = "",
    sort: CaseloadSort = "name",
    show: CaseloadShow = "all",
) -> tuple[list[CaseloadEntry], int]:
    """One page of the team's clients whose name contains `name`, narrowed by `show` and sorted by `sort`, with
    their flags, and how many there are; the clients shown are audited. A team's caseload is read whole (tens
    to a few hundred clients), since the sorts and filters depend on its referrals and follow-ups."""
    wanted = name.strip().casefold()
    async with write_transaction(Client._meta.db):
        team = cast("list[ClientRow]", await Client.select().where(Client.care_team == principal.care_team_id))
        # Matched here rather than by LIKE: SQLite's LIKE has no escape character, so a name with % or _ would
        # match others; a team's caseload is read whole anyway.
        rows = [row for row in team if wanted in row["preferred_name"].casefold()]
        chosen = [entry for entry in await _entries(rows, now) if _shown(entry, show, now)]
        start = (page - 1) * per_page
        shown = _sorted(chosen, sort)[start : start + per_page]
        ids = ", ".join(entry.client.id for entry in shown)
        await record_audit(principal, "view", "client_list", None, f"{len(shown)} clients: {ids}")
    return shown, len(chosen)
