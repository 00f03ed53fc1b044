"""The list of disclosures (42 CFR Part 2 §2.24): each time a partner was shown a client's information."""

from __future__ import annotations

import datetime as dt
import uuid

from accounts.services import Principal
from accounts.tables import Account, ApiToken
from kernel.paging import offset_of
from referrals.tables import Disclosure

__all__ = ["list_disclosures", "record_disclosure"]


async def record_disclosure(
    principal: Principal,
    *,
    client_id: uuid.UUID,
    referral_id: uuid.UUID | None,
    consent_id: uuid.UUID | None,
    channel: str,
    information: list[str],
    now: dt.datetime,
) -> None:
    """Append one disclosure: who at which partner saw which of the client's fields, when, through what."""
    await Disclosure.insert(
        Disclosure(
            id=uuid.uuid4(),
            client=client_id,
            referral=referral_id,
            consent=consent_id,
            recipient_organization=principal.organization_id,
            account=principal.account_id,
            api_token=principal.token_id,
            channel=channel,
            information=", ".join(information),
            at=now,
        )
    )


async def list_disclosures(client_id: uuid.UUID, page: int, per_page: int) -> tuple[list[dict], int]:
    """One page of a client's disclosures, newest first, naming the recipient and the person or system."""
    condition = Disclosure.client == client_id
    rows = (
        await Disclosure.select(
            *Disclosure.all_columns(), Disclosure.recipient_organization.name.as_alias("recipient_name")
        )
        .where(condition)
        .order_by(Disclosure.at, ascending=False)
        .limit(per_page)
        .offset(offset_of(page, per_page))
    )
    accounts = {r["account"] for r in rows if r["account"]}
    tokens = {r["api_token"] for r in rows if r["api_token"]}
    names = {}
    if accounts:
        names |= {
            str(a["id"]): a["display_name"]
            for a in await Account.select(Account.id, Account.display_name).where(Account.id.is_in(list(accounts)))
        }
    if tokens:
        names |= {
            str(t["id"]): f"API token {t['name']}"
            for t in await ApiToken.select(ApiToken.id, ApiToken.name).where(ApiToken.id.is_in(list(tokens)))
        }
    for row in rows:
        row["recipient_person"] = names.get(str(row["account"] or row["api_token"]), "")
    return rows, await Disclosure.count().where(condition)
