"""Single-client search latency in process: loads the index, runs the query mix, prints p50 p95 (ms)."""

import asyncio
import random
import sys
import time

import server  # noqa: F401  (sets PICCOLO_CONF)
from bench.search_benchmark import QUERIES, percentile
from directory.services.search_index import SearchIndex, SearchQuery, run_search


def queries(count: int) -> list[SearchQuery]:
    import zipcodes

    rng = random.Random(3)
    zips = [z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["lat"]]
    out = []
    for i in range(count):
        z = rng.choice(zips)
        params = dict(p.split("=") for p in QUERIES[i % len(QUERIES)].split("&"))
        out.append(
            SearchQuery(
                text=params.get("search", "").replace("%20", " "),
                latitude=float(z["lat"]),
                longitude=float(z["long"]),
                radius_km=25.0,
                categories=(params["category"],) if "category" in params else (),
                medication=params.get("medication"),
                walk_in=params.get("walk_in") == "true",
            )
        )
    return out


async def main(count: int) -> None:
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
