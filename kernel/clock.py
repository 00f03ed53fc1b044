"""The time the app runs on: the system clock, or a clock tests move by hand instead of sleeping."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar.datastructures import State
from litestar.di import NamedDependency

from kernel.problems import TIME_OUT_OF_RANGE, Invalid

__all__ = ["Clock", "FixedClock", "Instant", "Now", "provide_now", "require_plausible"]


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
    clock: Clock = state.clock
    return clock.now()


Instant = Annotated[dt.datetime, msgspec.Meta(tz=True)]
"""A moment given in a request: a date and time with its UTC offset (a bare local time is ambiguous: 400)."""

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def require_plausible(value: dt.datetime | None, name: str) -> None:
    """Invalid unless `value` (when given) lies between 2000 and 2100: no appointment, consent or signature
    is outside that, and times near the calendar's ends would overflow the arithmetic done with them."""
    if value is not None and not EARLIEST <= value < LATEST:
        raise Invalid(TIME_OUT_OF_RANGE, field=name, earliest=EARLIEST.year, latest=LATEST.year)
