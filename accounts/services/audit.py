"""The audit log: who did or saw what, when, from where. Written inside the transaction of what it records."""

from __future__ import annotations

import uuid
from typing import cast

from accounts.rows import AuditEventRow
from accounts.tables import AuditEvent
from kernel.database import write_transaction
from kernel.paging import offset_of
from kernel.principal import Principal

__all__ = ["list_audit_events", "record_audit"]


async def record_audit(
    principal: Principal, action: str, object_type: str, object_id: object | None, detail: str = ""
) -> None:
    """Append one audit event. Callers pass ids and codes, never client names or notes.

    Call it inside the service's transaction, so a change and its audit row commit together or not at all.
    """
    await AuditEvent.insert(
        AuditEvent(
            id=uuid.uuid4(),
            account=principal.account_id,
            api_token=principal.token_id,
            role=principal.role,
            organization=principal.scope,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            client_address=principal.address,
            detail=detail,
        )
    )


async def list_audit_events(principal: Principal, page: int, per_page: int) -> tuple[list[AuditEventRow], int]:
    """One page of the audit log, newest first, and how many events there are; reading it is audited too."""
    async with write_transaction(AuditEvent._meta.db):
        rows = (
            await AuditEvent.select()
            .order_by(AuditEvent.at, ascending=False)
            .order_by(AuditEvent.id)
            .limit(per_page)
            .offset(offset_of(page, per_page))
        )
        total = await AuditEvent.count()
        await record_audit(principal, "view", "audit_log", None, f"page {page} of {per_page}")
    return cast("list[AuditEventRow]", rows), total
