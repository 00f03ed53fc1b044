"""msgspec Structs for clients (the referral ledger's schemas grow here)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

__all__ = ["ClientIn", "ClientOut", "ClientUpdate", "ContactMethod", "InformalSupport"]

Text = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class ContactMethod(msgspec.Struct, kw_only=True):
    """One way to reach the client, and whether the client agrees to its use."""

    method: Literal["phone", "text", "email", "mail", "in_person"]
    value: Short
    may_use: bool = True


class InformalSupport(msgspec.Struct, kw_only=True):
    """Someone the client names (family, a neighbour, a faith community) and whether they may be contacted."""

    name: Short
    relationship: Short
    contact: Annotated[str, msgspec.Meta(max_length=255)] = ""
    may_contact: bool = False


class ClientIn(msgspec.Struct, kw_only=True):
    """A new client."""

    preferred_name: Short
    contact_methods: list[ContactMethod] = []
    preferred_language: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    home_postal_code: Annotated[str, msgspec.Meta(pattern=r"^\d{5}$")] | None = None
    goals: Text = ""
    strengths: Text = ""
    informal_supports: list[InformalSupport] = []


class ClientUpdate(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Fields to change; those left out stay as they are."""

    preferred_name: Short | None = None
    contact_methods: list[ContactMethod] | None = None
    preferred_language: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    home_postal_code: Annotated[str, msgspec.Meta(pattern=r"^\d{5}$")] | None = None
    goals: Text | None = None
    strengths: Text | None = None
    informal_supports: list[InformalSupport] | None = None


class ClientOut(ClientIn, kw_only=True):
    """A client as their care team sees them."""

    id: str
    care_team_id: str
    assigned_care_manager_id: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
