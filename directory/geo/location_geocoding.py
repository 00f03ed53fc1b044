"""Fill in coordinates for locations already in the directory (the `geocode` command)."""

from __future__ import annotations

import uuid

from directory.geo.geocoding import Geocoder, address_centroid, address_text
from directory.search.documents import refresh_search_documents
from directory.tables import Address, Location, ServiceAtLocation
from kernel.progress import Progress

__all__ = ["geocode_locations"]


async def geocode_locations(
    geocoder: Geocoder, *, retry_centroids: bool = False, progress: Progress | None = None
) -> dict[str, int]:
    """Geocode locations lacking coordinates (or with only centroids); returns counts by precision."""
    progress = progress or Progress()
    query = Location.select(Location.id, Location.geocode_precision)
    if retry_centroids:
        query = query.where(Location.latitude.is_null() | Location.geocode_precision.is_in(["zip", "city"]))
    else:
        query = query.where(Location.latitude.is_null())
    locations = await query
    counts: dict[str, int] = {}
    changed: list[uuid.UUID] = []
    task = progress.task(f"Geocoding ({geocoder.name})", total=len(locations))
    for location in locations:
        address = (
            await Address.select().where(Address.location == location["id"]).order_by(Address.address_type).first()
        )
        point = None
        if address is not None:
            point = await geocoder.geocode(address_text(address)) or address_centroid(address)
        if point is not None and point.precision != location["geocode_precision"]:
            await Location.update(
                {
                    Location.latitude: point.latitude,
                    Location.longitude: point.longitude,
                    Location.geocode_precision: point.precision,
                }
            ).where(Location.id == location["id"])
            changed.append(location["id"])
        precision = point.precision if point else "none"
        counts[precision] = counts.get(precision, 0) + 1
        task.advance()
    if changed:
        services = await ServiceAtLocation.select(ServiceAtLocation.service).where(
            ServiceAtLocation.location.is_in(changed)
        )
        await refresh_search_documents(sorted({uuid.UUID(str(r["service"])) for r in services}), progress=progress)
    return counts
