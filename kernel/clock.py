"""The time the app runs on: the system clock, or a clock tests move by hand instead of sleeping."""

from __future__ import annotations

import datetime as dt

from litestar.datastructures import State
from litestar.di import NamedDependency

__all__ = ["Clock", "FixedClock", "Now", "provide_now"]


class Clock:
    """Tells the current time in UTC."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        return dt.datetime.now(dt.UTC)


class FixedClock(Clock):
    """A clock that stands still until moved (for tests and demo data)."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def now(self) -> dt.datetime:
        """The time the clock was set to."""
        return self.current

    def advance(self, **delta: float) -> dt.datetime:
        """Move the clock forward, e.g. advance(hours=49)."""
        self.current += dt.timedelta(**delta)
        return self.current


Now = NamedDependency[dt.datetime]
"""A handler parameter `now: Now` receives the clock reading for the request."""


async def provide_now(state: State) -> dt.datetime:
    """Dependency `now`: the app's clock reading for this request."""
    return state.clock.now()
