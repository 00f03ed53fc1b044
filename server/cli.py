"""Command line: migrate, seed, import, export, sync, geocode and serve (`directory-admin --help`).

The same click group is mounted in the Litestar CLI (`litestar directory ...`) by a CLI plugin.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from accounts.cli import accounts_group
from kernel.settings import PROJECT_ROOT, get_settings
from referrals.cli import referrals_group

__all__ = ["directory_group", "main"]

SEED_DIRECTORY = PROJECT_ROOT / "seed_data"
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@click.group(name="directory", help="Manage the resource directory.")
def directory_group() -> None:
    """Directory administration commands."""


async def _refuse_unmigrated() -> None:
    """Stop with a clear message, before any work, when the database lacks tables this version needs."""
    from kernel.database import pending_migrations

    pending = await pending_migrations()
    if pending:
        raise click.ClickException(
            f"the database is not migrated ({len(pending)} migrations pending, first {pending[0]}): "
            "run `directory-admin migrate` first"
        )


async def _migrate() -> None:
    from directory.taxonomy.reference_data import install_reference_data
    from kernel.database import run_migrations

    await run_migrations()
    await install_reference_data()


@directory_group.command(name="migrate", help="Apply database migrations and install the category taxonomy.")
def migrate() -> None:
    """Apply migrations."""
    _run(_migrate())
    click.echo("Database is up to date.")


def _print_report(report) -> None:
    written = ", ".join(f"{count:,} {table}" for table, count in report.written.items() if count)
    click.echo(
        f"Imported {report.package} (HSDS {report.hsds_version}) in {report.seconds:.1f} s: {written or 'nothing'}"
    )
    if report.geocoded:
        click.echo("Coordinates by precision: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.geocoded.items())))
    for line in report.lines():
        click.echo(line)
    if report.unmapped_terms:
        click.echo(
            f"{report.unmapped_terms:,} taxonomy terms used by services map to no category: "
            "see `directory-admin taxonomy unmapped`"
        )


async def _import(path: Path, skip_invalid: bool, sample_data: bool, source: str | None, quiet: bool) -> int:
    from directory.geo.geocoding import Geocoder
    from directory.hsds.importer import ImportFailed, import_package, paused_garbage_collection
    from directory.hsds.readers import PackageError, read_package
    from server.progress_bars import progress_for

    await _refuse_unmigrated()
    with paused_garbage_collection():
        try:
            package = read_package(path)
        except PackageError as error:
            click.echo(f"Cannot read {path}: {error}", err=True)
            return 2
        failure = None
        with progress_for(quiet) as progress:
            try:
                report = await import_package(
                    package,
                    geocoder=Geocoder(get_settings()),
                    skip_invalid=skip_invalid,
                    sample_data=sample_data,
                    data_source=source,
                    progress=progress,
                )
            except ImportFailed as error:
                failure = error
    if failure is not None:
        bad_rows = len({problem.origin for problem in failure.report.problems})
        click.echo(f"Nothing imported: {bad_rows:,} row(s) of {path} cannot be imported.", err=True)
        for line in failure.report.lines():
            click.echo(line, err=True)
        click.echo(
            "Fix them, or pass --skip-invalid to import the rest (rows that depend on a left-out row go with it).",
            err=True,
        )
        return 1
    _print_report(report)
    return 0


@directory_group.command(
    name="import", help="Import an HSDS package: a CSV datapackage directory (3.0 or 1.x) or a JSON file."
)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows and report the bad ones.")
@click.option("--sample-data", is_flag=True, help="Mark every organization as made-up demo data.")
@click.option("--source", default=None, help="Publisher to credit (defaults to the package name).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def import_command(path: Path, skip_invalid: bool, sample_data: bool, source: str | None, quiet: bool) -> None:
    """Import a package."""
    sys.exit(_run(_import(path, skip_invalid, sample_data, source, quiet)))


async def _export(target: Path, export_format: str, include_confidential: bool) -> None:
    from directory.hsds.export import export_csv_package, export_json
    from server.progress_bars import ProgressBars

    await _refuse_unmigrated()
    with ProgressBars() as progress:
        if export_format == "json":
            count = await export_json(target, include_confidential=include_confidential, progress=progress)
        else:
            count = await export_csv_package(target, include_confidential=include_confidential, progress=progress)
    click.echo(f"Exported {count} services to {target}")


@directory_group.command(
    name="export", help="Export the directory as HSDS 3.0 (CSV datapackage directory or JSON file)."
)
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--format", "export_format", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--include-confidential", is_flag=True, help="Include addresses of confidential locations.")
def export_command(target: Path, export_format: str, include_confidential: bool) -> None:
    """Export the directory."""
    _run(_export(target, export_format, include_confidential))


@directory_group.command(name="geocode", help="Fill missing coordinates of locations already in the directory.")
@click.option("--retry-centroids", is_flag=True, help="Also retry locations that only have ZIP or city centroids.")
def geocode_command(retry_centroids: bool) -> None:
    """Geocode locations without coordinates."""
    from directory.geo.geocoding import Geocoder
    from directory.geo.location_geocoding import geocode_locations
    from server.progress_bars import ProgressBars

    async def run() -> None:
        await _refuse_unmigrated()
        with ProgressBars() as progress:
            counts = await geocode_locations(
                Geocoder(get_settings()), retry_centroids=retry_centroids, progress=progress
            )
        click.echo(
            "Locations by precision: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none needed")
        )

    _run(run())


@directory_group.group(name="taxonomy", help="How outside taxonomies (AIRS, Open Eligibility, ...) map to categories.")
def taxonomy_group() -> None:
    """Taxonomy mapping commands."""


@taxonomy_group.command(name="unmapped", help="Terms services use that map to no category, most used first.")
@click.option("--limit", default=50, show_default=True, help="How many terms to list.")
def taxonomy_unmapped_command(limit: int) -> None:
    """List unmapped terms."""
    from directory.taxonomy.mapping import unmapped_terms

    async def run() -> None:
        await _refuse_unmigrated()
        terms = await unmapped_terms()
        if not terms:
            click.echo("Every taxonomy term that services use maps to a category.")
            return
        click.echo(f"{len(terms):,} terms used by services map to no category:")
        click.echo(f"{'services':>8}  {'code':<20}  {'taxonomy':<16}  name")
        for term in terms[:limit]:
            click.echo(f"{term.services:>8,}  {term.code or '-':<20}  {term.taxonomy or '-':<16}  {term.name}")
        if len(terms) > limit:
            click.echo(f"… and {len(terms) - limit:,} more (--limit)")
        click.echo("Map one with: directory-admin taxonomy map CODE-PREFIX-OR-NAME CATEGORY")

    _run(run())


@taxonomy_group.command(name="map", help="Map terms whose code starts with MATCH (or named MATCH) to CATEGORY.")
@click.argument("match")
@click.argument("category")
@click.option("--taxonomy", default=None, help="Only terms of this taxonomy (e.g. AIRS).")
def taxonomy_map_command(match: str, category: str, taxonomy: str | None) -> None:
    """Add a mapping and rebuild the listings it changes."""
    from directory.taxonomy.mapping import map_terms

    async def run() -> None:
        await _refuse_unmigrated()
        try:
            changed, rebuilt = await map_terms(match, category, taxonomy)
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
        click.echo(
            f"Mapped {match!r} to {category}: {changed:,} terms changed category, {rebuilt:,} services re-indexed."
        )

    _run(run())


@directory_group.command(name="reindex", help="Re-apply the taxonomy mapping and rebuild every search listing.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def reindex_command(quiet: bool) -> None:
    """Rebuild the search documents."""
    from directory.taxonomy.mapping import reindex
    from server.progress_bars import progress_for

    async def run() -> None:
        await _refuse_unmigrated()
        with progress_for(quiet) as progress:
            count = await reindex(progress)
        click.echo(f"Re-indexed {count:,} services.")

    _run(run())


async def _sync(url: str, options: dict, quiet: bool) -> int:
    from directory.geo.geocoding import Geocoder
    from directory.hsds.sync import HsdsClient, SyncFailed, sync_source
    from server.progress_bars import progress_for

    await _refuse_unmigrated()
    try:
        async with HsdsClient(
            url,
            requests_per_second=options["rate"],
            timeout=options["timeout"],
            max_attempts=options["retries"] + 1,
        ) as client:
            with progress_for(quiet) as progress:
                report = await sync_source(
                    client,
                    per_page=options["per_page"],
                    full=options["full"],
                    full_every=dt.timedelta(days=options["full_every"]),
                    data_source=options["source"],
                    geocoder=Geocoder(get_settings()),
                    progress=progress,
                )
    except SyncFailed as error:
        click.echo(f"Sync of {url} stopped: {error}", err=True)
        click.echo("Pages already written are kept; run the same command again to resume.", err=True)
        return 1
    kind = "full pass" if report.full_pass else "changes only"
    if report.modified_after_ignored:
        kind = "full pass: upstream ignored modified_after"
    if report.resumed_at_page:
        kind += f", resumed at page {report.resumed_at_page}"
    click.echo(
        f"Synced {report.source} ({kind}) in {report.seconds:.1f} s: {report.pages} page{'s' * (report.pages != 1)}, "
        f"{report.services_read} services read; {report.new} new, {report.changed} changed, "
        f"{report.unchanged} unchanged, {report.inactivated} marked inactive "
        f"({report.requests} requests, {report.retries} retried)"
    )
    for problem in report.problems[:200]:
        click.echo(f"  skipped {problem}", err=True)
    if len(report.problems) > 200:
        click.echo(f"  ... and {len(report.problems) - 200} more", err=True)
    return 0


def _http_url(context: click.Context, parameter: click.Parameter, value: str) -> str:
    from directory.hsds.sync import SyncFailed, source_url

    try:
        return source_url(value)
    except SyncFailed as error:
        raise click.BadParameter(str(error)) from None


@directory_group.command(
    name="sync",
    help="Mirror a remote HSDS 3.0 API (its base URL, e.g. https://example.org/api): new and changed services "
    "are imported; services gone upstream become inactive. Resumes an interrupted run.",
)
@click.argument("url", callback=_http_url)
@click.option("--full", is_flag=True, help="Read every service, not only those modified since the last sync.")
@click.option(
    "--full-every",
    type=click.FloatRange(min=0),
    default=7.0,
    show_default=True,
    help="Days after which a sync reads every service again (only full passes find services gone upstream).",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=2.0,
    show_default=True,
    help="At most this many requests per second.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds per request.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="Retries of a request that timed out or got 429/5xx (backing off, honouring Retry-After).",
)
@click.option("--per-page", type=click.IntRange(min=1), default=100, show_default=True, help="Services per page.")
@click.option("--source", default=None, help="Publisher to credit (defaults to each record's own, else the URL).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def sync_command(url: str, quiet: bool, **options) -> None:
    """Sync from a remote HSDS API."""
    sys.exit(_run(_sync(url, options, quiet)))


async def _seed(force: bool, quiet: bool) -> int:
    from directory.tables import Service

    if not force and await Service.count() > 0:
        click.echo("Directory already has services; seed data not loaded (use --force to re-import).")
        await _seed_demo_accounts()
        return 0
    for package in sorted(p for p in SEED_DIRECTORY.iterdir() if p.is_dir() and (p / "datapackage.json").exists()):
        sample = package.name.startswith("sample")
        code = await _import(package, skip_invalid=False, sample_data=sample, source=None, quiet=quiet)
        if code:
            return code
    await _seed_demo_accounts()
    return 0


async def _seed_demo_accounts() -> None:
    from accounts.cli import DEMO_PASSWORD, seed_demo_accounts
    from referrals.demo import seed_demo_referrals

    created = await seed_demo_accounts()
    if created:
        click.echo(f"Demo accounts (password: {DEMO_PASSWORD}; refused when APP_ENV=production):")
        for role, email, name in created:
            click.echo(f"  {role:<14} {email:<28} {name}")
    referrals = await seed_demo_referrals()
    if referrals:
        click.echo(f"Demo clients and referrals: {referrals}, in every status (made-up people).")


@directory_group.command(name="seed", help="Load the demo data in seed_data/ when the directory is empty.")
@click.option("--force", is_flag=True, help="Re-import even if the directory has data (updates in place).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def seed_command(force: bool, quiet: bool) -> None:
    """Load seed data."""
    sys.exit(_run(_seed(force, quiet)))


@directory_group.command(
    name="serve", help="Serve the app with uvicorn (HOST, PORT, DATABASE_URL from the environment)."
)
@click.option("--workers", default=1, show_default=True, help="Worker processes.")
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="warning",
    show_default=True,
    help="uvicorn's log level (info also says when each worker is ready).",
)
def serve_command(workers: int, log_level: str) -> None:
    """Run the web server."""
    import uvicorn

    settings = get_settings()
    click.echo(
        f"Serving the resource directory on http://{settings.host}:{settings.port}/ "
        f"(staff sign in: /app/sign-in, API: /api/services, docs: /schema/swagger, "
        f"database: {'PostgreSQL' if settings.is_postgres else 'SQLite'})"
    )
    # No access log: query strings can hold a client's address (near=...). X-Forwarded-For is believed
    # only from TRUSTED_PROXIES, by the app itself (uvicorn's own handling would trust 127.0.0.1).
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        proxy_headers=False,
    )


directory_group.add_command(accounts_group)
directory_group.add_command(referrals_group)


def main() -> None:
    """Entry point of the `directory-admin` console script."""
    directory_group()
