"""The audit log: who did or saw what, when, from where. Written inside the transaction of what it records."""

from __future__ import annotations

import uuid

from accounts.tables import AuditEvent
from kernel.principal import Principal

__all__ = ["record_audit"]


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
