"""Search benchmark: synthetic services over real ZIP centroids, loaded through the import path,
searched in process and over HTTP (uvicorn, 32 connections) on SQLite and PostgreSQL.

    make bench                                  # N = 10,000 and 100,000
    make bench BENCH_ARGS="--sizes 10000"       # one size
    make bench BENCH_ARGS="--million"           # adds N = 1,000,000

PostgreSQL is used when BENCH_POSTGRES_URL is set (an empty database it may fill).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.chart import write_chart

ROOT = Path(__file__).resolve().parent.parent


CATEGORIES = (
    "housing.shelter",
    "food.pantry",
    "transportation.transit_passes",
    "moud.buprenorphine",
    "moud.methadone",
    "mental_health.counseling",
    "harm_reduction.naloxone",
    "legal.legal_aid",
)
WORDS = (
    "community",
    "recovery",
    "hope",
    "bridge",
    "harbor",
    "new",
    "dawn",
    "neighbors",
    "health",
    "center",
    "family",
    "housing",
    "pantry",
    "clinic",
    "services",
    "outreach",
    "care",
    "project",
    "house",
    "support",
)
IMPORT_BATCH = 100_000
QUERIES = (
    "search=bupenorphine&category=moud",
    "search=food%20pantry",
    "category=housing",
    "search=shleter",
    "search=methadon",
    "category=transportation&search=bus%20pass",
    "category=food&walk_in=true",
    "search=suboxone&medication=buprenorphine",
    "category=mental_health",
    "search=naloxone",
)


def write_package(directory: Path, size: int, seed: int = 7, first: int = 0) -> None:
    """An HSDS 3.0 CSV package of `size` services (numbered from `first`) at random real ZIP centroids."""
    import zipcodes

    from directory.services.taxonomy import term_id

    rng = random.Random(seed + first)
    zips = [z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["lat"]]
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        name: (directory / f"{name}.csv").open("w", newline="")
        for name in ("organizations", "services", "locations", "addresses", "service_at_location", "attributes")
    }
    writers = {name: csv.writer(handle) for name, handle in files.items()}
    writers["organizations"].writerow(["id", "name", "description"])
    writers["services"].writerow(["id", "organization_id", "name", "description", "status"])
    writers["locations"].writerow(["id", "location_type", "name", "latitude", "longitude"])
    writers["addresses"].writerow(
        ["id", "location_id", "address_1", "city", "state_province", "postal_code", "country", "address_type"]
    )
    writers["service_at_location"].writerow(["id", "service_id", "location_id"])
    writers["attributes"].writerow(["id", "link_id", "link_entity", "taxonomy_term_id", "value"])
    for i in range(first, first + size):
        z = rng.choice(zips)
        org_id, service_id, location_id = (str(uuid.UUID(int=(i << 8) | k)) for k in (1, 2, 3))
        category = rng.choice(CATEGORIES)
        name = " ".join(rng.sample(WORDS, 3)).title()
        writers["organizations"].writerow([org_id, f"{name} Org {i}", "Synthetic benchmark organization"])
        writers["services"].writerow(
            [
                service_id,
                org_id,
                f"{name} {category.split('.')[1].replace('_', ' ')}",
                f"Synthetic {category} service",
                "active",
            ]
        )
        lat = float(z["lat"]) + rng.uniform(-0.02, 0.02)
        lng = float(z["long"]) + rng.uniform(-0.02, 0.02)
        writers["locations"].writerow([location_id, "physical", name, f"{lat:.5f}", f"{lng:.5f}"])
        writers["addresses"].writerow(
            [
                str(uuid.UUID(int=(i << 8) | 4)),
                location_id,
                f"{i} Main St",
                z["city"],
                z["state"],
                z["zip_code"],
                "US",
                "physical",
            ]
        )
        writers["service_at_location"].writerow([str(uuid.UUID(int=(i << 8) | 5)), service_id, location_id])
        for k, code in enumerate((category.split(".")[0], category)):
            writers["attributes"].writerow(
                [str(uuid.UUID(int=(i << 8) | 6 + k)), service_id, "service", str(term_id(code)), ""]
            )
    for handle in files.values():
        handle.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def http_load(port: int, paths: list[str], connections: int, seconds: float) -> tuple[float, list[float]]:
    """Keep-alive GETs from `connections` concurrent clients for `seconds`; returns req/s and latencies."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = offset
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
            await writer.drain()
            length = 0
            status = await reader.readline()
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            if not status.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"{path}: {status!r}")
            latencies.append((time.perf_counter() - started) * 1000)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(connections)))
    return len(latencies) / (time.perf_counter() - started), latencies


def search_paths(count: int, seed: int = 11) -> list[str]:
    import zipcodes

    rng = random.Random(seed)
    zips = [z for z in zipcodes.list_all() if z["zip_code_type"] == "STANDARD" and z["lat"]]
    paths = []
    for i in range(count):
        z = rng.choice(zips)
        paths.append(f"/api/services?lat={z['lat']}&lng={z['long']}&radius_km=25&{QUERIES[i % len(QUERIES)]}")
    return paths


def run_one(engine: str, database_url: str, size: int, connections: int, seconds: float) -> dict:
    # The load generator is one address: the public rate limit would turn the benchmark into 429s.
    env = {**os.environ, "DATABASE_URL": database_url, "SEARCH_INDEX_MAX_STALENESS": "5", "PUBLIC_RATE_LIMIT": "0"}
    cli = [sys.executable, "-c", "from server.cli import main; main()"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True, cwd=ROOT)
    import_seconds = 0.0
    # Packages of at most 100,000 services, as a 211 export would arrive; each import is one transaction.
    for first in range(0, size, IMPORT_BATCH):
        count = min(IMPORT_BATCH, size - first)
        with tempfile.TemporaryDirectory() as tmp:
            package = Path(tmp) / "pkg"
            print(f"[{engine} N={size:,}] generating services {first:,}-{first + count:,}", file=sys.stderr)
            write_package(package, count, first=first)
            print(f"[{engine} N={size:,}] importing them through the import path", file=sys.stderr)
            started = time.perf_counter()
            subprocess.run(
                [*cli, "import", "--quiet", str(package)], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL
            )
            import_seconds += time.perf_counter() - started
    if engine == "postgresql":
        # Measure the steady state, not autovacuum catching up with the import on our two cores.
        asyncio.run(_vacuum(database_url))
    in_process = subprocess.run(
        [sys.executable, "-m", "bench.in_process", str(300)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "server.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(600):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        paths = search_paths(500)
        asyncio.run(http_load(port, paths[:50], 4, 2.0))  # warm up, loads the index
        floor_rate, floor_latencies = asyncio.run(http_load(port, ["/api/"], connections, seconds))
        search_rate, search_latencies = asyncio.run(http_load(port, paths, connections, seconds))
    finally:
        server.terminate()
        server.wait()
    return {
        "engine": engine,
        "size": size,
        "import_s": import_seconds,
        "p50_ms": float(in_process[0]),
        "p95_ms": float(in_process[1]),
        "floor_rps": floor_rate,
        "search_rps": search_rate,
        "http_p50": percentile(search_latencies, 0.50),
        "http_p95": percentile(search_latencies, 0.95),
        "http_p99": percentile(search_latencies, 0.99),
        "floor_p99": percentile(floor_latencies, 0.99),
    }


async def _vacuum(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    await connection.execute("VACUUM ANALYZE")
    await connection.close()


def reset_postgres(url: str) -> None:
    import asyncpg

    async def drop() -> None:
        connection = await asyncpg.connect(url)
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        await connection.close()

    asyncio.run(drop())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated service counts")
    parser.add_argument("--million", action="store_true", help="also run N = 1,000,000")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even if configured")
    parser.add_argument("--seconds", type=float, default=10.0, help="HTTP load per measurement")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.million else [])
    engines = [("sqlite", None)]
    if os.environ.get("BENCH_POSTGRES_URL") and not args.sqlite_only:
        engines.append(("postgresql", os.environ["BENCH_POSTGRES_URL"]))
    rows = []
    for size in sizes:
        for engine, url in engines:
            if engine == "sqlite":
                descriptor, path = tempfile.mkstemp(suffix=".sqlite")
                os.close(descriptor)
                database_url = f"sqlite:///{path}"
            else:
                reset_postgres(url)
                database_url = url
            try:
                rows.append(run_one(engine, database_url, size, args.connections, args.seconds))
            finally:
                if engine == "sqlite":
                    for suffix in ("", "-wal", "-shm", "-journal"):
                        Path(path + suffix).unlink(missing_ok=True)
    header = (
        f"{'engine':<11}{'services':>10}{'import s':>10}{'p50 ms':>8}{'p95 ms':>8}{'floor r/s':>11}"
        f"{'search r/s':>11}{'ratio':>7}{'http p50':>9}{'p95':>7}{'p99':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['engine']:<11}{r['size']:>10,}{r['import_s']:>10.1f}{r['p50_ms']:>8.2f}{r['p95_ms']:>8.2f}"
            f"{r['floor_rps']:>11.0f}{r['search_rps']:>11.0f}{r['search_rps'] / r['floor_rps']:>7.0%}"
            f"{r['http_p50']:>9.1f}{r['http_p95']:>7.1f}{r['http_p99']:>7.1f}"
        )
    print(
        f"(in-process p50/p95: single client over the query mix; HTTP: uvicorn, 1 worker, "
        f"{args.connections} connections, {args.seconds:g} s each; floor = GET /api/)"
    )
    chart = write_chart(rows, ROOT / "bench" / "results" / "search-benchmark.svg", args.connections)
    print(f"chart: {chart}")


if __name__ == "__main__":
    main()
