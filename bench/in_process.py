"""Single-client search latency in process: loads the index, runs the search rotation, prints p50 p95 (ms)."""

import asyncio
import sys
import time

import server  # noqa: F401  (sets PICCOLO_CONF)
from bench.search_queries import percentile, radius_searches
from directory.search.index import SearchIndex
from directory.search.query import ListingFilters, SearchQuery
from directory.search.ranking import run_search


def queries(count: int) -> list[SearchQuery]:
    """The benchmark's radius searches as the index's own query objects."""
    return [
        SearchQuery(
            text=search.words,
            latitude=search.latitude,
            longitude=search.longitude,
            radius_km=search.radius_km,
            filters=ListingFilters(categories=(search.category,)),
        )
        for search in radius_searches(count, seed=3)
    ]


async def main(count: int) -> None:
    """Time `count` searches one after another against a freshly loaded index."""
    index = SearchIndex()
    snapshot = await index.current()
    timings = []
    for query in queries(count):
        started = time.perf_counter()
        run_search(snapshot, query)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"{percentile(timings, 0.5):.3f} {percentile(timings, 0.95):.3f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
