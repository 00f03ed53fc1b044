"""The search index's two ways of scoring words agree, and open_now follows posted hours."""

import datetime as dt

import numpy as np
import pytest

from directory.services import search_index
from directory.services.search_index import SearchIndex, SearchQuery, run_search

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.mark.parametrize("words", ["bupenorphine", "fod pantry", "shleter", "bus pass", "community health"])
async def test_scoring_by_documents_and_by_postings_agree(words):
    snapshot = await SearchIndex().current()
    concepts = snapshot.expand(words)
    everything = np.arange(snapshot.size, dtype=np.int32)
    some = np.sort(np.random.default_rng(1).choice(snapshot.size, size=50, replace=False)).astype(np.int32)
    for docs in (everything, some):
        lengths = snapshot.doc_ptr[docs + 1] - snapshot.doc_ptr[docs]
        by_documents = search_index._score_by_documents(snapshot, docs, lengths, concepts)
        by_postings = search_index._score_by_postings(snapshot, docs, concepts)
        assert np.allclose(by_documents, by_postings)
        if docs is everything:
            assert by_documents.max() > 0


async def test_open_now_follows_posted_hours_in_local_time():
    snapshot = await SearchIndex().current()
    baltimore = {"latitude": 39.2904, "longitude": -76.6122, "radius_km": 40.0}
    # Neighbors Food Pantry (sample) posts Tue/Thu/Sat 10:00-14:00, Baltimore time (UTC-5 in November).
    tuesday_noon = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.UTC)
    tuesday_night = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
    open_at_noon = run_search(snapshot, SearchQuery(text="pantry", open_now=True, now=tuesday_noon, **baltimore))
    open_at_night = run_search(snapshot, SearchQuery(text="pantry", open_now=True, now=tuesday_night, **baltimore))
    assert any(r.name.startswith("Neighbors Food Pantry") for r in open_at_noon.results)
    assert not any(r.name.startswith("Neighbors Food Pantry") for r in open_at_night.results)
    # The 24/7 crisis centre is open at night; listings without hours never count as open.
    crisis = run_search(
        snapshot, SearchQuery(categories=("mental_health",), open_now=True, now=tuesday_night, **baltimore)
    )
    assert crisis.total > 0 and all(r.hours for r in crisis.results)
