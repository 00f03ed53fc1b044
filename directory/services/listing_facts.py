"""What the directory says about one listing (a service at a location): who runs it, and whether it
provides SUD treatment. Consent decisions read these facts, never what a referral declares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from directory.services.rows import as_uuid, json_list
from directory.services.taxonomy import MEDICATIONS
from directory.tables import Attribute, ServiceAtLocation

__all__ = ["SUD_TREATMENT_CODES", "ListingFacts", "listing_facts"]

SUD_TREATMENT_CODES = frozenset({"moud", "moud.methadone", "moud.buprenorphine", "moud.naltrexone"})
"""Categories that make a listing SUD treatment. Recovery support alone (peer coaching) does not: it is
not a treating provider, so a consent must name it."""


@dataclass(frozen=True)
class ListingFacts:
    """The directory's facts about a listing that decide who may be told about a referral to it."""

    service_at_location_id: uuid.UUID
    service_id: uuid.UUID
    organization_id: uuid.UUID
    """The organization that runs the service (the partner whose staff see referrals to it)."""
    provides_sud_treatment: bool
    """It is categorised as MOUD / SUD treatment, or dispenses a MOUD medication."""


async def listing_facts(service_at_location_id: uuid.UUID) -> ListingFacts | None:
    """The facts of one listing, read from the directory tables now; None if there is no such listing."""
    row = (
        await ServiceAtLocation.select(
            ServiceAtLocation.service,
            ServiceAtLocation.service.organization.as_alias("organization"),
            ServiceAtLocation.service.medications.as_alias("medications"),
        )
        .where(ServiceAtLocation.id == service_at_location_id)
        .first()
    )
    if row is None:
        return None
    codes = await Attribute.select(Attribute.taxonomy_term.code.as_alias("code")).where(
        (Attribute.link_id == row["service"]) & (Attribute.link_entity == "service")
    )
    medications = {m for m in json_list(row["medications"]) if m in MEDICATIONS}
    return ListingFacts(
        service_at_location_id=as_uuid(service_at_location_id),
        service_id=as_uuid(row["service"]),
        organization_id=as_uuid(row["organization"]),
        provides_sud_treatment=bool(medications) or any(c["code"] in SUD_TREATMENT_CODES for c in codes),
    )
