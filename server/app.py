"""The application factory: routes, database lifespan, search index, OpenAPI and static files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from piccolo.engine.postgres import PostgresEngine

from accounts.controllers import AuditController, AuthController, TokenController
from accounts.csrf import SessionCSRFMiddleware, csrf_config
from accounts.guards import PUBLIC, PrincipalMiddleware
from accounts.session_store import DatabaseStore
from accounts.sessions import SignedInSessionConfig
from directory.controllers import DirectoryApiController, ListingVerificationController
from directory.services.geocoding import Geocoder
from directory.services.search_index import SearchIndex
from kernel.clock import Clock, provide_now
from kernel.database import pending_migrations
from kernel.settings import PROJECT_ROOT, get_settings
from referrals.controllers.clients import ClientController
from referrals.controllers.follow_ups import FollowUpController
from referrals.controllers.referrals import ReferralController
from server.security_headers import security_headers_middleware

__all__ = ["create_app"]


class Health(msgspec.Struct):
    """Whether the server can serve: database engine, migrations, search index."""

    status: str
    database: str
    migrations_applied: bool
    pending_migrations: list[str]
    search_index_revision: int
    search_index_listings: int


@get("/healthz", operation_id="getHealth", summary="Health check", tags=["operations"], opt=PUBLIC)
async def healthz(state: State) -> Health:
    """Database engine, whether every migration is applied, and the search index state."""
    pending = await pending_migrations()
    index: SearchIndex = state.search_index
    return Health(
        status="ok" if not pending else "migrations pending",
        database="postgresql" if get_settings().is_postgres else "sqlite",
        migrations_applied=not pending,
        pending_migrations=pending,
        search_index_revision=index.revision,
        search_index_listings=index.size,
    )


@asynccontextmanager
async def database_lifespan(app: Litestar) -> AsyncIterator[None]:
    """Open the PostgreSQL pool for the app's lifetime (SQLite needs none)."""
    from server.piccolo_conf import DB

    if isinstance(DB, PostgresEngine):
        await DB.start_connection_pool()
        try:
            yield
        finally:
            await DB.close_connection_pool()
    else:
        yield


async def _is_sign_in(request: Request) -> bool:
    # Async on purpose: Litestar runs a sync check in a worker thread, on every request.
    return request.scope["path"] == "/api/auth/login"


async def _is_public_api(request: Request) -> bool:
    # The open directory API; the health check (load balancers) and static pages are not counted.
    return request.scope["path"].startswith("/api/") and bool(request.route_handler.opt.get("public"))


def _rate_limit_store(settings) -> Store:
    """Counters every app server shares: Redis when configured, else the database."""
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="rate_limits")
    return DatabaseStore(namespace="public")


def create_app(clock: Clock | None = None) -> Litestar:
    """Build the Litestar application; tests pass a clock they can move."""
    settings = get_settings()
    session_config = SignedInSessionConfig(
        store="sessions", samesite="strict", httponly=True, secure=settings.production, max_age=12 * 3600
    )
    # Sign-in attempts per address, counted in the database so every app server shares the count.
    login_rate_limit = RateLimitConfig(
        rate_limit=("minute", 10),
        store="login_attempts",
        check_throttle_handler=_is_sign_in,
    )
    limits = [login_rate_limit.middleware]
    if settings.public_rate_limit > 0:
        public_rate_limit = RateLimitConfig(
            rate_limit=("minute", settings.public_rate_limit),
            store="public_requests",
            check_throttle_handler=_is_public_api,
        )
        limits.append(public_rate_limit.middleware)
    return Litestar(
        route_handlers=[
            healthz,
            DirectoryApiController,
            AuthController,
            TokenController,
            AuditController,
            ClientController,
            ReferralController,
            FollowUpController,
            ListingVerificationController,
            create_static_files_router(path="/", directories=[PROJECT_ROOT / "static"], html_mode=True, opt=PUBLIC),
        ],
        middleware=[
            security_headers_middleware,
            DefineMiddleware(SessionCSRFMiddleware, config=csrf_config(settings.signing_secret, settings.production)),
            *limits,
            session_config.middleware,
            DefineMiddleware(PrincipalMiddleware),
        ],
        stores={
            "sessions": DatabaseStore(),
            "login_attempts": DatabaseStore(namespace="login"),
            "public_requests": _rate_limit_store(settings),
        },
        lifespan=[database_lifespan],
        dependencies={"now": Provide(provide_now)},
        state=State(
            {
                "search_index": SearchIndex(settings.search_index_max_staleness),
                "geocoder": Geocoder(settings),
                "clock": clock or Clock(),
            }
        ),
        openapi_config=OpenAPIConfig(
            title="Community Resource Directory",
            version="0.1.0",
            description="HSDS 3.0 resource directory for SUD care management.",
            path="/schema",
        ),
    )
