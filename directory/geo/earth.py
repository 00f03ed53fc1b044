"""Distances on the earth: one radius for the search index, the HSDS API's proximity filter and the tests."""

from __future__ import annotations

import math

__all__ = ["EARTH_RADIUS_KM", "km_between"]

EARTH_RADIUS_KM = 6371.0088
"""The mean earth radius (IUGG), so every distance the directory shows is measured on the same sphere."""


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle kilometres between two (latitude, longitude) points (haversine)."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
