"""The in-memory search index each app server keeps: nearest, filtered, typo-forgiving search over the search
documents (`directory/search/documents.py`), answered from a snapshot in hand (`snapshot.py`, ranked by
`ranking.py`).

Each app server loads the index from the `search_document` table and reloads it when the directory revision
in the database moves on, so several servers sharing one database agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref

from directory.search.query import SearchQuery
from directory.search.ranking import SearchResults, run_search
from directory.search.snapshot import Snapshot
from directory.tables import DirectoryRevision, SearchDocument
from kernel.long_lived import refreeze_after_replacing

__all__ = ["SearchIndex", "note_directory_change"]

logger = logging.getLogger(__name__)


class SearchIndex:
    """A process's search index, kept current by a background task; searches never wait on the database.

    `start()` (the app's lifespan) loads the first snapshot and starts polling the directory revision
    every `poll_seconds`; when another process changed the directory, a new snapshot is built in a
    worker thread and swapped in while searches go on answering from the one in hand. A change made
    through this process (`note_directory_change`) is seen by its next search: that search waits for
    the reload, once.
    """

    def __init__(self, poll_seconds: float = 1.0) -> None:
        self.poll_seconds = poll_seconds
        self._snapshot: Snapshot | None = None
        self._wanted_revision = 0
        self._lock = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None
        _LIVE_INDEXES.add(self)

    @property
    def revision(self) -> int:
        """The directory revision this index holds (0 before the first load)."""
        return self._snapshot.revision if self._snapshot else 0

    @property
    def size(self) -> int:
        """How many listings are loaded."""
        return self._snapshot.size if self._snapshot else 0

    async def start(self) -> None:
        """Load the first snapshot and start the background check (call once, from the app's lifespan)."""
        await self.refresh()
        self._poller = asyncio.create_task(self._poll(), name="search-index-poll")

    async def stop(self) -> None:
        """Stop the background check."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.refresh()
            except Exception:  # noqa: BLE001 (a database hiccup must not end the background check)
                logger.warning("search index: could not check the directory revision", exc_info=True)

    async def refresh(self) -> Snapshot:
        """Reload if the database holds a newer revision than the snapshot in hand; return the current one."""
        async with self._lock:
            revision = await _database_revision()
            if self._snapshot is None or self._snapshot.revision != revision:
                replacing = self._snapshot is not None
                self._snapshot = await self._load(revision)
                if replacing:
                    refreeze_after_replacing()
            if self._wanted_revision > revision:
                # The database was reset below a revision this process wrote (tests do): stop waiting for it.
                self._wanted_revision = revision
            return self._snapshot

    async def current(self) -> Snapshot:
        """The snapshot to search: the one in hand, unless none is loaded yet or this process changed the
        directory since it was built."""
        snapshot = self._snapshot
        if snapshot is None or snapshot.revision < self._wanted_revision:
            snapshot = await self.refresh()
        return snapshot

    def want(self, revision: int) -> None:
        """A change this process committed: the next search must see at least this revision."""
        self._wanted_revision = max(self._wanted_revision, revision)

    @staticmethod
    async def _load(revision: int) -> Snapshot:
        rows = (
            await SearchDocument.select(
                SearchDocument.service_id,
                SearchDocument.latitude,
                SearchDocument.longitude,
                SearchDocument.categories,
                SearchDocument.facets,
                SearchDocument.text_fields,
                SearchDocument.listing,
            )
            .where(SearchDocument.is_active.eq(True))
            .order_by(SearchDocument.id)
        )
        # Building arrays is CPU work; keep the event loop answering other requests meanwhile.
        return await asyncio.to_thread(Snapshot, rows, revision)

    async def search(self, query: SearchQuery) -> SearchResults:
        """Filter, score and sort listings; return the requested page."""
        snapshot = await self.current()
        return run_search(snapshot, query)


_LIVE_INDEXES: weakref.WeakSet[SearchIndex] = weakref.WeakSet()


def note_directory_change(revision: int) -> None:
    """Tell this process's search indexes that a change it committed moved the directory to `revision`.

    Call it after the transaction commits (before, another search could reload the old state and
    believe it current)."""
    for index in list(_LIVE_INDEXES):
        index.want(revision)


async def _database_revision() -> int:
    row = await DirectoryRevision.select(DirectoryRevision.revision).where(DirectoryRevision.id == 1).first()
    return row["revision"] if row else 0
