"""Social-needs screening: dated answers, repeatable at every contact; the latest answer per need counts."""

from __future__ import annotations

import datetime as dt
import uuid

from accounts.services import Principal
from referrals.tables import NeedAnswer

__all__ = ["NEEDS", "NEED_CATEGORIES", "current_needs", "open_needs", "record_screening"]

NEEDS = ("housing", "food", "transportation", "utilities", "safety", "moud")
"""What the screening asks about: the social needs that compete with treatment, plus MOUD / treatment."""

NEED_CATEGORIES: dict[str, tuple[str, ...]] = {
    "housing": ("housing",),
    "food": ("food",),
    "transportation": ("transportation",),
    "utilities": ("benefits",),
    "safety": ("legal", "mental_health"),
    "moud": ("moud",),
}
"""Directory categories that answer each need (utility help sits with benefits; safety with legal aid and crisis)."""

ANSWERS = ("yes", "no", "declined")


async def record_screening(
    principal: Principal, client_id: uuid.UUID, answers: dict[str, str], now: dt.datetime
) -> uuid.UUID:
    """Store one screening's answers, all dated now; returns the screening id."""
    screening_id = uuid.uuid4()
    await NeedAnswer.insert(
        *[
            NeedAnswer(
                id=uuid.uuid4(),
                client=client_id,
                screening=screening_id,
                need=need,
                answer=answer,
                answered_at=now,
                recorded_by=principal.account_id,
            )
            for need, answer in answers.items()
        ]
    )
    return screening_id


async def current_needs(client_id: uuid.UUID) -> dict[str, dict]:
    """The latest answer for each need ever asked about: {need: {answer, answered_at}}."""
    rows = (
        await NeedAnswer.select(NeedAnswer.need, NeedAnswer.answer, NeedAnswer.answered_at)
        .where(NeedAnswer.client == client_id)
        .order_by(NeedAnswer.answered_at)
    )
    latest: dict[str, dict] = {}
    for row in rows:
        latest[row["need"]] = {"answer": row["answer"], "answered_at": row["answered_at"]}
    return latest


async def open_needs(client_id: uuid.UUID) -> list[str]:
    """Needs whose latest answer is yes, in screening order."""
    latest = await current_needs(client_id)
    return [need for need in NEEDS if latest.get(need, {}).get("answer") == "yes"]
