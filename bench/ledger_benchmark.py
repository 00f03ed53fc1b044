"""Ledger benchmark: referral creation and transitions through the ledger services, contention on one
referral, and how fast `verify-ledger` checks the chain, on SQLite and PostgreSQL.

    make bench-ledger                                     # 2,000 referrals, 5 events each
    make bench-ledger BENCH_ARGS="--referrals 20000"

Each engine runs in its own process (the engine is chosen from DATABASE_URL at start-up). PostgreSQL
is used when BENCH_POSTGRES_URL is set (an empty database it may fill).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, cast

if TYPE_CHECKING:
    from accounts.rows import AccountRow
    from kernel.principal import Principal
    from referrals.vocabulary import Status

ROOT = Path(__file__).resolve().parent.parent
BENCH_ADDRESS = "ledger benchmark"
"""The address the audit log records for what the benchmark does."""


class _Step(TypedDict, total=False):
    """One partner change of a referral (the fields of ReferralEventIn besides its version)."""

    status: Status
    note: str


STEPS: tuple[_Step, ...] = (
    {"status": "received"},
    {"status": "accepted", "note": "Intake booked"},
    {"status": "in-progress"},
    {"status": "completed", "note": "Attending"},
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _run(referral_count: int) -> dict:
    import datetime as dt
    import uuid

    from piccolo.engine.postgres import PostgresEngine

    import server  # noqa: F401  (sets PICCOLO_CONF)
    from accounts.services.accounts import create_account, create_care_team
    from accounts.services.principal import principal_for_account
    from accounts.services.tokens import issue_token, principal_for_token
    from accounts.tables import Account
    from directory.tables import Location, Organization, Service, ServiceAtLocation
    from kernel.database import run_migrations
    from kernel.settings import Settings
    from referrals.schemas import ClientIn, ConsentIn, ReferralEventIn, ReferralIn
    from referrals.services.clients import create_client, team_client
    from referrals.services.consents import create_consent
    from referrals.services.ledger import verify_ledger
    from referrals.services.referrals import StaleVersion, append_event, create_referral
    from server.progress_bars import ProgressBars

    settings = Settings.from_environment()
    await run_migrations()
    from server.piccolo_conf import DB

    if isinstance(DB, PostgresEngine):
        await DB.start_connection_pool()  # as the app does in its lifespan (SQLite has no pool)
    now = dt.datetime.now(dt.UTC)
    # Unique names, so a PostgreSQL database can take more than one run.
    run_id = uuid.uuid4()
    team = await create_care_team(f"Bench team {run_id}")
    organization = (await Organization.insert(Organization(name="Bench partner")).returning(Organization.id))[0]["id"]

    async def signed_in(role: str, **options) -> Principal:
        email = f"{role}.{run_id}@bench.example"
        account_id = await create_account(email, f"Bench {role}", "bench-password-0000", role, **options)
        row = cast("AccountRow | None", await Account.select().where(Account.id == account_id).first())
        if row is None:
            raise RuntimeError(f"account {account_id} vanished right after it was made")
        return principal_for_account(row, BENCH_ADDRESS)

    manager = await signed_in("care_manager", care_team_id=team)
    # The partner changes referrals from its own system, with a token its partner admin issued.
    partner_admin = await signed_in("partner_staff", organization_id=organization, is_partner_admin=True)
    _, token = await issue_token(partner_admin, organization, "Bench partner system")
    partner = await principal_for_token(token, BENCH_ADDRESS)
    if partner is None:
        raise RuntimeError("the token just issued is not accepted")

    service = (await Service.insert(Service(organization=organization, name="Pantry")).returning(Service.id))[0]["id"]
    location = (await Location.insert(Location(organization=organization, name="Site")).returning(Location.id))[0]["id"]
    place = (
        await ServiceAtLocation.insert(ServiceAtLocation(service=service, location=location)).returning(
            ServiceAtLocation.id
        )
    )[0]["id"]
    created_client = await create_client(manager, ClientIn(preferred_name="Bench client"), now)
    client = await team_client(manager, uuid.UUID(created_client.id))
    consent = await create_consent(
        manager,
        client,
        ConsentIn(
            recipient_organization_id=organization,
            purpose="bench",
            information_scope="contact_and_need",
            expiry_event="end",
            signed_name="Bench",
        ),
        now,
        settings,
    )
    request = ReferralIn(
        client_id=client["id"],
        service_at_location_id=place,
        need="food",
        handoff_type="warm_handoff",
        consent_id=consent["id"],
    )

    created, transitions = [], []
    ids = []
    with ProgressBars() as progress:
        task = progress.task("Referrals and their events", total=referral_count)
        started = time.perf_counter()
        for _ in range(referral_count):
            t0 = time.perf_counter()
            referral = await create_referral(manager, request, now, settings)
            created.append(time.perf_counter() - t0)
            referral_id = uuid.UUID(referral.id)
            version = referral.version
            for step in STEPS:
                t0 = time.perf_counter()
                version = (
                    await append_event(partner, referral_id, ReferralEventIn(version=version, **step), now, settings)
                ).version
                transitions.append(time.perf_counter() - t0)
            ids.append(referral_id)
            task.advance()
        write_seconds = time.perf_counter() - started

    # Contention: 50 changes at once on one referral, all based on the same version.
    contested = await create_referral(manager, request, now, settings)
    contested_id = uuid.UUID(contested.id)

    async def attempt(i: int) -> bool:
        try:
            change = ReferralEventIn(version=contested.version, note=f"n{i}")
            await append_event(partner, contested_id, change, now, settings)
            return True
        except StaleVersion:
            return False

    t0 = time.perf_counter()
    landed = sum(await asyncio.gather(*(attempt(i) for i in range(50))))
    contention_ms = (time.perf_counter() - t0) * 1000

    t0 = time.perf_counter()
    referrals, events, problem = await verify_ledger(settings)
    verify_seconds = time.perf_counter() - t0
    return {
        "referrals": referrals,
        "events": events,
        "create_p50_ms": percentile(created, 0.5) * 1000,
        "create_p95_ms": percentile(created, 0.95) * 1000,
        "event_p50_ms": percentile(transitions, 0.5) * 1000,
        "event_p95_ms": percentile(transitions, 0.95) * 1000,
        "events_per_s": (len(created) + len(transitions)) / write_seconds,
        "contention_landed": landed,
        "contention_ms": contention_ms,
        "verify_s": verify_seconds,
        "verify_events_per_s": events / verify_seconds,
        "verified": problem is None,
    }


def _engine_run(database_url: str, referral_count: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "bench.ledger_benchmark", "--child", "--referrals", str(referral_count)],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=2000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_run(args.referrals))))
        return
    runs = []
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as directory:
        runs.append(("sqlite", _engine_run(f"sqlite:///{directory}/bench.sqlite", args.referrals)))
    if os.environ.get("BENCH_POSTGRES_URL"):
        runs.append(("postgresql", _engine_run(os.environ["BENCH_POSTGRES_URL"], args.referrals)))
    print(
        f"{'engine':<11} {'referrals':>9} {'events':>7} {'create p50/p95 ms':>18} {'event p50/p95 ms':>17} "
        f"{'writes/s':>8} {'50 at once':>14} {'verify s':>8} {'verify ev/s':>11}"
    )
    for engine, r in runs:
        print(
            f"{engine:<11} {r['referrals']:>9,} {r['events']:>7,} "
            f"{r['create_p50_ms']:>8.2f} / {r['create_p95_ms']:<7.2f} "
            f"{r['event_p50_ms']:>7.2f} / {r['event_p95_ms']:<7.2f}"
            f"{r['events_per_s']:>8.0f} {r['contention_landed']:>3} in {r['contention_ms']:>5.0f} ms "
            f"{r['verify_s']:>8.2f} {r['verify_events_per_s']:>11,.0f}" + ("" if r["verified"] else "  LEDGER FAULT")
        )


if __name__ == "__main__":
    main()
