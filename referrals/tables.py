"""Referral-ledger tables: clients so far (consent, referrals and follow-ups come next)."""

from __future__ import annotations

from piccolo.columns import JSON, UUID, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Account, CareTeam

__all__ = ["Client"]


class Client(Table):
    """A person the care team works with. Everything here is private SUD-related information."""

    id = UUID(primary_key=True)
    care_team = ForeignKey(references=CareTeam, index=True)
    assigned_care_manager = ForeignKey(references=Account, null=True, index=True)
    preferred_name = Varchar(length=255)
    contact_methods = JSON(default="[]")
    """[{method: phone|text|email|mail|in_person, value, may_use}]"""
    preferred_language = Varchar(length=20, null=True, default=None)
    home_postal_code = Varchar(length=10, null=True, default=None)
    """For 'near the client' searches."""
    goals = Text(default="")
    """The client's goals in their own words (strengths model)."""
    strengths = Text(default="")
    informal_supports = JSON(default="[]")
    """[{name, relationship, contact, may_contact}] people the client names."""
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
