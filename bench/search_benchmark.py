"""Search benchmark: synthetic services over real ZIP centroids, imported through the import path, then
loaded with wrk at 32 connections on SQLite and PostgreSQL, next to a plain asyncpg + PostGIS yardstick.

    make bench                                  # N = 10,000 and 100,000
    make bench BENCH_ARGS="--sizes 100000"      # one size
    make bench BENCH_ARGS="--million"           # adds N = 1,000,000

For each size and engine the services are imported, then `directory-admin serve` is loaded by wrk
(bench/wrk_rotate.lua): first the constant `GET /api/` (the floor), then category + radius searches
around 2,000 real ZIP centroids, some with words, then the same searches as the public results page
(`/?near=...`, HTML) and 2,000 listing pages. The yardstick (bench/yardstick.py) answers the same
searches from the same listings in PostgreSQL. Each server runs with 1 uvicorn worker, then with as
many as the machine has cores (--workers): the yardstick's PostgreSQL backends use the other cores
even with one worker, our search (its index in process) only with more workers. At the end: one
table, the project's targets (p99 <= 50 ms with no timeouts; 1.5 x the yardstick's req/s, at the
same worker count and each at its best; the results page at >= 3,000 req/s with the search's p99), and
the chart bench/results/search-benchmark.svg.

PostgreSQL is used when BENCH_POSTGRES_URL is set: a database the benchmark may empty and fill,
created if missing (`make bench` sets it to bench_search on 127.0.0.1:5432). The yardstick runs
whenever that server is reachable and has PostGIS, even with --sqlite-only.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.chart import write_chart
from bench.search_queries import CATEGORIES, radius_searches, standard_zip_codes

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).with_name("wrk_rotate.lua")
CHART = ROOT / "bench" / "results" / "search-benchmark.svg"
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
ROTATION_SIZE = 2_000
WRK_TIMEOUT = "2s"
P99_TARGET_MS = 50.0
PAGE_RATE_TARGET = 3_000.0
"""The public results page's req/s target at 32 connections (its p99 target is the search's)."""
YARDSTICK_RATIO_TARGET = 1.5
FLOOR_ROUTE = "/api/ (floor)"
SEARCH_ROUTE = "search (category+radius)"
PAGE_ROUTE = "results page (/?near=)"
LISTING_ROUTE = "listing page"
YARDSTICK_ROUTE = "yardstick (asyncpg)"


def listing_id(i: int) -> uuid.UUID:
    """The service_at_location id `write_package` gives service number `i`."""
    return uuid.UUID(int=(i << 8) | 5)


def write_package(directory: Path, size: int, seed: int = 7, first: int = 0) -> None:
    """An HSDS 3.0 CSV package of `size` services (numbered from `first`) at random real ZIP centroids."""
    from directory.taxonomy.categories import term_id

    rng = random.Random(seed + first)
    zips = standard_zip_codes()
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
        writers["service_at_location"].writerow([str(listing_id(i)), service_id, location_id])
        for k, code in enumerate((category.split(".")[0], category)):
            writers["attributes"].writerow(
                [str(uuid.UUID(int=(i << 8) | 6 + k)), service_id, "service", str(term_id(code)), ""]
            )
    for handle in files.values():
        handle.close()


@dataclass
class Measurement:
    """One wrk run against one route of one server holding `size` services."""

    engine: str
    size: int
    route: str
    workers: int
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    timeouts: int
    socket_errors: int
    statuses: dict[str, int]
    failures: dict[str, str]
    import_s: float | None = None
    in_process_p50_ms: float | None = None
    in_process_p95_ms: float | None = None

    @property
    def non_2xx(self) -> int:
        """Responses whose status is not 2xx."""
        return sum(count for status, count in self.statuses.items() if not status.startswith("2"))

    @property
    def errors(self) -> int:
        """Non-2xx responses plus connect, read and write errors."""
        return self.non_2xx + self.socket_errors


@dataclass
class Harness:
    """Runs servers and wrk for the benchmark; keeps its temp files in `workdir` and what looked wrong in `notes`."""

    workdir: Path
    connections: int
    threads: int
    seconds: float
    worker_counts: list[int]
    notes: list[str] = field(default_factory=list)

    def progress(self, label: str, text: str) -> None:
        print(f"[{label}] {text}", file=sys.stderr, flush=True)

    @contextmanager
    def serving(
        self, name: str, command: Callable[[int], list[str]], env: dict[str, str], workers: int = 1
    ) -> Iterator[int]:
        """Start a server on a free port (uvicorn logging at info), wait until /healthz answers and each of
        its `workers` has said it is ready, yield the port; always stop it."""
        for attempt in range(3):
            port = _free_port()
            log_path = self.workdir / f"{name}-{port}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    command(port),
                    env={**env, "PORT": str(port)},
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                if _wait_until_healthy(process, port) and _wait_for_ready_workers(process, log_path, workers):
                    break
                log_text = log_path.read_text(errors="replace")
                # Another process may have taken the port between our probe and the server's bind.
                if "address already in use" in log_text.lower() and attempt < 2:
                    continue
                raise RuntimeError(f"{name} did not start (exit {process.returncode}):\n{log_text[-3000:]}")
            except BaseException:
                _stop(process)
                raise
        try:
            yield port
        finally:
            _stop(process)
            self._note_server_log(name, log_path)

    def _note_server_log(self, name: str, log_path: Path) -> None:
        """Keep what the server logged beyond its start-up lines: warnings, errors, tracebacks."""
        lines = [
            line
            for line in log_path.read_text(errors="replace").splitlines()
            if line.strip() and not line.startswith(("Serving the resource directory", "INFO"))
        ]
        if lines:
            shown = "\n    ".join(lines[:25]) + (f"\n    ... {len(lines) - 25} more lines" if len(lines) > 25 else "")
            self.notes.append(f"{name} logged {len(lines)} lines:\n    {shown}")

    def wrk(self, port: int, paths: list[str]) -> dict:
        """One wrk run rotating through `paths`; the WRK_RESULT line of bench/wrk_rotate.lua, parsed."""
        paths_file = self.workdir / f"paths-{port}-{time.monotonic_ns()}.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        command = [
            "wrk",
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{self.seconds:g}s",
            "--latency",
            "--timeout",
            WRK_TIMEOUT,
            "-s",
            str(WRK_SCRIPT),
            f"http://127.0.0.1:{port}",
            "--",
            str(paths_file),
        ]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=self.seconds + 120)
        finally:
            paths_file.unlink(missing_ok=True)
        result = next((line for line in completed.stdout.splitlines() if line.startswith("WRK_RESULT ")), None)
        if completed.returncode != 0 or result is None:
            raise RuntimeError(f"wrk failed (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
        return json.loads(result.removeprefix("WRK_RESULT "))

    def measure(
        self, label: str, engine: str, size: int, route: str, workers: int, port: int, paths: list[str]
    ) -> Measurement:
        """wrk on `paths`, as a table row; prints a progress line."""
        label = f"{label}, {workers} worker{'s' if workers > 1 else ''}"
        self.progress(label, f"wrk {route}: {self.connections} connections, {self.seconds:g} s ...")
        raw = self.wrk(port, paths)
        errors = raw["errors"]
        measurement = Measurement(
            engine=engine,
            size=size,
            route=route,
            workers=workers,
            requests_per_s=raw["requests"] / (raw["duration_us"] / 1e6),
            p50_ms=raw["p50_us"] / 1000,
            p90_ms=raw["p90_us"] / 1000,
            p99_ms=raw["p99_us"] / 1000,
            max_ms=raw["max_us"] / 1000,
            timeouts=errors["timeout"],
            socket_errors=errors["connect"] + errors["read"] + errors["write"],
            statuses=raw["statuses"],
            failures=raw["failures"],
        )
        self.progress(
            label,
            f"wrk {route}: {measurement.requests_per_s:,.0f} req/s, p50 {measurement.p50_ms:.1f} ms, "
            f"p90 {measurement.p90_ms:.1f} ms, p99 {measurement.p99_ms:.1f} ms, "
            f"{measurement.timeouts} timeouts, {measurement.errors} errors",
        )
        return measurement

    def import_services(self, label: str, env: dict[str, str], size: int) -> float:
        """Migrate, then import `size` synthetic services in packages of at most 100,000; seconds importing."""
        subprocess.run([*ADMIN, "migrate"], env=env, check=True, capture_output=True, cwd=ROOT)
        import_seconds = 0.0
        # Packages of at most 100,000 services, as a 211 export would arrive; each import is one transaction.
        for first in range(0, size, IMPORT_BATCH):
            count = min(IMPORT_BATCH, size - first)
            package = self.workdir / "package"
            try:
                self.progress(label, f"generating services {first:,}-{first + count:,}")
                write_package(package, count, first=first)
                self.progress(label, "importing them through the import path")
                started = time.perf_counter()
                # --partial: each batch is part of one source, and must not make the batches before it inactive.
                imported = subprocess.run(
                    [*ADMIN, "import", "--partial", str(package)],
                    env=env,
                    check=True,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                import_seconds += time.perf_counter() - started
                self.progress(label, imported.stdout.strip())
            finally:
                shutil.rmtree(package, ignore_errors=True)
        return import_seconds

    def measure_app(self, engine: str, database_url: str, size: int) -> list[Measurement]:
        """Import, time searches in process, then wrk the floor and the search rotation over HTTP."""
        label = f"{engine} N={size:,}"
        # One load generator is one address: the public rate limit would turn the benchmark into 429s.
        env = {**os.environ, "DATABASE_URL": database_url, "HOST": "127.0.0.1", "PUBLIC_RATE_LIMIT": "0"}
        import_s = self.import_services(label, env, size)
        if engine == "postgresql":
            # Measure the steady state, not autovacuum catching up with the import on our two cores.
            asyncio.run(_execute(database_url, "VACUUM ANALYZE"))
        in_process = subprocess.run(
            [sys.executable, "-m", "bench.in_process", "300"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout.split()
        self.progress(label, f"in process, one client: p50 {in_process[0]} ms, p95 {in_process[1]} ms")
        searches = radius_searches(ROTATION_SIZE)
        paths = [search.app_path(by_zip=i % 2 == 0) for i, search in enumerate(searches)]
        # The public pages people load: the same searches as results pages, and listings picked at random.
        page_paths = [search.page_path(by_zip=i % 2 == 0) for i, search in enumerate(searches)]
        listing_paths = [f"/listings/{listing_id(i)}" for i in random.Random(13).sample(range(size), min(size, 2_000))]
        rows = []

        def command(workers: int, _port: int) -> list[str]:
            return [*ADMIN, "serve", "--workers", str(workers), "--log-level", "info"]  # PORT from the environment

        for workers in self.worker_counts:
            with self.serving(f"app-{engine}-{size}-w{workers}", partial(command, workers), env, workers) as port:
                self.progress(label, f"directory-admin serve on port {port}; warming up (loads the search index)")
                _warm_up(port, [s.app_path(by_zip=False) for s in radius_searches(20 * workers, seed=5)])
                rows.append(self.measure(label, engine, size, FLOOR_ROUTE, workers, port, ["/api/"]))
                rows.append(self.measure(label, engine, size, SEARCH_ROUTE, workers, port, paths))
                rows.append(self.measure(label, engine, size, PAGE_ROUTE, workers, port, page_paths))
                rows.append(self.measure(label, engine, size, LISTING_ROUTE, workers, port, listing_paths))
        first_search = rows[1]
        first_search.import_s = import_s
        first_search.in_process_p50_ms, first_search.in_process_p95_ms = float(in_process[0]), float(in_process[1])
        return rows

    def measure_yardstick(self, postgres_url: str, source_url: str, size: int) -> list[Measurement]:
        """Load the yardstick table from `source_url`'s listings, serve it, wrk the same search rotation."""
        from bench.yardstick import load_yardstick

        label = f"postgis N={size:,}"
        started = time.perf_counter()
        count = asyncio.run(load_yardstick(postgres_url, source_url))
        self.progress(label, f"yardstick_listing: {count:,} listings loaded in {time.perf_counter() - started:.1f} s")
        env = {**os.environ, "YARDSTICK_DATABASE_URL": postgres_url}
        paths = [search.yardstick_path() for search in radius_searches(ROTATION_SIZE)]

        def command(workers: int, port: int) -> list[str]:
            return [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.yardstick:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "info",
                "--no-access-log",
            ]

        rows = []
        for workers in self.worker_counts:
            with self.serving(f"yardstick-{size}-w{workers}", partial(command, workers), env, workers) as port:
                self.progress(label, f"yardstick on port {port}")
                _warm_up(port, [s.yardstick_path() for s in radius_searches(20 * workers, seed=5)])
                rows.append(self.measure(label, "postgis", size, YARDSTICK_ROUTE, workers, port, paths))
        return rows


def _admin_command() -> list[str]:
    """`directory-admin` from this virtualenv (or the same CLI through this interpreter)."""
    script = Path(sys.executable).with_name("directory-admin")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from server.cli import main; main()"]


ADMIN = _admin_command()


def _free_port() -> int:
    """A port the kernel picks at random from the free ephemeral ones."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(process: subprocess.Popen, port: int, seconds: float = 180.0) -> bool:
    """True once GET /healthz answers 200; False if the process exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no answer from http://127.0.0.1:{port}/healthz within {seconds:g} s")


def _stop(process: subprocess.Popen) -> None:
    """Stop a server we started (its own process group), politely, then not."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _wait_for_ready_workers(process: subprocess.Popen, log_path: Path, workers: int, seconds: float = 300.0) -> bool:
    """Wait until each uvicorn worker has logged that its start-up (the search index load) is complete."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if log_path.read_text(errors="replace").count("Application startup complete") >= workers:
            return True
        time.sleep(0.2)
    return False


def _warm_up(port: int, paths: list[str]) -> None:
    """A few requests one at a time, so the first wrk second does not pay for loading the index."""
    for path in paths:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=600) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"warm-up {path}: {error.code} {error.read()[:500]!r}") from None


async def _execute(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _display(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def prepare_postgres(url: str) -> bool:
    """Whether the PostgreSQL database at `url` can be used; creates the database if it is missing."""
    import asyncpg

    async def connect() -> None:
        try:
            connection = await asyncpg.connect(url, timeout=5)
        except asyncpg.InvalidCatalogNameError:
            parts = urlsplit(url)
            name = parts.path.lstrip("/")
            server = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")), timeout=5)
            try:
                await server.execute(f'CREATE DATABASE "{name.replace(chr(34), chr(34) * 2)}"')
            finally:
                await server.close()
            print(f"created database {name}", file=sys.stderr)
            connection = await asyncpg.connect(url, timeout=5)
        await connection.close()

    try:
        asyncio.run(connect())
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        print(
            f"PostgreSQL at {_display(url)} is not usable ({error}): no PostgreSQL run, no yardstick", file=sys.stderr
        )
        return False
    return True


def postgis_available(url: str) -> bool:
    """Whether PostGIS can be enabled in the database at `url` (it is, as a side effect)."""
    import asyncpg

    try:
        asyncio.run(_execute(url, "CREATE EXTENSION IF NOT EXISTS postgis"))
    except asyncpg.PostgresError as error:
        print(
            f"PostGIS cannot be enabled ({error}): no yardstick. "
            "Install it on the database server, e.g. apt-get install -y postgresql-15-postgis-3",
            file=sys.stderr,
        )
        return False
    return True


def print_table(rows: list[Measurement], connections: int, seconds: float) -> None:
    header = (
        f"{'engine':<11}{'N':>10}  {'route':<26}{'workers':>8}{'req/s':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'timeouts':>10}{'errors':>8}{'import s':>10}{'1-client p50/p95 ms':>21}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        extra = ""
        if row.import_s is not None:
            extra = f"{row.import_s:>10.1f}{row.in_process_p50_ms:>12.2f} / {row.in_process_p95_ms:<6.2f}"
        print(
            f"{row.engine:<11}{row.size:>10,}  {row.route:<26}{row.workers:>8}{row.requests_per_s:>8,.0f}"
            f"{row.p50_ms:>9.1f}{row.p90_ms:>9.1f}{row.p99_ms:>9.1f}{row.timeouts:>10}{row.errors:>8}{extra}"
        )
    print(
        f"(wrk -t2 -c{connections} -d{seconds:g}s --timeout {WRK_TIMEOUT} on the same {os.cpu_count()} cores; "
        f"workers = uvicorn worker processes; search = category + radius around {ROTATION_SIZE:,} ZIP centroids, "
        "1 in 4 with words; the yardstick gets the same places and categories without words. Latency percentiles "
        "leave out timed-out requests; errors = non-2xx responses + socket errors. 1-client: in process, no HTTP.)"
    )


def print_targets(rows: list[Measurement]) -> None:
    """The project's two targets for our search, PASS or MISS per engine and size (reported, not enforced)."""
    searches = [row for row in rows if row.route == SEARCH_ROUTE]
    yardsticks = [row for row in rows if row.route == YARDSTICK_ROUTE]
    print()
    print(f"Target: search p99 <= {P99_TARGET_MS:g} ms and 0 timeouts")
    for row in searches:
        met = row.p99_ms <= P99_TARGET_MS and row.timeouts == 0
        print(
            f"  {row.engine:<11}{row.size:>10,}  {row.workers} worker(s)  p99 {row.p99_ms:8.1f} ms, "
            f"{row.timeouts:>5} timeouts   {'PASS' if met else 'MISS'}"
        )
    print(f"Target: results page p99 <= {P99_TARGET_MS:g} ms, 0 timeouts, >= {PAGE_RATE_TARGET:,.0f} req/s")
    for row in rows:
        if row.route == PAGE_ROUTE:
            met = row.p99_ms <= P99_TARGET_MS and row.timeouts == 0 and row.requests_per_s >= PAGE_RATE_TARGET
            print(
                f"  {row.engine:<11}{row.size:>10,}  {row.workers} worker(s)  p99 {row.p99_ms:8.1f} ms, "
                f"{row.timeouts:>5} timeouts, {row.requests_per_s:8,.0f} req/s   {'PASS' if met else 'MISS'}"
            )
    print(f"Target: search req/s >= {YARDSTICK_RATIO_TARGET:g} x the yardstick's req/s")
    for engine, size in dict.fromkeys((row.engine, row.size) for row in searches):
        ours = [row for row in searches if (row.engine, row.size) == (engine, size)]
        theirs = [row for row in yardsticks if row.size == size]
        if not theirs:
            print(f"  {engine:<11}{size:>10,}  no yardstick (needs PostgreSQL with PostGIS)")
            continue
        pairs = [
            (f"{row.workers} worker(s) each", row, yardstick)
            for row in ours
            for yardstick in theirs
            if yardstick.workers == row.workers
        ]
        best = max(ours, key=lambda row: row.requests_per_s)
        best_yardstick = max(theirs, key=lambda row: row.requests_per_s)
        pairs.append((f"each at its best ({best.workers} vs {best_yardstick.workers} workers)", best, best_yardstick))
        for description, row, yardstick in pairs:
            ratio = row.requests_per_s / yardstick.requests_per_s if yardstick.requests_per_s else float("inf")
            verdict = "PASS" if ratio >= YARDSTICK_RATIO_TARGET else "MISS"
            print(
                f"  {engine:<11}{size:>10,}  {description:<40}{row.requests_per_s:8,.0f} / "
                f"{yardstick.requests_per_s:,.0f} = {ratio:.2f} x   {verdict}"
            )


def print_notes(rows: list[Measurement], notes: list[str]) -> None:
    """What did not go as it should: non-2xx answers (with the first body of each status), server logs."""
    for row in rows:
        for status, count in sorted(row.statuses.items()):
            if not status.startswith("2"):
                notes.append(
                    f"{row.engine} N={row.size:,} {row.route}: {count:,} x HTTP {status}, first body: "
                    f"{row.failures.get(status, '')[:300]!r}"
                )
        if row.socket_errors:
            notes.append(f"{row.engine} N={row.size:,} {row.route}: {row.socket_errors:,} connect/read/write errors")
    if notes:
        print()
        print("Noticed:")
        for note in notes:
            print(f"  {note}")


def _stop_on_sigterm() -> None:
    """Turn SIGTERM and SIGHUP into SystemExit so every server is stopped and temp files go."""

    def leave(signum, _frame) -> None:
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated service counts")
    parser.add_argument("--million", action="store_true", help="also run N = 1,000,000")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--seconds", type=float, default=15.0, help="wrk duration of each run")
    parser.add_argument("--sqlite-only", action="store_true", help="no PostgreSQL run (the yardstick still runs)")
    parser.add_argument("--no-yardstick", action="store_true", help="skip the PostGIS yardstick")
    parser.add_argument(
        "--workers",
        default=",".join(sorted({"1", str(os.cpu_count() or 1)})),
        help="comma-separated uvicorn worker counts to run each server with (default: 1 and the core count)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed and `make bench` could not install it: run `apt-get install -y wrk` as root.")
    _stop_on_sigterm()
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.million else [])
    postgres_url = os.environ.get("BENCH_POSTGRES_URL") or None
    if postgres_url is None:
        print("BENCH_POSTGRES_URL is not set: SQLite only, no yardstick", file=sys.stderr)
    elif not prepare_postgres(postgres_url):
        postgres_url = None
    # The PostgreSQL URL for each use, None when that use is skipped.
    app_postgres_url = None if args.sqlite_only else postgres_url
    yardstick_url = (
        postgres_url if postgres_url is not None and not args.no_yardstick and postgis_available(postgres_url) else None
    )
    rows: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="bench-search-") as workdir:
        worker_counts = [int(w) for w in args.workers.split(",")]
        harness = Harness(Path(workdir), args.connections, args.threads, args.seconds, worker_counts)
        for size in sizes:
            sqlite_file = Path(workdir) / f"search-{size}.sqlite"
            rows += harness.measure_app("sqlite", f"sqlite:///{sqlite_file}", size)
            source_url = f"sqlite:///{sqlite_file}"
            if app_postgres_url is not None:
                asyncio.run(_execute(app_postgres_url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
                rows += harness.measure_app("postgresql", app_postgres_url, size)
                source_url = app_postgres_url
            if yardstick_url is not None:
                rows += harness.measure_yardstick(yardstick_url, source_url, size)
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
        notes = harness.notes
    print()
    print_table(rows, args.connections, args.seconds)
    print_targets(rows)
    print_notes(rows, notes)
    chart = write_chart([asdict(row) for row in rows], CHART, args.connections, P99_TARGET_MS)
    print(f"\nchart: {chart.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
