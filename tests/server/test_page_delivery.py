"""How pages travel: gzipped for browsers that accept it, static files cached for a year under fingerprinted URLs,
htmx only on pages that use it, and a serving process keeping its start-up objects out of full GC collections."""

from __future__ import annotations

import gc
import gzip
import json
import re
import weakref

import pytest
from litestar import get
from litestar.response import Template
from litestar.testing import AsyncTestClient

from kernel.guards import OPEN_DATA
from kernel.long_lived import refreeze_after_replacing
from kernel.settings import PROJECT_ROOT
from server.app import create_app
from server.static_assets import FINGERPRINTED, REVALIDATE, StaticAssets

pytestmark = pytest.mark.usefixtures("seeded")

RESULTS = "/?near=21201&search=food"
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"?]+)(\?v=[0-9a-f]{12})?"')
HTMX_SCRIPT = "vendor/htmx/htmx.min.js"


async def raw(client, path: str, encoding: str):
    """The answer as sent, body not decoded (httpx would gunzip it)."""
    async with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


@pytest.mark.parametrize("path", [RESULTS, "/api/services?near=21201&search=food"])
async def test_pages_and_api_answers_are_gzipped_for_clients_that_accept_it(client, path):
    plain, plain_body = await raw(client, path, "identity")
    zipped, zipped_body = await raw(client, path, "gzip, deflate, br")
    assert plain.status_code == zipped.status_code == 200
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped_body) == plain_body
    assert len(zipped_body) < len(plain_body) / 3
    assert "Accept-Encoding" in zipped.headers["vary"]
    # The security headers survive compression, and a page still varies by language and session.
    assert zipped.headers["content-security-policy"] == plain.headers["content-security-policy"]
    if not path.startswith("/api/"):
        assert {"Accept-Encoding", "Accept-Language", "Cookie"} <= set(re.split(r",\s*", zipped.headers["vary"]))


async def test_an_ndjson_stream_is_gzipped_line_by_line_intact(client):
    path = "/api/services?category=food&format=ndjson"
    plain, plain_body = await raw(client, path, "identity")
    zipped, zipped_body = await raw(client, path, "gzip")
    assert zipped.headers["content-encoding"] == "gzip"
    lines = gzip.decompress(zipped_body).decode().splitlines()
    assert len(lines) > 5 and [json.loads(line) for line in lines] == [
        json.loads(line) for line in plain_body.decode().splitlines()
    ]


async def test_a_small_answer_is_not_compressed(client):
    response, _ = await raw(client, "/healthz", "gzip")
    assert "content-encoding" not in response.headers


async def test_pages_link_static_files_by_fingerprint_and_those_are_immutable(client):
    html = (await client.get(RESULTS)).text
    links = STATIC_LINK.findall(html)
    assert ("/static/style.css" in dict(links)) and ("/static/directory.js" in dict(links))
    assert all(version for _, version in links), links
    for path, version in links:
        response = await client.get(path + version)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == FINGERPRINTED
        assert "Cookie" not in response.headers.get("vary", "")
    # Without the fingerprint, or with an old one, the browser must ask again.
    for stale in ("/static/style.css", "/static/style.css?v=000000000000"):
        assert (await client.get(stale)).headers["cache-control"] == REVALIDATE


def test_no_template_links_a_static_file_without_its_fingerprint():
    for template in PROJECT_ROOT.glob("*/templates/**/*.html"):
        assert '"/static/' not in template.read_text(), f"{template}: link it with static_url()"


def test_a_changed_file_gets_a_new_url(tmp_path):
    (tmp_path / "app.css").write_text("body { color: black }")
    assets = StaticAssets(tmp_path)
    before = assets.url("app.css")
    assert re.fullmatch(r"/static/app\.css\?v=[0-9a-f]{12}", before)
    assert assets.url("app.css") == before
    (tmp_path / "app.css").write_text("body { color: navy; }")
    after = assets.url("app.css")
    assert after != before
    assert assets.cache_control("/static/app.css", after.split("?")[1].encode()) == FINGERPRINTED
    assert assets.cache_control("/static/app.css", before.split("?")[1].encode()) == REVALIDATE
    with pytest.raises(FileNotFoundError):
        assets.url("../outside.css")


async def test_public_pages_load_no_htmx(client):
    for path in ("/", RESULTS, "/app/sign-in"):
        html = (await client.get(path)).text
        assert HTMX_SCRIPT not in html and "htmx-config" not in html, path


@get("/test-only/htmx-page", opt=OPEN_DATA, include_in_schema=False)
async def a_page_with_htmx() -> Template:
    return Template(
        template_str='{% extends "layout/base.html" %}{% set uses_htmx = true %}'
        '{% block content %}<button hx-post="/somewhere">Go</button>{% endblock %}'
    )


async def test_a_page_that_uses_htmx_loads_it_by_fingerprint():
    app = create_app()
    app.register(a_page_with_htmx)
    async with AsyncTestClient(app=app) as client:
        html = (await client.get("/test-only/htmx-page")).text
    assert re.search(rf'<script src="/static/{re.escape(HTMX_SCRIPT)}\?v=[0-9a-f]{{12}}" defer>', html)
    assert "htmx-config" in html


def test_every_template_with_hx_attributes_asks_for_htmx():
    for template in PROJECT_ROOT.glob("*/templates/**/*.html"):
        text = template.read_text()
        if re.search(r"\shx-[a-z]+=", text):
            assert "{% set uses_htmx = true %}" in text, f"{template} uses hx- attributes without loading htmx"


async def test_a_serving_process_freezes_what_start_up_loaded():
    app = create_app(serving=True)
    try:
        async with AsyncTestClient(app=app) as client:
            assert (await client.get("/healthz")).status_code == 200
            assert gc.get_freeze_count() > 0
            snapshot = app.state.search_index._snapshot
            assert snapshot is not None and not any(obj is snapshot for obj in gc.get_objects())
    finally:
        gc.unfreeze()


def test_refreezing_frees_a_replaced_structure_held_in_a_cycle():
    class Structure:
        pass

    old = Structure()
    old.itself = old  # type: ignore[attr-defined]
    gone = weakref.ref(old)
    gc.collect()
    gc.freeze()
    try:
        del old
        assert gone() is not None  # frozen: no collection sees the cycle
        refreeze_after_replacing()
        assert gone() is None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
