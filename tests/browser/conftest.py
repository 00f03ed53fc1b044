"""Browser tests: the real server on a free loopback port, seeded with the demo data, driven by Playwright in
Debian's Chromium at phone and desktop width. Every page a test visits through `visit` is checked with
axe-core (0 violations), must break no Content-Security-Policy rule, is screenshotted into
tests/browser/artifacts/, and has its size recorded in artifacts/page-sizes.csv.

On a PostgreSQL run (DATABASE_URL set) the server gets a database of its own beside the test database, since
the other tests empty theirs between tests.
"""

from __future__ import annotations

import csv
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kernel.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
AXE_SOURCE = (HERE / "vendor" / "axe.min.js").read_text()
DEMO_PASSWORD = "demo-password-2026"
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
"""WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, skip link...)."""
_SIZES: dict[str, int] = {}
_CHECKED: set[tuple[str, str, bool, str]] = set()
"""Pages scanned by axe and photographed in this test process: (name, width, JavaScript, shape)."""
SETTLED = """() => Promise.race([
    Promise.all(document.getAnimations().map(animation => animation.finished.catch(() => null))),
    new Promise(resolve => setTimeout(resolve, 2000)),
])"""
"""Wait (at most 2 s) for the page's running CSS transitions and animations to end."""
PAGE_SHAPE = """() => {
    const read = /^(id|for|aria-|class|role|type|alt|title|name|lang|tabindex|hidden|disabled|required)/;
    const ignored = ['value', 'href', 'action', 'content', 'datetime', 'data-id'];
    const parts = [];
    for (const element of document.querySelectorAll('*')) {
        const attributes = [...element.attributes]
            .filter(a => !ignored.includes(a.name))
            .map(a => a.name + '=' + (read.test(a.name) ? a.value.replace(/[0-9a-f-]{36}/g, '') : ''));
        const leafText = !element.children.length && element.textContent.trim() ? 't' : '';
        parts.push(element.tagName + '[' + attributes.join(',') + ']' + leafText);
    }
    return parts.join('|');
}"""
"""The page's markup without its changing text and ids: elements, the attributes axe reads, whether a leaf has text."""


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """The browser tests use the server's own database, never the test database: nothing to empty (and
    Playwright's event loop is running, where the usual cleaning cannot)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_database() -> tuple[str, str | None]:
    """(DATABASE_URL for the server, the PostgreSQL database to drop afterwards)."""
    test_url = os.environ.get("DATABASE_URL", "")
    if not test_url.startswith(("postgresql://", "postgres://")):
        path = PROJECT_ROOT / "var" / f"browser-{uuid.uuid4().hex[:8]}.sqlite"
        path.parent.mkdir(exist_ok=True)
        return f"sqlite:///{path}", None
    name = f"browser_{uuid.uuid4().hex[:10]}"
    base, _, _ = test_url.rpartition("/")
    _psql(base, f"CREATE DATABASE {name}")
    return f"{base}/{name}", name


def _psql(base_url: str, statement: str) -> None:
    """Run one statement on the server's `postgres` database, in a thread of its own: Playwright's event loop
    may already be running in this one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(f"{base_url}/postgres")
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, run()).result()


@dataclass
class LiveServer:
    """The running server: its base URL and the log it writes."""

    url: str
    log: Path
    process: subprocess.Popen = field(repr=False)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The product as `make run` starts it (migrated, seeded with demo data), on a free loopback port."""
    database_url, pg_database = _server_database()
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        # Tiles from a loopback address that serves none: tests never reach the internet, and the page
        # must stay usable when tiles cannot load.
        "MAP_TILE_URL": f"http://127.0.0.1:{port}/static/no-tiles/{{z}}/{{x}}/{{y}}.png",
        "PUBLIC_RATE_LIMIT": "0",
        # Every journey signs in from 127.0.0.1: the per-address limit would refuse the suite, not an attacker.
        "LOGIN_RATE_LIMIT": "10000",
        "SEARCH_INDEX_POLL_SECONDS": "0.2",
    }
    admin = [str(Path(sys.executable).parent / "directory-admin")]
    for step in (["migrate"], ["seed", "--quiet"]):
        subprocess.run([*admin, *step], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen([*admin, "serve"], env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield LiveServer(url=url, log=log, process=process)
    finally:
        process.terminate()
        process.wait(timeout=20)
        if pg_database:
            _psql(database_url.rpartition("/")[0], f"DROP DATABASE IF EXISTS {pg_database} WITH (FORCE)")
        elif database_url.startswith("sqlite:///"):
            Path(database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        _write_page_sizes()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start within a minute:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, started once a module: Playwright's event loop runs while it is open, and
    the other tests' fixtures need none running (asyncio.run), so it must not outlive the browser tests."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "browser tests need Debian's Chromium: apt-get install -y chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Visitor:
    """One person's browser (its own cookies), at one width, with or without JavaScript."""

    def __init__(self, browser, server: LiveServer, width: str, *, javascript: bool = True, language: str = "en"):
        self.server = server
        self.width = width
        self.javascript = javascript
        self.context = browser.new_context(
            **WIDTHS[width], java_script_enabled=javascript, locale="es-US" if language == "es" else "en-US"
        )
        self.context.set_default_timeout(10_000)
        self.context.route("**/*", self._loopback_only)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _loopback_only(self, route) -> None:
        host = re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", route.request.url)
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort()

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.problems.append(f"CSP: {text}")

    def visit(self, path: str, name: str, *, expect_status: int = 200):
        """Open a page, then check it (see `check`). Returns the Playwright page."""
        answer = self.page.goto(self.server.url + path)
        assert answer is not None and answer.status == expect_status, f"{path}: HTTP {answer and answer.status}"
        _SIZES[f"{name} ({self.width})"] = len(answer.body())
        self.check(name)
        return self.page

    def check(self, name: str) -> None:
        """The page the browser is on now: 0 axe violations, no CSP refusal, a screenshot, its size recorded.
        A page whose markup has the same shape as one checked before at this width (the sign-in page every
        journey starts from, a listing seen again) is not scanned and photographed again: same elements,
        attributes and roles, the same findings; only its text differs."""
        page = self.page
        page.wait_for_load_state("load")
        if self.javascript:
            # Checked as it settles, not mid-transition (a map popup fading in reads as low contrast to axe).
            page.evaluate(SETTLED)
        shape = (name, self.width, self.javascript, page.evaluate(PAGE_SHAPE))
        if shape not in _CHECKED:
            self.screenshot(name)
            if self.javascript:
                # axe-core is JavaScript: a page without JS is the same HTML the JS runs check, so it is checked
                # there.
                violations = axe_violations(page)
                assert not violations, f"{name}: accessibility violations:\n" + "\n".join(violations)
            _CHECKED.add(shape)
        assert not self.problems, f"{name}: " + "\n".join(self.problems)

    def screenshot(self, name: str) -> None:
        """Save what the page looks like now (tests/browser/artifacts/), unless BROWSER_SCREENSHOTS=0 (CI keeps
        no artifacts: a full-page screenshot of every new page is time spent for no one to look at)."""
        if os.environ.get("BROWSER_SCREENSHOTS") == "0":
            return
        ARTIFACTS.mkdir(exist_ok=True)
        suffix = "" if self.javascript else "-nojs"
        self.page.screenshot(path=ARTIFACTS / f"{name}-{self.width}{suffix}.png", full_page=True)

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        """Sign in through the sign-in page."""
        self.visit("/app/sign-in", "sign-in")
        self.page.locator("#email").fill(email)
        self.page.locator("#password").fill(password)
        self.page.get_by_role("button", name=re.compile("Sign in|Iniciar sesión")).click()
        self.page.wait_for_load_state("load")
        assert "/sign-in" not in self.page.url, f"sign-in as {email} failed"

    def close(self) -> None:
        """Close the browser context."""
        self.context.close()


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page, one line each. Injected through DevTools, so the page's
    own Content-Security-Policy stays as strict as it is for everyone."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    found = page.evaluate(
        """async (tags) => {
            // Playwright's evaluate has no timeout of its own: a check that never ends fails here, not at CI's.
            const timeout = new Promise((_, reject) =>
                setTimeout(() => reject(new Error('axe-core did not finish within 30 s')), 30000));
            const result = await Promise.race([axe.run(document, {runOnly: {type: 'tag', values: tags}}), timeout]);
            return result.violations.map(v =>
                `${v.id} (${v.impact}): ${v.help} -> ` +
                v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', '));
        }""",
        AXE_TAGS,
    )
    return list(found)


@pytest.fixture
def visitor_factory(browser, live_server):
    """Make visitors (close them at the end of the test)."""
    made: list[Visitor] = []

    def make(width: str = "phone", **options) -> Visitor:
        visitor = Visitor(browser, live_server, width, **options)
        made.append(visitor)
        return visitor

    yield make
    for visitor in made:
        visitor.close()


def _write_page_sizes() -> None:
    if not _SIZES:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "page-sizes.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["page", "html_bytes"])
        for name, size in sorted(_SIZES.items()):
            writer.writerow([name, size])
