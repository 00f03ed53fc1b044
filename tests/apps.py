"""One application per test process and settings, reused by the tests' HTTP clients.

Building the Litestar app (registering ~900 routes, parsing every handler's signature) took about a third of
the suite's time when each test built its own. A test's app is still as good as new: its lifespan runs for each
test client (pool, pending migrations, search index), and what the app keeps between requests is reset here:
the clock, the search index, the geocoder, the in-memory rate-limit counters, the kept public pages and the log
handlers. A test that needs other settings or another app (the environment patched, a Redis store) still calls
`create_app` itself.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.stores.memory import MemoryStore

from accounts.services.passwords import use_password_hashing
from directory.geo.geocoding import Geocoder
from directory.search.index import SearchIndex
from kernel.clock import Clock
from kernel.settings import Settings
from server.app import COUNTER_STORES, create_app
from server.page_cache import PUBLIC_PAGE_CACHE

_APPS: dict[Settings, Litestar] = {}


async def app_for_test(clock: Clock | None = None) -> Litestar:
    """The app for the environment's settings, reset for a new test, on this clock (the system's by default)."""
    settings = Settings.from_environment()
    app = _APPS.get(settings)
    if app is None:
        app = _APPS[settings] = create_app(settings, clock=clock)
    else:
        use_password_hashing(settings.password_hashing)
        # Litestar's log handlers write to the stderr of the test that built the app: pytest has closed it.
        if app.logging_config:
            app.get_logger = app.logging_config.configure()
        for name in (*COUNTER_STORES, PUBLIC_PAGE_CACHE):
            store = app.stores.get(name)
            if isinstance(store, MemoryStore):
                await store.delete_all()
    app.state.clock = clock or Clock()
    app.state.search_index = SearchIndex(settings.search_index_poll_seconds)
    app.state.geocoder = Geocoder(settings)
    return app
