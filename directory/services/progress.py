"""Progress bars for long work (imports, geocoding, benchmarks), silent when nobody is watching."""

from __future__ import annotations

from contextlib import AbstractContextManager
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

__all__ = ["Progress", "ProgressTask"]


class ProgressTask:
    """One bar; `advance` moves it on."""

    def __init__(self, bar: RichProgress | None, task_id: TaskID | None) -> None:
        self._bar = bar
        self._task_id = task_id

    def advance(self, amount: int = 1) -> None:
        """Record `amount` more units done."""
        if self._bar is not None and self._task_id is not None:
            self._bar.advance(self._task_id, amount)


class Progress(AbstractContextManager["Progress"]):
    """A set of progress bars on stderr, or nothing when silent (tests, the web server)."""

    def __init__(self, *, silent: bool = False) -> None:
        self._bar = (
            None
            if silent
            else RichProgress(
                TextColumn("{task.description:<32}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
        )

    @classmethod
    def silent(cls) -> Progress:
        """Progress that shows nothing."""
        return cls(silent=True)

    def task(self, description: str, total: int) -> ProgressTask:
        """A new bar with `total` units of work."""
        if self._bar is None:
            return ProgressTask(None, None)
        return ProgressTask(self._bar, self._bar.add_task(description, total=total))

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
