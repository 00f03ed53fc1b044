"""The search index's two ways of scoring words agree, open_now follows posted hours, and searches
answer from the snapshot in hand without waiting on the database."""

import asyncio
import datetime as dt
import os
import sqlite3
from contextlib import asynccontextmanager

import numpy as np
import pytest
from litestar.testing import AsyncTestClient

from directory.search import ranking
from directory.search.index import SearchIndex
from directory.search.query import ListingFilters, SearchQuery
from directory.search.ranking import run_search
from directory.search.snapshot import Snapshot
from server.app import create_app

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.mark.parametrize(
    "words", ["bupenorphine food", "food pantri", "shleter rent", "bus pass clinic", "community health"]
)
async def test_scoring_by_documents_and_by_postings_agree(words):
    snapshot = await SearchIndex().current()
    concepts = snapshot.expand(words)
    everything = np.arange(snapshot.size, dtype=np.int32)
    some = np.sort(np.random.default_rng(1).choice(snapshot.size, size=50, replace=False)).astype(np.int32)
    for docs in (everything, some):
        lengths = snapshot.doc_ptr[docs + 1] - snapshot.doc_ptr[docs]
        by_documents = ranking._WordScores.empty(len(docs), count_words=True)
        ranking._score_by_documents(snapshot, docs, lengths, concepts, by_documents)
        by_postings = ranking._WordScores.empty(len(docs), count_words=True)
        ranking._score_by_postings(snapshot, docs, concepts, by_postings)
        assert np.allclose(by_documents.total, by_postings.total)
        assert np.allclose(by_documents.strength, by_postings.strength)
        assert np.array_equal(by_documents.fuzzy_words, by_postings.fuzzy_words)
        assert np.array_equal(by_documents.words_matched, by_postings.words_matched)
        if docs is everything:
            assert by_documents.total.max() > 0 and by_documents.words_matched.max() > 0


async def test_open_now_follows_posted_hours_in_local_time():
    snapshot = await SearchIndex().current()
    baltimore = {"latitude": 39.2904, "longitude": -76.6122, "radius_km": 40.0}
    # Neighbors Food Pantry (sample) posts Tue/Thu/Sat 10:00-14:00, Baltimore time (UTC-5 in November).
    tuesday_noon = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)
    tuesday_night = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
    open_at_noon = run_search(
        snapshot, SearchQuery(text="pantry", filters=ListingFilters(open_now=True), now=tuesday_noon, **baltimore)
    )
    open_at_night = run_search(
        snapshot, SearchQuery(text="pantry", filters=ListingFilters(open_now=True), now=tuesday_night, **baltimore)
    )
    assert any(r.name.startswith("Neighbors Food Pantry") for r in open_at_noon.results)
    assert not any(r.name.startswith("Neighbors Food Pantry") for r in open_at_night.results)
    # The 24/7 crisis centre is open at night; listings without hours never count as open.
    crisis = run_search(
        snapshot,
        SearchQuery(
            filters=ListingFilters(categories=("mental_health",), open_now=True), now=tuesday_night, **baltimore
        ),
    )
    assert crisis.total > 0 and all(r.hours for r in crisis.results)


def _synthetic_snapshot(points):
    import msgspec

    from directory.schemas import OrganizationRef, ServiceListing

    rows = []
    for i, (lat, lng) in enumerate(points):
        listing = ServiceListing(id=f"s{i}", name=f"place {i}", organization=OrganizationRef(id="o", name="o"))
        rows.append(
            {
                "latitude": lat,
                "longitude": lng,
                "categories": "[]",
                "facets": "{}",
                "text_fields": msgspec.json.encode({"name": f"place {i}"}).decode(),
                "listing": msgspec.json.encode(listing),
            }
        )
    return Snapshot(rows, revision=1)


@pytest.mark.parametrize("centre", [(39.29, -76.61), (64.8, -147.7), (-17.7, 179.9), (51.5, -179.95), (0.0, 0.0)])
def test_radius_search_finds_exactly_the_places_within_the_radius(centre):
    rng = np.random.default_rng(7)
    lat0, lng0 = centre
    points = [
        (float(np.clip(lat0 + rng.uniform(-6, 6), -89, 89)), float((lng0 + rng.uniform(-12, 12) + 180) % 360 - 180))
        for _ in range(3000)
    ]
    snapshot = _synthetic_snapshot(points)
    everything = np.arange(snapshot.size)
    for radius in (5.0, 40.0, 250.0):
        distances = snapshot.distances_km(everything, lat0, lng0)
        expected = {f"s{i}" for i in np.nonzero(distances <= radius)[0]}
        found = run_search(snapshot, SearchQuery(latitude=lat0, longitude=lng0, radius_km=radius, per_page=5000))
        assert {r.id for r in found.results} == expected, radius


@asynccontextmanager
async def _directory_revision_locked():
    """Another connection holds a lock that blocks any read of the directory revision."""
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgres"):
        import asyncpg

        connection = await asyncpg.connect(url)
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute("LOCK TABLE directory_revision IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            await transaction.rollback()
            await connection.close()
        return
    connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


async def test_searches_never_wait_on_the_database_to_learn_whether_the_index_is_current(seeded):
    """The finding: every search queued behind one request awaiting the revision query under load."""
    async with AsyncTestClient(app=create_app()) as client:
        assert (await client.get("/api/services", params={"category": "moud", "near": "21201"})).status_code == 200
        await asyncio.sleep(1.5)  # longer than the old once-a-second check
        async with _directory_revision_locked():
            for near in ("21201", "80204", "21218"):
                response = await asyncio.wait_for(
                    client.get("/api/services", params={"category": "moud", "near": near}), timeout=10
                )
                assert response.status_code == 200 and response.json()["total_items"] > 0


@pytest.mark.parametrize("words", ["", "bupenorphine", "food pantry"])
async def test_pre_encoded_results_are_byte_for_byte_the_typed_results(words):
    """The page is spliced from stored JSON; it must be exactly what encoding the typed results gives."""
    import msgspec

    from directory.schemas import ServiceSearchResult

    snapshot = await SearchIndex().current()
    results = run_search(snapshot, SearchQuery(text=words, latitude=39.29, longitude=-76.61, radius_km=40))
    assert results.total > 0
    for raw in results.encoded():
        typed = msgspec.json.decode(raw, type=ServiceSearchResult)
        assert msgspec.json.encode(typed) == bytes(raw)
        assert typed.distance_km is not None and 0 <= typed.distance_km <= 40
        if words:
            assert typed.relevance is not None and typed.relevance > 0 and typed.match
        else:
            assert typed.relevance is None and typed.match == []


def test_a_farther_listing_ranks_first_only_within_the_distance_factor():
    rng = np.random.default_rng(5)
    distances = rng.uniform(0, 40, 5000)
    relevance = rng.choice(np.array([100, 95, 90, 85, 76.5, 60, 54, 30, -5], dtype=np.float32), 5000)
    order = np.argsort(ranking._ranking_distances(distances, relevance), kind="stable")
    shown = np.maximum(distances[order], ranking.NEAR_ENOUGH_KM)
    nearest_after = np.minimum.accumulate(shown[::-1])[::-1][1:]
    assert np.all(shown[:-1] <= ranking.FIELD_MATCH_DISTANCE_FACTOR * nearest_after + 1e-9)
    # Equally strong matches are nearest first; a full-strength match keeps its own distance.
    for strength in (100, 60):
        same = distances[order][relevance[order] == strength]
        assert np.all(np.diff(np.maximum(same, 1)) >= 0)
    assert ranking._ranking_distances(np.array([7.0]), np.array([100.0]))[0] == pytest.approx(7.0)
    assert ranking._ranking_distances(np.array([7.0]), np.array([60.0]))[0] == pytest.approx(14.0)
