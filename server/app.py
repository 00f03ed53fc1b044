"""The application factory: routes, database lifespan, search index, OpenAPI and static files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from piccolo.engine.postgres import PostgresEngine

from directory.controllers import DirectoryApiController
from directory.services.geocoding import Geocoder
from directory.services.search_index import SearchIndex
from server.database import pending_migrations
from server.settings import PROJECT_ROOT, get_settings

__all__ = ["create_app"]


class Health(msgspec.Struct):
    """Whether the server can serve: database engine, migrations, search index."""

    status: str
    database: str
    migrations_applied: bool
    pending_migrations: list[str]
    search_index_revision: int
    search_index_listings: int


@get("/healthz", operation_id="getHealth", summary="Health check", tags=["operations"])
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


def create_app() -> Litestar:
    """Build the Litestar application."""
    settings = get_settings()
    return Litestar(
        route_handlers=[
            healthz,
            DirectoryApiController,
            create_static_files_router(path="/", directories=[PROJECT_ROOT / "static"], html_mode=True),
        ],
        lifespan=[database_lifespan],
        state=State(
            {
                "search_index": SearchIndex(settings.search_index_max_staleness),
                "geocoder": Geocoder(settings),
            }
        ),
        openapi_config=OpenAPIConfig(
            title="Community Resource Directory",
            version="0.1.0",
            description="HSDS 3.0 resource directory for SUD care management.",
            path="/schema",
        ),
    )
