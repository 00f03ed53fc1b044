"""Geocoding: coordinates on the record, then the configured geopy geocoder, then offline centroids.

Every answer is cached in the database by its normalised query, so no address is geocoded twice.
A geocoder that is down or slow falls back to ZIP centroids from the `zipcodes` package or city centres
from the gazetteer, and is skipped for a while (a simple circuit breaker) so requests don't each wait
for its timeout.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service

from directory.geo.gazetteer import gazetteer
from directory.tables import GeocodeCache
from kernel.settings import Settings

__all__ = [
    "GeocodePoint",
    "address_centroid",
    "address_text",
    "Geocoder",
    "city_centroid",
    "load_offline_tables",
    "normalise_query",
    "zip_centroid",
    "zip_timezone",
]

log = logging.getLogger(__name__)

ZIP_PATTERN = re.compile(r"\b(\d{5})(?:-\d{4})?\b")


@dataclass(frozen=True)
class GeocodePoint:
    """A coordinate and how it was found: `address`, `zip`, `city` or `source` (the record's own)."""

    latitude: float
    longitude: float
    precision: str
    geocoder: str


@cache
def _zip_table() -> dict[str, tuple[float, float, str | None]]:
    import zipcodes

    return {
        z["zip_code"]: (float(z["lat"]), float(z["long"]), z.get("timezone") or None)
        for z in zipcodes.list_all()
        if z["lat"] and z["long"]
    }


def load_offline_tables() -> None:
    """Build the ZIP table and the gazetteer now (about a second of CPU), so no request pays for it:
    the app's start-up calls this in a worker thread before serving."""
    _zip_table()
    gazetteer()


def zip_centroid(postal_code: str | None) -> GeocodePoint | None:
    """The centroid of a US ZIP code (5 digits, ZIP+4 accepted), or None."""
    if not postal_code:
        return None
    match = ZIP_PATTERN.search(postal_code)
    entry = _zip_table().get(match.group(1)) if match else None
    return GeocodePoint(entry[0], entry[1], "zip", "offline") if entry else None


def zip_timezone(postal_code: str | None) -> str | None:
    """The IANA time zone of a ZIP code, or None."""
    match = ZIP_PATTERN.search(postal_code or "")
    entry = _zip_table().get(match.group(1)) if match else None
    return entry[2] if entry else None


def city_centroid(city: str | None, state: str | None) -> GeocodePoint | None:
    """The gazetteer's centre of a city (the mean of its ZIP centroids), or None when the city is unknown."""
    if not city or not state:
        return None
    place = gazetteer().exact(city, state)
    return GeocodePoint(place.latitude, place.longitude, "city", "offline") if place else None


def address_centroid(address: dict) -> GeocodePoint | None:
    """The offline point for an HSDS address row: its ZIP centroid, else its city centroid."""
    return zip_centroid(address["postal_code"]) or city_centroid(address["city"], address["state_province"])


def address_text(address: dict) -> str:
    """One line for the geocoder: '1 N Charles St, Baltimore, MD 21201'."""
    region = f"{address['state_province'] or ''} {address['postal_code'] or ''}".strip()
    return ", ".join(p for p in (address["address_1"], address["city"], region) if p)


def normalise_query(text: str) -> str:
    """Case- and spacing-insensitive cache key for an address."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s,#-]", " ", text.casefold())).strip()


def offline_point(text: str) -> GeocodePoint | None:
    """A centroid for free text: a ZIP anywhere in it, else a trailing 'City, ST'."""
    point = zip_centroid(text)
    if point:
        return point
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) >= 2:
        state = parts[-1].split()[0] if parts[-1].split() else ""
        return city_centroid(parts[-2], state)
    return None


class Geocoder:
    """Turns addresses into coordinates with a cache, a geopy geocoder and offline fallbacks."""

    #: After a failure, the online geocoder is skipped for this many seconds.
    cooldown_seconds = 60.0

    def __init__(self, settings: Settings) -> None:
        self.name = settings.geocoder
        self._geocode = self._build_geopy(settings) if settings.geocoder != "offline" else None
        self._skip_online_until = 0.0
        self._lock = threading.Lock()

    @staticmethod
    def _build_geopy(settings: Settings):
        geocoder_class = get_geocoder_for_service(settings.geocoder)
        options: dict[str, object] = {
            "user_agent": settings.geocoder_user_agent,
            "timeout": settings.geocoder_timeout,
        }
        if settings.geocoder_url:
            url = urlsplit(settings.geocoder_url)
            options["domain"] = url.netloc + url.path.rstrip("/")
            options["scheme"] = url.scheme or "https"
        try:
            geocoder = geocoder_class(**options)
        except TypeError:
            # Geocoders without user_agent/domain options (e.g. API-key services) take defaults.
            geocoder = geocoder_class(timeout=settings.geocoder_timeout)
        return RateLimiter(
            geocoder.geocode,
            min_delay_seconds=settings.geocoder_min_delay,
            max_retries=0,
            swallow_exceptions=False,
        )

    async def geocode(self, text: str) -> GeocodePoint | None:
        """Coordinates for an address or place; cached, online if configured, offline otherwise."""
        # Offline answers are cheap to recompute; only what the geocoder said is cached.
        return await self.geocode_online(text) or offline_point(text)

    async def geocode_online(self, text: str) -> GeocodePoint | None:
        """What the configured geocoder says of an address (cached), or None: not configured, down, or no
        answer. No offline centroid stands in for it."""
        key = normalise_query(text)
        if not key:
            return None
        cached = await GeocodeCache.select().where(GeocodeCache.query_key == key).first()
        if cached is not None:
            if cached["latitude"] is None:
                return None
            return GeocodePoint(cached["latitude"], cached["longitude"], cached["precision"], cached["geocoder"])
        point = await self._online(text)
        if point is not None:
            await self._remember(key, point)
        return point

    async def _online(self, text: str) -> GeocodePoint | None:
        if self._geocode is None or time.monotonic() < self._skip_online_until:
            return None
        try:
            location = await asyncio.to_thread(self._geocode, text)
        except (GeopyError, OSError, ValueError) as error:
            # Never log the address itself: it may be a client's home.
            log.warning("geocoder %s failed (%s); using offline centroids", self.name, type(error).__name__)
            with self._lock:
                self._skip_online_until = time.monotonic() + self.cooldown_seconds
            return None
        if location is None:
            return None
        return GeocodePoint(location.latitude, location.longitude, "address", self.name)

    async def _remember(self, key: str, point: GeocodePoint) -> None:
        await (
            GeocodeCache.insert(
                GeocodeCache(
                    id=uuid.uuid4(),
                    query_key=key,
                    latitude=point.latitude,
                    longitude=point.longitude,
                    precision=point.precision,
                    geocoder=point.geocoder,
                )
            )
            .on_conflict(action="DO NOTHING")
            .run()
        )
