"""The yardstick the search benchmark compares against: plain ASGI + asyncpg + PostGIS, same listings.

It answers the benchmark's radius searches as a lean hand-written service would: the 20 nearest
listings within `radius_km` of `lat`/`lng` that have `category`, nearest first, with the total count,
each the stored public listing JSON plus `distance_km`, in the HSDS Page wrapper. No framework, no
validation library, one prepared SQL statement over a GiST index on the points.

    load_yardstick(postgres_url, source_url)    # fill yardstick_listing from a search_document table
    YARDSTICK_DATABASE_URL=postgresql://... uvicorn bench.yardstick:app --port 8001

`GET /search?lat=39.29&lng=-76.61&radius_km=25&category=moud`, `GET /healthz`.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
import uuid
from urllib.parse import parse_qs

import asyncpg

__all__ = ["app", "load_yardstick"]

PER_PAGE = 20
# Distances on the sphere (use_spheroid false), as the app measures them: both then agree on which
# listings are inside the radius, and the sphere is the cheaper of PostGIS's two calculations.
SEARCH_SQL = """
WITH origin AS (SELECT ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography AS here),
hits AS (
    SELECT candidate.listing, ST_Distance(candidate.geog, origin.here, false) AS distance_m, count(*) OVER () AS total
    FROM yardstick_listing AS candidate, origin
    WHERE candidate.categories @> ARRAY[$4::text] AND ST_DWithin(candidate.geog, origin.here, $3 * 1000, false)
    ORDER BY distance_m
    LIMIT $5
)
SELECT (listing || jsonb_build_object('distance_km', round((distance_m / 1000)::numeric, 2)))::text AS result, total
FROM hits
ORDER BY distance_m
"""
CREATE_SQL = """
CREATE EXTENSION IF NOT EXISTS postgis;
DROP TABLE IF EXISTS yardstick_listing;
CREATE TABLE yardstick_listing (
    id uuid PRIMARY KEY,
    geog geography(Point, 4326) NOT NULL,
    categories text[] NOT NULL,
    listing jsonb NOT NULL
);
"""
# Only the GiST index: with a GIN index on categories as well, PostgreSQL ANDs a bitmap of every
# listing in the category (25,000 of 100,000 for "moud") into each search, which halved req/s
# against filtering the few hundred listings inside the radius.
INDEX_SQL = "CREATE INDEX yardstick_listing_geog ON yardstick_listing USING gist (geog)"
# The app's search_document table in the same PostgreSQL database (JSON columns are `json` there).
FROM_POSTGRES_SQL = """
INSERT INTO yardstick_listing (id, geog, categories, listing)
SELECT id, ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography,
       ARRAY(SELECT jsonb_array_elements_text(categories::jsonb)), listing::jsonb
FROM search_document
WHERE is_active AND latitude IS NOT NULL AND longitude IS NOT NULL
"""
FROM_STAGING_SQL = """
INSERT INTO yardstick_listing (id, geog, categories, listing)
SELECT id, ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography, categories, listing
FROM yardstick_staging
"""


async def load_yardstick(postgres_url: str, source_url: str) -> int:
    """Fill `yardstick_listing` in `postgres_url` from the `search_document` table at `source_url`
    (the same PostgreSQL database, or a `sqlite:///` file); returns how many listings it holds."""
    connection = await asyncpg.connect(postgres_url)
    try:
        await connection.execute(CREATE_SQL)
        if source_url.startswith("sqlite:///"):
            await connection.execute(
                "CREATE TEMP TABLE yardstick_staging "
                "(id uuid, latitude float8, longitude float8, categories text[], listing jsonb)"
            )
            await connection.copy_records_to_table("yardstick_staging", records=_sqlite_listings(source_url))
            await connection.execute(FROM_STAGING_SQL)
        else:
            await connection.execute(FROM_POSTGRES_SQL)
        await connection.execute(INDEX_SQL)
        await connection.execute("VACUUM ANALYZE yardstick_listing")
        return await connection.fetchval("SELECT count(*) FROM yardstick_listing")
    finally:
        await connection.close()


def _sqlite_listings(source_url: str) -> list[tuple]:
    """The active, located listings of a SQLite database, as rows for the staging table."""
    with sqlite3.connect(source_url.removeprefix("sqlite:///")) as database:
        rows = database.execute(
            "SELECT id, latitude, longitude, categories, listing FROM search_document "
            "WHERE is_active AND latitude IS NOT NULL AND longitude IS NOT NULL"
        ).fetchall()
    return [
        (uuid.UUID(str(id_)), latitude, longitude, json.loads(categories), listing)
        for id_, latitude, longitude, categories, listing in rows
    ]


class BadRequest(Exception):
    """A query parameter that is missing or not a number."""


def _search_parameters(query_string: bytes) -> tuple[float, float, float, str]:
    """lat, lng, radius_km and category from the query string; BadRequest naming the parameter."""
    params = parse_qs(query_string.decode("latin-1"))
    try:
        category = params["category"][0]
    except KeyError:
        raise BadRequest("category is required") from None
    numbers = []
    for name in ("lat", "lng", "radius_km"):
        try:
            numbers.append(float(params[name][0]))
        except (KeyError, ValueError):
            raise BadRequest(f"{name} must be a number") from None
    return numbers[0], numbers[1], numbers[2], category


def _page(results: list[str], total: int) -> bytes:
    """The HSDS Page wrapper around the first page of results (listings already JSON)."""
    total_pages = max(1, math.ceil(total / PER_PAGE))
    return (
        f'{{"total_items":{total},"total_pages":{total_pages},"page_number":1,"size":{len(results)},'
        f'"first_page":true,"last_page":{str(total_pages == 1).lower()},"empty":{str(not results).lower()},'
        f'"contents":[{",".join(results)}]}}'
    ).encode()


async def _respond(send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _lifespan(scope, receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                # JIT compiling a millisecond query only adds latency.
                scope["state"]["pool"] = await asyncpg.create_pool(
                    os.environ["YARDSTICK_DATABASE_URL"], min_size=10, max_size=10, server_settings={"jit": "off"}
                )
            except Exception as error:  # noqa: BLE001  (reported to uvicorn, which stops)
                await send({"type": "lifespan.startup.failed", "message": repr(error)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await scope["state"]["pool"].close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope, receive, send) -> None:
    """The yardstick ASGI application."""
    if scope["type"] == "lifespan":
        await _lifespan(scope, receive, send)
        return
    if scope["path"] == "/healthz":
        await _respond(send, 200, b'{"status":"ok"}')
        return
    if scope["path"] != "/search":
        await _respond(send, 404, b'{"detail":"not found"}')
        return
    try:
        latitude, longitude, radius_km, category = _search_parameters(scope["query_string"])
    except BadRequest as error:
        await _respond(send, 400, json.dumps({"detail": str(error)}).encode())
        return
    rows = await scope["state"]["pool"].fetch(SEARCH_SQL, latitude, longitude, radius_km, category, PER_PAGE)
    await _respond(send, 200, _page([row["result"] for row in rows], rows[0]["total"] if rows else 0))


if __name__ == "__main__":
    import asyncio
    import sys

    started = time.perf_counter()
    count = asyncio.run(load_yardstick(sys.argv[1], sys.argv[2]))
    print(f"yardstick_listing: {count:,} listings in {time.perf_counter() - started:.1f} s")
