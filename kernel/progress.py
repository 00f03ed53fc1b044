"""How far long work got (imports, geocoding, syncs, exports): the interface services report to.

This base shows nothing (tests, the web server); the command line passes `server.progress_bars.ProgressBars`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType

__all__ = ["Progress", "ProgressTask"]


class ProgressTask:
    """One piece of work; `advance` records units done (nothing is shown here)."""

    def advance(self, amount: int = 1) -> None:
        """Record `amount` more units done."""


class Progress(AbstractContextManager["Progress"]):
    """Progress reports that go nowhere: subclasses show them."""

    def task(self, description: str, total: int) -> ProgressTask:
        """A new piece of work with `total` units."""
        return ProgressTask()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        return None
