"""Social-needs screening: dated answers, repeatable at every contact; the latest answer per need counts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import cast

from accounts.services.audit import record_audit
from directory.geo.geocoding import zip_centroid
from directory.search.index import SearchIndex
from directory.search.query import ListingFilters, SearchQuery
from directory.search.ranking import SearchResults
from kernel.database import write_transaction
from kernel.principal import Principal
from kernel.problems import Invalid
from referrals.errors import NEED_ANSWERED_TWICE
from referrals.rows import ClientRow, NeedAnswerRow
from referrals.schemas import NeedsOut, NeedStatus, ScreeningIn
from referrals.tables import NeedAnswer
from referrals.vocabulary import NEEDS, Need

__all__ = ["NEED_CATEGORIES", "client_needs", "open_needs", "record_screening", "resources_for_client"]

NEED_CATEGORIES: dict[str, tuple[str, ...]] = {
    "housing": ("housing",),
    "food": ("food",),
    "transportation": ("transportation",),
    "utilities": ("benefits",),
    "safety": ("legal", "mental_health"),
    "moud": ("moud",),
}
"""Directory categories that answer each need (utility help sits with benefits; safety with legal aid and crisis)."""


async def record_screening(principal: Principal, client: ClientRow, data: ScreeningIn, now: dt.datetime) -> NeedsOut:
    """Store one screening's answers, all dated now; Invalid if a need is answered twice."""
    answers = {a.need: a.answer for a in data.answers}
    if len(answers) != len(data.answers):
        raise Invalid(NEED_ANSWERED_TWICE)
    screening_id = uuid.uuid4()
    async with write_transaction(NeedAnswer._meta.db):
        await NeedAnswer.insert(
            *[
                NeedAnswer(
                    id=uuid.uuid4(),
                    client=client["id"],
                    screening=screening_id,
                    need=need,
                    answer=answer,
                    answered_at=now,
                    recorded_by=principal.account_id,
                )
                for need, answer in answers.items()
            ]
        )
        # How many, not which: admins read the audit log, and a need such as `moud` is SUD information.
        await record_audit(
            principal,
            "create",
            "need_screening",
            client["id"],
            f"{len(answers)} answer{'s' if len(answers) != 1 else ''}",
        )
        return await _needs(client["id"])


async def client_needs(principal: Principal, client: ClientRow) -> NeedsOut:
    """The latest answer for each need and the open ones (the view is audited)."""
    async with write_transaction(NeedAnswer._meta.db):
        await record_audit(principal, "view", "client_needs", client["id"])
        return await _needs(client["id"])


async def _latest_answers(client_id: uuid.UUID) -> dict[Need, NeedAnswerRow]:
    """The latest answer for each need the client was asked about."""
    rows = await NeedAnswer.select().where(NeedAnswer.client == client_id).order_by(NeedAnswer.answered_at)
    return {row["need"]: row for row in cast("list[NeedAnswerRow]", rows)}


def _open(latest: dict[Need, NeedAnswerRow]) -> list[str]:
    """Needs whose latest answer is yes, in screening order."""
    return [need for need in NEEDS if need in latest and latest[need]["answer"] == "yes"]


async def open_needs(client_id: uuid.UUID) -> list[str]:
    """Needs whose latest answer is yes, in screening order."""
    return _open(await _latest_answers(client_id))


async def _needs(client_id: uuid.UUID) -> NeedsOut:
    latest = await _latest_answers(client_id)
    return NeedsOut(
        open_needs=_open(latest),
        latest=[
            NeedStatus(need=need, answer=latest[need]["answer"], answered_at=latest[need]["answered_at"])
            for need in NEEDS
            if need in latest
        ],
    )


async def resources_for_client(
    principal: Principal,
    client: ClientRow,
    index: SearchIndex,
    radius_km: float,
    page: int,
    per_page: int,
    text: str = "",
) -> SearchResults:
    """Directory services for the client's open needs near the client's home ZIP, narrowed and ranked by the
    words given (a name, a medication) exactly as the public search ranks them; audited."""
    async with write_transaction(NeedAnswer._meta.db):
        await record_audit(principal, "view", "client_resources", client["id"])
        needs = await open_needs(client["id"])
    if not needs:
        return SearchResults(total=0)
    point = zip_centroid(client["home_postal_code"]) if client["home_postal_code"] else None
    return await index.search(
        SearchQuery(
            latitude=point.latitude if point else None,
            longitude=point.longitude if point else None,
            radius_km=radius_km if point else None,
            filters=ListingFilters(categories=tuple(c for need in needs for c in NEED_CATEGORIES[need])),
            text=text.strip(),
            page=page,
            per_page=per_page,
        )
    )
