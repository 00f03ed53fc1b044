"""The care manager's caseload: the team's clients, each with what needs attention (risks, open referrals,
the next follow-up due), read in one pass for a page of clients."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kernel.principal import Principal
from referrals.schemas import ClientOut
from referrals.services.clients import list_clients
from referrals.services.follow_ups import disengagement_risks
from referrals.services.transitions import CLOSED_STATUSES
from referrals.tables import FollowUp, Referral

__all__ = ["CaseloadEntry", "caseload"]


@dataclass
class CaseloadEntry:
    """One client of the caseload and why they may need attention now."""

    client: ClientOut
    open_referrals: int = 0
    next_follow_up_due: dt.datetime | None = None
    risks: list[str] = field(default_factory=list)
    """missed_appointment, unanswered_outreach (disengagement_risks), overdue_follow_up, referral_failed."""

    @property
    def at_risk(self) -> bool:
        """True when any risk applies."""
        return bool(self.risks)


async def caseload(principal: Principal, now: dt.datetime, page: int, per_page: int) -> tuple[list[CaseloadEntry], int]:
    """One page of the team's clients by name (the view audited by `list_clients`), with their flags."""
    clients, total = await list_clients(principal, page, per_page)
    entries = {client.id: CaseloadEntry(client=client) for client in clients}
    if not entries:
        return [], total
    ids = list(entries)
    referrals = await Referral.select(Referral.client, Referral.status).where(Referral.client.is_in(ids))
    failed: set[str] = set()
    for referral in referrals:
        client_id = str(referral["client"])
        if referral["status"] not in CLOSED_STATUSES:
            entries[client_id].open_referrals += 1
        if referral["status"] == "failed":
            failed.add(client_id)
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
    return list(entries.values()), total
