"""The application factory: routes, middleware, the lifespan (database pool, search index), OpenAPI."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.plugins.flash import FlashConfig, FlashPlugin
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from piccolo.engine.postgres import PostgresEngine
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from accounts.authentication import PrincipalMiddleware
from accounts.controllers import AuditController, AuthController, TokenController
from accounts.csrf import SIGN_IN_PATH, SessionCSRFMiddleware, csrf_config
from accounts.pages import SIGN_IN_PAGE, AccountPages, PartnerTokenPages
from accounts.services.accounts import demo_accounts_exist
from accounts.services.passwords import use_password_hashing
from accounts.session_store import DatabaseStore
from accounts.sessions import SignedInSessionConfig
from directory.controllers import DirectoryApiController
from directory.geo.geocoding import Geocoder, load_offline_tables
from directory.pages import PublicDirectoryPages
from directory.search.index import SearchIndex
from kernel.clock import Clock, provide_now
from kernel.database import DatabaseHealth, pending_migrations
from kernel.deployment_check import refuse_unsafe_production
from kernel.guards import OPEN_DATA, SESSIONLESS
from kernel.long_lived import freeze_long_lived
from kernel.problems import ProblemCodeSchema
from kernel.settings import PROJECT_ROOT, Settings, SettingsError, provide_settings
from referrals.controllers.clients import ClientController
from referrals.controllers.fhir import FhirController
from referrals.controllers.follow_ups import FollowUpController
from referrals.controllers.listings import ListingVerificationController
from referrals.controllers.referrals import ReferralController
from referrals.pages.listing_reports import ListingReportPages
from referrals.pages.partner import PartnerInboxPages
from referrals.pages.partner_listings import PartnerListingPages
from referrals.pages.workspace import WorkspacePages
from server.api_docs import DOCS_POLICIES, LocalRedoc, LocalSwagger
from server.error_pages import RETRY_AFTER_SECONDS, error_handlers
from server.language import choose_page_language
from server.page_cache import PUBLIC_PAGE_CACHE, KeptPages, public_page_cache
from server.request_rules import check_request, refuse_multipart
from server.security_headers import security_headers
from server.static_assets import StaticAssets, StaticCacheMiddleware
from server.templates import template_config

__all__ = ["create_app", "create_serving_app"]


class Health(msgspec.Struct):
    """Whether the server can serve: the database at its last check, migrations (checked at start-up), search index."""

    status: str
    database: str
    database_reachable: bool
    database_checked_at: dt.datetime
    migrations_applied: bool
    pending_migrations: list[str]
    search_index_revision: int
    search_index_listings: int


@get(
    "/healthz",
    operation_id="getHealth",
    summary="Health check",
    tags=["operations"],
    opt=OPEN_DATA,
    responses={503: ResponseSpec(Health, description="The database did not answer its last check")},
)
async def healthz(state: State) -> Response[Health]:
    """The database as it answered its last check (a background task asks every DATABASE_CHECK_SECONDS; no query
    here), whether every migration was applied at start-up, and the search index state. 503 while unreachable."""
    pending: list[str] = state.pending_migrations
    index: SearchIndex = state.search_index
    database: DatabaseHealth = state.database_health
    status = "database unreachable" if not database.reachable else ("migrations pending" if pending else "ok")
    health = Health(
        status=status,
        database="postgresql" if state.settings.is_postgres else "sqlite",
        database_reachable=database.reachable,
        database_checked_at=database.checked_at,
        migrations_applied=not pending,
        pending_migrations=pending,
        search_index_revision=index.revision,
        search_index_listings=index.size,
    )
    if database.reachable:
        return Response(health)
    return Response(health, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


@asynccontextmanager
async def app_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Open the PostgreSQL pool (SQLite needs none), note pending migrations, start the search index."""
    from server.piccolo_conf import DB

    pooled = isinstance(DB, PostgresEngine)
    if pooled:
        await DB.start_connection_pool()
    index: SearchIndex = app.state.search_index
    database = app.state.database_health = DatabaseHealth(DB, app.state.settings.database_check_seconds)
    try:
        app.state.pending_migrations = await pending_migrations()
        app.state.demo_data = not app.state.pending_migrations and await demo_accounts_exist()
        # CPU work that would otherwise stall the first requests that need it, done before serving.
        await asyncio.to_thread(load_offline_tables)
        await index.start()
        await database.start()
        yield
    finally:
        await database.stop()
        await index.stop()
        if pooled:
            await DB.close_connection_pool()


@asynccontextmanager
async def long_lived_frozen(app: Litestar) -> AsyncIterator[None]:
    """A serving process, once started: what start-up loaded stays out of the garbage collector's way."""
    freeze_long_lived()
    yield


_NOT_COUNTED = ("/healthz", "/static/", "/language/")


async def _is_open_directory(request: Request) -> bool:
    # The open directory, through the API or its pages (a page runs the same search, so it must not get around
    # the limit); sign-in has its own limit; the health check (load balancers), static files and the language
    # switch are not counted.
    path = request.scope["path"]
    if path == SIGN_IN_PATH or path.startswith(_NOT_COUNTED):
        return False
    opt = request.route_handler.opt
    return bool(opt.get("public")) and (path.startswith("/api/") or bool(opt.get(SESSIONLESS)))


COUNTER_STORES = ("login_attempts", "public_reports", "public_requests")
"""The stores of rate-limit counters, by name (each its own namespace in Redis)."""


def _counter_store(settings: Settings, namespace: str) -> Store:
    """Rate-limit counters: in Redis, shared by every app server, when REDIS_URL is set; otherwise in this
    process's memory (no database write per request; each server then counts on its own)."""
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace=namespace)
    return MemoryStore()


def _middleware(settings: Settings) -> list:
    # Sign-in has its own limit, on its routes (accounts.controllers.SignInAttemptsLimit).
    limits = []
    if settings.public_rate_limit > 0:
        limits.append(
            RateLimitConfig(
                rate_limit=("minute", settings.public_rate_limit),
                store="public_requests",
                check_throttle_handler=_is_open_directory,
            ).middleware
        )
    session_config = SignedInSessionConfig(
        store="sessions",
        samesite="strict",
        httponly=True,
        secure=settings.production,
        max_age=12 * 3600,
        exclude_opt_key=SESSIONLESS,
    )
    # Only proxies named in TRUSTED_PROXIES may say who the client is; everyone else is their own address.
    proxies = [
        # uvicorn types it against its own ASGI types, not Litestar's; both are plain ASGI at run time.
        DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))  # type: ignore[arg-type]
    ]
    return [
        *(proxies if settings.trusted_proxies else []),
        refuse_multipart,
        DefineMiddleware(SessionCSRFMiddleware, config=csrf_config(settings.signing_secret, settings.production)),
        *limits,
        session_config.middleware,
        DefineMiddleware(PrincipalMiddleware, exclude_from_auth_key=SESSIONLESS),
    ]


def create_app(settings: Settings | None = None, clock: Clock | None = None, *, serving: bool = False) -> Litestar:
    """Build the Litestar application with these settings (by default read from the environment; SettingsError
    names every variable that cannot be used); tests pass the settings they need and a clock they can move.
    `serving`: a server process (`directory-admin serve`), which freezes its start-up objects (kernel.long_lived)."""
    from server.piccolo_conf import DATABASE_URL

    settings = settings or Settings.from_environment()
    refuse_unsafe_production(settings)
    use_password_hashing(settings.password_hashing)
    if settings.database_url != DATABASE_URL:
        # Piccolo's engine is made once per process, from the environment, when piccolo_conf is imported.
        raise SettingsError(
            {"DATABASE_URL": "these settings name another database than the one Piccolo's engine was made for"},
            heading="create_app cannot use these settings",
        )
    assets = StaticAssets(PROJECT_ROOT / "static", watch=not settings.production)
    templates = template_config(settings, assets)
    return Litestar(
        route_handlers=[
            healthz,
            choose_page_language,
            AccountPages,
            PublicDirectoryPages,
            WorkspacePages,
            PartnerTokenPages,
            PartnerInboxPages,
            PartnerListingPages,
            ListingReportPages,
            DirectoryApiController,
            AuthController,
            TokenController,
            AuditController,
            ClientController,
            ReferralController,
            FhirController,
            FollowUpController,
            ListingVerificationController,
            create_static_files_router(
                path="/static",
                directories=[assets.folder],
                opt=OPEN_DATA,
                include_in_schema=False,
                middleware=[StaticCacheMiddleware(assets)],
            ),
        ],
        middleware=_middleware(settings),
        before_request=check_request,
        before_send=[security_headers(settings.production, settings.map_tile_origin, DOCS_POLICIES)],
        # Problem details for the API, pages for browsers: server/error_pages.py decides which.
        exception_handlers=error_handlers(),
        plugins=[
            ProblemDetailsPlugin(ProblemDetailsConfig()),
            ProblemCodeSchema(),
            FlashPlugin(FlashConfig(template_config=templates)),
        ],
        template_config=templates,
        # Pages and API answers (and NDJSON streams, chunk by chunk) gzipped for clients that accept it; below a
        # kilobyte the saving is under one packet. Level 6: nearly level 9's size for far less CPU.
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=6),
        stores={"sessions": DatabaseStore(), PUBLIC_PAGE_CACHE: KeptPages()}
        | {name: _counter_store(settings, name) for name in COUNTER_STORES},
        response_cache_config=public_page_cache(),
        lifespan=[app_lifespan, *([long_lived_frozen] if serving else [])],
        dependencies={"now": Provide(provide_now), "settings": Provide(provide_settings)},
        state=State(
            {
                "settings": settings,
                "search_index": SearchIndex(settings.search_index_poll_seconds),
                "geocoder": Geocoder(settings),
                "clock": clock or Clock(),
                "pending_migrations": [],
                "demo_data": False,
                "sign_in_page": SIGN_IN_PAGE,
            }
        ),
        openapi_config=OpenAPIConfig(
            title="Community Resource Directory",
            version="0.1.0",
            description="HSDS 3.0 resource directory and referral ledger for SUD care management.",
            path="/schema",
            render_plugins=[LocalSwagger(), LocalRedoc(), JsonRenderPlugin(), YamlRenderPlugin()],
        ),
    )


def create_serving_app() -> Litestar:
    """The app a `directory-admin serve` worker process makes (uvicorn's factory for several workers)."""
    return create_app(serving=True)
