"""Command line: migrate, seed, import, export, sync, geocode, check and serve (`directory-admin --help`).

Every command starts from the settings, read from the environment once and checked before it runs (a test may
pass its own Settings as the group's `obj`): a variable that cannot be used stops it with one message naming
every such variable, without a traceback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import textwrap
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from accounts.cli import accounts_group
from accounts.services.passwords import use_password_hashing
from kernel.deployment_check import LEVELS, deployment_findings, refuse_unsafe_production
from kernel.settings import PROJECT_ROOT, Settings, SettingsError
from referrals.cli import referrals_group

__all__ = ["directory_group", "main"]

SEED_DIRECTORY = PROJECT_ROOT / "seed_data"
T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


class _SettingsGroup(click.Group):
    """The root group: makes the Settings every command receives as its context's `obj` (unless given one),
    after the command line is read (so `--help` works whatever the environment holds) and before any command
    runs; a SettingsError from anywhere below is printed as one error, without a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Click reads a subcommand's options only after this group runs: note here whether it will show help.
        wanted = args[: args.index("--")] if "--" in args else args
        ctx.meta["shows_help"] = any(arg in ctx.help_option_names for arg in wanted)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            if not isinstance(ctx.obj, Settings) and not ctx.meta.get("shows_help"):
                ctx.obj = Settings.from_environment()
            if isinstance(ctx.obj, Settings):
                use_password_hashing(ctx.obj.password_hashing)
            return super().invoke(ctx)
        except SettingsError as error:
            raise click.ClickException(str(error)) from None


@click.group(name="directory", cls=_SettingsGroup, help="Manage the resource directory.")
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
    click.echo(f"Imported {report.headline()}, in {report.seconds:.1f} s")
    click.echo(f"Database rows written: {written or 'none'}")
    if report.geocoded:
        click.echo("Coordinates by precision: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.geocoded.items())))
    for line in report.lines():
        click.echo(line)
    if report.unmapped_terms:
        click.echo(
            f"{report.unmapped_terms:,} taxonomy terms used by services map to no category: "
            "see `directory-admin taxonomy unmapped`"
        )


async def _import(
    settings: Settings,
    path: Path,
    skip_invalid: bool,
    sample_data: bool,
    source: str | None,
    quiet: bool,
    partial: bool = False,
) -> int:
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
                    geocoder=Geocoder(settings),
                    skip_invalid=skip_invalid,
                    sample_data=sample_data,
                    data_source=source,
                    complete=not partial,
                    progress=progress,
                )
            except ImportFailed as error:
                failure = error
    if failure is not None:
        click.echo(f"Nothing imported from {path}: {failure.report.headline(written=False)}", err=True)
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
    name="import",
    help="Import an HSDS package: a CSV datapackage (a directory or a .zip; 3.0 or 1.x) or a JSON file. Services "
    "its source supplied before and no longer lists become inactive (unless --partial).",
)
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows and report the bad ones.")
@click.option("--sample-data", is_flag=True, help="Mark every organization as made-up demo data.")
@click.option(
    "--source",
    default=None,
    help="Publisher to credit (defaults to the package name); also names the source of a package that names none.",
)
@click.option(
    "--partial", is_flag=True, help="The package holds only some of its source's services: leave the others be."
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.pass_obj
def import_command(
    settings: Settings,
    path: Path,
    skip_invalid: bool,
    sample_data: bool,
    source: str | None,
    partial: bool,
    quiet: bool,
) -> None:
    """Import a package."""
    sys.exit(_run(_import(settings, path, skip_invalid, sample_data, source, quiet, partial)))


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
@click.pass_obj
def geocode_command(settings: Settings, retry_centroids: bool) -> None:
    """Geocode locations without coordinates."""
    from directory.geo.geocoding import Geocoder
    from directory.geo.location_geocoding import geocode_locations
    from server.progress_bars import ProgressBars

    async def run() -> None:
        await _refuse_unmigrated()
        with ProgressBars() as progress:
            counts = await geocode_locations(Geocoder(settings), retry_centroids=retry_centroids, progress=progress)
        click.echo(
            "Locations by precision: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none needed")
        )

    _run(run())


@directory_group.group(name="taxonomy", help="How outside taxonomies (AIRS, Open Eligibility, ...) map to categories.")
def taxonomy_group() -> None:
    """Taxonomy mapping commands."""


@taxonomy_group.command(
    name="unmapped",
    help="Terms services use that map to no category, those leaving the most listings without any category first.",
)
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
        click.echo(f"{'uncategorized':>13}  {'listings':>8}  {'code':<20}  {'taxonomy':<16}  name")
        for term in terms[:limit]:
            click.echo(
                f"{term.uncategorized_listings:>13,}  {term.listings:>8,}  {term.code or '-':<20}  "
                f"{term.taxonomy or '-':<16}  {term.name}"
            )
        click.echo("uncategorized: listings carrying the term that have no category at all.")
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


async def _sync(settings: Settings, url: str, options: dict, quiet: bool) -> int:
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
            max_page_bytes=int(settings.sync_max_page_mb * 1024**2),
            max_service_bytes=int(settings.sync_max_service_mb * 1024**2),
        ) as client:
            with progress_for(quiet) as progress:
                report = await sync_source(
                    client,
                    per_page=options["per_page"],
                    full=options["full"],
                    full_every=dt.timedelta(days=options["full_every"]),
                    data_source=options["source"],
                    geocoder=Geocoder(settings),
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
@click.pass_obj
def sync_command(settings: Settings, url: str, quiet: bool, **options) -> None:
    """Sync from a remote HSDS API."""
    sys.exit(_run(_sync(settings, url, options, quiet)))


async def _seed(settings: Settings, force: bool, quiet: bool) -> int:
    from directory.tables import Service

    if not force and await Service.count() > 0:
        click.echo("Directory already has services; seed data not loaded (use --force to re-import).")
        await _seed_demo_accounts(settings)
        return 0
    for package in sorted(p for p in SEED_DIRECTORY.iterdir() if p.is_dir() and (p / "datapackage.json").exists()):
        sample = package.name.startswith("sample")
        code = await _import(settings, package, skip_invalid=False, sample_data=sample, source=None, quiet=quiet)
        if code:
            return code
    await _seed_demo_accounts(settings)
    return 0


async def _seed_demo_accounts(settings: Settings) -> None:
    from accounts.cli import DEMO_PASSWORD, seed_demo_accounts
    from referrals.demo import seed_demo_referrals

    created = await seed_demo_accounts(settings)
    if created:
        click.echo(f"Demo accounts (password: {DEMO_PASSWORD}; refused when APP_ENV=production):")
        for role, email, name in created:
            click.echo(f"  {role:<14} {email:<28} {name}")
    referrals = await seed_demo_referrals(settings)
    if referrals:
        click.echo(f"Demo clients and referrals: {referrals}, in every status (made-up people).")


@directory_group.command(name="seed", help="Load the demo data in seed_data/ when the directory is empty.")
@click.option("--force", is_flag=True, help="Re-import even if the directory has data (updates in place).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.pass_obj
def seed_command(settings: Settings, force: bool, quiet: bool) -> None:
    """Load seed data."""
    sys.exit(_run(_seed(settings, force, quiet)))


@directory_group.command(
    name="serve", help="Serve the app with uvicorn (HOST, PORT, WORKERS and the other settings from the environment)."
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None, help="Worker processes for this run (default: WORKERS, 1)."
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="warning",
    show_default=True,
    help="uvicorn's log level (info also says when each worker is ready).",
)
@click.pass_obj
def serve_command(settings: Settings, workers: int | None, log_level: str) -> None:
    """Run the web server."""
    import uvicorn

    from server.app import create_app

    workers = workers or settings.workers
    # One worker serves the app made here from these settings. Several are processes of their own, each making
    # its app from the environment (the same, checked above): they are refused here what their apps would refuse.
    app = create_app(settings, serving=True) if workers == 1 else None
    refuse_unsafe_production(settings)
    click.echo(
        f"Serving the resource directory on http://{settings.host}:{settings.port}/ "
        f"(staff sign in: /app/sign-in, API: /api/services, docs: /schema/swagger, "
        f"database: {'PostgreSQL' if settings.is_postgres else 'SQLite'})"
    )
    # No access log: query strings can hold a client's address (near=...). X-Forwarded-For is believed
    # only from TRUSTED_PROXIES, by the app itself (uvicorn's own handling would trust 127.0.0.1).
    uvicorn.run(
        app or "server.app:create_serving_app",
        factory=app is None,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        proxy_headers=False,
    )


@directory_group.command(
    name="check",
    help="List what the settings lack or get wrong for production (like Django's `check --deploy`): CRITICAL "
    "stops a production start-up, ERROR fails the check, WARNING is for you to weigh. Exit status 1 when a finding "
    "is at --fail-level or worse.",
)
@click.option(
    "--fail-level",
    type=click.Choice(LEVELS, case_sensitive=False),
    default="ERROR",
    show_default=True,
    help="The least serious finding that fails the check.",
)
@click.pass_obj
def check_command(settings: Settings, fail_level: str) -> None:
    """Check the settings for production."""
    findings = deployment_findings(settings)
    click.echo(f"Checking the settings for production (APP_ENV={settings.app_env}):")
    for finding in findings:
        # The problem wrapped, the fix on a line of its own (it may hold a command to copy).
        lines = [*textwrap.wrap(f"{finding.variable}: {finding.problem}", 110), finding.fix]
        click.echo(f"{finding.level:<9}{lines[0]}")
        for line in lines[1:]:
            click.echo(f"{'':<9}{line}")
    counts = {level: sum(f.level == level for f in findings) for level in LEVELS}
    said = {"CRITICAL": "critical", "ERROR": "error(s)", "WARNING": "warning(s)"}
    click.echo(", ".join(f"{count} {said[level]}" for level, count in counts.items()) if findings else "No findings.")
    worst = LEVELS.index(fail_level.upper())
    sys.exit(1 if any(LEVELS.index(f.level) <= worst for f in findings) else 0)


directory_group.add_command(accounts_group)
directory_group.add_command(referrals_group)


def main() -> None:
    """Entry point of the `directory-admin` console script."""
    directory_group()
