"""Referrals feed back into the directory: a listing found wrong is flagged for re-verification."""

from __future__ import annotations

import datetime as dt

from directory.services.reverification import flag_for_reverification

__all__ = ["LISTING_WRONG_REASONS", "flag_listing_if_wrong"]

LISTING_WRONG_REASONS = ("no_capacity", "could_not_contact_agency", "service_not_offered")
"""Reasons a referral was rejected or failed that say the listing, not the client, was the problem."""


async def flag_listing_if_wrong(referral: dict, event: dict, now: dt.datetime) -> bool:
    """Flag the referral's listing when the event rejects or fails it for a listing reason."""
    if event["to_status"] not in ("rejected", "failed") or event["reason_code"] not in LISTING_WRONG_REASONS:
        return False
    return await flag_for_reverification(referral["service_at_location"], event["reason_code"], now)
