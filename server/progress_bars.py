"""Progress bars on stderr (rich) for the command line's long work: imports, geocoding, syncs, benchmarks."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from kernel.progress import Progress, ProgressTask

__all__ = ["ProgressBars", "progress_for"]


class _Bar(ProgressTask):
    def __init__(self, bars: RichProgress, task_id: TaskID) -> None:
        self._bars = bars
        self._task_id = task_id

    def advance(self, amount: int = 1) -> None:
        """Move this bar on by `amount` units."""
        self._bars.advance(self._task_id, amount)


class ProgressBars(Progress):
    """One bar per piece of work, drawn on stderr while the `with` block runs."""

    def __init__(self) -> None:
        self._bars = RichProgress(
            TextColumn("{task.description:<32}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        )

    def task(self, description: str, total: int) -> ProgressTask:
        """A new bar with `total` units of work."""
        return _Bar(self._bars, self._bars.add_task(description, total=total))

    def __enter__(self) -> Progress:
        self._bars.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._bars.stop()


def progress_for(quiet: bool) -> Progress:
    """Bars, or nothing at all when the command was asked to be quiet."""
    return Progress() if quiet else ProgressBars()
