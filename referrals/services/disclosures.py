"""The list of disclosures (42 CFR Part 2 §2.24): each time a partner was shown a client's information.

Rows are only inserted (a database trigger refuses changes). Each names the person: the partner staff
member signed in, or for an API token the token and the partner admin who issued it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import cast

from piccolo.columns import Column

from accounts.services.audit import record_audit
from accounts.tables import Account, ApiToken
from kernel.database import write_transaction
from kernel.paging import offset_of
from kernel.principal import Principal
from referrals.rows import ClientRow, ListedDisclosureRow, NamedDisclosureRow, NamedReferralRow
from referrals.tables import Disclosure
from referrals.vocabulary import Channel

__all__ = ["list_disclosures", "record_disclosure"]


async def record_disclosure(
    principal: Principal,
    referral: NamedReferralRow,
    consent_id: uuid.UUID | None,
    channel: Channel,
    information: Sequence[str],
    now: dt.datetime,
) -> None:
    """Append one disclosure: who at which partner saw which of the client's fields, when, through what.

    Call it inside the transaction that reads what is shown."""
    await Disclosure.insert(
        Disclosure(
            id=uuid.uuid4(),
            client=referral["client"],
            referral=referral["id"],
            consent=consent_id,
            recipient_organization=principal.organization_id,
            account=principal.account_id,
            api_token=principal.token_id,
            channel=channel,
            information=", ".join(information),
            at=now,
        )
    )


async def list_disclosures(
    principal: Principal, client: ClientRow, page: int, per_page: int
) -> tuple[list[ListedDisclosureRow], int]:
    """One page of a client's disclosures, newest first, naming the recipient and the person (audited)."""
    condition = Disclosure.client == client["id"]
    async with write_transaction(Disclosure._meta.db):
        rows = (
            await Disclosure.select(
                *Disclosure.all_columns(), Disclosure.recipient_organization.name.as_alias("recipient_name")
            )
            .where(condition)
            .order_by(Disclosure.at, ascending=False)
            .order_by(Disclosure.id)
            .limit(per_page)
            .offset(offset_of(page, per_page))
        )
        total = await Disclosure.count().where(condition)
        await record_audit(principal, "view", "disclosure_list", client["id"])
    named = cast("list[NamedDisclosureRow]", rows)
    people = await _names(Account, Account.display_name, {r["account"] for r in named if r["account"]})
    tokens = await _names(ApiToken, ApiToken.name, {r["api_token"] for r in named if r["api_token"]})
    listed: list[ListedDisclosureRow] = []
    for row in named:
        person = people.get(str(row["account"]), "")
        if row["api_token"]:
            token = tokens.get(str(row["api_token"]), "")
            person = f"API token {token}, issued by {person}" if person else f"API token {token}"
        listed.append({**row, "recipient_person": person})
    return listed, total


async def _names(table: type[Account] | type[ApiToken], column: Column, ids: set[uuid.UUID]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await table.select(table.id, column.as_alias("name")).where(table.id.is_in(list(ids)))
    return {str(r["id"]): r["name"] for r in rows}
