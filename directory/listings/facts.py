"""What the directory says about one listing (a service at a location): who runs it, and whether it
provides SUD treatment. Consent decisions read these facts, never what a referral declares."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from directory.tables import Attribute, ServiceAtLocation
from directory.taxonomy.categories import MEDICATIONS, term_category
from kernel.bulk_rows import as_uuid, json_list

__all__ = [
    "MOUD_CODES",
    "SUD_CATEGORIES",
    "SUD_SUBCATEGORIES",
    "ListingFacts",
    "listing_facts",
    "provides_sud_treatment",
]

SUD_CATEGORIES = ("moud", "harm_reduction")
"""Top-level categories whose listings (and referrals for which) tell that the client uses drugs."""
SUD_SUBCATEGORIES = frozenset({"housing.recovery_housing"})
"""Narrower categories under other needs that tell the same: sober living is housing for people in recovery."""
MOUD_CODES = frozenset({"moud.methadone", "moud.buprenorphine", "moud.naltrexone", "moud.detox"})
"""Sub-categories that are SUD treatment (medications for opioid use disorder, and withdrawal management)."""


def provides_sud_treatment(codes: set[str], medications: set[str]) -> bool:
    """SUD treatment: a MOUD medication or sub-category, or the `moud` category with no narrower one. Peer
    recovery support (`moud.recovery_support`) is SUD-related but no treating provider; nor is harm reduction."""
    if medications or codes & MOUD_CODES:
        return True
    return "moud" in codes and not any(code.startswith("moud.") for code in codes)


@dataclass(frozen=True)
class ListingFacts:
    """The directory's facts about a listing that decide who may be told about a referral to it."""

    service_at_location_id: uuid.UUID
    service_id: uuid.UUID
    organization_id: uuid.UUID
    """The organization that runs the service (the partner whose staff see referrals to it)."""
    provides_sud_treatment: bool
    """A treating provider: it dispenses a MOUD medication or is categorised as SUD treatment."""
    sud_related: bool
    """A referral to it tells that the client uses drugs (treatment, recovery support, recovery housing,
    harm reduction)."""


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
    terms = await Attribute.select(
        Attribute.taxonomy_term.code.as_alias("code"),
        Attribute.taxonomy_term.taxonomy.as_alias("taxonomy"),
        Attribute.taxonomy_term.category.as_alias("category"),
    ).where((Attribute.link_id == row["service"]) & (Attribute.link_entity == "service"))
    medications = {m for m in json_list(row["medications"]) if m in MEDICATIONS}
    # The same categories the listing is found by: an AIRS "Methadone Maintenance" term is moud.methadone.
    categories = {c for c in map(term_category, terms) if c}
    treatment = provides_sud_treatment(categories, medications)
    return ListingFacts(
        service_at_location_id=as_uuid(service_at_location_id),
        service_id=as_uuid(row["service"]),
        organization_id=as_uuid(row["organization"]),
        provides_sud_treatment=treatment,
        sud_related=treatment
        or bool(categories & SUD_SUBCATEGORIES)
        or any(code.split(".")[0] in SUD_CATEGORIES for code in categories),
    )
