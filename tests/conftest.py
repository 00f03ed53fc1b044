"""Test set-up: a throw-away SQLite file, or the PostgreSQL in DATABASE_URL, migrated once per run."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import asynccontextmanager
from pathlib import Path


def _worker_database(url: str, worker: str) -> str:
    """A fresh PostgreSQL database of this xdist worker's own beside the one in `url` (`<name>_gw0`, ...),
    dropped when the worker ends: workers never see each other's rows."""
    import asyncpg

    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
    asyncio.run(run(f'CREATE DATABASE "{own}"'))
    atexit.register(lambda: asyncio.run(run(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')))
    return f"{base}/{own}"


# Must happen before any project module reads settings or builds the engine.
if os.environ.get("DATABASE_URL", "").startswith(("postgresql://", "postgres://")):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["DATABASE_URL"] = _worker_database(os.environ["DATABASE_URL"], os.environ["PYTEST_XDIST_WORKER"])
else:
    _test_directory = tempfile.mkdtemp(prefix="directory-tests-")
    atexit.register(shutil.rmtree, _test_directory, ignore_errors=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(_test_directory) / 'test.sqlite'}"
os.environ.setdefault("GEOCODER", "offline")
# Tests call the public API far faster than a person; the rate-limit tests turn the limit back on.
os.environ.setdefault("PUBLIC_RATE_LIMIT", "0")
# Cheap argon2 parameters: the suite creates and signs in hundreds of accounts (production refuses this profile).
os.environ.setdefault("PASSWORD_HASHING", "test-only")

import pytest  # noqa: E402
from litestar.testing import AsyncTestClient  # noqa: E402

import server  # noqa: E402,F401  (sets PICCOLO_CONF)
from kernel.database import run_migrations  # noqa: E402
from tests.apps import app_for_test  # noqa: E402
from tests.saved_states import restore_or_build  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Open Referral schemas and sample packages, copied into the repo (see tests/fixtures/README.md).
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
SEED_DATA = PROJECT_ROOT / "seed_data"


async def in_app_loop(test_client, work):
    """Await `work()` on the running app's event loop: on PostgreSQL the app's connection pool lives there,
    so a test that reads or changes the database while the app runs must go through it."""
    return await asyncio.to_thread(test_client.blocking_portal.call, work)


@asynccontextmanager
async def bypassing_guards():
    """Run with the append-only triggers out of the way, as a database owner could (test set-up and the
    tamper tests, which play someone who disabled them). One transaction; the triggers are back after it."""
    from server.piccolo_conf import DB

    async with DB.transaction():
        if DB.engine_type == "postgres":
            await DB.run_ddl("SET LOCAL session_replication_role = replica")
            yield
            return
        triggers = await DB.run_ddl(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'append_only_%'"
        )
        for trigger in triggers:
            await DB.run_ddl(f'DROP TRIGGER "{trigger["name"]}"')
        yield
        for trigger in triggers:
            await DB.run_ddl(trigger["sql"])


async def _reset_database() -> None:
    async with bypassing_guards():
        await _delete_everything()
    from directory.taxonomy.reference_data import install_reference_data

    await install_reference_data()


async def _delete_everything() -> None:
    from accounts.tables import Account, ApiToken, AuditEvent, CareTeam, SessionRecord
    from directory.tables import (
        Accessibility,
        Address,
        Attribute,
        CostOption,
        DirectoryRevision,
        GeocodeCache,
        Language,
        ListingReport,
        Location,
        Organization,
        Phone,
        Schedule,
        SearchDocument,
        Service,
        ServiceAtLocation,
        ServiceCapacity,
        SyncedService,
        SyncSource,
        TaxonomyMapping,
        TaxonomyTerm,
    )
    from referrals.tables import (
        Client,
        Consent,
        Disclosure,
        FollowUp,
        FollowUpAttempt,
        LedgerCheckpoint,
        LedgerHead,
        NeedAnswer,
        Referral,
        ReferralEvent,
    )

    for table in (
        FollowUpAttempt,
        FollowUp,
        Disclosure,
        ReferralEvent,
        LedgerCheckpoint,
        LedgerHead,
        Referral,
        Consent,
        NeedAnswer,
        Client,
        SessionRecord,
        AuditEvent,
        ApiToken,
        Account,
        CareTeam,
    ):
        await table.delete(force=True)
    for table in (
        SyncedService,
        SyncSource,
        ListingReport,
        Language,
        Phone,
        Schedule,
        Accessibility,
        CostOption,
        ServiceCapacity,
        Attribute,
        Address,
        ServiceAtLocation,
        SearchDocument,
        Service,
        Location,
        Organization,
        TaxonomyTerm,
        TaxonomyMapping,
        GeocodeCache,
        DirectoryRevision,
    ):
        await table.delete(force=True)


@pytest.fixture(autouse=True)
def cheap_password_hashing() -> None:
    """The test-only hashing profile, even after a test started an app with argon2id settings."""
    from accounts.services.passwords import use_password_hashing

    use_password_hashing("test-only")


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> None:
    """Apply migrations once per test run."""
    asyncio.run(run_migrations())


def empty_database() -> None:
    """The migrated directory with its reference data and nothing else (saved once, copied back per test)."""
    restore_or_build("empty", lambda: asyncio.run(_reset_database()))


_modules_on_the_seed: set[str] = set()
"""Modules whose shared seed data (with whatever their module fixtures added) is in the database now."""


@pytest.fixture(autouse=True)
def clean_database(request, migrated_database) -> None:
    """Every test starts from an empty directory, except tests of a saved state of their own (the demo seed,
    the referral tests' world), which restore it instead, and the other tests of a module whose shared seed is
    in place (emptying the database under it would pull it from the module's next tests, in a shuffled order)."""
    if {"seeded", "world"} & set(request.fixturenames) or request.module.__name__ in _modules_on_the_seed:
        return
    empty_database()


def send_csrf_header(test_client):
    """Echo the csrftoken cookie in the X-CSRFToken header, as the app's pages do; returns the client."""

    def add_header(request):
        token = test_client.cookies.get("csrftoken")
        if token and "x-csrftoken" not in request.headers:
            request.headers["x-csrftoken"] = token

    async def add_header_async(request):
        add_header(request)

    is_async = isinstance(test_client, AsyncTestClient)
    test_client.event_hooks = {**test_client.event_hooks, "request": [add_header_async if is_async else add_header]}
    return test_client


@pytest.fixture
async def client():
    """An HTTP client talking to an app as good as new (see tests/apps.py)."""
    async with AsyncTestClient(app=await app_for_test()) as test_client:
        yield send_csrf_header(test_client)


@pytest.fixture(scope="module")
def seeded(request, migrated_database) -> Iterator[None]:
    """The demo seed data, loaded through the CLI as `make run` does (once per test process, then copied back
    at the start of each module that reads it); read-only, shared by the module's tests."""
    seeded_database()
    _modules_on_the_seed.add(request.module.__name__)
    yield
    _modules_on_the_seed.discard(request.module.__name__)


def seeded_database() -> None:
    """The database as `directory-admin seed` leaves it (built once per test process, then copied back)."""
    restore_or_build("seeded", _seed)


def _seed() -> None:
    from click.testing import CliRunner

    from server.cli import directory_group

    empty_database()
    result = CliRunner().invoke(directory_group, ["seed", "--quiet"])
    assert result.exit_code == 0, result.output


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Say which shuffled order ran (`make test` runs quietly, which hides pytest-randomly's own header line)."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        repeat = f"make test PYTEST_ARGS=--randomly-seed={seed}"
        terminalreporter.write_line(f"test order: pytest-randomly seed {seed} ({repeat} repeats it)")
